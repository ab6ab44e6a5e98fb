import { html, type Html } from '../web/html.ts';
import type { Person } from '../domain/request.ts';
import type { ApprovalRecord } from '../store/records.ts';
import type { ExemptionRecord } from '../store/exemptions.ts';
import { COMPLIANCE_CLAUSE, VARIATION_CLAUSE } from '../domain/offshoring-policy.ts';
import { roleInWords, ukDate, ukDeadline } from '../domain/words.ts';
import { emailLink, type EmailMessage, type ApprovalEmailStage, type RoundOutcome, type SilentApprover } from './templates.ts';

/**
 * The emails of an exemption's approval round (Offshoring Policy, Compliance; Corporate Security
 * Policy: variations): the same moments as an offshoring request's, said of an exemption, with
 * its clause, justification, scope and end date.
 */

function page(title: string, body: Html): string {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:Arial,sans-serif;max-width:42em">${body}</body></html>`
    .value;
}

const roleWords = (role: string) => roleInWords(role as Parameters<typeof roleInWords>[0]) ?? role;
const dear = (person: Person) => `Dear ${person.name},`;

/** What it is: an exemption, a business area's variation, or a request to change the policy. */
export const exemptionWhat = (record: Pick<ExemptionRecord, 'exemption'>) =>
  record.exemption.requestType === 'POLICY_CHANGE'
    ? 'request to change the Offshoring Policy'
    : record.exemption.variation
      ? `variation for ${record.exemption.variation.businessArea}`
      : 'exemption';

/** The same with its article: "an exemption", "a variation for LAA", "a request to change the Offshoring Policy". */
export const anExemptionWhat = (record: Pick<ExemptionRecord, 'exemption'>) => {
  const what = exemptionWhat(record);
  return `${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what}`;
};

/** When it ends, in words: a change to the policy does not. */
const endsOn = (record: Pick<ExemptionRecord, 'exemption'>) =>
  record.exemption.endDate === undefined ? 'None: a change to the policy does not end' : ukDate(record.exemption.endDate);

/** What approval does to it: in force until its end date, or the change agreed. */
const approvedMeans = (record: Pick<ExemptionRecord, 'exemption'>) =>
  record.exemption.endDate === undefined
    ? 'The change to the policy is agreed; it does not end.'
    : `It is in force until ${ukDate(record.exemption.endDate)}; after that the policy applies in full again.`;

/** Its scope: one registered service, or the whole policy. */
export const exemptionScope = (record: Pick<ExemptionRecord, 'exemption' | 'service'>) =>
  record.service
    ? `${record.service.serviceName} (${record.service.serviceId}) in the offshore service register`
    : record.exemption.serviceId
      ? record.exemption.serviceId
      : 'The whole Offshoring Policy (not one service)';

const title = (record: ExemptionRecord) => `${record.service?.serviceName ?? 'the whole policy'} (${record.requestId})`;

/** The facts an approver needs: clause, justification, scope, end date, who asks. */
export function exemptionFacts(record: ExemptionRecord): [string, string][] {
  return [
    ['Reference', record.requestId],
    [
      'What',
      record.exemption.requestType === 'POLICY_CHANGE'
        ? 'A change to the Offshoring Policy'
        : record.exemption.variation
          ? `A variation agreed by the Accounting Officer of ${record.exemption.variation.businessArea}`
          : 'An exemption from the Offshoring Policy',
    ],
    ['Policy clause', record.exemption.policyClause],
    ['Justification', record.exemption.justification],
    ['Scope', exemptionScope(record)],
    ['End date', endsOn(record)],
    ['Asked for by', `${record.requester.name} <${record.requester.email}>`],
  ];
}

/**
 * What asking for it again may revise, in words, as of one round's content: its clause,
 * justification and end date (the scope, the kind and any variation stay as they were).
 */
export function revisableFacts(record: ExemptionRecord, exemption: ExemptionRecord['exemption']): [string, string][] {
  const revisable = ['Policy clause', 'Justification', 'End date'];
  return exemptionFacts({ ...record, exemption }).filter(([key]) => revisable.includes(key));
}

const factsText = (record: ExemptionRecord) =>
  exemptionFacts(record)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
const factsHtml = (record: ExemptionRecord) =>
  html`<table role="presentation" cellpadding="4">${exemptionFacts(record).map(
    ([k, v]) => html`<tr><th align="left" valign="top">${k}</th><td style="white-space:pre-line">${v}</td></tr>`,
  )}</table>`;

/** Why this approver is asked, in the policies' words. */
const whyAsked = (approval: Pick<ApprovalRecord, 'role'>) =>
  approval.role === 'ACCOUNTING_OFFICER'
    ? `Corporate Security Policy: "${VARIATION_CLAUSE}"`
    : `Offshoring Policy, Compliance: "${COMPLIANCE_CLAUSE}"`;

/** To one approver: decide on the exemption, through their own single-use link. */
export function exemptionApprovalEmail(record: ExemptionRecord, approval: ApprovalRecord, link: string, stage: ApprovalEmailStage): EmailMessage {
  const subject = `${stage === 'REMINDER' ? 'Reminder: ' : ''}Exemption approval needed: ${title(record)}`;
  const ask =
    approval.round > 1
      ? `${record.requester.name} asks again for your formal review and approval, as ${roleWords(approval.role)}, of ${anExemptionWhat(record)} that was rejected and has been revised. The decisions and reasons of its earlier rounds are on the review page.`
      : `${record.requester.name} asks for your formal review and approval, as ${roleWords(approval.role)}, of ${anExemptionWhat(record)}.`;
  const reminder = stage === 'REMINDER' ? 'We have not yet had your decision. ' : '';
  const deadline = `Please decide by ${ukDeadline(approval.respondBy)}.`;
  const why = whyAsked(approval);
  const text = [
    `Dear ${approval.name},`,
    '',
    reminder + ask,
    why,
    '',
    factsText(record),
    '',
    deadline,
    'Review the exemption and record your decision here (opening the link changes nothing until you press a button):',
    link,
    '',
    'This link is personal to you and works once; please do not forward it.',
  ].join('\n');
  const body = html`<p>Dear ${approval.name},</p>
<p>${reminder}${ask}</p><p>${why}</p>
${factsHtml(record)}
<p><strong>${deadline}</strong></p>
<p>${emailLink(link, 'Review the exemption and record your decision')}</p>
<p>This link is personal to you and works once; please do not forward it.</p>`;
  return { to: [{ name: approval.name, email: approval.email }], subject, text, html: page(subject, body) };
}

/** To the requester: received, who must approve it, by when. */
export function exemptionReceivedEmail(
  record: ExemptionRecord,
  approvals: readonly ApprovalRecord[],
  respondBy: string,
  pageLink: string,
): EmailMessage {
  const again = record.round > 1;
  const subject = `${again ? 'Exemption asked for again' : 'Exemption received'}: ${title(record)}`;
  const who = approvals.map((a) => `${roleWords(a.role)}: ${a.name}`);
  const opening = again
    ? `We have asked these people again to review and approve your ${exemptionWhat(record)}, as you revised it, by ${ukDeadline(respondBy)}:`
    : `We have received your ${exemptionWhat(record)} and asked these people to review and approve it by ${ukDeadline(respondBy)}:`;
  const text = [dear(record.requester), '', opening, ...who.map((w) => `  - ${w}`), '', factsText(record), '', 'Follow it here:', pageLink].join(
    '\n',
  );
  const body = html`<p>${dear(record.requester)}</p><p>${opening}</p><ul>${who.map((w) => html`<li>${w}</li>`)}</ul>
${factsHtml(record)}<p>${emailLink(pageLink, 'Follow your exemption')}</p>`;
  return { to: [record.requester], subject, text, html: page(subject, body) };
}

/** To the requester: every approver approved; in force until its end date. */
export function exemptionApprovedEmail(record: ExemptionRecord, approvals: readonly ApprovalRecord[], pageLink: string): EmailMessage {
  const subject = `Exemption approved: ${title(record)}`;
  const opening = `Your ${exemptionWhat(record)} has been approved by everyone the policy requires. ${approvedMeans(record)}`;
  const who = approvals.map((a) => `${roleWords(a.role)}: ${a.name}${a.reason ? ` ("${a.reason}")` : ''}`);
  const text = [dear(record.requester), '', opening, '', 'Approved by:', ...who.map((w) => `  - ${w}`), '', factsText(record), '', pageLink].join(
    '\n',
  );
  const body = html`<p>${dear(record.requester)}</p><p>${opening}</p><p>Approved by:</p><ul>${who.map((w) => html`<li>${w}</li>`)}</ul>
${factsHtml(record)}<p>${emailLink(pageLink, 'See your exemption')}</p>`;
  return { to: [record.requester], subject, text, html: page(subject, body) };
}

/** To the requester: rejected, with every reason. */
export function exemptionRejectedEmail(
  record: ExemptionRecord,
  reasons: NonNullable<ExemptionRecord['rejectionReasons']>,
  pageLink: string,
  askAgainLink = `${pageLink}/ask-again`,
): EmailMessage {
  const subject = `Exemption rejected: ${title(record)}`;
  const opening = `Your ${exemptionWhat(record)} has been rejected: not every approval the policy requires was obtained, so the policy applies in full.`;
  const lines = reasons.map(
    (r) => `${r.name}, ${roleWords(r.role)}, ${r.status === 'LAPSED' ? 'did not decide in time' : 'rejected it'}: ${r.reason}`,
  );
  const next =
    'Once the concerns are addressed, you may ask for it again with its clause, justification or end date revised: the same approvers are asked again, and see these reasons.';
  const text = [
    dear(record.requester),
    '',
    opening,
    '',
    'Reasons:',
    ...lines.map((l) => `  - ${l}`),
    '',
    next,
    `Ask for it again: ${askAgainLink}`,
    '',
    pageLink,
  ].join('\n');
  const body = html`<p>${dear(record.requester)}</p><p>${opening}</p><h3>Reasons</h3><ul>${lines.map((l) => html`<li>${l}</li>`)}</ul>
<p>${next}</p><p>${emailLink(askAgainLink, 'Ask for it again')}</p><p>${emailLink(pageLink, 'See your exemption')}</p>`;
  return { to: [record.requester], subject, text, html: page(subject, body) };
}

/** To an approver still waiting when the round ended without them. */
export function exemptionClosedEmail(
  record: ExemptionRecord,
  approval: ApprovalRecord,
  why = `The exemption ${record.requestId} was rejected by another approver.`,
): EmailMessage {
  const subject = `No action needed: exemption ${title(record)}`;
  const line = `${why} You no longer need to decide on it, and the link we sent you no longer works.`;
  return {
    to: [{ name: approval.name, email: approval.email }],
    subject,
    text: [`Dear ${approval.name},`, '', line].join('\n'),
    html: page(subject, html`<p>Dear ${approval.name},</p><p>${line}</p>`),
  };
}

/** To an approver who decided: how the exemption's round ended. */
export function exemptionOutcomeEmail(record: ExemptionRecord, approval: ApprovalRecord, outcome: RoundOutcome): EmailMessage {
  const words = { APPROVED: 'approved', REJECTED: 'rejected', WITHDRAWN: 'withdrawn', CLOSED: 'closed' }[outcome];
  const subject = `Outcome: exemption ${title(record)} was ${words}`;
  const lines = [
    outcome === 'APPROVED'
      ? `Every required approver approved the ${exemptionWhat(record)} ${record.requestId}. ${approvedMeans(record)}`
      : `The ${exemptionWhat(record)} ${record.requestId} was ${words}.`,
    `You ${approval.status === 'APPROVED' ? 'approved' : 'rejected'} it as ${roleWords(approval.role)}.`,
    'There is nothing more for you to do.',
  ];
  return {
    to: [{ name: approval.name, email: approval.email }],
    subject,
    text: [`Dear ${approval.name},`, '', ...lines].join('\n'),
    html: page(subject, html`<p>Dear ${approval.name},</p>${lines.map((l) => html`<p>${l}</p>`)}`),
  };
}

/** To a silent approver's escalation contact. */
export function exemptionChaseEmail(record: ExemptionRecord, approval: ApprovalRecord): EmailMessage {
  const contact = approval.escalationContact ?? { name: approval.name, email: approval.email };
  const subject = `Chase: no decision from ${roleWords(approval.role)} on exemption ${title(record)}`;
  const line = `${approval.name} (${roleWords(approval.role)}, ${approval.email}) was asked to approve this exemption and has not yet decided. The approval lapses at ${ukDeadline(approval.respondBy)}, and the exemption is then rejected as "approval not obtained in time". Please help get a decision: the approver can still use the link they were sent.`;
  return {
    to: [contact],
    subject,
    text: [dear(contact), '', line, '', factsText(record)].join('\n'),
    html: page(subject, html`<p>${dear(contact)}</p><p>${line}</p>${factsHtml(record)}`),
  };
}

/** To the requester, once per round: who is still silent. */
export function exemptionOwnerChaseEmail(
  record: ExemptionRecord,
  silent: readonly SilentApprover[],
  respondBy: string,
  pageLink: string,
): EmailMessage {
  const subject = `Chase: ${silent.length} approver${silent.length === 1 ? ' has' : 's have'} not decided on exemption ${title(record)}`;
  const who = silent.map((a) => `${roleWords(a.role)}: ${a.name} (${a.email})`);
  const after = `Their approvals lapse at ${ukDeadline(respondBy)}, and the exemption is then rejected as "approval not obtained in time". We have reminded them and asked their escalation contacts to help.`;
  const text = [
    dear(record.requester),
    '',
    'These approvers have not yet decided on your exemption:',
    ...who.map((w) => `  - ${w}`),
    '',
    after,
    '',
    pageLink,
  ].join('\n');
  const body = html`<p>${dear(record.requester)}</p><p>These approvers have not yet decided on your exemption:</p><ul>${who.map((w) => html`<li>${w}</li>`)}</ul><p>${after}</p><p>${emailLink(pageLink, 'Follow your exemption')}</p>`;
  return { to: [record.requester], subject, text, html: page(subject, body) };
}
