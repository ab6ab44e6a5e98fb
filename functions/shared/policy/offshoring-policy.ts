/**
 * The Offshoring Policy as code: pure functions, no AWS, each citing the clause it implements.
 * docs/policy-traceability.md maps every clause to the function here and to its test.
 */
import type { ApproverDirectory } from '../directory.ts';
import type { OffshoringRequest, Person } from '../request.ts';

export const APPROVER_ROLES = ['BUSINESS_AREA_SIRO', 'MOJ_SIRO', 'SSA', 'CISO', 'DPO', 'COMMERCIAL', 'LEGAL'] as const;
export type ApproverRole = (typeof APPROVER_ROLES)[number];

export interface RequiredApprover extends Person {
  role: ApproverRole;
  /** Set for BUSINESS_AREA_SIRO: whose SIRO this is. */
  businessArea?: string;
  escalationContact: Person;
}

/** One business area is an agency or departmental service; more than one is a wider MoJ service. */
export function isWiderMojService(request: Pick<OffshoringRequest, 'businessAreas'>): boolean {
  return request.businessAreas.length > 1;
}

/**
 * Who must approve the request in writing.
 * - Offshoring Policy, Process 1(a): an agency or departmental service needs its Agency or Departmental SIRO.
 * - Process 1(b): a wider MoJ service (more than one department or agency) needs the MoJ SIRO and the SSA.
 * - Process 1(c): all projects additionally need the MoJ CISO, the MoJ DPO, MoJ Commercial and MoJ Legal.
 * Throws if a business area is not in the directory (intake validates that first).
 */
export function requiredApprovers(
  request: Pick<OffshoringRequest, 'businessAreas'>,
  directory: ApproverDirectory,
): RequiredApprover[] {
  const fromRole = (role: Exclude<ApproverRole, 'BUSINESS_AREA_SIRO'>): RequiredApprover => {
    const { name, email, escalationContact } = directory.roles[role];
    return { role, name, email, escalationContact };
  };

  let riskOwners: RequiredApprover[];
  if (isWiderMojService(request)) {
    riskOwners = [fromRole('MOJ_SIRO'), fromRole('SSA')]; // Process 1(b)
  } else {
    const [area] = request.businessAreas;
    const entry = area === undefined ? undefined : directory.businessAreas[area];
    if (!area || !entry) throw new Error(`Business area ${String(area)} is not in the approver directory`);
    const { name, email, escalationContact } = entry.siro;
    riskOwners = [{ role: 'BUSINESS_AREA_SIRO', businessArea: area, name, email, escalationContact }]; // Process 1(a)
  }
  return [...riskOwners, fromRole('CISO'), fromRole('DPO'), fromRole('COMMERCIAL'), fromRole('LEGAL')]; // Process 1(c)
}

/** Business areas the request names that the directory does not know, with their positions. */
export function unknownBusinessAreas(businessAreas: readonly string[], directory: ApproverDirectory): { index: number; code: string }[] {
  return businessAreas
    .map((code, index) => ({ index, code }))
    .filter(({ code }) => !Object.hasOwn(directory.businessAreas, code));
}

export const FOUR_WEEKS_DAYS = 28;

export interface NoticeAssessment {
  lateNotice: boolean;
  /** Whole days from submission to the planned start (negative if the date has passed). */
  noticeDays: number;
  /** Why the request is flagged, in words for the approvers and the service owner. */
  lateNoticeReason?: string;
}

const DAY_MS = 86_400_000;

/** Days from the submission's UK-agnostic calendar date (UTC) to the planned start date. */
export function daysOfNotice(plannedStartDate: string, submittedAt: Date): number {
  const start = Date.parse(`${plannedStartDate}T00:00:00Z`);
  const submittedDay = Date.UTC(submittedAt.getUTCFullYear(), submittedAt.getUTCMonth(), submittedAt.getUTCDate());
  return Math.round((start - submittedDay) / DAY_MS);
}

/**
 * Offshoring Policy, Approval: engage and get written approval "well in advance (4 weeks), or as soon
 * as possible". Less than 28 days' notice is accepted (as soon as possible) but flagged lateNotice.
 * For existing contracts (Process, "For existing contracts...") the offshoring is already in place,
 * so there is no notice to give and no flag.
 */
export function fourWeekNotice(
  request: Pick<OffshoringRequest, 'plannedStartDate' | 'changeType'>,
  submittedAt: Date,
): NoticeAssessment {
  const noticeDays = daysOfNotice(request.plannedStartDate, submittedAt);
  if (request.changeType === 'EXISTING' || noticeDays >= FOUR_WEEKS_DAYS) {
    return { lateNotice: false, noticeDays };
  }
  const lateNoticeReason =
    noticeDays < 0
      ? `The planned start date ${request.plannedStartDate} has already passed: the policy asks for approval 4 weeks before it.`
      : `Only ${noticeDays} day${noticeDays === 1 ? '' : 's'} of notice before the planned start date ${request.plannedStartDate}: the policy asks for 4 weeks (${FOUR_WEEKS_DAYS} days).`;
  return { lateNotice: true, noticeDays, lateNoticeReason };
}
