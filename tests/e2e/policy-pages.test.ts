import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { linkIn, startHarness, SECURITY_TEAM, type Email, type Harness } from '../workflow/harness.ts';
import { approvedService, OWNER } from '../workflow/journeys.ts';
import { checkNarrowPage, launchChromium, narrowContext } from './browser.ts';
import { loadApproverDirectory } from '../../functions/platform/directory.ts';

/**
 * The rest of the policy's pages in a real browser 320 CSS pixels wide, GOV.UK and MoJ Frontend's
 * scripts running under the pages' CSP: an exemption asked for through its form (first empty: the
 * error summary), rejected by the CISO from the emailed link, asked for again with the reasons beside
 * it, and the round-2 approver's page with what changed; a breach reported and the security team's
 * update; the approver directory and an entry's edit; every exemption and the governance report. On
 * every page axe finds nothing (WCAG 2.2 AA) and nothing scrolls sideways.
 */
let h: Harness;
let browser: Browser;
let owner: BrowserContext;
let approver: BrowserContext;
let team: BrowserContext;
const CISO = loadApproverDirectory().roles.CISO.email;

beforeAll(async () => {
  h = await startHarness();
  browser = await launchChromium();
  owner = await narrowContext(browser, h.stack, { email: OWNER, name: 'Priya Shah' });
  approver = await narrowContext(browser, h.stack);
  team = await narrowContext(browser, h.stack, { email: SECURITY_TEAM.email, name: SECURITY_TEAM.name, securityTeam: true });
}, 15 * 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

async function opened(context: BrowserContext, path: string): Promise<{ page: Page; scriptErrors: string[] }> {
  const page = await context.newPage();
  const scriptErrors: string[] = [];
  page.on('pageerror', (error) => scriptErrors.push(error.message));
  await page.goto(`${h.stack.apiUrl}${path}`);
  return { page, scriptErrors };
}

const submitted = async (page: Page, button: string) => {
  await page.getByRole('button', { name: button }).click();
  await page.waitForLoadState();
};

/** The CISO's emailed link of the exemption's round `round`. */
async function cisoLink(requestId: string, round: number): Promise<string> {
  const email: Email = await h.eventually(async () => {
    const asked = (await h.emails(`(${requestId})`)).filter(
      (e) => e.subject.startsWith('Exemption approval needed') && e.destination.to.some((to) => to.includes(CISO)),
    );
    return asked.length >= round && asked.find((e) => !seen.has(linkIn(e).approvalId));
  }, `the CISO's round ${round} email`);
  seen.add(linkIn(email).approvalId);
  const { approvalId, token } = linkIn(email);
  return `/approvals/${approvalId}?token=${token}`;
}
const seen = new Set<string>();

describe('the policy’s other pages in a browser, 320px wide', () => {
  it('asks for an exemption, has it rejected from the emailed link, and asks for it again', async () => {
    const { serviceId } = await approvedService(h);
    const { page, scriptErrors } = await opened(owner, '/exemptions/new');
    await checkNarrowPage(page, 'the exemption form');
    await submitted(page, 'Send for approval');
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Which part of the policy');
    await checkNarrowPage(page, 'the exemption form with its errors');
    await page.locator('#policyClause').fill('Policy: all MoJ data stays in UK data centres');
    await page.locator('#justification').fill('The supplier’s only disaster-recovery site is in Ireland.');
    await page.locator('#serviceId').selectOption(serviceId);
    await page.locator('#endDate-day').fill('30');
    await page.locator('#endDate-month').fill('6');
    await page.locator('#endDate-year').fill('2027');
    await submitted(page, 'Send for approval');
    expect(await page.locator('.govuk-panel__title').textContent()).toContain('Sent for approval');
    await checkNarrowPage(page, 'the exemption’s confirmation');
    const requestId = new URL(page.url()).pathname.split('/').pop()!;

    const decision = await opened(approver, await cisoLink(requestId, 1));
    await checkNarrowPage(decision.page, 'the approver’s exemption page');
    await decision.page.getByLabel('Reject the exemption').check();
    await decision.page.locator('#reason').fill('Say how the backups are protected');
    await submitted(decision.page, 'Send your decision');
    await checkNarrowPage(decision.page, 'the approver’s confirmation');
    expect(decision.scriptErrors).toEqual([]);

    await h.eventually(async () => (await h.stack.runtime.store.getCase(requestId))?.status === 'REJECTED', 'the rejection');
    await page.goto(`${h.stack.apiUrl}/exemptions/${requestId}`);
    expect(await page.locator('main').textContent()).toContain('Say how the backups are protected');
    await checkNarrowPage(page, 'the rejected exemption');
    await page.getByRole('button', { name: 'Ask for it again' }).click();
    await page.waitForLoadState();
    await checkNarrowPage(page, 'the ask-again form');
    await page.locator('#justification').fill('Backups in Ireland are encrypted, with keys held in the UK.');
    await submitted(page, 'Send for approval again');
    expect(await page.locator('.govuk-panel__title').textContent()).toContain('Sent for approval');
    await checkNarrowPage(page, 'the exemption in round 2');

    const again = await opened(approver, await cisoLink(requestId, 2));
    expect(await again.page.locator('main').textContent()).toContain('What changed since round 1');
    await checkNarrowPage(again.page, 'the round-2 approver’s page');

    await page.goto(`${h.stack.apiUrl}/exemptions`);
    await checkNarrowPage(page, 'your exemptions');
    expect(scriptErrors).toEqual([]);
  });

  it('reports a breach, and the security team records where it stands', async () => {
    const { page, scriptErrors } = await opened(owner, '/report-an-incident');
    await checkNarrowPage(page, 'the report form');
    await submitted(page, 'Send report');
    await checkNarrowPage(page, 'the report form with its errors');
    await page.locator('input[name="kind"][value="PERSONAL_DATA_BREACH"]').check();
    await page.locator('#description').fill('A supplier laptop with case notes was stolen.');
    await page.locator('#discoveredAt-day').fill('20');
    await page.locator('#discoveredAt-month').fill('11');
    await page.locator('#discoveredAt-year').fill('2026');
    await submitted(page, 'Send report');
    await checkNarrowPage(page, 'the report’s confirmation');
    const incidentId = new URL(page.url()).pathname.split('/').pop()!;
    await page.goto(`${h.stack.apiUrl}/incident-reports`);
    await checkNarrowPage(page, 'your reports');

    const updates = await opened(team, `/incident-reports/${incidentId}`);
    await checkNarrowPage(updates.page, 'an incident, for the security team');
    await updates.page.locator('input[name="status"][value="CONTAINED"]').check();
    await updates.page.locator('#note').fill('Laptop wiped remotely');
    await submitted(updates.page, 'Record update');
    expect(await updates.page.locator('main').textContent()).toContain('Laptop wiped remotely');
    await checkNarrowPage(updates.page, 'the incident after its update');
    await updates.page.goto(`${h.stack.apiUrl}/incident-reports`);
    await checkNarrowPage(updates.page, 'every incident');
    expect([...scriptErrors, ...updates.scriptErrors]).toEqual([]);
  });

  it('shows the security team the approver directory, an entry’s edit, every exemption and the governance report', async () => {
    const { page, scriptErrors } = await opened(team, '/directory');
    await checkNarrowPage(page, 'the approver directory');
    await page.goto(`${h.stack.apiUrl}/directory/edit?entry=role.CISO`);
    await checkNarrowPage(page, 'an entry’s edit');
    await page.goto(`${h.stack.apiUrl}/exemptions`);
    await checkNarrowPage(page, 'every exemption');
    await page.goto(`${h.stack.apiUrl}/governance-report`);
    await checkNarrowPage(page, 'the governance report');
    expect(scriptErrors).toEqual([]);
  });
});
