import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { startHarness, linkIn, type Harness } from '../workflow/harness.ts';
import { singleAreaRequest } from '../fixtures/index.ts';
import { checkNarrowPage, launchChromium, narrowContext } from './browser.ts';

/**
 * The approver's journey in a real browser (Debian's Chromium, driven by playwright-core) 320 CSS
 * pixels wide, GOV.UK Frontend's script running under the page's CSP: open the emailed link, read
 * the request, reject without a reason (refused, the error summary focused), reject with one, see
 * what was recorded and what happens next. On every page axe finds nothing (WCAG 2.2 AA) and
 * nothing scrolls sideways.
 */
let h: Harness;
let browser: Browser;
let context: BrowserContext;

// Installing Chromium on a fresh machine takes a minute or two; only this suite waits for it.
beforeAll(async () => {
  h = await startHarness();
  browser = await launchChromium();
  context = await narrowContext(browser, h.stack);
}, 15 * 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('an approver in a browser', () => {
  it('opens the link, must give a reason to reject, and sees the recorded decision', async () => {
    const { body } = await h.submit(singleAreaRequest());
    const emails = await h.eventually(async () => {
      const mine = (await h.emails(body.requestId)).filter((e) => e.subject.includes('Offshoring approval needed'));
      return mine.length === 5 && mine;
    }, 'approver emails');
    const dpoEmail = emails.find((e) => e.destination.to.join().includes('<dpo@justice.local>'))!;
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
    const scriptErrors: string[] = [];
    page.on('pageerror', (error) => scriptErrors.push(error.message));

    await page.goto(linkIn(dpoEmail).url.href);
    expect(await page.locator('h1').textContent()).toContain('Court hearing transcription');
    expect(await page.getByText('MoJ Data Protection Officer (DPO)').count()).toBeGreaterThan(0);
    await checkNarrowPage(page, 'the decision form');

    await page.getByLabel('Reject').check();
    await page.getByRole('button', { name: 'Send your decision' }).click();
    await page.waitForLoadState();
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('You must give a reason when you reject');
    expect(await page.evaluate<boolean>("document.activeElement?.classList.contains('govuk-error-summary')")).toBe(true);
    expect(await page.getByLabel('Reject').isChecked()).toBe(true);
    await checkNarrowPage(page, 'the form with its error');

    await page.locator('.govuk-error-summary a[href="#reason"]').click();
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe('reason');
    await page.locator('#reason').fill('Transcripts include special category data: DPIA needed first');
    await page.getByRole('button', { name: 'Send your decision' }).click();
    await page.waitForLoadState();
    expect(await page.locator('h1').textContent()).toContain('Decision recorded: Rejected');
    expect(await page.content()).toContain('DPIA needed first');
    await checkNarrowPage(page, 'the decision recorded');

    // The browser's second visit to the link shows the recorded decision, in words, not the form.
    const again = await page.goto(linkIn(dpoEmail).url.href);
    expect(again?.status()).toBe(409);
    expect(await page.locator('main').textContent()).toMatch(/recorded a decision at .*: Rejected\./);
    await checkNarrowPage(page, 'the used link');
    // Under the page's CSP nothing was blocked, and GOV.UK's script ran without an error.
    expect(consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    expect(scriptErrors).toEqual([]);

    const view = await h.eventually(async () => {
      const v = await h.status(body.requestId);
      return v.status === 'REJECTED' && v;
    }, 'rejection');
    expect(view.statusReason).toContain('DPIA needed first');
  });
});
