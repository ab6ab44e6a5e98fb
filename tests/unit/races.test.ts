import { describe, expect, it } from 'vitest';
import { orConflict } from '../../functions/domain/races.ts';
import { StaleState, TransactionConflict } from '../../functions/store/errors.ts';
import { Conflict } from '../../functions/web/errors.ts';

/**
 * How a write that lost a race is answered: a failed condition (another change won) is the 409
 * that says what won; DynamoDB cancelling a transaction only because another was writing the same
 * items at that moment is tried again, and is a 409 (never a 500) if it keeps happening.
 */
describe('orConflict', () => {
  const whatWon = async () => new Conflict('Request OFF-1 changed: it is now WITHDRAWN', { requestId: 'OFF-1', status: 'WITHDRAWN' });

  it('answers a failed condition with the 409 saying what won, without trying again', async () => {
    let tries = 0;
    const write = async () => {
      tries++;
      throw new StaleState('changed');
    };
    await expect(orConflict(write, whatWon)).rejects.toMatchObject({ statusCode: 409, message: 'Request OFF-1 changed: it is now WITHDRAWN' });
    expect(tries).toBe(1);
  });

  it('tries a transaction again when it was cancelled only by a concurrent one, and succeeds once it can', async () => {
    let tries = 0;
    const write = async () => {
      if (++tries < 3) throw new TransactionConflict('busy');
      return 'written';
    };
    expect(await orConflict(write, whatWon)).toBe('written');
    expect(tries).toBe(3);
  });

  it('answers 409, not 500, when the transaction keeps being cancelled by concurrent ones', async () => {
    let tries = 0;
    const write = async () => {
      tries++;
      throw new TransactionConflict('busy');
    };
    await expect(orConflict(write, whatWon)).rejects.toBeInstanceOf(Conflict);
    expect(tries).toBe(3);
  });

  it('leaves any other error alone', async () => {
    await expect(orConflict(async () => Promise.reject(new Error('boom')), whatWon)).rejects.toThrow('boom');
  });
});
