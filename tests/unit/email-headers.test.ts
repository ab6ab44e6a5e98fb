import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { MAX_SUBJECT_CHARS, mailbox, sendEmail } from '../../functions/email/send.ts';
import { createRuntime } from '../../functions/platform/runtime.ts';
import type { EmailMessage } from '../../functions/email/templates.ts';

/**
 * Every subject and display name reaches SES as one line of 7-bit ASCII header text: text people
 * typed (a service's name, an approver's name) can never add a header, break a line or be cut
 * mid-character, and anything outside ASCII goes as RFC 2047 encoded words of at most 75 characters.
 */
const ses = mockClient(SESv2Client);
beforeEach(() => ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' }));
afterEach(() => ses.reset());

const runtime = createRuntime({ tableName: 't', emailFrom: 'sender@example.gov.uk', emailFromName: 'MoJ Offshore approvals' });
const message = (subject: string, to = [{ name: 'Dee Approver', email: 'd@example.gov.uk' }]): EmailMessage => ({
  to,
  subject,
  text: 't',
  html: '<p>t</p>',
});

async function sent(email: EmailMessage) {
  await sendEmail(runtime, email);
  const input = ses.commandCalls(SendEmailCommand).at(-1)!.args[0].input;
  return {
    subject: input.Content!.Simple!.Subject!.Data!,
    from: input.FromEmailAddress!,
    to: input.Destination!.ToAddresses!,
    cc: input.Destination?.CcAddresses ?? [],
  };
}

/** What a mail client shows for header text: encoded words decoded (and the space between two adjacent ones dropped). */
function decodeHeader(value: string): string {
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/g, (_, b64: string) => Buffer.from(b64, 'base64').toString('utf8'));
}

const HEADER_TEXT = /^[\x20-\x7e]*$/;
const encodedWordsOf = (value: string) => value.match(/=\?[^?]+\?B\?[^?]*\?=/g) ?? [];

describe('email headers sent to SES', () => {
  it('makes a subject with CR/LF and other control characters one line: no header can be added', async () => {
    const { subject } = await sent(message('Offshoring approval needed: Payroll\r\nBcc: x@evil.example\u0000\u0085\u2028\t(OFF-1)'));
    expect(subject).toBe('Offshoring approval needed: Payroll Bcc: x@evil.example (OFF-1)');
    expect(subject).toMatch(HEADER_TEXT);
  });

  it('drops bidirectional overrides, which would make a subject read as something else', async () => {
    const { subject } = await sent(message('Approved: \u202eexe.sdrawkcab\u202c (OFF-1)'));
    expect(subject).toBe('Approved: exe.sdrawkcab (OFF-1)');
  });

  it(`caps a subject at ${MAX_SUBJECT_CHARS} characters with an ellipsis, never splitting a character`, async () => {
    const { subject } = await sent(message(`Approved: ${'x'.repeat(300)} (OFF-1)`));
    const shown = decodeHeader(subject);
    expect(Array.from(shown)).toHaveLength(MAX_SUBJECT_CHARS);
    expect(shown).toBe(`Approved: ${'x'.repeat(MAX_SUBJECT_CHARS - 11)}…`);

    const emoji = await sent(message(`Approved: ${'😀'.repeat(300)}`));
    expect(decodeHeader(emoji.subject)).toBe(`Approved: ${'😀'.repeat(MAX_SUBJECT_CHARS - 11)}…`);
    expect(decodeHeader(emoji.subject)).not.toContain('\ufffd');
  });

  it('encodes a non-ASCII subject as RFC 2047 encoded words (SES takes 7-bit ASCII subjects), keeping ASCII words readable', async () => {
    const { subject } = await sent(message('Approved: Zoë’s café service (OFF-1)'));
    expect(subject).toMatch(HEADER_TEXT);
    expect(subject.startsWith('Approved: =?UTF-8?B?')).toBe(true);
    expect(subject.endsWith('?= service (OFF-1)')).toBe(true);
    expect(decodeHeader(subject)).toBe('Approved: Zoë’s café service (OFF-1)');
    for (const word of encodedWordsOf(subject)) expect(word.length).toBeLessThanOrEqual(75);
  });

  it('encodes a long non-ASCII subject as several encoded words of whole characters, each at most 75 long', async () => {
    const text = `Approved: ${'Ünïcödé '.repeat(20).trim()}`;
    const { subject } = await sent(message(text));
    expect(encodedWordsOf(subject).length).toBeGreaterThan(1);
    for (const word of encodedWordsOf(subject)) expect(word.length).toBeLessThanOrEqual(75);
    expect(decodeHeader(subject)).toBe(text);
  });

  it('encodes text a mail client would decode as an encoded word, so it shows as typed', async () => {
    const forged = '=?UTF-8?B?QXBwcm92ZWQ=?=';
    const { subject } = await sent(message(`Rejected: ${forged} (OFF-1)`));
    expect(subject).not.toContain(` ${forged} `);
    expect(decodeHeader(subject)).toBe(`Rejected: ${forged} (OFF-1)`);
  });

  it('replaces a lone surrogate (valid in a JSON string, not in UTF-8) with U+FFFD', async () => {
    const { subject } = await sent(message('Approved: bad\ud800name (OFF-1)'));
    expect(decodeHeader(subject)).toBe('Approved: bad\ufffdname (OFF-1)');
  });

  it('makes display names one line, quoted or encoded, in From, To and Cc alike', async () => {
    const { from, to, cc } = await sent({
      ...message('Hello', [{ name: 'Dee\r\nBcc: x@evil.example', email: 'd@example.gov.uk' }]),
      cc: [{ name: 'Zoë "Z" Brontë\n', email: 'z@example.gov.uk' }],
    });
    expect(from).toBe('"MoJ Offshore approvals" <sender@example.gov.uk>');
    expect(to).toEqual(['"Dee Bcc: x@evil.example" <d@example.gov.uk>']);
    expect(cc[0]).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?= <z@example\.gov\.uk>$/);
    expect(decodeHeader(cc[0]!)).toBe('Zoë "Z" Brontë <z@example.gov.uk>');
    for (const value of [from, ...to, ...cc]) expect(value).toMatch(HEADER_TEXT);
  });

  it('caps a display name, and keeps each encoded word of a long one at most 75 characters', () => {
    const long = mailbox('ł'.repeat(200), 'l@example.gov.uk');
    for (const word of encodedWordsOf(long)) expect(word.length).toBeLessThanOrEqual(75);
    expect(decodeHeader(long)).toBe(`${'ł'.repeat(99)}… <l@example.gov.uk>`);
    expect(mailbox(' \r\n\t', 'a@example.gov.uk')).toBe('a@example.gov.uk');
  });
});
