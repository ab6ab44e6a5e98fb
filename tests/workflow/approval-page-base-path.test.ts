import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { form, linkIn, startHarness, type Harness } from './harness.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

/**
 * Behind a custom domain with a base path, the approval page's form posts to the public base URL,
 * path included, and the page's CSP lets it.
 */
const PUBLIC_BASE_URL = 'https://approvals.example.gov.uk/offshore';
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ runtime: { publicBaseUrl: PUBLIC_BASE_URL } });
});
afterAll(() => h?.close());

const formAction = (page: string) => /<form method="post" action="([^"]+)"/.exec(page)?.[1]?.replace(/&amp;/g, '&');
const formActionDirective = (csp: string | null) =>
  csp
    ?.split(';')
    .map((d) => d.trim())
    .find((d) => d.startsWith('form-action '));

describe('the decision form behind a base path', () => {
  it('posts to the public base URL with its path, on the page and on the page that asks again, and the CSP allows it', async () => {
    const { body } = await h.submit(singleAreaRequest());
    const email = await h.eventually(
      async () => (await h.emails(body.requestId)).find((e) => e.subject.includes('Offshoring approval needed')),
      'an approver email',
    );
    const { url, approvalId, token } = linkIn(email);
    expect(url.href).toBe(`${PUBLIC_BASE_URL}/approvals/${encodeURIComponent(approvalId)}?token=${token}`);

    // The gateway (here the local API) serves the path below the base path.
    const page = await h.api(`/approvals/${encodeURIComponent(approvalId)}?token=${token}`);
    expect(page.status).toBe(200);
    expect(formAction(page.text)).toBe(url.href);
    expect(formActionDirective(page.headers.get('content-security-policy'))).toBe(`form-action ${PUBLIC_BASE_URL}/approvals/`);

    const again = await h.api(`/approvals/${encodeURIComponent(approvalId)}`, form({ token, decision: 'REJECT' }));
    expect(again.status).toBe(400);
    expect(formAction(again.text)).toBe(url.href);
    expect(formActionDirective(again.headers.get('content-security-policy'))).toBe(`form-action ${PUBLIC_BASE_URL}/approvals/`);
  });
});
