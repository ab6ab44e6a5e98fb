import { html, type Html } from '../web/html.ts';
import { REJECTION_ROUTES } from '../domain/offshoring-policy.ts';
import type { Person } from '../domain/request.ts';
import type { RequestPageLinks } from '../domain/links.ts';
import type { ApprovalRecord, RequestRecord } from '../store/records.ts';
import { serviceChanges } from '../domain/service-change.ts';
import {
  BUSINESS_CRITICALITY_WORDS,
  CHANGE_TYPE_WORDS,
  SERVICE_OWNER_IS_IAO,
  DATA_CATEGORY_WORDS,
  existingContractInWords,
  locationInWords,
  roleInWords,
  ukDate,
  ukDeadline,
  ukTime,
} from '../domain/words.ts';

/** Email bodies as pure functions of the records: easy to test, nothing sent from here. */
export interface EmailMessage {
  to: Person[];
  cc?: Person[];
  subject: string;
  text: string;
  html: string;
}

/** A moment people read in an email: "6:47pm on 21 December 2026 (UK time)". */
const when = (iso: string) => `${ukTime(iso)} (UK time)`;

/** A role as stored (an approver's, or a reason's), in the policy's words. */
const roleWords = (role: string) => roleInWords(role as Parameters<typeof roleInWords>[0]) ?? role;

/**
 * A date or a moment in words, in UK time and saying so. Kept for the approver pages, which read
 * dates through it; emails and pages use functions/domain/words.ts directly.
 */
export function formatDate(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(iso) ? ukDate(iso) : ukDeadline(iso);
}

/** The facts an approver needs, and no more. */
export function requestFacts(record: RequestRecord): [string, string][] {
  const r = record.request;
  const facts: [string, string][] = [
    ['Request', `${record.requestId} (round ${record.round})`],
    ['Service', r.serviceName],
    ['Supplier', r.supplierName],
    ['Change', CHANGE_TYPE_WORDS[r.changeType]],
    ...(record.serviceBeforeChange
      ? [
          [
            'Registered service',
            `${record.serviceBeforeChange.serviceId}: ${record.serviceBeforeChange.serviceName} (register version ${record.serviceBeforeChange.version})`,
          ] as [string, string],
        ]
      : []),
    ['Business areas', r.businessAreas.join(', ')],
    ['Data', `${r.dataClassification}; ${r.dataCategories.map((c) => DATA_CATEGORY_WORDS[c]).join(', ')}`],
    ['Offshore', r.offshoreLocations.map(locationInWords).join('; ')],
    ['Planned start', ukDate(r.plannedStartDate)],
    ...(r.businessCriticality ? [['Business criticality', BUSINESS_CRITICALITY_WORDS[r.businessCriticality]] as [string, string]] : []),
    ['Service owner', `${r.serviceOwner.name} <${r.serviceOwner.email}>`],
    // Corporate Security Policy: information risks are owned by Information Asset Owners; by default the service owner.
    [
      'Information Asset Owner',
      r.informationAssetOwner ? `${r.informationAssetOwner.name} <${r.informationAssetOwner.email}>` : SERVICE_OWNER_IS_IAO,
    ],
    ...(r.existingContract ? existingContractInWords(r.existingContract) : []),
  ];
  if (record.lateNotice) facts.push(['LATE NOTICE', record.lateNoticeReason ?? 'Less than 4 weeks notice']);
  return facts;
}

/** For a CHANGE naming its registered service: what it alters, before and after (empty otherwise). */
export function changesOf(record: RequestRecord) {
  return record.serviceBeforeChange ? serviceChanges(record.serviceBeforeChange, record.request) : undefined;
}

function factsText(record: RequestRecord): string {
  const lines = requestFacts(record).map(([k, v]) => `${k}: ${v}`);
  const changes = changesOf(record);
  if (changes) {
    lines.push('', `What changes in ${record.serviceBeforeChange?.serviceId}:`);
    if (changes.length === 0) lines.push('  No change to its name, supplier, business areas, data, locations or activities.');
    for (const c of changes) lines.push(`  - ${c.what}: ${c.before} → ${c.after}`);
  }
  lines.push('', 'What is proposed:', record.request.description);
  if (record.request.mitigations.length) lines.push('', 'Mitigations:', ...record.request.mitigations.map((m) => `  - ${m}`));
  if (record.status === 'ESCALATED' && record.escalation) {
    // Offshoring Policy, Process 3(b): the Head weighs what was rectified beside why it was rejected.
    lines.push('', 'Why it was rejected:', ...(record.rejectionReasons ?? []).map((r) => `  - ${reasonInWords(r)}`));
    if (record.escalation.risksRectified) lines.push('', 'Residual or inherent risk rectified before escalating:', record.escalation.risksRectified);
    lines.push('', "The service owner's case for approval:", record.escalation.caseForApproval);
  }
  if (record.endorsement)
    lines.push(
      '',
      `Endorsed by ${record.endorsement.name} (Departmental Head, ${record.endorsement.businessArea}) at ${when(record.endorsement.at)}:`,
      record.endorsement.caseForApproval,
    );
  return lines.join('\n');
}

export function factsHtml(record: RequestRecord): Html {
  return html`<table role="presentation" cellpadding="4">${requestFacts(record).map(
    ([k, v]) =>
      html`<tr><th align="left" valign="top">${k}</th><td${k === 'LATE NOTICE' ? html` style="color:#d4351c;font-weight:bold"` : ''}>${v}</td></tr>`,
  )}</table>
${changesHtml(record, 'h3')}
<h3>What is proposed</h3><p>${record.request.description}</p>
${record.request.mitigations.length ? html`<h3>Mitigations</h3><ul>${record.request.mitigations.map((m) => html`<li>${m}</li>`)}</ul>` : ''}
${record.status === 'ESCALATED' && record.escalation ? escalationHtml(record, record.escalation) : ''}
${record.endorsement ? html`<h3>Endorsed by the Departmental Head</h3><p>${record.endorsement.name} (${record.endorsement.businessArea}), ${when(record.endorsement.at)}:</p><blockquote>${record.endorsement.caseForApproval}</blockquote>` : ''}`;
}

/** An escalated request, for the Departmental Head: why it was rejected beside what was rectified, then the case. */
function escalationHtml(record: RequestRecord, escalation: NonNullable<RequestRecord['escalation']>): Html {
  const reasons = record.rejectionReasons ?? [];
  return html`<h3>Why it was rejected</h3><ul>${reasons.map((r) => html`<li>${reasonInWords(r)}</li>`)}</ul>
${escalation.risksRectified ? html`<h3>Residual or inherent risk rectified before escalating</h3><blockquote>${escalation.risksRectified}</blockquote>` : ''}
<h3>The service owner's case for approval</h3><blockquote>${escalation.caseForApproval}</blockquote>`;
}

/** The before and after of a CHANGE, for emails (h3) and pages (h2). */
export function changesHtml(record: RequestRecord, heading: 'h2' | 'h3'): Html | string {
  const changes = changesOf(record);
  if (!changes) return '';
  const title = `What changes in ${record.serviceBeforeChange?.serviceId}`;
  const header = heading === 'h2' ? html`<h2>${title}</h2>` : html`<h3>${title}</h3>`;
  if (changes.length === 0) return html`${header}<p>No change to its name, supplier, business areas, data, locations or activities.</p>`;
  return html`${header}<table><tr><th scope="col"></th><th scope="col">Before</th><th scope="col">After</th></tr>${changes.map(
    (c) => html`<tr><th scope="row">${c.what}</th><td>${c.before}</td><td>${c.after}</td></tr>`,
  )}</table>`;
}

/**
 * A link in an email. It opens in a new tab or window: mail clients and web inboxes show the email
 * inside a frame, and the service's pages refuse to be framed. `noopener noreferrer` gives the page
 * no handle on the inbox and no Referer naming it.
 */
export function emailLink(href: string, text: string): Html {
  return html`<a href="${href}" target="_blank" rel="noopener noreferrer">${text}</a>`;
}

function page(title: string, body: Html): string {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:Arial,sans-serif;max-width:42em">${body}</body></html>`
    .value;
}

export type ApprovalEmailStage = 'REQUEST' | 'REMINDER';

/** The email asking one approver (or a Departmental Head) to decide, with their one personal link. */
export function approvalRequestEmail(record: RequestRecord, approval: ApprovalRecord, link: string, stage: ApprovalEmailStage): EmailMessage {
  const urgent = record.lateNotice ? '[URGENT: late notice] ' : '';
  const endorsement = approval.kind === 'ENDORSEMENT';
  const what = endorsement ? 'Endorsement requested' : 'Offshoring approval needed';
  const subject = `${urgent}${stage === 'REMINDER' ? 'Reminder: ' : ''}${what}: ${record.request.serviceName} (${record.requestId})`;
  const title = roleWords(approval.role);
  const ask = endorsement
    ? `${record.request.serviceOwner.name} has escalated a rejected offshoring request to you as ${title} for ${approval.businessArea}, and asks you to endorse it for a new round of approvals (Offshoring Policy, Process 3).`
    : `${record.request.serviceOwner.name} asks for your written approval, as ${title}, for part of a Ministry of Justice service's data handling to be done outside the UK. The Offshoring Policy requires it before the change goes ahead.`;
  const deadline = `Please decide by ${ukDeadline(approval.respondBy)}.`;
  const reminder = stage === 'REMINDER' ? 'We have not yet had your decision. ' : '';
  const text = [
    `Dear ${approval.name},`,
    '',
    reminder + ask,
    '',
    factsText(record),
    '',
    deadline,
    `Review the request and record your decision here (opening the link changes nothing until you press a button):`,
    link,
    '',
    'This link is personal to you and works once; please do not forward it.',
  ].join('\n');
  const body = html`<p>Dear ${approval.name},</p>
<p>${reminder}${ask}</p>
${record.lateNotice ? html`<p style="color:#d4351c;font-weight:bold">Urgent: ${record.lateNoticeReason}</p>` : ''}
${factsHtml(record)}
<p><strong>${deadline}</strong></p>
<p>${emailLink(link, 'Review the request and record your decision')}</p>
<p>This link is personal to you and works once; please do not forward it.</p>`;
  return { to: [{ name: approval.name, email: approval.email }], subject, text, html: page(subject, body) };
}

/**
 * Offshoring Policy, Approval: "Notifying other interested parties in the MoJ, including the
 * contract manager of the supplier": copied on the submission and the outcome, each address once
 * and never the owner's own. They are told, never asked: no email to them carries an approval link.
 * A named Information Asset Owner is told likewise (Corporate Security Policy: "the ownership of
 * information risks by Information Asset Owners within the business").
 */
export function interestedParties(record: Pick<RequestRecord, 'request'>): Person[] {
  const { serviceOwner, contractManager, informationAssetOwner, interestedParties: others = [] } = record.request;
  const seen = new Set([serviceOwner.email.toLowerCase()]);
  return [...(contractManager ? [contractManager] : []), ...(informationAssetOwner ? [informationAssetOwner] : []), ...others].filter((person) => {
    const email = person.email.toLowerCase();
    if (seen.has(email)) return false;
    seen.add(email);
    return true;
  });
}
const dear = (person: Person) => `Dear ${person.name},`;
const approverInWords = (a: Pick<ApprovalRecord, 'role' | 'name'>) => `${roleWords(a.role)}: ${a.name}`;

/** The owner's page link, in the text part (to copy) and the HTML part (to press). */
function pageLinkParts(href: string, label: string) {
  return { text: [`${label}:`, href], html: html`<p>${emailLink(href, label)}</p>` };
}

/** Where a new round comes from, in the owner's words. */
export type RoundStart = 'SUBMITTED' | 'RESUBMITTED' | 'MITIGATIONS_PROVIDED';

/**
 * The service owner's confirmation that a round of approvals started: the reference, the service,
 * who must approve, by when, and the request's page (Offshoring Policy, Process 1; Process 3 for
 * later rounds).
 */
export function roundStartedEmail(
  record: RequestRecord,
  approvals: readonly Pick<ApprovalRecord, 'role' | 'name' | 'businessArea'>[],
  respondBy: string,
  start: RoundStart,
  links: Pick<RequestPageLinks, 'page'>,
): EmailMessage {
  const service = record.request.serviceName;
  const subject =
    start === 'SUBMITTED' ? `Request received: ${service} (${record.requestId})` : `New approval round started: ${service} (${record.requestId})`;
  const opening = {
    SUBMITTED: `We have received your offshoring request for ${service}. Its reference is ${record.requestId}.`,
    RESUBMITTED: `You resubmitted your adjusted offshoring request for ${service} (${record.requestId}), so a new round of approvals has started: round ${record.round}.`,
    MITIGATIONS_PROVIDED: `You provided mitigations for your offshoring request for ${service} (${record.requestId}), so a new round of approvals has started: round ${record.round}.`,
  }[start];
  const who = approvals.map(approverInWords);
  const asked = `We have asked everyone who must approve it (Offshoring Policy, Process 1):`;
  const deadline = `They have until ${ukDeadline(respondBy)} to decide. We will email you when every approval is obtained, or if any is not.`;
  const late = record.lateNotice ? `This request has less than 4 weeks' notice, so it is marked urgent: ${record.lateNoticeReason ?? ''}`.trim() : '';
  const link = pageLinkParts(links.page, 'Follow your request');
  const text = [dear(record.request.serviceOwner), '', opening, '', asked, ...who.map((w) => `  - ${w}`), '', deadline];
  if (late) text.push('', late);
  text.push('', ...link.text);
  const body = html`<p>${dear(record.request.serviceOwner)}</p>
<p>${opening}</p>
<p>${asked}</p><ul>${who.map((w) => html`<li>${w}</li>`)}</ul>
<p><strong>${deadline}</strong></p>
${late ? html`<p style="color:#d4351c;font-weight:bold">${late}</p>` : ''}
${link.html}`;
  // Those only told hear of the submission; later rounds are the owner's to follow.
  const cc = start === 'SUBMITTED' ? interestedParties(record) : [];
  return { to: [record.request.serviceOwner], ...(cc.length ? { cc } : {}), subject, text: text.join('\n'), html: page(subject, body) };
}

/** Offshoring Policy, Process 2: all approvals obtained and documented; the project can continue as planned. */
export function requestApprovedEmail(
  record: RequestRecord,
  approvals: ApprovalRecord[],
  registered: { serviceId: string; reviewDue: string },
  links: Pick<RequestPageLinks, 'page'>,
): EmailMessage {
  const subject = `Approved: ${record.request.serviceName} (${record.requestId})`;
  const list = approvals.map((a) => `${approverInWords(a)}, ${when(a.decidedAt ?? a.createdAt)}${a.reason ? ` ("${a.reason}")` : ''}`);
  const opening = `Every approval the Offshoring Policy requires for ${record.request.serviceName} has been obtained and documented, so the project can continue as planned.`;
  const register = `The service is now in the offshore service register as ${registered.serviceId}. Its next review is due by ${ukDate(registered.reviewDue)}: the security team reviews it with you as part of continual monitoring (Offshoring Policy, Process 4).`;
  const link = pageLinkParts(links.page, 'See your request');
  const text = [dear(record.request.serviceOwner), '', opening, '', 'Approved by:', ...list.map((l) => `  - ${l}`), '', register, '', ...link.text];
  const body = html`<p>${dear(record.request.serviceOwner)}</p>
<p>${opening}</p>
<p>Approved by:</p><ul>${list.map((l) => html`<li>${l}</li>`)}</ul>
<p>${register}</p>
${link.html}`;
  return { to: [record.request.serviceOwner], cc: interestedParties(record), subject, text: text.join('\n'), html: page(subject, body) };
}

/** A reason the round was rejected, in words: who, in what role, and why. */
function reasonInWords(r: NonNullable<RequestRecord['rejectionReasons']>[number]): string {
  const what = r.status === 'LAPSED' ? 'did not decide in time' : 'rejected it';
  return `${r.name}, ${roleWords(r.role)}, ${what}: ${r.reason}`;
}

/** The three routes of Offshoring Policy, Process 3, each a page of the service. */
function rejectionRoutes(links: RequestPageLinks): { what: string; href: string; label: string }[] {
  return [
    { label: 'Adjust and resubmit your request', what: REJECTION_ROUTES.adjustPlans, href: links.resubmit },
    { label: 'Add or replace mitigations', what: REJECTION_ROUTES.provideMitigations, href: links.mitigations },
    { label: 'Escalate to your Departmental Head', what: REJECTION_ROUTES.escalateToDepartmentalHead, href: links.escalate },
  ];
}

function routesParts(links: RequestPageLinks) {
  const routes = rejectionRoutes(links);
  return {
    text: routes.flatMap((r, i) => [`  ${i + 1}. ${r.label}: ${r.what}.`, `     ${r.href}`]),
    html: html`<ul>${routes.map((r) => html`<li>${emailLink(r.href, r.label)}: ${r.what}.</li>`)}</ul>`,
  };
}

/** Offshoring Policy, Process 3: rejected, with every reason given and the three routes. */
export function requestRejectedEmail(
  record: RequestRecord,
  reasons: NonNullable<RequestRecord['rejectionReasons']>,
  links: RequestPageLinks,
): EmailMessage {
  const subject = `Rejected: ${record.request.serviceName} (${record.requestId})`;
  const reasonLines = reasons.map(reasonInWords);
  const opening = `Your offshoring request for ${record.request.serviceName} has been rejected: one or more of the approvals the Offshoring Policy requires could not be obtained.`;
  const next = 'You can do one or more of these (Offshoring Policy, Process 3):';
  const routes = routesParts(links);
  const link = pageLinkParts(links.page, 'See your request');
  const text = [
    dear(record.request.serviceOwner),
    '',
    opening,
    '',
    'Reasons:',
    ...reasonLines.map((l) => `  - ${l}`),
    '',
    next,
    ...routes.text,
    '',
    ...link.text,
  ].join('\n');
  const body = html`<p>${dear(record.request.serviceOwner)}</p>
<p>${opening}</p>
<h3>Reasons</h3><ul>${reasonLines.map((l) => html`<li>${l}</li>`)}</ul>
<h3>What you can do</h3><p>${next}</p>${routes.html}
${link.html}`;
  return { to: [record.request.serviceOwner], cc: interestedParties(record), subject, text, html: page(subject, body) };
}

/**
 * The service owner withdrew the request: they are told it is withdrawn, with the contract manager and
 * the other interested parties copied, as on its submission and outcome (Offshoring Policy, Approval:
 * "Notifying other interested parties in the MoJ, including the contract manager of the supplier").
 */
export function requestWithdrawnEmail(record: RequestRecord, reason: string | undefined, links: Pick<RequestPageLinks, 'page'>): EmailMessage {
  const service = record.request.serviceName;
  const subject = `Withdrawn: ${service} (${record.requestId})`;
  const opening = `The service owner, ${record.request.serviceOwner.name}, withdrew the offshoring request ${record.requestId} for ${service}. It will not go ahead as asked, and no approver needs to decide on it.`;
  const why = reason ? `The reason given: "${reason}"` : '';
  const link = pageLinkParts(links.page, 'See the request');
  const text = [dear(record.request.serviceOwner), '', opening];
  if (why) text.push('', why);
  text.push('', ...link.text);
  const body = html`<p>${dear(record.request.serviceOwner)}</p>
<p>${opening}</p>
${why ? html`<p>${why}</p>` : ''}
${link.html}`;
  const cc = interestedParties(record);
  return { to: [record.request.serviceOwner], ...(cc.length ? { cc } : {}), subject, text: text.join('\n'), html: page(subject, body) };
}

/** To approvers still waiting when the round ends without them: no action needed, the link is dead. */
export function roundClosedEmail(record: RequestRecord, approval: ApprovalRecord, why: string): EmailMessage {
  const subject = `No action needed: ${record.request.serviceName} (${record.requestId})`;
  const text = [`Dear ${approval.name},`, '', `${why} You no longer need to decide on it, and the link we sent you no longer works.`].join('\n');
  const body = html`<p>Dear ${approval.name},</p><p>${why} You no longer need to decide on it, and the link we sent you no longer works.</p>`;
  return { to: [{ name: approval.name, email: approval.email }], subject, text, html: page(subject, body) };
}

/** How a round an approver decided in ended. */
export type RoundOutcome = 'APPROVED' | 'REJECTED' | 'WITHDRAWN' | 'CLOSED';

/** To an approver who decided: what came of the round they decided in. Nothing for them to do. */
export function roundOutcomeEmail(record: RequestRecord, approval: ApprovalRecord, outcome: RoundOutcome): EmailMessage {
  const service = record.request.serviceName;
  const words = { APPROVED: 'approved', REJECTED: 'rejected', WITHDRAWN: 'withdrawn', CLOSED: 'closed' }[outcome];
  const subject = `Outcome: ${service} (${record.requestId}) was ${words}`;
  const yours = `You ${approval.status === 'APPROVED' ? 'approved' : 'rejected'} it as ${roleWords(approval.role)}${approval.decidedAt ? ` at ${when(approval.decidedAt)}` : ''}.`;
  const what = {
    APPROVED: `Every required approver approved the offshoring request ${record.requestId} for ${service}, so it goes ahead and the service is in the offshore service register.`,
    REJECTED: `The offshoring request ${record.requestId} for ${service} was rejected in round ${approval.round}: not every required approval was obtained. Its service owner may adjust it, add mitigations or escalate it (Offshoring Policy, Process 3); if it comes back, you will be asked again.`,
    WITHDRAWN: `The service owner withdrew the offshoring request ${record.requestId} for ${service}.`,
    CLOSED: `The offshoring request ${record.requestId} for ${service} is closed: the Departmental Head declined to endorse it after it was rejected.`,
  }[outcome];
  const lines = [what, yours, 'There is nothing more for you to do.'];
  const text = [`Dear ${approval.name},`, '', ...lines].join('\n');
  const body = html`<p>Dear ${approval.name},</p>${lines.map((l) => html`<p>${l}</p>`)}`;
  return { to: [{ name: approval.name, email: approval.email }], subject, text, html: page(subject, body) };
}

/** Outcome of an escalation to the Departmental Head, for the service owner. */
export function endorsementOutcomeEmail(
  record: RequestRecord,
  endorsed: boolean,
  head: ApprovalRecord,
  links: Pick<RequestPageLinks, 'page'>,
  respondBy?: string,
): EmailMessage {
  const subject = `${endorsed ? 'Endorsed' : 'Escalation declined'}: ${record.request.serviceName} (${record.requestId})`;
  const said = head.reason ? ` They said: "${head.reason}".` : '';
  const deadline = respondBy ? ` Every required approver is asked again and has until ${ukDeadline(respondBy)} to decide.` : '';
  const line = endorsed
    ? `${head.name}, Departmental Head, endorsed your case.${said} A new round of approvals has started, carrying the endorsement: round ${record.round}.${deadline}`
    : `${head.name}, Departmental Head, declined to endorse your case.${said} The request is now closed; you may submit a new request once the concerns are addressed.`;
  const link = pageLinkParts(links.page, 'See your request');
  return {
    to: [record.request.serviceOwner],
    cc: interestedParties(record),
    subject,
    text: [dear(record.request.serviceOwner), '', line, '', ...link.text].join('\n'),
    html: page(subject, html`<p>${dear(record.request.serviceOwner)}</p><p>${line}</p>${link.html}`),
  };
}

/**
 * The approver has been silent past the chase time: their escalation contact is asked to help get a
 * decision (the service owner hears once per round, in ownerChaseEmail).
 */
export function chaseEmail(record: RequestRecord, approval: ApprovalRecord): EmailMessage {
  const contact = approval.escalationContact ?? { name: approval.name, email: approval.email };
  const role = roleWords(approval.role);
  const subject = `${record.lateNotice ? '[URGENT: late notice] ' : ''}Chase: no decision from ${role} on ${record.request.serviceName} (${record.requestId})`;
  const line = `${approval.name} (${role}, ${approval.email}) was asked to approve this offshoring request and has not yet decided. The approval lapses at ${ukDeadline(approval.respondBy)}, and the request is then rejected as "approval not obtained in time". Please help get a decision: the approver can still use the link they were sent.`;
  const text = [dear(contact), '', line, '', factsText(record)].join('\n');
  const body = html`<p>${dear(contact)}</p><p>${line}</p>${factsHtml(record)}`;
  return { to: [contact], subject, text, html: page(subject, body) };
}

/** One approver still silent when the round was chased. */
export interface SilentApprover {
  role: string;
  name: string;
  email: string;
}

/** The service owner's one chase per round: every approver still silent at that moment, and by when they must decide. */
export function ownerChaseEmail(
  record: RequestRecord,
  silent: readonly SilentApprover[],
  respondBy: string,
  links: Pick<RequestPageLinks, 'page'>,
): EmailMessage {
  const subject = `${record.lateNotice ? '[URGENT: late notice] ' : ''}Chase: ${silent.length} approver${silent.length === 1 ? ' has' : 's have'} not decided on ${record.request.serviceName} (${record.requestId})`;
  const opening = `These approvers have not yet decided on your offshoring request for ${record.request.serviceName}:`;
  const who = silent.map((a) => `${roleWords(a.role)}: ${a.name} (${a.email})`);
  const after = `Their approvals lapse at ${ukDeadline(respondBy)}, and the request is then rejected as "approval not obtained in time". We have reminded them and asked their escalation contacts to help; you may want to contact them too. They can still use the links they were sent.`;
  const link = pageLinkParts(links.page, 'Follow your request');
  const text = [dear(record.request.serviceOwner), '', opening, ...who.map((w) => `  - ${w}`), '', after, '', ...link.text].join('\n');
  const body = html`<p>${dear(record.request.serviceOwner)}</p>
<p>${opening}</p><ul>${who.map((w) => html`<li>${w}</li>`)}</ul>
<p>${after}</p>
${link.html}`;
  return { to: [record.request.serviceOwner], subject, text, html: page(subject, body) };
}

/** Process 4: a registered service's review is due soon or overdue; its owner is told once per review date. */
export function reviewDueEmail(
  entry: { serviceId: string; serviceName: string; supplierName: string; serviceOwner: Person; reviewDue: string },
  overdue: boolean,
  link: string,
): EmailMessage {
  const subject = `${overdue ? 'Overdue' : 'Due soon'}: offshoring review of ${entry.serviceName} (${entry.serviceId})`;
  const line = `The offshoring arrangement for ${entry.serviceName} (supplier ${entry.supplierName}) ${overdue ? 'was' : 'is'} due for review by ${ukDate(entry.reviewDue)}. Please review the service's offshore risks and controls with the security team (Offshoring Policy, Process 4: continual monitoring and improvement) and record the review.`;
  return {
    to: [entry.serviceOwner],
    subject,
    text: [dear(entry.serviceOwner), '', line, '', link].join('\n'),
    html: page(
      subject,
      html`<p>${dear(entry.serviceOwner)}</p><p>${line}</p><p>${emailLink(link, `${entry.serviceName} in the offshore service register`)}</p>`,
    ),
  };
}

export interface DigestSection {
  title: string;
  status: 'OK' | 'FAILED' | 'SKIPPED';
  error?: string;
  items: { summary: string; link?: string }[];
}

/** The security team's one email per monitoring run: the findings, grouped by check, with links. */
export function monitoringDigestEmail(to: Person, date: string, sections: DigestSection[]): EmailMessage {
  const total = sections.reduce((n, s) => n + s.items.length, 0);
  const failed = sections.filter((s) => s.status === 'FAILED').length;
  const day = ukDate(date);
  const subject = `Offshoring monitoring ${day}: ${total} finding${total === 1 ? '' : 's'}${failed ? `, ${failed} check${failed === 1 ? '' : 's'} failed` : ''}`;
  const statusWords = (s: DigestSection) => (s.status === 'OK' ? String(s.items.length) : s.status === 'FAILED' ? 'check failed' : 'not run');
  const text = [`Continual monitoring run for ${day} (Offshoring Policy, Process 4).`, ''];
  for (const s of sections) {
    text.push(`== ${s.title}: ${statusWords(s)}${s.error ? ` (${s.error})` : ''}`);
    for (const item of s.items) text.push(`  - ${item.summary}${item.link ? ` ${item.link}` : ''}`);
    text.push('');
  }
  const body = html`<p>Continual monitoring run for ${day} (Offshoring Policy, Process 4).</p>${sections.map(
    (s) =>
      html`<h3>${s.title}: ${statusWords(s)}</h3>${s.error ? html`<p style="color:#d4351c">${s.error}</p>` : ''}${
        s.items.length ? html`<ul>${s.items.map((i) => html`<li>${i.summary}${i.link ? html` ${emailLink(i.link, i.link)}` : ''}</li>`)}</ul>` : ''
      }`,
  )}`;
  return { to: [to], subject, text: text.join('\n'), html: page(subject, body) };
}

/** The Departmental Head did not answer the escalation in time: the request is rejected again and the routes reopen. */
export function escalationLapsedEmail(record: RequestRecord, head: ApprovalRecord, links: RequestPageLinks): EmailMessage {
  const subject = `Escalation not answered: ${record.request.serviceName} (${record.requestId})`;
  const line = `${head.name}, ${head.businessArea} Departmental Head, did not respond to your escalation by ${ukDeadline(head.respondBy)}. The request is rejected again, so you can take any of the routes again (Offshoring Policy, Process 3):`;
  const routes = routesParts(links);
  const link = pageLinkParts(links.page, 'See your request');
  return {
    to: [record.request.serviceOwner],
    subject,
    text: [dear(record.request.serviceOwner), '', line, ...routes.text, '', ...link.text].join('\n'),
    html: page(subject, html`<p>${dear(record.request.serviceOwner)}</p><p>${line}</p>${routes.html}${link.html}`),
  };
}
