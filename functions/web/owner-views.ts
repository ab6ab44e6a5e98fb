import type { Runtime } from '../platform/runtime.ts';
import type { RequestView } from '../store/requests.ts';
import type { ApprovalRecord } from '../store/records.ts';
import { awaitsDecision } from '../domain/lifecycle.ts';
import { describeError, pathParameter, type HttpResult } from './http.ts';
import { NotFound } from './errors.ts';
import { assertCanRead, type Caller } from './identity.ts';
import { renderPage } from './render.ts';
import type { PageRequest } from './page-handler.ts';
import { approverRole, eventInWords } from './request-words.ts';

/** What the owner's pages share: finding a request the caller may read, who is still to decide, and a conflict said in words. */

export const requestPage = (requestId: string) => `/offshoring-requests/${encodeURIComponent(requestId)}`;

/** The request the path names, if the caller may read it (its owner, or the security team): 404 or 403 otherwise. */
export async function readableRequest(request: PageRequest & { caller: Caller }): Promise<RequestView> {
  const requestId = pathParameter(request.event, 'requestId');
  const view = await request.runtime.store.getRequestView(requestId);
  if (!view) throw new NotFound(`There is no offshoring request ${requestId}. Check the reference and try again.`, { requestId });
  await assertCanRead(request.runtime, request.caller, view.request);
  return view;
}

/** The current round's approvals still waiting, and when the first of them falls due. */
export function stillToDecide(view: RequestView, runtime: Pick<Runtime, 'directory'>): { roles: string[]; nextDeadline?: string } {
  if (!awaitsDecision(view.request.status)) return { roles: [] };
  const waiting = view.approvals.filter((a: ApprovalRecord) => a.round === view.request.round && a.status === 'PENDING');
  const deadlines = waiting.map((a) => a.respondBy).sort();
  return { roles: waiting.map((a) => approverRole(a.role, a.businessArea, runtime.directory)), nextDeadline: deadlines[0] };
}

/** What the service does on its own as a round goes on: never what "won" against someone's action. */
const NOT_ACTIONS = new Set([
  'EMAIL_SENT',
  'APPROVAL_REQUESTED',
  'APPROVER_REMINDED',
  'APPROVER_CHASED',
  'APPROVAL_ESCALATED',
  'OWNER_CHASED',
  'SERVICE_REGISTERED',
]);

/**
 * Someone else acted on the request first (a decision, a withdrawal, another tab): what won, in
 * words, with the way back to the request. Any other error goes on to the page handler.
 */
export async function conflictPage(request: PageRequest, requestId: string, error: unknown): Promise<HttpResult> {
  const { statusCode } = describeError(error);
  if (statusCode !== 409) throw error;
  const view = await request.runtime.store.getRequestView(requestId);
  const last = view?.audit.filter((e) => !NOT_ACTIONS.has(e.type)).at(-1);
  return renderPage(
    'owner/conflict.njk',
    {
      ...request.view,
      requestId,
      status: view?.request.status,
      round: view?.request.round,
      last: last ? eventInWords(last, request.runtime.directory) : undefined,
    },
    { statusCode: 409 },
  );
}

/** Runs a change to the request, or shows what changed it first. */
export async function orConflictPage(request: PageRequest, requestId: string, act: () => Promise<HttpResult>): Promise<HttpResult> {
  try {
    return await act();
  } catch (error) {
    return conflictPage(request, requestId, error);
  }
}

/** The success banners a route's redirect asks for, by a fixed key: nothing typed is ever echoed from the address. */
const DONE_MESSAGES: Readonly<Record<string, { title: string; text: string }>> = {
  resubmitted: { title: 'Request resubmitted', text: 'Every required approver has been asked again. We have emailed you the details.' },
  mitigations: { title: 'Mitigations sent', text: 'Every required approver has been asked again, with your mitigations.' },
  escalated: { title: 'Request escalated', text: 'Your Departmental Head has been asked to consider your case. We will email you their decision.' },
  withdrawn: { title: 'Request withdrawn', text: 'Approvers who had not decided have been told they need do nothing.' },
};

export const doneMessage = (key: string | undefined) => (key && Object.hasOwn(DONE_MESSAGES, key) ? DONE_MESSAGES[key] : undefined);
