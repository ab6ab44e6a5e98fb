import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack.ts';
import type { LocalIdentity } from '../../local/identity-provider.ts';

/**
 * A local stack per test file (dynalite in memory, aws-ses-v2-local, the ASL on aws-local-stepfunctions)
 * and small clients for its API and inbox. Tests drive the service as its users do: HTTP and email.
 */
export interface Email {
  messageId: string;
  from: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
  at: number;
}

/** The security team: reads every request and runs monitoring. The default caller of `api`. */
export const SECURITY_TEAM: LocalIdentity = { email: 'sam.security@justice.gov.uk', name: 'Sam Security', groups: ['offshore-security'] };
export const ANONYMOUS = null;

export interface Harness {
  stack: LocalStack;
  /** Calls the API signed in as `as` (an email, an identity, or ANONYMOUS); the security team by default. */
  api(path: string, init?: RequestInit, as?: string | LocalIdentity | null): Promise<{ status: number; body: any; text: string; headers: Headers }>;
  submit(body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  status(requestId: string): Promise<any>;
  /** Emails whose subject mentions the text (e.g. a request id). */
  emails(subjectIncludes?: string): Promise<Email[]>;
  /** Waits until `check` returns a value (not undefined/false), polling; fails with the last seen value. */
  eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export async function startHarness(options: LocalStackOptions = {}): Promise<Harness> {
  const stack = await startLocalStack({ port: 0, sesPort: 0, identityProviderPort: 0, ...options });
  // Approvers have no account: their pages are reached by the link alone, so those calls go unsigned.
  const api: Harness['api'] = async (path, init, as = path.startsWith('/approvals/') ? ANONYMOUS : SECURITY_TEAM) => {
    const identity = typeof as === 'string' ? { email: as } : as;
    const headers = new Headers(init?.headers);
    if (identity && !headers.has('authorization')) headers.set('authorization', `Bearer ${stack.tokenFor(identity)}`);
    const res = await fetch(`${stack.apiUrl}${path}`, { redirect: 'manual', ...init, headers });
    const text = await res.text();
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, body, text, headers: res.headers };
  };
  const harness: Harness = {
    stack,
    api,
    async submit(body, headers = {}) {
      // Signed in as the service owner the request names, as a real submitter is.
      const owner = (body as { serviceOwner?: { email?: string } } | null)?.serviceOwner?.email;
      const res = await api(
        '/requests',
        { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) },
        owner ?? SECURITY_TEAM,
      );
      return { status: res.status, body: res.body, headers: res.headers };
    },
    async status(requestId) {
      const res = await api(`/requests/${requestId}`);
      if (res.status !== 200) throw new Error(`GET /requests/${requestId} answered ${res.status}: ${res.text}`);
      return res.body;
    },
    async emails(subjectIncludes) {
      const res = await fetch(`${stack.sesUrl}/store`);
      const { emails } = (await res.json()) as { emails: Email[] };
      return subjectIncludes ? emails.filter((e) => e.subject.includes(subjectIncludes)) : emails;
    },
    async eventually(check, what, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      let last: unknown;
      while (Date.now() < deadline) {
        last = await check();
        if (last !== undefined && last !== false) return last as never;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`Timed out waiting for ${what}; last saw ${JSON.stringify(last)?.slice(0, 500)}`);
    },
    close: () => stack.close(),
  };
  return harness;
}

/** The one approval link in an approver's email. */
export function linkIn(email: Email): { url: URL; approvalId: string; token: string } {
  const match = email.body.text?.match(/https?:\/\/\S+\/approvals\/\S+/);
  if (!match) throw new Error(`No approval link in "${email.subject}"`);
  const url = new URL(match[0]);
  return { url, approvalId: decodeURIComponent(url.pathname.split('/').pop()!), token: url.searchParams.get('token')! };
}

export function form(fields: Record<string, string>): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() };
}
