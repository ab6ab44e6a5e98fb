import { html } from '../web/html.ts';
import type { Person } from '../domain/request.ts';
import type { IncidentRecord } from '../store/records.ts';
import { INCIDENT_KIND_WORDS, INCIDENT_RECIPIENT_WORDS, discoveredInWords, ukDeadline } from '../domain/words.ts';
import { emailLink, type EmailMessage } from './templates.ts';
import type { IncidentRecipient } from '../domain/offshoring-policy.ts';

/** The emails a reported breach or incident sends: to whom the policy says to tell, and the reporter's receipt. */

function page(title: string, body: ReturnType<typeof html>): string {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:Arial,sans-serif;max-width:42em">${body}</body></html>`
    .value;
}

/** The facts of the report, in words. */
export function incidentFacts(incident: IncidentRecord): [string, string][] {
  return [
    ['Reference', incident.incidentId],
    ['What it is', INCIDENT_KIND_WORDS[incident.kind]],
    ['Service', incident.serviceId ? `${incident.serviceName ?? incident.serviceId} (${incident.serviceId})` : 'Not named'],
    ['Discovered', discoveredInWords(incident.discoveredAt)],
    ['Reported', ukDeadline(incident.reportedAt)],
    ['Reported by', `${incident.reporter.name} <${incident.reporter.email}>`],
  ];
}

const factsText = (incident: IncidentRecord) =>
  [...incidentFacts(incident).map(([k, v]) => `${k}: ${v}`), '', 'What happened:', incident.description].join('\n');
const factsHtml = (incident: IncidentRecord) =>
  html`<table role="presentation" cellpadding="4">${incidentFacts(incident).map(
    ([k, v]) => html`<tr><th align="left" valign="top">${k}</th><td>${v}</td></tr>`,
  )}</table><h3>What happened</h3><p style="white-space:pre-line">${incident.description}</p>`;

/**
 * To the DPO (a suspected breach of personal data) or the MoJ Operational Security Team (an
 * information security incident), as the Offshoring Policy's Policy section requires.
 */
export function incidentReportEmail(incident: IncidentRecord, to: Person, recipient: IncidentRecipient, link: string): EmailMessage {
  const subject = `${INCIDENT_KIND_WORDS[incident.kind]} reported: ${incident.incidentId}${incident.serviceName ? ` (${incident.serviceName})` : ''}`;
  const why = `You are told as ${INCIDENT_RECIPIENT_WORDS[recipient]} (Offshoring Policy, Policy: ${
    recipient === 'DPO'
      ? 'notify the DPO immediately of any suspected data breaches involving personal data'
      : 'report any Information Security related Incidents to the MoJ Operational Security Team'
  }).`;
  const reply = `Reply to ${incident.reporter.name} at ${incident.reporter.email} for more.`;
  return {
    to: [to],
    subject,
    text: [
      `${INCIDENT_KIND_WORDS[incident.kind]} reported to the offshoring approvals service.`,
      why,
      '',
      factsText(incident),
      '',
      reply,
      '',
      `The report: ${link}`,
    ].join('\n'),
    html: page(
      subject,
      html`<p>${INCIDENT_KIND_WORDS[incident.kind]} reported to the offshoring approvals service.</p><p>${why}</p>${factsHtml(incident)}<p>${reply}</p><p>${emailLink(link, 'The report')}</p>`,
    ),
  };
}

/** The reporter's receipt: the reference, and who is being told. */
export function incidentReceiptEmail(incident: IncidentRecord, told: readonly IncidentRecipient[], link: string): EmailMessage {
  const subject = `We have your report: ${incident.incidentId}`;
  const whom = told.map((r) => INCIDENT_RECIPIENT_WORDS[r]).join(' and ');
  const line = `Your report of a ${INCIDENT_KIND_WORDS[incident.kind].toLowerCase()} has the reference ${incident.incidentId}. ${whom} ${told.length === 1 ? 'is' : 'are'} being told now. Quote the reference in anything you send about it.`;
  return {
    to: [incident.reporter],
    subject,
    text: [`Dear ${incident.reporter.name},`, '', line, '', factsText(incident), '', `Your report: ${link}`].join('\n'),
    html: page(subject, html`<p>Dear ${incident.reporter.name},</p><p>${line}</p>${factsHtml(incident)}<p>${emailLink(link, 'Your report')}</p>`),
  };
}
