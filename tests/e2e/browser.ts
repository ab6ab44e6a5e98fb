import { expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import type { LocalStack } from '../../local/stack.ts';
import { signedIn, type Person } from '../workflow/pages.ts';
import { ensureChromium } from './chromium.ts';

/**
 * What every browser test shares: Debian's Chromium driven by playwright-core (installed first on a
 * fresh machine: that takes a minute or two, so the suites' beforeAll allow for it), a context
 * signed in as someone, and the checks every page visited must pass.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = await ensureChromium();
  return chromium.launch({
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
}

/** A browser context 320 CSS pixels wide (GOV.UK's narrowest), signed in as `person` if given (a session as the sign-in callback seals it). */
export async function narrowContext(browser: Browser, stack: LocalStack, person?: Person): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 320, height: 800 } });
  if (person) {
    const [name, ...value] = (await signedIn(stack, person)).cookie.split('=');
    await context.addCookies([{ name: name!, value: value.join('='), url: stack.apiUrl }]);
  }
  return context;
}

/** axe finds nothing against WCAG 2.2 AA on the page as it is. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']).analyze();
  expect(
    violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    `accessibility of ${what} (${page.url()})`,
  ).toEqual([]);
}

/** axe finds nothing, and nothing scrolls sideways (WCAG 2.2 reflow, at 320px). */
export async function checkNarrowPage(page: Page, what: string): Promise<void> {
  await expectAccessible(page, what);
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  expect(overflow, `${what} scrolls sideways at 320px`).toBeLessThanOrEqual(0);
}
