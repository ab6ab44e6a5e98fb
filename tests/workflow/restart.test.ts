import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { form, linkIn, startHarness, type Email, type Harness } from './harness.ts';
import { singleAreaRequest } from '../fixtures/index.ts';
import { resumeOpenRounds } from '../../local/resume.ts';
import { executionArn } from '../../functions/domain/workflow.ts';

/**
 * A restart of local mode on the same data (as `npm start` restarts on .local-data): the rounds that
 * were running resume silently, and each approver hears again only when a stage really falls due.
 */
const WAITS = { reminderAfterSeconds: 600, chaseAfterSeconds: 1200, lapseAfterSeconds: 2400 };
const isApprovalNeeded = (e: Email) => e.subject.startsWith('Offshoring approval needed');

describe('a restart', () => {
  it('resumes a round without asking anyone again, and still reminds each approver once the reminder is due', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'offshore-restart-'));
    let second: Harness | undefined;
    try {
      const first = await startHarness({ dataDir, runtime: { approvalWaits: WAITS } });
      let requestId: string;
      let asked: Email[];
      try {
        const { status, body } = await first.submit(singleAreaRequest());
        expect(status).toBe(201);
        requestId = body.requestId;
        asked = await first.eventually(async () => {
          const mine = (await first.emails(requestId)).filter(isApprovalNeeded);
          return mine.length === 5 && mine;
        }, 'five approver emails');
        // Stop only once each email is in the audit trail, as a settled service would be.
        await first.eventually(
          async () =>
            (await first.status(requestId)).audit.filter(
              (e: { type: string; details: { key?: string } }) => e.type === 'EMAIL_SENT' && e.details.key?.startsWith('REQUEST:'),
            ).length === 5,
          'five EMAIL_SENT events',
        );
      } finally {
        await first.close();
      }

      // Back up 598 s later (a clock that far ahead): the reminder is due about two seconds after the restart.
      second = await startHarness({ dataDir, runtime: { approvalWaits: WAITS, clock: () => new Date(Date.now() + 598_000) } });
      const on = second;
      expect(await resumeOpenRounds(on.stack)).toEqual([requestId]);

      const reminders = await on.eventually(
        async () => {
          const mine = (await on.emails(requestId)).filter((e) => e.subject.startsWith('Reminder: '));
          return mine.length === 5 && mine;
        },
        'five reminders',
        15_000,
      );
      // Nobody was asked again on the restart (local SES keeps one inbox per process: the five are those
      // sent before it); each approver was reminded once, when it was due.
      expect(
        (await on.emails(requestId))
          .filter(isApprovalNeeded)
          .map((e) => e.messageId)
          .sort(),
      ).toEqual(asked!.map((e) => e.messageId).sort());
      expect(new Set(reminders.map((e) => e.destination.to.join())).size).toBe(5);
      const stored = (await on.stack.runtime.store.getRequestView(requestId))!;
      const count = (type: string) => stored.audit.filter((e) => e.type === type).length;
      expect([count('APPROVAL_REQUESTED'), count('APPROVER_REMINDED'), count('APPROVER_CHASED')]).toEqual([5, 5, 0]);
      expect(stored.audit.filter((e) => e.type === 'EMAIL_SENT' && String(e.details.subject).startsWith('Offshoring approval needed'))).toHaveLength(
        5,
      );
      const reminderAt = Date.parse(stored.approvals[0]!.reminderAt!);
      for (const e of stored.audit.filter((e) => e.type === 'APPROVER_REMINDED')) expect(Date.parse(e.at)).toBeGreaterThanOrEqual(reminderAt);

      // The links sent before the restart still decide, and the round ends as it would have.
      for (const email of asked!) {
        const { approvalId, token } = linkIn(email);
        expect((await on.api(`/approvals/${approvalId}`, form({ token, decision: 'APPROVE' }))).status).toBe(200);
      }
      await on.eventually(async () => (await on.status(requestId)).status === 'APPROVED', 'the request to be approved');
      const arn = executionArn(on.stack.stateMachineArn, requestId);
      expect(await on.stack.stepFunctions.waitForExecution(arn)).toMatchObject({ status: 'SUCCEEDED' });
      expect(on.stack.stepFunctions.lambdaFailures(arn)).toEqual([]);
    } finally {
      await second?.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
