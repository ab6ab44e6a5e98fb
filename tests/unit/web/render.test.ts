import { describe, expect, it } from 'vitest';
import { pageContentSecurityPolicy, renderPage } from '../../../functions/web/render.ts';

describe('pages on GOV.UK Frontend', () => {
  it('renders the start page with the MoJ header, the hashed stylesheet and a nonce on the one inline script', () => {
    const page = renderPage('start.njk', {});
    const html = page.body as string;
    expect(page.statusCode).toBe(200);
    expect(html).toContain('<html lang="en"');
    expect(html).toContain('moj-header');
    expect(html).toMatch(/<link rel="stylesheet" href="\/assets\/application-[0-9a-f]{12}\.css">/);
    expect(html).toMatch(/<script type="module" src="\/assets\/application-[0-9a-f]{12}\.js"><\/script>/);
    const csp = String(page.headers?.['Content-Security-Policy']);
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(html).toContain(`<script nonce="${nonce}">document.body.className`);
    // Each response its own nonce.
    expect(renderPage('start.njk', {}).headers?.['Content-Security-Policy']).not.toBe(csp);
    expect(html).toContain('href="/sign-in?returnTo=%2Foffshoring-requests%2Fnew"');
  });

  it('escapes what people typed', () => {
    const html = renderPage('problem.njk', { title: 'T', message: '<script>alert(1)</script>' }).body as string;
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('allows only the service’s own assets', () => {
    const csp = pageContentSecurityPolicy('abc');
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self' 'nonce-abc'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
  });
});
