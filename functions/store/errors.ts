/**
 * What the store throws when DynamoDB refuses a write, in the domain's words: SDK errors never
 * leave functions/store/.
 */

/** A conditional write found the record no longer in the state the caller read: another change won. */
export class StaleState extends Error {
  override readonly name = 'StaleState';
}

/**
 * DynamoDB cancelled a transaction because another one was changing the same items at that moment
 * (no condition failed): trying again is the answer. The name is written out because bundles are
 * minified, and the state machine retries it by this name.
 */
export class TransactionConflict extends Error {
  override readonly name = 'TransactionConflict';
}
