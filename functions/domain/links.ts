import { createHash, randomBytes } from 'node:crypto';

/**
 * Approval links. The token is 256 bits from the CSPRNG, travels only in the email, and is stored
 * only as its SHA-256 hash. The raw Step Functions task token never leaves the table.
 */
export const LINK_TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function mintLinkToken(random: (n: number) => Buffer = randomBytes): string {
  return random(LINK_TOKEN_BYTES).toString('base64url');
}

export function isWellFormedLinkToken(token: unknown): token is string {
  return typeof token === 'string' && TOKEN_PATTERN.test(token);
}

export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function approvalLink(publicBaseUrl: string, approvalId: string, token: string): string {
  return `${publicBaseUrl}/approvals/${encodeURIComponent(approvalId)}?token=${token}`;
}

/** Where a service owner follows a request, and the forms of its rejection routes (Offshoring Policy, Process 3). */
export function requestPageLinks(publicBaseUrl: string, requestId: string) {
  const page = `${publicBaseUrl}/offshoring-requests/${encodeURIComponent(requestId)}`;
  return { page, resubmit: `${page}/resubmit`, mitigations: `${page}/mitigations`, escalate: `${page}/escalate` };
}
export type RequestPageLinks = ReturnType<typeof requestPageLinks>;

/** A registered service's page in the offshore service register. */
export function registerPageLink(publicBaseUrl: string, serviceId: string): string {
  return `${publicBaseUrl}/register/${encodeURIComponent(serviceId)}`;
}
