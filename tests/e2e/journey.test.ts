import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHarness, linkIn, type Harness } from '../workflow/harness.ts';
import { expectAccessible, launchChromium } from './browser.ts';

/**
 * The whole journey in a real browser, as people take it: a service owner signs in through the
 * local identity provider and asks for approval through the form; approvers decide from the links
 * the local inbox received (one rejects, first forgetting the reason); the owner sees the rejection,
 * adjusts and resubmits; everyone approves; the owner sees it approved; the security team signs in,
 * finds the service in the register and records a review. axe checks every page visited (WCAG 2.2
 * AA), and each page is saved as a screenshot in tests/e2e/artifacts/journey/ (the README's come
 * from there).
 */
const ARTIFACTS = path.join(import.meta.dirname, 'artifacts', 'journey');
const OWNER = 'priya.shah@justice.gov.uk';
const SECURITY = 'sam.security@justice.gov.uk';

let h: Harness;
let browser: Browser;
let base: string;

beforeAll(async () => {
  h = await startHarness();
  base = h.stack.runtime.publicBaseUrl;
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
}, 15 * 60_000);
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

let shot = 0;
/** axe on the page as it is (nothing to report), and its screenshot. */
async function visited(page: Page, name: string): Promise<void> {
  await expectAccessible(page, name);
  shot += 1;
  await page.screenshot({ path: path.join(ARTIFACTS, `${String(shot).padStart(2, '0')}-${name}.png`) });
}

/** Through the local identity provider's sign-in page, as a person: their email address, and the security team box if they are. */
async function signInAtProvider(page: Page, email: string, securityTeam = false): Promise<void> {
  await page.waitForURL((url) => url.origin === h.stack.identityProvider.issuer);
  await visited(page, securityTeam ? 'sign-in-security-team' : 'sign-in');
  await page.getByLabel('Email address').fill(email);
  if (securityTeam) await page.getByLabel('I am in the security team').check();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.origin === new URL(base).origin);
}

async function click(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name, exact: true }).click();
  await page.waitForLoadState();
}

/** Each approver's link of this round, from the local inbox. */
async function approvalLinks(requestId: string, round: number): Promise<{ to: string; href: string }[]> {
  return h.eventually(async () => {
    const asked = (await h.emails(requestId)).filter((e) => /approval needed/i.test(e.subject));
    const links = asked.map((e) => ({ to: e.destination.to.join(), href: linkIn(e).url.href }));
    return links.length === 5 * round && links.slice(5 * (round - 1));
  }, `round ${round}'s five approval emails`);
}

async function decide(page: Page, href: string, decision: 'Approve' | 'Reject', reason?: string, name?: string): Promise<void> {
  await page.goto(href);
  if (name) await visited(page, name);
  await page.getByLabel(decision, { exact: true }).check();
  if (reason) await page.locator('#reason').fill(reason);
  await click(page, 'Send your decision');
  expect(await page.locator('h1').textContent()).toContain(`Decision recorded: ${decision === 'Approve' ? 'Approved' : 'Rejected'}`);
}

describe('the service in a browser', () => {
  it(
    'from the start page to an approved, registered and reviewed service',
    async () => {
      const owner = await (await browser.newContext({ viewport: { width: 1024, height: 800 } })).newPage();
      const scriptErrors: string[] = [];
      owner.on('pageerror', (error) => scriptErrors.push(error.message));

      // The start page, then sign-in through the identity provider, straight back to the form.
      await owner.goto(`${base}/`);
      await visited(owner, 'start');
      await owner.getByRole('button', { name: 'Start now' }).click();
      await signInAtProvider(owner, OWNER);
      expect(new URL(owner.url()).pathname).toBe('/offshoring-requests/new');
      await visited(owner, 'request-form');

      // Nothing filled in: the error summary, focused, each message linking to its field.
      await click(owner, 'Continue');
      const summary = owner.locator('.govuk-error-summary');
      expect(await summary.isVisible()).toBe(true);
      expect(await owner.evaluate<boolean>("document.activeElement?.classList.contains('govuk-error-summary')")).toBe(true);
      expect(await summary.textContent()).toContain('Service name');
      await visited(owner, 'request-form-errors');

      await owner.locator('#serviceName').fill('Court hearing transcription');
      await owner.locator('#supplierName').fill('Veritext Transcription Services Ltd');
      await owner.locator('#description').fill('Hearing recordings transcribed by a team in India');
      await owner.getByLabel('New offshore service').check();
      await owner.getByLabel('High: MoJ services depend on it').check();
      await owner.getByLabel('HM Courts & Tribunals Service').check();
      await owner.getByLabel('OFFICIAL-SENSITIVE').check();
      await owner.getByLabel('Personal data').check();
      await owner.locator('#offshoreLocations-0-country').selectOption('IN');
      await owner.locator('#offshoreLocations-0-activities').check();
      await owner.locator('#plannedStartDate-day').fill('1');
      await owner.locator('#plannedStartDate-month').fill('3');
      await owner.locator('#plannedStartDate-year').fill('2027');
      await owner.locator('#contractManager-name').fill('Tom Evans');
      await owner.locator('#contractManager-email').fill('tom.evans@justice.gov.uk');
      await owner.locator('#mitigations').fill('Virtual desktops only');
      await owner.getByRole('button', { name: 'Continue' }).last().click();
      await owner.waitForLoadState();
      expect(await owner.locator('h1').textContent()).toContain('Check your answers');
      expect(await owner.locator('main').textContent()).toContain(OWNER);
      expect(await owner.locator('main').textContent()).toContain('High: MoJ services depend on it');
      await visited(owner, 'check-answers');
      await click(owner, 'Ask for approval');
      await owner.waitForURL(/\/confirmation$/);
      const requestId = /offshoring-requests\/([^/]+)\/confirmation/.exec(owner.url())![1]!;
      expect(await owner.locator('.govuk-panel').textContent()).toContain(requestId);
      await visited(owner, 'confirmation');

      // Round 1: four approve, then the DPO rejects (first forgetting the reason), which ends the round.
      const approver = await (await browser.newContext({ viewport: { width: 1024, height: 800 } })).newPage();
      const round1 = await approvalLinks(requestId, 1);
      const dpo = round1.find((l) => l.to.includes('dpo@'))!;
      const others = round1.filter((l) => l !== dpo);
      await decide(approver, others[0]!.href, 'Approve', undefined, 'approval');
      await visited(approver, 'decision-recorded');
      for (const link of others.slice(1)) await decide(approver, link.href, 'Approve');
      await approver.goto(dpo.href);
      await approver.getByLabel('Reject', { exact: true }).check();
      await click(approver, 'Send your decision');
      expect(await approver.locator('.govuk-error-summary').textContent()).toContain('reason');
      await visited(approver, 'approval-errors');
      await approver.locator('#reason').fill('Transcripts hold special category data: a DPIA is needed first');
      await click(approver, 'Send your decision');
      expect(await approver.locator('h1').textContent()).toContain('Decision recorded: Rejected');

      // The owner sees the rejection with its reason, and resubmits through the prefilled form.
      await owner.goto(`${base}/offshoring-requests/${requestId}`);
      await expect
        .poll(
          async () => {
            await owner.reload();
            return owner.locator('main').textContent();
          },
          { timeout: 20_000 },
        )
        .toContain('a DPIA is needed first');
      expect(await owner.locator('.govuk-tag').first().textContent()).toContain('Rejected');
      await visited(owner, 'request-rejected');
      await owner.getByRole('link', { name: 'Adjust your plans and resubmit' }).click();
      await owner.waitForLoadState();
      expect(await owner.locator('#serviceName').inputValue()).toBe('Court hearing transcription');
      await visited(owner, 'resubmit-form');
      await owner.locator('#mitigations').fill('Virtual desktops only\nDPIA completed and signed off by the DPO');
      await click(owner, 'Resubmit for approval');
      expect(await owner.locator('.govuk-notification-banner--success').textContent()).toContain('resubmitted');

      // Round 2: everyone approves.
      const round2 = await approvalLinks(requestId, 2);
      const dpo2 = round2.find((l) => l.to.includes('dpo@'))!;
      await decide(approver, dpo2.href, 'Approve', undefined, 'approval-round-2');
      for (const link of round2.filter((l) => l !== dpo2)) await decide(approver, link.href, 'Approve');

      await owner.goto(`${base}/offshoring-requests/${requestId}`);
      await expect
        .poll(
          async () => {
            await owner.reload();
            return owner.locator('.govuk-tag').first().textContent();
          },
          { timeout: 20_000 },
        )
        .toContain('Approved');
      await visited(owner, 'request-approved');
      await owner.goto(`${base}/your-requests`);
      expect(await owner.locator('main').textContent()).toContain(requestId);
      await visited(owner, 'your-requests');
      expect(scriptErrors).toEqual([]);

      // The security team signs in, finds the service in the register and records a review.
      const security = await (await browser.newContext({ viewport: { width: 1024, height: 800 } })).newPage();
      await security.goto(`${base}/register`);
      await signInAtProvider(security, SECURITY, true);
      expect(new URL(security.url()).pathname).toBe('/register');
      await visited(security, 'register');
      const serviceLink = security.locator('main a[href^="/register/SVC-"]', { hasText: 'Court hearing transcription' });
      await serviceLink.first().click();
      await security.waitForLoadState();
      await visited(security, 'service');
      await security.getByLabel('Satisfactory').check();
      await security.locator('#notes').fill('Supplier controls checked with the owner');
      await click(security, 'Record review');
      expect(await security.locator('.govuk-notification-banner--success').textContent()).toContain('Review recorded');
      expect(await security.locator('#reviews').textContent()).toContain('Supplier controls checked with the owner');
      await visited(security, 'service-reviewed');
      await security.goto(`${base}/requests-in-progress`);
      await visited(security, 'requests-in-progress');
      await security.goto(`${base}/monitoring`);
      await visited(security, 'monitoring');
    },
    5 * 60_000,
  );
});
