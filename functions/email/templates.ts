import { countryName } from '../domain/countries.ts';
import { html, type Html } from '../web/html.ts';
import { REJECTION_ROUTES, ROLE_TITLES } from '../domain/offshoring-policy.ts';
import type { Person } from '../domain/request.ts';
import type { ApprovalRecord, RequestRecord } from '../store/records.ts';
import { serviceChanges } from '../domain/service-change.ts';

/** Email bodies as pure functions of the records: easy to test, nothing sent from here. */
export interface EmailMessage {
  to: Person[];
  cc?: Person[];
  subject: string;
  text: string;
  html: string;
}

const CHANGE_WORDS = {
  NEW: 'New offshore service',
  CHANGE: 'Change to an already offshored service',
  EXISTING: 'Existing contract already in place',
} as const;
const lower = (codes: readonly string[]) => codes.map((c) => c.toLowerCase()).join(', ');

export function formatDate(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', { dateStyle: 'long', timeStyle: iso.length > 10 ? 'short' : undefined, timeZone: 'Europe/London' });
}

/** The facts an approver needs, and no more. */
export function requestFacts(record: RequestRecord): [string, string][] {
  const r = record.request;
  const facts: [string, string][] = [
    ['Request', `${record.requestId} (round ${record.round})`],
    ['Service', r.serviceName],
    ['Supplier', r.supplierName],
    ['Change', CHANGE_WORDS[r.changeType]],
    ...(record.serviceBeforeChange
      ? [
          [
            'Registered service',
            `${record.serviceBeforeChange.serviceId}: ${record.serviceBeforeChange.serviceName} (register version ${record.serviceBeforeChange.version})`,
          ] as [string, string],
        ]
      : []),
    ['Business areas', r.businessAreas.join(', ')],
    ['Data', `${r.dataClassification}; ${lower(r.dataCategories)}`],
    ['Offshore', r.offshoreLocations.map((l) => `${countryName(l.country)} (${l.country}): ${lower(l.activities)}`).join('; ')],
    ['Planned start', formatDate(r.plannedStartDate)],
    ['Service owner', `${r.serviceOwner.name} <${r.serviceOwner.email}>`],
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
  if (record.status === 'ESCALATED' && record.escalation) lines.push('', "The service owner's case for approval:", record.escalation.caseForApproval);
  if (record.endorsement)
    lines.push(
      '',
      `Endorsed by ${record.endorsement.name} (Departmental Head, ${record.endorsement.businessArea}) on ${formatDate(record.endorsement.at)}:`,
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
${record.status === 'ESCALATED' && record.escalation ? html`<h3>The service owner's case for approval</h3><blockquote>${record.escalation.caseForApproval}</blockquote>` : ''}
${record.endorsement ? html`<h3>Endorsed by the Departmental Head</h3><p>${record.endorsement.name} (${record.endorsement.businessArea}), ${formatDate(record.endorsement.at)}:</p><blockquote>${record.endorsement.caseForApproval}</blockquote>` : ''}`;
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
  const title = ROLE_TITLES[approval.role];
  const ask = endorsement
    ? `${record.request.serviceOwner.name} has escalated a rejected offshoring request to you as ${title} for ${approval.businessArea}, and asks you to endorse it for a new round of approvals (Offshoring Policy, Process 3).`
    : `${record.request.serviceOwner.name} asks for your written approval, as ${title}, for part of a Ministry of Justice service's data handling to be done outside the UK. The Offshoring Policy requires it before the change goes ahead.`;
  const deadline = `Please decide by ${formatDate(approval.respondBy)}.`;
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

const interestedParties = (record: RequestRecord) => (record.request.contractManager ? [record.request.contractManager] : []);

/** Offshoring Policy, Process 2: all approvals obtained and documented; the project can continue as planned. */
export function requestApprovedEmail(record: RequestRecord, approvals: ApprovalRecord[]): EmailMessage {
  const subject = `Approved: ${record.request.serviceName} (${record.requestId})`;
  const list = approvals.map(
    (a) => `${ROLE_TITLES[a.role]}: ${a.name}, ${formatDate(a.decidedAt ?? a.createdAt)}${a.reason ? ` ("${a.reason}")` : ''}`,
  );
  const text = [
    `Dear ${record.request.serviceOwner.name},`,
    '',
    `Every approval the Offshoring Policy requires for ${record.request.serviceName} has been obtained and documented, so the project can continue as planned.`,
    '',
    ...list,
    '',
    'The service is now in the offshore service register, which the security team reviews as part of continual monitoring.',
  ].join('\n');
  const body = html`<p>Dear ${record.request.serviceOwner.name},</p>
<p>Every approval the Offshoring Policy requires for <strong>${record.request.serviceName}</strong> has been obtained and documented, so the project can continue as planned.</p>
<ul>${list.map((l) => html`<li>${l}</li>`)}</ul>
<p>The service is now in the offshore service register, which the security team reviews as part of continual monitoring.</p>`;
  return { to: [record.request.serviceOwner], cc: interestedParties(record), subject, text, html: page(subject, body) };
}

/** Offshoring Policy, Process 3: rejected, with every reason given and the three routes. */
export function requestRejectedEmail(
  record: RequestRecord,
  reasons: NonNullable<RequestRecord['rejectionReasons']>,
  apiBaseUrl: string,
): EmailMessage {
  const subject = `Rejected: ${record.request.serviceName} (${record.requestId})`;
  const base = `${apiBaseUrl}/requests/${record.requestId}`;
  const routes: [string, string, string][] = [
    [REJECTION_ROUTES.adjustPlans, `POST ${base}/resubmissions`, 'with the adjusted request (same fields as the original)'],
    [REJECTION_ROUTES.provideMitigations, `POST ${base}/mitigations`, 'with {"mitigations": ["..."]}'],
    [REJECTION_ROUTES.escalateToDepartmentalHead, `POST ${base}/escalations`, 'with {"caseForApproval": "...", "residualRisksRectified": true}'],
  ];
  const reasonLines = reasons.map(
    (r) => `${ROLE_TITLES[r.role as keyof typeof ROLE_TITLES] ?? r.role} (${r.name}), ${r.status.toLowerCase()}: ${r.reason}`,
  );
  const text = [
    `Dear ${record.request.serviceOwner.name},`,
    '',
    `Your offshoring request for ${record.request.serviceName} has been rejected: one or more of the approvals the Offshoring Policy requires could not be obtained.`,
    '',
    'Reasons:',
    ...reasonLines.map((l) => `  - ${l}`),
    '',
    'You can now do one or more of:',
    ...routes.map(([what, call, how], i) => `  ${i + 1}. ${what}: ${call} ${how}`),
  ].join('\n');
  const body = html`<p>Dear ${record.request.serviceOwner.name},</p>
<p>Your offshoring request for <strong>${record.request.serviceName}</strong> has been rejected: one or more of the approvals the Offshoring Policy requires could not be obtained.</p>
<h3>Reasons</h3><ul>${reasonLines.map((l) => html`<li>${l}</li>`)}</ul>
<h3>What you can do</h3><ol>${routes.map(([what, call, how]) => html`<li>${what}: <code>${call}</code> ${how}</li>`)}</ol>`;
  return { to: [record.request.serviceOwner], cc: interestedParties(record), subject, text, html: page(subject, body) };
}

/** To approvers still waiting when the round ends without them: no action needed, the link is dead. */
export function roundClosedEmail(record: RequestRecord, approval: ApprovalRecord, why: string): EmailMessage {
  const subject = `No action needed: ${record.request.serviceName} (${record.requestId})`;
  const text = [`Dear ${approval.name},`, '', `${why} You no longer need to decide on it, and the link we sent you no longer works.`].join('\n');
  const body = html`<p>Dear ${approval.name},</p><p>${why} You no longer need to decide on it, and the link we sent you no longer works.</p>`;
  return { to: [{ name: approval.name, email: approval.email }], subject, text, html: page(subject, body) };
}

/** Outcome of an escalation to the Departmental Head, for the service owner. */
export function endorsementOutcomeEmail(record: RequestRecord, endorsed: boolean, head: ApprovalRecord): EmailMessage {
  const subject = `${endorsed ? 'Endorsed' : 'Escalation declined'}: ${record.request.serviceName} (${record.requestId})`;
  const said = head.reason ? ` They said: "${head.reason}".` : '';
  const line = endorsed
    ? `${head.name}, Departmental Head, endorsed your case.${said} A new round of approvals has started, carrying the endorsement.`
    : `${head.name}, Departmental Head, declined to endorse your case.${said} The request is now closed; you may submit a new request once the concerns are addressed.`;
  return {
    to: [record.request.serviceOwner],
    cc: interestedParties(record),
    subject,
    text: [`Dear ${record.request.serviceOwner.name},`, '', line].join('\n'),
    html: page(subject, html`<p>Dear ${record.request.serviceOwner.name},</p><p>${line}</p>`),
  };
}

/** The approver has been silent past the chase time: their escalation contact and the service owner are asked to chase them. */
export function chaseEmail(record: RequestRecord, approval: ApprovalRecord): EmailMessage {
  const contact = approval.escalationContact ?? { name: approval.name, email: approval.email };
  const subject = `${record.lateNotice ? '[URGENT: late notice] ' : ''}Chase: no decision from ${ROLE_TITLES[approval.role]} on ${record.request.serviceName} (${record.requestId})`;
  const line = `${approval.name} (${ROLE_TITLES[approval.role]}, ${approval.email}) was asked to approve this offshoring request and has not yet decided. The approval lapses on ${formatDate(approval.respondBy)}, and the request is then rejected as "approval not obtained in time". Please help get a decision: the approver can still use the link they were sent.`;
  const text = [`Dear ${contact.name} and ${record.request.serviceOwner.name},`, '', line, '', factsText(record)].join('\n');
  const body = html`<p>Dear ${contact.name} and ${record.request.serviceOwner.name},</p><p>${line}</p>${factsHtml(record)}`;
  return { to: [contact], cc: [record.request.serviceOwner], subject, text, html: page(subject, body) };
}

/** Process 4: a registered service's review is due soon or overdue; its owner is told once per review date. */
export function reviewDueEmail(
  entry: { serviceId: string; serviceName: string; supplierName: string; serviceOwner: Person; reviewDue: string },
  overdue: boolean,
  link: string,
): EmailMessage {
  const subject = `${overdue ? 'Overdue' : 'Due soon'}: offshoring review of ${entry.serviceName} (${entry.serviceId})`;
  const line = `The offshoring arrangement for ${entry.serviceName} (supplier ${entry.supplierName}) ${overdue ? 'was' : 'is'} due for review on ${formatDate(entry.reviewDue)}. Please review the service's offshore risks and controls with the security team (Offshoring Policy, Process 4: continual monitoring and improvement) and record the review.`;
  return {
    to: [entry.serviceOwner],
    subject,
    text: [`Dear ${entry.serviceOwner.name},`, '', line, '', link].join('\n'),
    html: page(subject, html`<p>Dear ${entry.serviceOwner.name},</p><p>${line}</p><p>${emailLink(link, link)}</p>`),
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
  const subject = `Offshoring monitoring ${date}: ${total} finding${total === 1 ? '' : 's'}${failed ? `, ${failed} check${failed === 1 ? '' : 's'} failed` : ''}`;
  const text = [`Continual monitoring run for ${date} (Offshoring Policy, Process 4).`, ''];
  for (const s of sections) {
    text.push(`== ${s.title}: ${s.status === 'OK' ? `${s.items.length}` : s.status}${s.error ? ` (${s.error})` : ''}`);
    for (const item of s.items) text.push(`  - ${item.summary}${item.link ? ` ${item.link}` : ''}`);
    text.push('');
  }
  const body = html`<p>Continual monitoring run for ${date} (Offshoring Policy, Process 4).</p>${sections.map(
    (s) =>
      html`<h3>${s.title}: ${s.status === 'OK' ? String(s.items.length) : s.status}</h3>${s.error ? html`<p style="color:#d4351c">${s.error}</p>` : ''}${
        s.items.length ? html`<ul>${s.items.map((i) => html`<li>${i.summary}${i.link ? html` ${emailLink(i.link, i.link)}` : ''}</li>`)}</ul>` : ''
      }`,
  )}`;
  return { to: [to], subject, text: text.join('\n'), html: page(subject, body) };
}

/** The Departmental Head did not answer the escalation in time: the request is rejected again and the routes reopen. */
export function escalationLapsedEmail(record: RequestRecord, head: ApprovalRecord): EmailMessage {
  const subject = `Escalation not answered: ${record.request.serviceName} (${record.requestId})`;
  const line = `${head.name}, ${head.businessArea} Departmental Head, did not respond to your escalation by ${formatDate(head.respondBy)}. The request is rejected again, so you can resubmit it, provide mitigations, or escalate again (Offshoring Policy, Process 3).`;
  return {
    to: [record.request.serviceOwner],
    subject,
    text: [`Dear ${record.request.serviceOwner.name},`, '', line].join('\n'),
    html: page(subject, html`<p>Dear ${record.request.serviceOwner.name},</p><p>${line}</p>`),
  };
}
