import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Runtime } from '../runtime.ts';
import type { Person } from '../request.ts';
import { SYSTEM, type AuditEvent } from '../store/records.ts';
import type { EmailMessage } from './templates.ts';

/**
 * One mailbox as an email header names it: `"Display Name" <address>`. A name outside printable
 * ASCII goes as an RFC 2047 encoded word, as SES requires; quotes and backslashes are dropped
 * rather than escaped, so no name can end the quoted string early.
 */
export function mailbox(name: string | undefined, email: string): string {
  const display = (name ?? '').replace(/[\r\n]+/g, ' ').trim();
  if (!display) return email;
  if (/^[\x20-\x7e]*$/.test(display)) return `"${display.replace(/["\\]/g, '')}" <${email}>`;
  return `=?UTF-8?B?${Buffer.from(display, 'utf8').toString('base64')}?= <${email}>`;
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
          Subject: { Data: message.subject, Charset: 'UTF-8' },
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
  const messageId = await sendEmail(runtime, message);
  const at = runtime.clock().toISOString();
  await runtime.store.appendAudit(requestId, {
    eventId: runtime.ids.eventId(),
    at,
    type: 'EMAIL_SENT',
    actor: SYSTEM,
    round,
    details: { key, to: message.to.map((p) => p.email), cc: (message.cc ?? []).map((p) => p.email), subject: message.subject, messageId },
  });
}
