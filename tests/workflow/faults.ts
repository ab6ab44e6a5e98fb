import type { MiddlewareStack } from '@smithy/types';

/**
 * Faults injected into the AWS SDK clients of a local stack, through each client's middleware
 * stack (a test-only middleware; the service's code is unchanged). A share of calls fails the way
 * AWS calls fail in production:
 *
 * - **throttled**: refused before it reaches the service (DynamoDB's
 *   ProvisionedThroughputExceededException, SES's TooManyRequestsException); the SDK retries it.
 * - **timed out**: no answer before it reached the service (TimeoutError); the SDK retries it.
 * - **response lost**: the service did it, but the answer never came back (TimeoutError after the
 *   call): the SDK retries a call that already took effect.
 * - **crashed**: the call took effect and the function died straight after it (an error the SDK
 *   does not retry, named as Lambda names a function that timed out): whatever the function would
 *   have done next (the second of two writes, the email after the write) never happens.
 *
 * The middleware sits inside the SDK's retry loop (finalizeRequest, low priority), so each attempt
 * may fail. Choices come from a seeded generator; the calls' order is the stack's own, so a seed
 * fixes the mix of faults, not which call gets which.
 */
export type FaultKind = 'throttled' | 'timed out' | 'response lost' | 'crashed';

export interface FaultPlan {
  /** Share of calls that fail, 0..1. */
  rate: number;
  seed: number;
  /** Relative weights of each kind among the failing calls. */
  mix: Record<FaultKind, number>;
}

export interface Faults {
  /** Calls seen and faults injected, by client and kind. */
  readonly counts: Record<string, { calls: number } & Partial<Record<FaultKind, number>>>;
  /** Faults are injected only while on. */
  on: boolean;
  remove(): void;
}

/** Mulberry32: small, seeded, good enough to pick faults. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const THROTTLING: Record<string, string> = { dynamoDb: 'ProvisionedThroughputExceededException', ses: 'TooManyRequestsException' };

function failure(kind: FaultKind, client: string, operation: string): Error {
  const at = `${client} ${operation}`;
  switch (kind) {
    case 'throttled':
      return Object.assign(new Error(`Injected: ${at} throttled`), {
        name: THROTTLING[client] ?? 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    case 'timed out':
      return Object.assign(new Error(`Injected: ${at} timed out before it was sent`), { name: 'TimeoutError' });
    case 'response lost':
      return Object.assign(new Error(`Injected: ${at} took effect, but its answer was lost`), { name: 'TimeoutError' });
    case 'crashed':
      return Object.assign(new Error(`Injected: the function crashed straight after ${at} took effect`), { name: 'Sandbox.Timedout' });
  }
}

type WithStack = { middlewareStack: MiddlewareStack<any, any> };

/** Adds the fault middleware to each named client; `remove()` takes it out again. */
export function injectFaults(clients: Record<string, WithStack>, plan: FaultPlan): Faults {
  const random = seeded(plan.seed);
  const kinds = Object.entries(plan.mix) as [FaultKind, number][];
  const total = kinds.reduce((sum, [, weight]) => sum + weight, 0);
  const pick = (): FaultKind => {
    let r = random() * total;
    for (const [kind, weight] of kinds) {
      r -= weight;
      if (r < 0) return kind;
    }
    return kinds.at(-1)![0];
  };
  const faults: Faults = { counts: {}, on: true, remove: () => undefined };
  const name = 'injectFaults';
  for (const [client, { middlewareStack }] of Object.entries(clients)) {
    const counts: Faults['counts'][string] = { calls: 0 };
    faults.counts[client] = counts;
    middlewareStack.add(
      (next, context) => async (args) => {
        if (!faults.on) return next(args);
        counts.calls++;
        if (random() >= plan.rate) return next(args);
        const kind = pick();
        counts[kind] = (counts[kind] ?? 0) + 1;
        const error = failure(kind, client, String(context.commandName ?? 'call'));
        if (kind === 'throttled' || kind === 'timed out') throw error;
        await next(args);
        throw error;
      },
      { step: 'finalizeRequest', priority: 'low', name },
    );
  }
  faults.remove = () => {
    for (const { middlewareStack } of Object.values(clients)) middlewareStack.remove(name);
  };
  return faults;
}
