import { createHash } from 'node:crypto';
import { Html, html } from './html.ts';
import { securityHeaders, type HttpResult } from './http.ts';
import { changesHtml, requestFacts } from '../email/templates.ts';
import type { RequestRecord } from '../store/records.ts';

/** Server-rendered pages for approvers: no scripts, one inline stylesheet pinned by its hash. */
const STYLES = `body{font-family:Arial,Helvetica,sans-serif;margin:0;color:#0b0c0c;background:#fff}
header{background:#0b0c0c;color:#fff;padding:12px 24px;font-weight:bold}
main{max-width:48em;padding:16px 24px}
th{text-align:left;vertical-align:top;padding:4px 12px 4px 0}
td{padding:4px 0}
.late{color:#d4351c;font-weight:bold}
.notice{border-left:6px solid #1d70b8;padding:8px 16px;background:#f3f2f1}
.error{border-left:6px solid #d4351c;padding:8px 16px}
label{display:block;font-weight:bold;margin:12px 0 4px}
textarea{width:100%;min-height:6em;font:inherit}
button{font:inherit;padding:8px 16px;margin:12px 12px 0 0;border:0;color:#fff;cursor:pointer}
.approve{background:#00703c}.reject{background:#d4351c}`;

const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLES).digest('base64')}'`;

/**
 * Where the decision form may post: the approval links under the public base URL, which is where
 * the form's action points (it may be another origin than the one serving the page, e.g. the
 * API's own URL behind a custom domain, and may carry a base path).
 */
export function formActionSource(publicBaseUrl: string): string {
  const base = new URL(`${publicBaseUrl.replace(/\/+$/, '')}/approvals/`);
  return `${base.origin}${base.pathname}`;
}

/** Security headers for the pages: a strict CSP that still lets the one form post back to us. */
export const pageSecurityHeaders = (publicBaseUrl: string) =>
  securityHeaders({
    contentSecurityPolicy: {
      'default-src': "'none'",
      'style-src': STYLE_HASH,
      'form-action': formActionSource(publicBaseUrl),
      'base-uri': "'none'",
      'frame-ancestors': "'none'",
      sandbox: 'allow-forms',
      'report-to': '',
      'navigate-to': '',
      'upgrade-insecure-requests': false as unknown as string,
    },
    referrerPolicy: { policy: 'no-referrer' },
  });

export function page(statusCode: number, title: string, body: Html): HttpResult {
  const document = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${title} – Offshoring approvals</title><style>${new Html(STYLES)}</style></head>
<body><header>Ministry of Justice · Offshoring approvals</header><main>${body}</main></body></html>`;
  return {
    statusCode,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      // Also set here so it holds even without the middleware: the token in the URL must not leak onwards.
      'Referrer-Policy': 'no-referrer',
    },
    body: document.value,
  };
}

export function factsTable(record: RequestRecord): Html {
  return html`<table>${requestFacts(record).map(
    ([k, v]) => html`<tr><th scope="row">${k}</th><td${k === 'LATE NOTICE' ? html` class="late"` : ''}>${v}</td></tr>`,
  )}</table>
${changesHtml(record, 'h2')}
<h2>What is proposed</h2><p>${record.request.description}</p>
${record.request.mitigations.length ? html`<h2>Mitigations</h2><ul>${record.request.mitigations.map((m) => html`<li>${m}</li>`)}</ul>` : ''}
${record.status === 'ESCALATED' && record.escalation ? html`<h2>The service owner's case for approval</h2><blockquote>${record.escalation.caseForApproval}</blockquote>` : ''}
${record.endorsement ? html`<h2>Endorsed by the Departmental Head</h2><p>${record.endorsement.name} (${record.endorsement.businessArea}):</p><blockquote>${record.endorsement.caseForApproval}</blockquote>` : ''}`;
}

/** Error pages for the link handlers: the same status mapping as the API, in HTML. */
export function errorPage(statusCode: number, body: Record<string, unknown>): HttpResult {
  const titles: Record<number, string> = {
    400: 'Check your answer',
    403: 'Link not valid',
    404: 'Not found',
    409: 'Already decided',
    410: 'No longer needed',
    415: 'Not a form',
    413: 'Too large',
  };
  const recorded = body.recorded as { role: string; name: string; decision: string; decidedAt: string | null; reason: string | null } | undefined;
  return page(
    statusCode,
    titles[statusCode] ?? 'Something went wrong',
    html`<h1>${titles[statusCode] ?? 'Something went wrong'}</h1>
<p class="${statusCode >= 500 ? 'error' : 'notice'}">${String(body.message ?? '')}</p>
${recorded ? html`<p>Recorded: <strong>${recorded.decision}</strong> by ${recorded.name} (${recorded.role})${recorded.decidedAt ? html` at ${recorded.decidedAt}` : ''}${recorded.reason ? html` – “${recorded.reason}”` : ''}.</p>` : ''}`,
  );
}
