import type { Runtime } from '../platform/runtime.ts';
import { Conflict } from '../web/errors.ts';
import { StaleState } from '../store/errors.ts';

/**
 * Two people acting on one record at once: the store's conditional writes let exactly one win. The
 * loser gets a 409 that says what won (the record as it is now), never a 500.
 */
export async function orConflict<T>(write: () => Promise<T>, whatWon: () => Promise<Conflict>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof StaleState) throw await whatWon();
    throw error;
  }
}

/** The 409 for a change to a request that another change overtook: what the request is now. */
export function requestChangedFirst(runtime: Pick<Runtime, 'store'>, requestId: string, attempted: string): () => Promise<Conflict> {
  return async () => {
    const now = await runtime.store.getRequest(requestId);
    const status = now?.status ?? 'gone';
    return new Conflict(
      `Request ${requestId} changed while ${attempted}: another change was saved first, and it is now ${status}${now ? ` (round ${now.round})` : ''}${now?.statusReason ? `: ${now.statusReason}` : ''}`,
      { requestId, status, ...(now ? { round: now.round } : {}) },
    );
  };
}
