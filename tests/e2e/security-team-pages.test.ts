import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { startHarness, SECURITY_TEAM, type Harness } from '../workflow/harness.ts';
import { approvedService, submit } from '../workflow/journeys.ts';
import { multiAreaRequest } from '../fixtures/index.ts';
import { checkNarrowPage, launchChromium, narrowContext } from './browser.ts';

/**
 * The security team's pages in a real browser 320 CSS pixels wide, GOV.UK and MoJ Frontend's
 * scripts running under the pages' CSP: the filters, the register, a review recorded through the
 * form (first empty: the error summary), monitoring and run now. On every page axe finds nothing
 * (WCAG 2.2 AA) and nothing scrolls sideways.
 */
let h: Harness;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  h = await startHarness();
  browser = await launchChromium();
  context = await narrowContext(browser, h.stack, { email: SECURITY_TEAM.email, name: SECURITY_TEAM.name, securityTeam: true });
}, 15 * 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

describe('the security team in a browser, 320px wide', () => {
  it('filters requests in progress and the register, records a review and runs the checks now', async () => {
    const { serviceId } = await approvedService(h);
    const single = await submit(h);
    const multi = await submit(h, multiAreaRequest() as Record<string, unknown>);
    const page = await context.newPage();
    const scriptErrors: string[] = [];
    page.on('pageerror', (error) => scriptErrors.push(error.message));

    await page.goto(`${h.stack.apiUrl}/requests-in-progress`);
    await checkNarrowPage(page, 'requests in progress');
    await page.locator('#businessArea').selectOption('LAA');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForLoadState();
    expect(new URL(page.url()).searchParams.get('businessArea')).toBe('LAA');
    expect(await page.locator(`a[href="/offshoring-requests/${multi}"]`).count()).toBe(1);
    expect(await page.locator(`a[href="/offshoring-requests/${single}"]`).count()).toBe(0);
    await checkNarrowPage(page, 'requests in progress, filtered');

    await page.goto(`${h.stack.apiUrl}/register`);
    await checkNarrowPage(page, 'the register');
    await page.locator('#country').selectOption('IN');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForLoadState();
    await checkNarrowPage(page, 'the register, filtered');
    await page.locator(`a[href="/register/${serviceId}"]`).click();
    await page.waitForLoadState();
    await checkNarrowPage(page, "a service's page");

    await page.getByRole('button', { name: 'Record review' }).click();
    await page.waitForLoadState();
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('say what the review found');
    await checkNarrowPage(page, 'the review form with its error');
    await page.getByLabel('Satisfactory').check();
    await page.locator('#notes').fill('Supplier controls checked with the owner');
    await page.getByRole('button', { name: 'Record review' }).click();
    await page.waitForLoadState();
    expect(await page.locator('.govuk-notification-banner--success').textContent()).toContain('Review recorded');
    expect(await page.locator('#reviews').textContent()).toContain('Supplier controls checked with the owner');
    await checkNarrowPage(page, 'the service after its review');

    await page.goto(`${h.stack.apiUrl}/monitoring`);
    await checkNarrowPage(page, 'monitoring');
    await page.getByRole('button', { name: 'Run today’s checks now' }).click();
    await page.waitForLoadState();
    expect(await page.locator('.govuk-notification-banner--success').textContent()).toContain('Today’s checks ran');
    await checkNarrowPage(page, 'monitoring after a run');
    expect(scriptErrors).toEqual([]);
  });
});
