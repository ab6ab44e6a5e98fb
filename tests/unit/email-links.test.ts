import { describe, expect, it } from 'vitest';
import { approvalRequestEmail, monitoringDigestEmail, reviewDueEmail, type EmailMessage } from '../../functions/email/templates.ts';
import { OffshoringRequestSchema } from '../../functions/domain/request.ts';
import type { ApprovalRecord, RequestRecord } from '../../functions/store/records.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

/**
 * Emailed links open in a new tab or window: web inboxes (the local one included) show an email
 * inside a frame, and the approval page refuses to be framed.
 */
const anchors = (email: EmailMessage) => [...email.html.matchAll(/<a\b[^>]*>/g)].map((m) => m[0]);

const request = OffshoringRequestSchema.parse(singleAreaRequest());
const record = {
  requestId: 'OFF-1',
  status: 'PENDING_APPROVAL',
  round: 1,
  request,
  requiredApprovers: [],
  lateNotice: false,
  noticeDays: 60,
  submittedAt: '',
  updatedAt: '',
  submittedBy: { kind: 'SERVICE_OWNER' },
  version: 0,
} as unknown as RequestRecord;
const approval = { kind: 'APPROVAL', role: 'DPO', name: 'D', email: 'd@x.gov.uk', respondBy: '2027-01-01T00:00:00Z' } as ApprovalRecord;
const link = 'https://approvals.example.gov.uk/offshore/approvals/APR-1?token=abc_DEF-123';
const entry = { serviceId: 'SVC-1', serviceName: 'S', supplierName: 'P', serviceOwner: { name: 'O', email: 'o@x.gov.uk' }, reviewDue: '2027-01-01' };

describe('links in HTML emails', () => {
  it.each<[string, EmailMessage]>([
    ['an approval request', approvalRequestEmail(record, approval, link, 'REQUEST')],
    ['a reminder', approvalRequestEmail(record, approval, link, 'REMINDER')],
    ['a review due', reviewDueEmail(entry, false, link)],
    [
      'the monitoring digest',
      monitoringDigestEmail({ name: 'Security', email: 's@x.gov.uk' }, '2026-11-23', [
        {
          title: 'Reviews due',
          status: 'OK',
          items: [
            { summary: 'S', link },
            { summary: 'T', link },
          ],
        },
      ]),
    ],
  ])('%s: every link opens in a new tab, without opener or referrer, at the emailed address', (_, email) => {
    const found = anchors(email);
    expect(found.length).toBeGreaterThan(0);
    for (const anchor of found) {
      expect(anchor).toContain('target="_blank"');
      expect(anchor).toContain('rel="noopener noreferrer"');
      expect(anchor).toContain(`href="${link}"`);
    }
    // The text part carries the same link, to copy when HTML is not shown.
    expect(email.text).toContain(link);
  });
});
