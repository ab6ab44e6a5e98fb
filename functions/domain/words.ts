import type { ApprovalStatus, ComplianceStatus } from '../store/records.ts';
import type { ExemptionStanding } from './exemptions.ts';
import type { RequestStatus } from './lifecycle.ts';
import { countryName } from './countries.ts';
import { ROLE_TITLES } from './offshoring-policy.ts';
import type { ExistingContract, OFFSHORE_ACTIVITIES } from './request.ts';
import type { IncidentKind, IncidentRecipient } from './offshoring-policy.ts';

type OffshoreActivity = (typeof OFFSHORE_ACTIVITIES)[number];

/**
 * How the service says things to people, in pages and emails alike: words, never codes or ISO
 * timestamps. GOV.UK style: "6:47pm on 21 December 2026", times in UK time and said so.
 */

const UK = 'Europe/London';

const dateParts = (when: Date) =>
  Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: UK,
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      hour12: true,
    })
      .formatToParts(when)
      .map((part) => [part.type, part.value]),
  ) as Record<'day' | 'month' | 'year' | 'hour' | 'minute' | 'dayPeriod', string>;

/** "21 December 2026" for a YYYY-MM-DD date or an instant (the instant's day in the UK). */
export function ukDate(value: string): string {
  const when = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T12:00:00Z`) : new Date(value);
  const p = dateParts(when);
  return `${p.day} ${p.month} ${p.year}`;
}

/** "6:47pm on 21 December 2026" in UK time (GOV.UK style: 12-hour clock, "1pm", "midday" and "midnight"). */
export function ukTime(value: string): string {
  const p = dateParts(new Date(value));
  const hour = Number(p.hour);
  const minute = p.minute;
  const period = (p.dayPeriod ?? '').toLowerCase().replace(/\./g, '').replace(/\s/g, '');
  let clock: string;
  if (minute === '00' && hour === 12) clock = period.startsWith('p') ? 'midday' : 'midnight';
  else clock = `${hour}${minute === '00' ? '' : `:${minute}`}${period.startsWith('p') ? 'pm' : 'am'}`;
  return `${clock} on ${p.day} ${p.month} ${p.year}`;
}

/** A deadline as people read it, with its time zone: "6:47pm on 21 December 2026 (UK time)". */
export function ukDeadline(value: string): string {
  return `${ukTime(value)} (UK time)`;
}

/** Request statuses as GOV.UK tags: the words and the tag's colour. */
export const REQUEST_STATUS_WORDS: Record<RequestStatus, { text: string; colour: string }> = {
  PENDING_APPROVAL: { text: 'Waiting for approval', colour: 'blue' },
  APPROVED: { text: 'Approved', colour: 'green' },
  REJECTED: { text: 'Rejected', colour: 'red' },
  ESCALATED: { text: 'With the Departmental Head', colour: 'purple' },
  CLOSED: { text: 'Closed', colour: 'grey' },
  WITHDRAWN: { text: 'Withdrawn', colour: 'grey' },
  ERROR: { text: 'Needs the security team', colour: 'orange' },
};

/** Where an exemption stands, as GOV.UK tags (its page and lists) and in the governance report. */
export const EXEMPTION_STANDING_WORDS: Record<ExemptionStanding, { text: string; colour: string }> = {
  PENDING_APPROVAL: { text: 'Waiting for approval', colour: 'blue' },
  ACTIVE: { text: 'In force', colour: 'green' },
  EXPIRED: { text: 'Ended', colour: 'grey' },
  AGREED: { text: 'Agreed change to the policy', colour: 'green' },
  REJECTED: { text: 'Rejected', colour: 'red' },
  WITHDRAWN: { text: 'Withdrawn', colour: 'grey' },
  ERROR: { text: 'In error', colour: 'red' },
};

export const APPROVAL_STATUS_WORDS: Record<ApprovalStatus, { text: string; colour: string }> = {
  PENDING: { text: 'Waiting', colour: 'blue' },
  APPROVED: { text: 'Approved', colour: 'green' },
  REJECTED: { text: 'Rejected', colour: 'red' },
  LAPSED: { text: 'No answer in time', colour: 'orange' },
  CLOSED: { text: 'Not needed', colour: 'grey' },
};

export const ACTIVITY_WORDS: Record<OffshoreActivity, string> = {
  HOSTING: 'Hosting',
  SUPPORT: 'Support',
  DEVELOPMENT: 'Development',
  PROCESSING: 'Processing',
  ACCESS: 'Access to the data',
  COLLECTION: 'Collecting the data',
  TRANSFER: 'Transferring the data',
};

export const CHANGE_TYPE_WORDS = {
  NEW: 'New offshore service',
  CHANGE: 'Change to an already offshored service',
  EXISTING: 'Existing contract already in place',
} as const;

/** How critical an existing contract is to the MoJ (Offshoring Policy, Process: existing contracts). */
export const CONTRACT_CRITICALITY_WORDS = {
  LOW: 'Low: the MoJ could do without it for a while',
  MEDIUM: 'Medium: its loss would disrupt MoJ services',
  HIGH: 'High: MoJ services depend on it',
} as const;

/** How critical the service is to the MoJ: the same scale and words as an existing contract's. */
export const BUSINESS_CRITICALITY_WORDS = CONTRACT_CRITICALITY_WORDS;

/** Said to approvers when a request names no Information Asset Owner (Corporate Security Policy). */
export const SERVICE_OWNER_IS_IAO = 'the service owner';

/**
 * An existing contract's answers as approvers read them (Offshoring Policy, Process: "reflecting its
 * criticality to the MoJ ... variations ... the cost or other implications").
 */
export function existingContractInWords(contract: ExistingContract): [string, string][] {
  return [
    ['Criticality to the MoJ', CONTRACT_CRITICALITY_WORDS[contract.criticality]],
    ['Contract ends or can be broken', ukDate(contract.endOrBreakDate)],
    ['Variations it would need', contract.variationsRequired],
    ['Their cost or other implications', contract.variationCost],
    ['Action plan date if not approved', ukDate(contract.actionPlanDate)],
  ];
}

/** Where a registered service stands against the policy (an existing contract is listed before any approval). */
export const COMPLIANCE_WORDS = {
  COMPLIANT: { text: 'Compliant', colour: 'green', detail: 'Approved under the Offshoring Policy' },
  UNDER_ASSESSMENT: { text: 'Under assessment', colour: 'blue', detail: 'An existing contract, live while its approval is sought' },
  NON_COMPLIANT: {
    text: 'Non-compliant',
    colour: 'red',
    detail: 'An existing contract that was not approved, monitored against its action plan date',
  },
} as const satisfies Record<ComplianceStatus, { text: string; colour: string; detail: string }>;

export const DATA_CATEGORY_WORDS = {
  PERSONAL: 'Personal data',
  FINANCIAL: 'Financial data',
  LEGAL: 'Legal data',
  OTHER: 'Other data',
} as const;

/** An approving role in the policy's words ("MoJ Senior Information Risk Officer (SIRO)"). */
export function roleInWords(role: keyof typeof ROLE_TITLES): string {
  return ROLE_TITLES[role];
}

/** "France: Hosting, Support" */
export function locationInWords(location: { country: string; activities: readonly OffshoreActivity[] }): string {
  return `${countryName(location.country)}: ${location.activities.map((a) => ACTIVITY_WORDS[a]).join(', ')}`;
}

export const INCIDENT_KIND_WORDS: Record<IncidentKind, string> = {
  PERSONAL_DATA_BREACH: 'Suspected personal data breach',
  SECURITY_INCIDENT: 'Information security incident',
  BOTH: 'Suspected personal data breach and information security incident',
};

export const INCIDENT_RECIPIENT_WORDS: Record<IncidentRecipient | 'REPORTER', string> = {
  DPO: 'the MoJ Data Protection Officer',
  OPERATIONAL_SECURITY_TEAM: 'the MoJ Operational Security Team',
  REPORTER: 'the person who reported it',
};

export const INCIDENT_STATUS_WORDS: Record<'OPEN' | 'CONTAINED' | 'CLOSED', { text: string; colour: string }> = {
  OPEN: { text: 'Open', colour: 'red' },
  CONTAINED: { text: 'Contained', colour: 'yellow' },
  CLOSED: { text: 'Closed', colour: 'grey' },
};

/** When an incident was discovered: a day ("21 December 2026") or a moment in UK time. */
export function discoveredInWords(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? ukDate(value) : ukDeadline(value);
}
