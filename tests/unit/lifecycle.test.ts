import { describe, expect, it } from 'vitest';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  AWAITING_DECISION,
  LIFECYCLE,
  OPEN_STATUSES,
  REQUEST_STATUSES,
  SUBMITTED_STATUS,
  TransitionRefused,
  WITHDRAWABLE,
  transitionFor,
  type LifecycleEvent,
  type RequestStatus,
} from '../../functions/domain/lifecycle.ts';
import { AT, auditEvent, mockedStore, requestRecord } from './store/mock-table.ts';

/** The request lifecycle as one table (functions/domain/lifecycle.ts), and the store holding requests to it. */
const EVENTS = [...new Set(LIFECYCLE.map((row) => row.event))] as LifecycleEvent[];
const TERMINAL: RequestStatus[] = ['APPROVED', 'CLOSED', 'WITHDRAWN', 'ERROR'];

describe('the lifecycle table', () => {
  it('reaches every status from submission', () => {
    const reached = new Set<RequestStatus>([SUBMITTED_STATUS]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const row of LIFECYCLE) {
        if (reached.has(row.from) && !reached.has(row.to)) {
          reached.add(row.to);
          grew = true;
        }
      }
    }
    expect([...reached].sort()).toEqual([...REQUEST_STATUSES].sort());
  });

  it('has no row out of a terminal status, and a row out of every other', () => {
    for (const status of TERMINAL)
      expect(
        LIFECYCLE.filter((row) => row.from === status),
        status,
      ).toEqual([]);
    expect(OPEN_STATUSES).toEqual(REQUEST_STATUSES.filter((status) => !TERMINAL.includes(status)));
  });

  it('has one row at most for each status and event, each citing the Offshoring Policy clause it implements', () => {
    const pairs = LIFECYCLE.map((row) => `${row.from} ${row.event}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    for (const row of LIFECYCLE)
      expect(row.clause, `${row.from} ${row.event}`).toMatch(/^Offshoring Policy, (Process [1-4](\([a-c]\))?|Accountability|Compliance)\b/);
  });

  it('derives the status lists the service uses from the rows', () => {
    expect(OPEN_STATUSES).toEqual(['PENDING_APPROVAL', 'REJECTED', 'ESCALATED']);
    expect(WITHDRAWABLE).toEqual(['PENDING_APPROVAL', 'REJECTED', 'ESCALATED']);
    expect(AWAITING_DECISION).toEqual(['PENDING_APPROVAL', 'ESCALATED']);
  });

  it('refuses an unlisted transition with a 409 that says the current status and where the event is allowed', () => {
    expect(() => transitionFor({ requestId: 'OFF-1', status: 'CLOSED' }, 'ADJUST_PLANS')).toThrow(
      expect.objectContaining({
        statusCode: 409,
        message: 'Request OFF-1 is CLOSED, so it cannot be resubmitted (only a request that is REJECTED can)',
        details: { requestId: 'OFF-1', status: 'CLOSED' },
      }),
    );
  });
});

describe('the store holds every request to the lifecycle', () => {
  const { ddb, store } = mockedStore();
  const every = REQUEST_STATUSES.flatMap((status) => EVENTS.map((event) => [status, event] as const));

  it.each(every.filter(([status, event]) => LIFECYCLE.some((row) => row.from === status && row.event === event)))(
    '%s + %s: moves the request along its row',
    async (status, event) => {
      ddb.on(TransactWriteCommand).resolves({});
      const row = LIFECYCLE.find((r) => r.from === status && r.event === event)!;
      expect(await store.transition(requestRecord({ status }), event, { at: AT }, auditEvent())).toMatchObject({ status: row.to });
      const update = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![0]!.Update!;
      expect(update.ExpressionAttributeValues).toMatchObject({ ':status': row.to, ':seenStatus': status });
    },
  );

  it.each(every.filter(([status, event]) => !LIFECYCLE.some((row) => row.from === status && row.event === event)))(
    '%s + %s: refused, nothing written',
    async (status, event) => {
      await expect(store.transition(requestRecord({ status }), event, { at: AT }, auditEvent())).rejects.toBeInstanceOf(TransitionRefused);
      expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
    },
  );
});
