import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Runtime } from '../platform/runtime.ts';
import type { Person } from '../domain/request.ts';
import { SYSTEM } from '../store/records.ts';
import type { AuditEvent } from '../store/audit.ts';
import type { EmailMessage } from './templates.ts';

/*
 * Header hygiene, in the one place a message becomes an SES call. Subjects and display names carry
 * text people typed (a service's name, an approver's name): each is made one line with no control
 * characters, capped in length, and encoded as SES's Simple content requires, which takes 7-bit
 * ASCII header text only, anything else as RFC 2047 encoded words.
 */

/** Long enough for every subject the service writes around a 200-character service name, cut beyond. */
export const MAX_SUBJECT_CHARS = 200;
export const MAX_DISPLAY_NAME_CHARS = 100;

// Control characters (C0, DEL, C1) and the line and paragraph separators end a line in some reader.
const LINE_BREAKING = /[\p{Cc}\u2028\u2029]+/gu;
// Bidirectional overrides and isolates can make a subject read as something else; they carry no text.
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** One line of plain text: control characters become spaces, runs of spaces one, lone surrogates U+FFFD. */
export function singleLine(text: string): string {
  return text.toWellFormed().replace(BIDI_CONTROLS, '').replace(LINE_BREAKING, ' ').replace(/\s+/gu, ' ').trim();
}

/** At most `max` characters (code points, so no surrogate pair is split), ending in an ellipsis when cut. */
export function capped(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max
    ? text
    : `${chars
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
// An encoded word is at most 75 characters (RFC 2047, section 2): `=?UTF-8?B?` and `?=` leave 63
// for base64, i.e. 45 bytes of UTF-8 per word.
const MAX_ENCODED_BYTES = 45;

/** Text as RFC 2047 "B" encoded words, each whole characters and at most 75 long, separated by spaces. */
export function encodedWords(text: string): string {
  const words: string[] = [];
  let chunk = '';
  for (const char of text) {
    if (Buffer.byteLength(chunk + char) > MAX_ENCODED_BYTES) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(' ');
}

/**
 * Header text (a subject) as 7-bit ASCII. Words that are printable ASCII stay readable; the stretch
 * from the first word that is not (or that a reader would take for an encoded word, `=?`) to the
 * last is encoded as a whole, so the spaces inside it survive decoding.
 */
export function headerText(text: string): string {
  const words = text.split(' ');
  const needsEncoding = (word: string) => !PRINTABLE_ASCII.test(word) || word.includes('=?');
  const first = words.findIndex(needsEncoding);
  if (first === -1) return text;
  const last = words.findLastIndex(needsEncoding);
  return [...words.slice(0, first), encodedWords(words.slice(first, last + 1).join(' ')), ...words.slice(last + 1)].join(' ');
}

/** The subject as readers see it: one line, capped. */
export function subjectLine(subject: string): string {
  return capped(singleLine(subject), MAX_SUBJECT_CHARS);
}

/**
 * One mailbox as an email header names it: `"Display Name" <address>`. A name outside printable
 * ASCII goes as RFC 2047 encoded words, as SES requires; quotes and backslashes are dropped
 * rather than escaped, so no name can end the quoted string early.
 */
export function mailbox(name: string | undefined, email: string): string {
  const display = capped(singleLine(name ?? ''), MAX_DISPLAY_NAME_CHARS);
  if (!display) return email;
  if (PRINTABLE_ASCII.test(display)) return `"${display.replace(/["\\]/g, '')}" <${email}>`;
  return `${encodedWords(display)} <${email}>`;
}

const address = ({ name, email }: Person) => mailbox(name, email);

/** Sends one email through SES (v2, simple content: text and HTML). */
export async function sendEmail(runtime: Runtime, message: EmailMessage): Promise<string | undefined> {
  const { MessageId } = await runtime.clients.ses.send(
    new SendEmailCommand({
      FromEmailAddress: mailbox(runtime.email.fromName, runtime.email.from),
      ReplyToAddresses: [runtime.email.replyTo],
      Destination: { ToAddresses: message.to.map(address), ...(message.cc?.length ? { CcAddresses: message.cc.map(address) } : {}) },
      Content: {
        Simple: {
          // 7-bit ASCII once encoded, so no charset: SES passes it through as the header's text.
          Subject: { Data: headerText(subjectLine(message.subject)) },
          Body: { Text: { Data: message.text, Charset: 'UTF-8' }, Html: { Data: message.html, Charset: 'UTF-8' } },
        },
      },
    }),
  );
  return MessageId;
}

/**
 * Sends an email and records it in the audit trail (the policy's "notifying other interested
 * parties" is evidence too). `key` makes it once-only: if the trail already has an email with this
 * key (a retried step), it is not sent again.
 */
export async function sendRecordedEmail(
  runtime: Runtime,
  requestId: string,
  round: number,
  key: string,
  message: EmailMessage,
  alreadySent: readonly AuditEvent[] = [],
): Promise<void> {
  if (alreadySent.some((e) => e.type === 'EMAIL_SENT' && e.details.key === key)) return;
  await recordSentEmail(runtime, requestId, round, key, message, await sendEmail(runtime, message));
}

/** Records an email as sent (EMAIL_SENT, under its once-only key); its SES message id if known. */
export async function recordSentEmail(
  runtime: Runtime,
  requestId: string,
  round: number,
  key: string,
  message: EmailMessage,
  messageId: string | null | undefined,
): Promise<void> {
  const at = runtime.clock().toISOString();
  await runtime.store.appendAudit(requestId, {
    eventId: runtime.ids.eventId(),
    at,
    type: 'EMAIL_SENT',
    actor: SYSTEM,
    round,
    details: {
      key,
      to: message.to.map((p) => p.email),
      cc: (message.cc ?? []).map((p) => p.email),
      subject: subjectLine(message.subject),
      messageId,
    },
  });
}
