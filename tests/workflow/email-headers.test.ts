import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

/**
 * A service's name is typed by its owner and goes into every email's subject: on the local stack,
 * the subject that reaches the inbox is one line, whatever the name holds.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('email subjects built from what owners typed', () => {
  it('a service name with CR/LF and a Bcc header reaches the inbox as a one-line subject, with no added recipient', async () => {
    const { status, body } = await h.submit({ ...singleAreaRequest(), serviceName: 'Payroll\r\nBcc: x@evil.example\r\n\r\nInjected body' });
    expect(status).toBe(201);
    // The owner's confirmation and the five approvers' emails.
    const emails = await h.eventually(async () => {
      const found = await h.emails(body.requestId);
      return found.length === 6 && found;
    }, `the emails for ${body.requestId}`);
    expect(emails.map((e) => e.subject.replace(/:.*/, '')).sort()).toEqual([...Array(5).fill('Offshoring approval needed'), 'Request received']);
    for (const email of emails) {
      expect(email.subject).not.toMatch(/[\r\n\u0000-\u001f\u007f]/);
      expect(email.subject).toMatch(/^(Offshoring approval needed|Request received): Payroll Bcc: x@evil\.example Injected body \(OFF-/);
      expect(email.subject.endsWith(`(${body.requestId})`)).toBe(true);
      expect(email.destination.bcc).toEqual([]);
      expect([...email.destination.to, ...email.destination.cc].join(' ')).not.toContain('evil');
    }
  });
});
