import { Conflict } from '../web/errors.ts';

/**
 * A request's lifecycle, as one table: each row is a status, an event and the status it leads to,
 * with the Offshoring Policy clause it implements. The store moves a request only along a row
 * (functions/store/requests.ts, `transition`); every status list the service needs is derived from
 * the rows, never written out again.
 */

export const REQUEST_STATUSES = ['PENDING_APPROVAL', 'APPROVED', 'REJECTED', 'ESCALATED', 'CLOSED', 'WITHDRAWN', 'ERROR'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** Offshoring Policy, Process 1: a submitted request asks every required approver at once. */
export const SUBMITTED_STATUS = 'PENDING_APPROVAL' satisfies RequestStatus;

/** Who (or what) makes the event happen. */
/** REQUESTER: whoever asked for an exemption from the policy (anyone signed in, not only a service owner). */
export type Party = 'APPROVERS' | 'DEPARTMENTAL_HEAD' | 'SERVICE_OWNER' | 'REQUESTER' | 'SERVICE';

export interface Transition {
  from: RequestStatus;
  event: string;
  to: RequestStatus;
  by: Party;
  clause: string;
}

export const LIFECYCLE = [
  {
    from: 'PENDING_APPROVAL',
    event: 'ALL_APPROVED',
    to: 'APPROVED',
    by: 'APPROVERS',
    clause: 'Offshoring Policy, Process 2: all the required approvals are obtained and documented, so the project can continue as planned',
  },
  {
    from: 'PENDING_APPROVAL',
    event: 'APPROVAL_NOT_OBTAINED',
    to: 'REJECTED',
    by: 'APPROVERS',
    clause:
      'Offshoring Policy, Process 3: one or more required approvals cannot be obtained (rejected, or lapsed unanswered), so the request is rejected',
  },
  {
    from: 'PENDING_APPROVAL',
    event: 'ROUND_FAILED',
    to: 'ERROR',
    by: 'SERVICE',
    clause:
      'Offshoring Policy, Process 2: approvals must be obtained and documented; a round whose workflow could not start, failed or stopped obtains none, so the request is marked in error, never approved or rejected by default',
  },
  {
    from: 'REJECTED',
    event: 'ADJUST_PLANS',
    to: 'PENDING_APPROVAL',
    by: 'SERVICE_OWNER',
    clause: 'Offshoring Policy, Process 3(a): the service owner adjusts plans so that approval is granted; every required approver is asked again',
  },
  {
    from: 'REJECTED',
    event: 'ASK_AGAIN',
    to: 'PENDING_APPROVAL',
    by: 'REQUESTER',
    clause:
      "Offshoring Policy, Compliance: a rejected exemption or change to the policy is sent again for formal review, its justification revised; the Senior Security Adviser and the CISO (and a variation's Accounting Officer) are asked again",
  },
  {
    from: 'REJECTED',
    event: 'ESCALATE_TO_DEPARTMENTAL_HEAD',
    to: 'ESCALATED',
    by: 'SERVICE_OWNER',
    clause:
      'Offshoring Policy, Process 3(b): the service owner escalates to their Departmental Head with more detail to support the case, any residual risk rectified first',
  },
  {
    from: 'REJECTED',
    event: 'PROVIDE_MITIGATIONS',
    to: 'PENDING_APPROVAL',
    by: 'SERVICE_OWNER',
    clause:
      'Offshoring Policy, Process 3(c): the service owner provides additional or alternative mitigations; every required approver is asked again',
  },
  {
    from: 'ESCALATED',
    event: 'ENDORSE',
    to: 'PENDING_APPROVAL',
    by: 'DEPARTMENTAL_HEAD',
    clause: 'Offshoring Policy, Process 3(b): the Departmental Head supports the case; every required approver is asked again, with the endorsement',
  },
  {
    from: 'ESCALATED',
    event: 'DECLINE',
    to: 'CLOSED',
    by: 'DEPARTMENTAL_HEAD',
    clause: 'Offshoring Policy, Process 3(b): the Departmental Head does not support the case; the request is closed',
  },
  {
    from: 'ESCALATED',
    event: 'ESCALATION_LAPSED',
    to: 'REJECTED',
    by: 'SERVICE',
    clause:
      'Offshoring Policy, Process 3(b) and 4: an escalation the Departmental Head does not answer in time leaves the request rejected, with its routes open again',
  },
  {
    from: 'PENDING_APPROVAL',
    event: 'WITHDRAW',
    to: 'WITHDRAWN',
    by: 'SERVICE_OWNER',
    clause: 'Offshoring Policy, Accountability: the service owner answers for the request, and withdraws it while its approvals are sought',
  },
  {
    from: 'ESCALATED',
    event: 'WITHDRAW',
    to: 'WITHDRAWN',
    by: 'SERVICE_OWNER',
    clause: 'Offshoring Policy, Accountability: the service owner answers for the request, and withdraws it while it is escalated',
  },
  {
    from: 'REJECTED',
    event: 'WITHDRAW',
    to: 'WITHDRAWN',
    by: 'SERVICE_OWNER',
    clause: 'Offshoring Policy, Accountability: the service owner answers for the request, and withdraws it instead of taking a Process 3 route',
  },
] as const satisfies readonly Transition[];

export type LifecycleEvent = (typeof LIFECYCLE)[number]['event'];

/** What the event does, in words for a refusal: "it cannot be <done>". */
const DONE: Record<LifecycleEvent, string> = {
  ALL_APPROVED: 'approved',
  APPROVAL_NOT_OBTAINED: 'rejected',
  ROUND_FAILED: 'marked in error',
  ADJUST_PLANS: 'resubmitted',
  ASK_AGAIN: 'asked for again',
  ESCALATE_TO_DEPARTMENTAL_HEAD: 'escalated to a Departmental Head',
  PROVIDE_MITIGATIONS: 'given new mitigations',
  ENDORSE: 'endorsed',
  DECLINE: 'declined',
  ESCALATION_LAPSED: 'returned from an unanswered escalation',
  WITHDRAW: 'withdrawn',
};

/** 409: the lifecycle has no row for this event in the request's current status. */
export class TransitionRefused extends Conflict {}

const rowsFrom = (status: string) => LIFECYCLE.filter((row) => row.from === status);
const statusesWhere = (test: (row: (typeof LIFECYCLE)[number]) => boolean): readonly RequestStatus[] =>
  REQUEST_STATUSES.filter((status) => rowsFrom(status).some(test));

/** The row for this event in this status, if the lifecycle has one. */
export function transitionOf(status: RequestStatus, event: LifecycleEvent): Transition | undefined {
  return LIFECYCLE.find((row) => row.from === status && row.event === event);
}

/** The row the request moves along; TransitionRefused (409, saying its status) if there is none. */
export function transitionFor(request: { requestId: string; status: RequestStatus }, event: LifecycleEvent): Transition {
  const row = transitionOf(request.status, event);
  if (row) return row;
  const from = statusesWhere((r) => r.event === event);
  throw new TransitionRefused(
    `Request ${request.requestId} is ${request.status}, so it cannot be ${DONE[event]} (only a request that is ${from.join(' or ')} can)`,
    { requestId: request.requestId, status: request.status },
  );
}

/** Whether the event can happen to a request in this status. */
export const canHappen = (status: string, event: LifecycleEvent): boolean => rowsFrom(status).some((row) => row.event === event);

/** Open: something can still happen to the request (it is monitored until it leaves these). */
export const OPEN_STATUSES = statusesWhere(() => true);
export const isOpen = (status: string): boolean => (OPEN_STATUSES as readonly string[]).includes(status);

/** Withdrawable: the statuses with a WITHDRAW row. */
export const WITHDRAWABLE = statusesWhere((row) => row.event === 'WITHDRAW');

/** Awaiting a decision: an approver's or a Departmental Head's decision moves the request on. */
export const AWAITING_DECISION = statusesWhere((row) => row.by === 'APPROVERS' || row.by === 'DEPARTMENTAL_HEAD');
export const awaitsDecision = (status: string): boolean => (AWAITING_DECISION as readonly string[]).includes(status);
