import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { form, linkIn, startHarness, type Harness } from './harness.ts';
import { singleAreaRequest } from '../fixtures/index.ts';
import { createApiServer, type LambdaHandler } from '../../local/api-server.ts';
import type { FunctionKey } from '../../functions/catalogue.ts';

/** No response carries a header with an empty or "undefined" value: JSON routes, pages, errors. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

function blankHeaders(headers: Headers): string[] {
  return [...headers].filter(([, value]) => value.trim() === '' || value.trim() === 'undefined').map(([name, value]) => `${name}: "${value}"`);
}

describe('response headers', () => {
  it('are never empty or "undefined", on JSON routes, approval pages and errors', async () => {
    const request = singleAreaRequest();
    const submitted = await h.submit(request);
    expect(submitted.status).toBe(201);
    const requestId: string = submitted.body.requestId;
    const email = await h.eventually(
      async () => (await h.emails(requestId)).find((e) => e.subject.startsWith('Offshoring approval needed')),
      'an approver email',
    );
    const { url, approvalId, token } = linkIn(email);

    const responses = {
      'POST /requests': submitted,
      'GET /requests/{id}': await h.api(`/requests/${requestId}`),
      'GET /requests/{id} as a stranger (403)': await h.api(`/requests/${requestId}`, undefined, 'someone.else@justice.gov.uk'),
      'POST /requests, not JSON (415)': await h.api(
        '/requests',
        { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' },
        request.serviceOwner.email,
      ),
      'GET /services': await h.api('/services'),
      'GET /monitoring/runs': await h.api('/monitoring/runs'),
      'no token (401)': await h.api('/services', undefined, null),
      'unknown route (404)': await h.api('/nowhere'),
      'GET /approvals/{id} (the page)': await h.api(url.pathname + url.search),
      'GET /approvals/{id}, wrong token (403 page)': await h.api(`/approvals/${approvalId}?token=${'x'.repeat(43)}`),
      'POST /approvals/{id}, no reason to reject (400 page)': await h.api(`/approvals/${approvalId}`, form({ token, decision: 'REJECT' })),
    };
    expect(responses['GET /approvals/{id} (the page)'].headers.get('content-type')).toMatch(/text\/html/);
    const found = Object.fromEntries(Object.entries(responses).map(([route, res]) => [route, blankHeaders(res.headers)]));
    expect(found).toEqual(Object.fromEntries(Object.keys(responses).map((route) => [route, []])));
    for (const res of Object.values(responses)) {
      expect(res.headers.has('x-powered-by')).toBe(false);
      expect(res.headers.has('server')).toBe(false);
    }
    // The security headers themselves are still there.
    const page = responses['GET /approvals/{id} (the page)'].headers;
    expect(page.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(page.get('x-frame-options')).toBe('DENY');
    expect(responses['GET /requests/{id}'].headers.get('x-content-type-options')).toBe('nosniff');
    expect(responses['GET /requests/{id}'].headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
  });

  it('the local API server drops a header a handler left empty or undefined', async () => {
    const handler: LambdaHandler = async () => ({
      statusCode: 200,
      headers: { 'X-Empty': '', 'X-Blank': ' ', 'X-Undefined': undefined, 'X-Kept': 'yes' },
      body: '{}',
    });
    const handlers = new Proxy({}, { get: () => handler }) as Record<FunctionKey, LambdaHandler>;
    const server = createApiServer({ handlers, authenticate: () => ({ claims: {} }) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/requests`, { headers: { authorization: 'Bearer t' } });
      expect(res.status).toBe(200);
      expect(blankHeaders(res.headers)).toEqual([]);
      expect(res.headers.get('x-kept')).toBe('yes');
      for (const name of ['x-empty', 'x-blank', 'x-undefined']) expect(res.headers.has(name)).toBe(false);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
