import { randomBytes } from 'node:crypto';

/** Time is injected so a four-week timeline can be tested in milliseconds. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

/** Crockford base32: no I, L, O, U, so ids read aloud and typed back without confusion. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function randomId(prefix: string, length: number, random: (n: number) => Buffer = randomBytes): string {
  const bytes = random(length);
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte % 32];
  return `${prefix}-${id}`;
}

/** Ids are injected too: tests pass a deterministic generator. */
export interface IdGenerator {
  requestId(): string;
  approvalId(): string;
  eventId(): string;
  /** An incident's reference (INC-…), which its reporter is given. */
  incidentId(): string;
  /** An exemption's reference (EXM-…): a request of its own kind, told apart by its id alone. */
  exemptionId(): string;
}

export const randomIds: IdGenerator = {
  requestId: () => randomId('OFF', 10),
  approvalId: () => randomId('APR', 16),
  eventId: () => randomId('EVT', 12),
  incidentId: () => randomId('INC', 10),
  exemptionId: () => randomId('EXM', 10),
};

export function sequentialIds(seed = 'T'): IdGenerator {
  let n = 0;
  const next = (prefix: string) => `${prefix}-${seed}${String(++n).padStart(6, '0')}`;
  return {
    requestId: () => next('OFF'),
    approvalId: () => next('APR'),
    eventId: () => next('EVT'),
    incidentId: () => next('INC'),
    exemptionId: () => next('EXM'),
  };
}
