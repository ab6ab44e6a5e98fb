/**
 * The Offshoring Policy as code: pure functions, no AWS, each citing the clause it implements.
 * docs/policy-traceability.md maps every clause to the function here and to its test.
 */
import type { ApproverDirectory } from '../platform/directory.ts';
import type { OffshoringRequest, Person } from './request.ts';
import { canHappen, isOpen } from './lifecycle.ts';

export const APPROVER_ROLES = ['BUSINESS_AREA_SIRO', 'MOJ_SIRO', 'SSA', 'CISO', 'DPO', 'COMMERCIAL', 'LEGAL', 'ACCOUNTING_OFFICER'] as const;
export type ApproverRole = (typeof APPROVER_ROLES)[number];

export interface RequiredApprover extends Person {
  role: ApproverRole;
  /** Set for BUSINESS_AREA_SIRO and ACCOUNTING_OFFICER: whose SIRO or Accounting Officer this is. */
  businessArea?: string;
  escalationContact: Person;
}

/** One business area is an agency or departmental service; more than one (MoJ HQ with an agency included) is a wider MoJ service. */
export function isWiderMojService(request: Pick<OffshoringRequest, 'businessAreas'>): boolean {
  return request.businessAreas.length > 1;
}

/** The department's own headquarters: a service of MoJ HQ alone is departmental, not an agency's. */
export const DEPARTMENT_HQ = 'MOJ_HQ';

/**
 * Who must approve the request in writing.
 * - Offshoring Policy, Process 1(a): an agency or departmental service needs its Agency or Departmental SIRO;
 *   for a service of MoJ HQ alone the department's SIRO is the MoJ SIRO, so the MoJ SIRO is asked as its SIRO.
 * - Process 1(b): a wider MoJ service (more than one department or agency) needs the MoJ SIRO and the SSA.
 * - Process 1(c): all projects additionally need the MoJ CISO, the MoJ DPO, MoJ Commercial and MoJ Legal.
 * Throws if a business area is not in the directory (intake validates that first).
 */
export function requiredApprovers(request: Pick<OffshoringRequest, 'businessAreas'>, directory: ApproverDirectory): RequiredApprover[] {
  const fromRole = (role: Exclude<ApproverRole, 'BUSINESS_AREA_SIRO' | 'ACCOUNTING_OFFICER'>): RequiredApprover => {
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
    // Process 1(a): MoJ HQ is the department itself, whose Departmental SIRO is the MoJ SIRO.
    const { name, email, escalationContact } = area === DEPARTMENT_HQ ? directory.roles.MOJ_SIRO : entry.siro;
    riskOwners = [{ role: 'BUSINESS_AREA_SIRO', businessArea: area, name, email, escalationContact }]; // Process 1(a)
  }
  return [...riskOwners, fromRole('CISO'), fromRole('DPO'), fromRole('COMMERCIAL'), fromRole('LEGAL')]; // Process 1(c)
}

/** Offshoring Policy, Compliance: "Any request to change part of this policy or exemptions must be sent for formal review and approval". */
export const COMPLIANCE_CLAUSE =
  'Any request to change part of this policy or exemptions must be sent for formal review and approval by the MoJ Senior Security Adviser and the Chief Information Security Officer, with reasonable justification.';

/** Corporate Security Policy: a business area's variation from the Security Policy Framework. */
export const VARIATION_CLAUSE =
  'Where, on an exception basis, business areas consider that a requirement should not apply, or where local arrangements do not comply with the SPF or MOJ arrangements, the variation should be agreed by the relevant Accounting Officer and reported in annual governance processes.';

/**
 * A business area's Accounting Officer (Corporate Security Policy: "the relevant Accounting
 * Officer"): the one the directory names, else the area's Departmental Head, since the head of an
 * agency is its Accounting Officer. One the directory names has their own escalation contact; the
 * Departmental Head standing in is chased through the security team. Undefined for an unknown area.
 */
export function accountingOfficerOf(directory: ApproverDirectory, businessArea: string): (Person & { escalationContact: Person }) | undefined {
  const area = Object.hasOwn(directory.businessAreas, businessArea) ? directory.businessAreas[businessArea] : undefined;
  if (!area) return undefined;
  return area.accountingOfficer ?? { ...area.departmentalHead, escalationContact: directory.securityTeam };
}

/**
 * Who must approve an exemption or a request to change the policy.
 * - Offshoring Policy, Compliance: the MoJ Senior Security Adviser and the Chief Information Security
 *   Officer, and nobody else.
 * - Corporate Security Policy: an exemption recorded as a business area's variation is also agreed by
 *   that area's Accounting Officer (it is still an exemption from this policy, so Compliance applies too).
 * Throws if the area is not in the directory (the exemption's checks refuse that first).
 */
export function exemptionApprovers(
  exemption: { variation?: { businessArea: string } | undefined },
  directory: ApproverDirectory,
): RequiredApprover[] {
  const fromRole = (role: 'SSA' | 'CISO'): RequiredApprover => {
    const { name, email, escalationContact } = directory.roles[role];
    return { role, name, email, escalationContact };
  };
  const approvers = [fromRole('SSA'), fromRole('CISO')]; // Offshoring Policy, Compliance
  if (exemption.variation) {
    const { businessArea } = exemption.variation;
    const officer = accountingOfficerOf(directory, businessArea);
    if (!officer) throw new Error(`Business area ${businessArea} is not in the approver directory`);
    const { name, email, escalationContact } = officer;
    approvers.push({ role: 'ACCOUNTING_OFFICER', businessArea, name, email, escalationContact }); // Corporate Security Policy: variations
  }
  return approvers;
}

/** Where an approved exemption stands on `today`: in force until its end date, expired after it. */
export function exemptionInForce(endDate: string, today: string): 'ACTIVE' | 'EXPIRED' {
  return endDate < today ? 'EXPIRED' : 'ACTIVE';
}

/** Business areas the request names that the directory does not know, with their positions. */
export function unknownBusinessAreas(businessAreas: readonly string[], directory: ApproverDirectory): { index: number; code: string }[] {
  return businessAreas.map((code, index) => ({ index, code })).filter(({ code }) => !Object.hasOwn(directory.businessAreas, code));
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
export function fourWeekNotice(request: Pick<OffshoringRequest, 'plannedStartDate' | 'changeType'>, submittedAt: Date): NoticeAssessment {
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

/** How long each approver has, and when they are chased. Configuration; these are the defaults. */
export interface ApprovalWaitSettings {
  reminderAfterSeconds: number;
  chaseAfterSeconds: number;
  lapseAfterSeconds: number;
}

export const DEFAULT_APPROVAL_WAITS: ApprovalWaitSettings = {
  reminderAfterSeconds: 7 * 86_400,
  chaseAfterSeconds: 14 * 86_400,
  lapseAfterSeconds: 28 * 86_400,
};

/** One approval branch's timeline: the length of each waiting stage, and when the window closes. */
export interface ApprovalTimeline {
  /** Seconds in each stage: the first request, after the reminder, after the chase. Each at least 1. */
  waits: { requestSeconds: number; reminderSeconds: number; chaseSeconds: number };
  /** When the approval lapses if nobody decides (Offshoring Policy, Process 3: not obtained → rejected). */
  respondBy: string;
  /** True when the window was shortened to end before the planned start date. */
  shortened: boolean;
}

/**
 * When approvers are reminded, chased and lapse. With less than four weeks' notice the policy's
 * "as soon as possible" applies: the whole timeline shrinks in proportion so the window closes
 * before the planned start date, where there is at least a day to work with (Offshoring Policy, Approval).
 */
export function approvalTimeline(
  request: Pick<OffshoringRequest, 'plannedStartDate' | 'changeType'>,
  startedAt: Date,
  settings: ApprovalWaitSettings = DEFAULT_APPROVAL_WAITS,
): ApprovalTimeline {
  const { reminderAfterSeconds, chaseAfterSeconds, lapseAfterSeconds } = settings;
  if (!(reminderAfterSeconds < chaseAfterSeconds && chaseAfterSeconds < lapseAfterSeconds)) {
    throw new Error('Approval waits must increase: reminder < chase < lapse');
  }
  let scale = 1;
  if (request.changeType !== 'EXISTING') {
    const secondsToStart = (Date.parse(`${request.plannedStartDate}T00:00:00Z`) - startedAt.getTime()) / 1000;
    if (secondsToStart < lapseAfterSeconds && secondsToStart >= 86_400) scale = secondsToStart / lapseAfterSeconds;
  }
  const at = (seconds: number) => Math.max(1, Math.floor(seconds * scale));
  const reminder = at(reminderAfterSeconds);
  const chase = Math.max(reminder + 1, at(chaseAfterSeconds));
  const lapse = Math.max(chase + 1, at(lapseAfterSeconds));
  return {
    waits: { requestSeconds: reminder, reminderSeconds: chase - reminder, chaseSeconds: lapse - chase },
    respondBy: new Date(startedAt.getTime() + lapse * 1000).toISOString(),
    shortened: scale < 1,
  };
}

/**
 * Offshoring Policy, Process 2 and 3: the project continues only if every required approval is
 * obtained; if one or more cannot be obtained (rejected, or lapsed without an answer) it is rejected.
 */
export function roundOutcome(
  statuses: readonly ('PENDING' | 'APPROVED' | 'REJECTED' | 'LAPSED' | 'CLOSED')[],
): 'APPROVED' | 'REJECTED' | 'UNDECIDED' {
  if (statuses.some((s) => s === 'REJECTED' || s === 'LAPSED')) return 'REJECTED';
  if (statuses.length > 0 && statuses.every((s) => s === 'APPROVED')) return 'APPROVED';
  return 'UNDECIDED';
}

/** Offshoring Policy, Process 3: the routes open to the Service Owner once a request is rejected. */
export const REJECTION_ROUTES = {
  adjustPlans: 'Adjust plans so that approval is granted (resubmit the adjusted request)',
  escalateToDepartmentalHead:
    'Escalate to your Departmental Head with more detail to support the case; any residual or inherent risk must be rectified first',
  provideMitigations: 'Provide additional or alternative mitigations to address the concerns',
} as const;

/** Process 3 routes are open where the request's lifecycle has them (functions/domain/lifecycle.ts): a rejected request. */
export function rejectionRoutesOpen(status: string): boolean {
  return (['ADJUST_PLANS', 'ESCALATE_TO_DEPARTMENTAL_HEAD', 'PROVIDE_MITIGATIONS'] as const).every((route) => canHappen(status, route));
}

/** The approving roles in the policy's words, for emails and pages. */
export const ROLE_TITLES: Record<ApproverRole | 'DEPARTMENTAL_HEAD', string> = {
  BUSINESS_AREA_SIRO: 'Agency or Departmental Senior Information Risk Officer (SIRO)',
  MOJ_SIRO: 'MoJ Senior Information Risk Officer (SIRO)',
  SSA: 'MoJ Senior Security Advisor (SSA)',
  CISO: 'MoJ Chief Information Security Officer (CISO)',
  DPO: 'MoJ Data Protection Officer (DPO)',
  COMMERCIAL: 'MoJ Commercial',
  LEGAL: 'MoJ Legal',
  ACCOUNTING_OFFICER: 'Accounting Officer',
  DEPARTMENTAL_HEAD: 'Departmental Head',
};

/** Process 1's clauses, in the policy's words: each approving role's reason to be asked. */
const PROCESS_1 = {
  a: 'For agency or departmental specific services or applications, approval is required from the relevant Agency or Departmental SIRO (Senior Information Risk Officer).',
  b: 'For wider MoJ services or applications that involve more than one department or agency, approval is required from the MoJ Senior Information Risk Officer (SIRO) and Senior Security Advisor (SSA).',
  c: 'All projects additionally require approval from the MoJ Chief Information Security Officer (CISO), the MoJ Data Protection Officer (DPO), and from MoJ Commercial and MoJ Legal teams.',
} as const;

/**
 * Why the policy asks each role, for the approver's page: the clause that makes the role an
 * approver (Process 1(a), 1(b), 1(c)) or an endorser (Process 3), cited and quoted.
 */
export const ROLE_REASONS: Record<ApproverRole | 'DEPARTMENTAL_HEAD', { clause: string; words: string }> = {
  BUSINESS_AREA_SIRO: { clause: 'Offshoring Policy, Process 1(a)', words: PROCESS_1.a },
  MOJ_SIRO: { clause: 'Offshoring Policy, Process 1(b)', words: PROCESS_1.b },
  SSA: { clause: 'Offshoring Policy, Process 1(b)', words: PROCESS_1.b },
  CISO: { clause: 'Offshoring Policy, Process 1(c)', words: PROCESS_1.c },
  DPO: { clause: 'Offshoring Policy, Process 1(c)', words: PROCESS_1.c },
  COMMERCIAL: { clause: 'Offshoring Policy, Process 1(c)', words: PROCESS_1.c },
  LEGAL: { clause: 'Offshoring Policy, Process 1(c)', words: PROCESS_1.c },
  ACCOUNTING_OFFICER: { clause: 'Corporate Security Policy, Security Policy Framework compliance', words: VARIATION_CLAUSE },
  DEPARTMENTAL_HEAD: {
    clause: 'Offshoring Policy, Process 3',
    words:
      'If one or more of the required approvals cannot be obtained, the Service Owner may escalate to their Departmental Head, providing more detail to support the case for approval. Any residual or inherent risk must be rectified before escalating.',
  },
};

export interface ReviewSettings {
  /** Months between reviews of an offshored service. */
  standardMonths: number;
  /** Sooner for OFFICIAL-SENSITIVE personal data, and for a business-critical (HIGH) service. */
  sensitivePersonalMonths: number;
}
export const DEFAULT_REVIEW: ReviewSettings = { standardMonths: 12, sensitivePersonalMonths: 6 };

/**
 * Offshoring Policy, Process 4: "perform continual monitoring and improvement of services". Each
 * service in the register is due a review; OFFICIAL-SENSITIVE personal data sooner, and so is a
 * business-critical service (Purpose: "Key services used by the MoJ are protected and resilient to any
 * adverse failure").
 */
export function reviewDue(
  request: Pick<OffshoringRequest, 'dataClassification' | 'dataCategories' | 'businessCriticality'>,
  approvedAt: Date,
  settings: ReviewSettings = DEFAULT_REVIEW,
): string {
  const sensitivePersonal = request.dataClassification === 'OFFICIAL-SENSITIVE' && request.dataCategories.includes('PERSONAL');
  const businessCritical = request.businessCriticality === 'HIGH';
  const months = sensitivePersonal || businessCritical ? settings.sensitivePersonalMonths : settings.standardMonths;
  const due = new Date(Date.UTC(approvedAt.getUTCFullYear(), approvedAt.getUTCMonth() + months, approvedAt.getUTCDate()));
  // 31 August + 6 months has no 31st: use the last day of the month rather than rolling into the next.
  if (due.getUTCDate() !== approvedAt.getUTCDate()) due.setUTCDate(0);
  return due.toISOString().slice(0, 10);
}

/** Continual monitoring rules (Offshoring Policy, Process 4). */
export const MONITORING_RULES = {
  /** A review due within this many days is "due soon": the service owner is told. */
  reviewDueSoonDays: 30,
  /** A reminder, chase or lapse this late has been missed (a timer that did not fire). */
  missedChaseGraceSeconds: 15 * 60,
} as const;

export type ReviewStatus = 'OVERDUE' | 'DUE_SOON' | 'OK';

/** Process 4: where a registered service stands against its review date. */
export function reviewStatus(reviewDueDate: string, today: string, dueSoonDays: number = MONITORING_RULES.reviewDueSoonDays): ReviewStatus {
  if (reviewDueDate < today) return 'OVERDUE';
  return daysBetween(today, reviewDueDate) <= dueSoonDays ? 'DUE_SOON' : 'OK';
}

/** The last date whose reviews count as due soon on `today`. */
export function dueSoonHorizon(today: string, dueSoonDays: number = MONITORING_RULES.reviewDueSoonDays): string {
  return new Date(Date.parse(`${today}T00:00:00Z`) + dueSoonDays * DAY_MS).toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/**
 * Policy, Approval: written approval is got before offshoring starts ("well in advance (4 weeks)"),
 * and Process 2 continues only once approvals are obtained. A request still open (waiting, rejected
 * or escalated) whose planned start has passed may be offshoring unapproved, whatever notice it gave,
 * so monitoring reports it. An existing contract's offshoring already runs: its own check follows it.
 */
export function lateStartWithoutApproval(
  request: { status: string; request: Pick<OffshoringRequest, 'plannedStartDate' | 'changeType'> },
  today: string,
): boolean {
  return request.request.changeType !== 'EXISTING' && isOpen(request.status) && request.request.plannedStartDate < today;
}

/**
 * Process 4: "Perform continual monitoring and improvement of services". A review finds the service
 * satisfactory, or names the improvements it needs, each by a date; monitoring follows those dates,
 * and a later satisfactory review closes them.
 */
export const REVIEW_OUTCOMES = ['SATISFACTORY', 'ACTIONS_NEEDED'] as const;
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number];
export const MAX_REVIEW_ACTIONS = 20;

/** A review's action past the date it was due by (a date, YYYY-MM-DD): due by today is not yet overdue. */
export function reviewActionOverdue(action: { dueBy: string }, today: string): boolean {
  return action.dueBy < today;
}

/** What a person reports: a suspected personal-data breach, an information security incident, or one that is both. */
export const INCIDENT_KINDS = ['PERSONAL_DATA_BREACH', 'SECURITY_INCIDENT', 'BOTH'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** Who must be told of an incident: the Data Protection Officer, the MoJ Operational Security Team. */
export const INCIDENT_RECIPIENTS = ['DPO', 'OPERATIONAL_SECURITY_TEAM'] as const;
export type IncidentRecipient = (typeof INCIDENT_RECIPIENTS)[number];

/** The addresses the Offshoring Policy gives for them (Policy); configuration may name others (DPO_EMAIL, OPERATIONAL_SECURITY_EMAIL). */
export const POLICY_INCIDENT_ADDRESSES: Record<IncidentRecipient, { name: string; email: string }> = {
  DPO: { name: 'MoJ Data Protection Officer', email: 'privacy@justice.gov.uk' },
  OPERATIONAL_SECURITY_TEAM: { name: 'MoJ Operational Security Team', email: 'security@justice.gov.uk' },
};

/** A suspected breach involving personal data (alone or with a security incident). */
export function isPersonalDataBreach(kind: IncidentKind): boolean {
  return kind === 'PERSONAL_DATA_BREACH' || kind === 'BOTH';
}

/**
 * Who is told of an incident, at once.
 * - Offshoring Policy, Policy: "notify the Data Protection Officer (DPO) immediately of any suspected
 *   data breaches involving personal data … privacy@justice.gov.uk".
 * - Offshoring Policy, Policy: "Report any Information Security related Incidents to the MoJ
 *   Operational Security Team … security@justice.gov.uk" (Corporate Security Policy: managing and
 *   reporting security incidents).
 */
export function incidentRecipients(kind: IncidentKind): IncidentRecipient[] {
  const told: IncidentRecipient[] = [];
  if (isPersonalDataBreach(kind)) told.push('DPO');
  if (kind === 'SECURITY_INCIDENT' || kind === 'BOTH') told.push('OPERATIONAL_SECURITY_TEAM');
  return told;
}

/**
 * Offshoring Policy, Approval: written approval is needed for "any change to personal data
 * processing … following a potential breach". A breach reported against a registered service
 * puts it under that rule until a new approval round for it is approved.
 */
export function approvalNeededAfterBreach(incident: { kind: IncidentKind; serviceId?: string }): boolean {
  return isPersonalDataBreach(incident.kind) && incident.serviceId !== undefined;
}

/**
 * The new approval round a breach calls for (Offshoring Policy, Approval, "following a potential
 * breach"): an approved CHANGE of the service whose round began after the latest breach was
 * reported. A round begun before it was assessed without knowing of the breach.
 */
export function approvalRoundAfterBreach(needed: { since: string }, approved: { changeType: string; roundStartedAt: string }): boolean {
  return approved.changeType === 'CHANGE' && approved.roundStartedAt >= needed.since;
}

/**
 * Corporate Security Policy: variations are "reported in annual governance processes". The business
 * areas whose governance report a person may read: the security team every one; an Accounting
 * Officer or Departmental Head in the directory in force, their own areas (the Accounting Officer
 * agrees the area's variations and answers for its Governance Statement); anyone else none.
 */
export function governanceReaderOf(
  directory: ApproverDirectory,
  caller: { email: string; securityTeam: boolean } | undefined,
): { all: true } | { all: false; areas: string[] } {
  if (caller?.securityTeam) return { all: true };
  const email = caller?.email.toLowerCase();
  const areas = Object.entries(directory.businessAreas)
    .filter(
      ([, a]) => email !== undefined && (a.accountingOfficer?.email.toLowerCase() === email || a.departmentalHead.email.toLowerCase() === email),
    )
    .map(([code]) => code)
    .sort();
  return { all: false, areas };
}
