import type { Runtime } from '../platform/runtime.ts';
import { Conflict } from '../web/errors.ts';
import { StaleState, TransactionConflict } from '../store/errors.ts';

/** Tries of a write that DynamoDB cancelled only because another transaction held its items at that moment. */
const CONFLICT_TRIES = 3;

/**
 * Two people acting on one record at once: the store's conditional writes let exactly one win. The
 * loser gets a 409 that says what won (the record as it is now), never a 500. A write cancelled only
 * because another transaction was writing the same items at that moment is tried again (its
 * conditions then decide), and is a 409 too if that keeps happening.
 */
export async function orConflict<T>(write: () => Promise<T>, whatWon: () => Promise<Conflict>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (error instanceof StaleState || (error instanceof TransactionConflict && attempt >= CONFLICT_TRIES)) throw await whatWon();
      if (!(error instanceof TransactionConflict)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt * Math.random()));
    }
  }
}

/** The 409 for a change to a request (or an exemption) that another change overtook: what it is now. */
export function requestChangedFirst(runtime: Pick<Runtime, 'store'>, requestId: string, attempted: string): () => Promise<Conflict> {
  return async () => {
    const now = await runtime.store.getCase(requestId);
    const status = now?.status ?? 'gone';
    return new Conflict(
      `Request ${requestId} changed while ${attempted}: another change was saved first, and it is now ${status}${now ? ` (round ${now.round})` : ''}${now?.statusReason ? `: ${now.statusReason}` : ''}`,
      { requestId, status, ...(now ? { round: now.round } : {}) },
    );
  };
}
