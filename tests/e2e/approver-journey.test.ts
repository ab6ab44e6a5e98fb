import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { startHarness, linkIn, type Harness } from '../workflow/harness.ts';
import { singleAreaRequest } from '../fixtures/index.ts';
import { ensureChromium } from './chromium.ts';

/**
 * The approver's journey in a real browser (Debian's Chromium, driven by playwright-core): open the
 * emailed link, read the request, reject without a reason (refused), reject with one, see what was
 * recorded. No scripts run on these pages, so this also proves the form works under the strict CSP.
 */
let h: Harness;
let browser: Browser;

// Installing Chromium on a fresh machine takes a minute or two; only this suite waits for it.
beforeAll(async () => {
  const executablePath = await ensureChromium();
  h = await startHarness();
  browser = await chromium.launch({
    executablePath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
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
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));

    await page.goto(linkIn(dpoEmail).url.href);
    expect(await page.locator('h1').textContent()).toContain('Court hearing transcription');
    expect(await page.getByText('MoJ Data Protection Officer (DPO)').count()).toBeGreaterThan(0);

    await page.getByRole('button', { name: 'Reject' }).click();
    await page.waitForLoadState();
    expect(await page.locator('[role=alert]').textContent()).toContain('give a reason when you reject');

    await page.locator('#reason').fill('Transcripts include special category data: DPIA needed first');
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.waitForLoadState();
    expect(await page.locator('h1').textContent()).toBe('Decision recorded: Rejected');
    expect(await page.content()).toContain('DPIA needed first');

    // The browser's second visit to the link shows the recorded decision, not the form.
    const again = await page.goto(linkIn(dpoEmail).url.href);
    expect(again?.status()).toBe(409);
    expect(await page.content()).toContain('REJECTED');
    // Under the strict CSP nothing was blocked (inline styles are pinned by hash; there are no scripts).
    expect(consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);

    const view = await h.eventually(async () => {
      const v = await h.status(body.requestId);
      return v.status === 'REJECTED' && v;
    }, 'rejection');
    expect(view.statusReason).toContain('DPIA needed first');
  });
});
