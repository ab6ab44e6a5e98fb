import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { startHarness, type Harness } from '../workflow/harness.ts';
import { OWNER, rejectedRequest } from '../workflow/journeys.ts';
import { checkNarrowPage, launchChromium, narrowContext } from './browser.ts';

/**
 * The service owner's pages in a real browser at 320 CSS pixels wide, with GOV.UK and MoJ
 * Frontend's scripts running under the pages' CSP: axe finds nothing (WCAG 2.2 AA) and nothing
 * scrolls sideways; MoJ add-another adds a location in the page and the form still posts it.
 */
let h: Harness;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  h = await startHarness();
  browser = await launchChromium();
  context = await narrowContext(browser, h.stack, { email: OWNER, name: 'Priya Shah' });
}, 15 * 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('a service owner in a browser, 320px wide', () => {
  it('asks for approval: the form, its errors, another location, check answers, confirmation, the request and its list', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    // Script errors only: a refused form is answered 400, which Chromium also logs as an error.
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${h.stack.apiUrl}/offshoring-requests/new`);
    await checkNarrowPage(page, 'the empty form');

    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForLoadState();
    expect(await page.locator('.govuk-error-summary').isVisible()).toBe(true);
    // GOV.UK's script focuses the summary.
    expect(await page.evaluate<boolean>("document.activeElement?.classList.contains('govuk-error-summary')")).toBe(true);
    await checkNarrowPage(page, 'the form with errors');

    await page.locator('#serviceName').fill('Court hearing transcription');
    await page.locator('#supplierName').fill('Veritext Transcription Services Ltd');
    await page.locator('#description').fill('Transcribed in India');
    await page.getByLabel('New offshore service').check();
    await page.getByLabel('Medium: its loss would disrupt MoJ services').check();
    await page.getByLabel('HM Courts & Tribunals Service').check();
    await page.getByLabel('OFFICIAL-SENSITIVE').check();
    await page.getByLabel('Personal data').check();
    await page.locator('#offshoreLocations-0-country').selectOption('IN');
    await page.locator('#offshoreLocations-0-activities').check();
    // MoJ add-another, in the page: a second location without a round trip.
    await page.getByRole('button', { name: 'Add another location' }).click();
    await page.locator('#offshoreLocations-1-country').selectOption('FR');
    await page.locator('#offshoreLocations-1-activities-2').check();
    await page.locator('#plannedStartDate-day').fill('1');
    await page.locator('#plannedStartDate-month').fill('3');
    await page.locator('#plannedStartDate-year').fill('2027');
    await page.locator('#contractManager-name').fill('Tom Evans');
    await page.locator('#contractManager-email').fill('tom.evans@justice.gov.uk');
    await page.locator('#informationAssetOwner-name').fill('Grace Okafor');
    await page.locator('#informationAssetOwner-email').fill('grace.okafor@justice.gov.uk');
    await page.locator('#mitigations').fill('Virtual desktops only\nBPSS clearance');
    await page.getByRole('button', { name: 'Continue' }).last().click();
    await page.waitForLoadState();
    expect(await page.locator('h1').textContent()).toContain('Check your answers');
    expect(await page.locator('.govuk-summary-list').textContent()).toContain('France: Support');
    expect(await page.locator('.govuk-summary-list').textContent()).toContain('Grace Okafor, grace.okafor@justice.gov.uk');
    await checkNarrowPage(page, 'check your answers');

    await page.getByRole('button', { name: 'Ask for approval' }).click();
    await page.waitForURL(/\/confirmation$/);
    await checkNarrowPage(page, 'the confirmation');
    const requestId = /offshoring-requests\/([^/]+)\/confirmation/.exec(page.url())![1]!;
    const stored = await h.status(requestId);
    expect(stored.request.offshoreLocations).toEqual([
      { country: 'IN', activities: ['HOSTING'] },
      { country: 'FR', activities: ['SUPPORT'] },
    ]);
    expect(stored.request).toMatchObject({
      businessCriticality: 'MEDIUM',
      informationAssetOwner: { name: 'Grace Okafor', email: 'grace.okafor@justice.gov.uk' },
    });

    await page.goto(`${h.stack.apiUrl}/offshoring-requests/${requestId}`);
    await checkNarrowPage(page, 'the request page');
    await page.goto(`${h.stack.apiUrl}/your-requests`);
    await checkNarrowPage(page, 'your requests');
    expect(errors).toEqual([]);
  });

  it('after a rejection: the request page and the forms of its routes and withdrawal', async () => {
    const requestId = await rejectedRequest(h);
    const page = await context.newPage();
    for (const path of ['', '/resubmit', '/mitigations', '/escalate', '/withdraw']) {
      await page.goto(`${h.stack.apiUrl}/offshoring-requests/${requestId}${path}`);
      await checkNarrowPage(page, path || 'the rejected request');
    }
    await page.goto(`${h.stack.apiUrl}/offshoring-requests/${requestId}/escalate`);
    await page.getByRole('button', { name: 'Escalate' }).click();
    await page.waitForLoadState();
    await checkNarrowPage(page, 'the escalation form with errors');
  });
});
