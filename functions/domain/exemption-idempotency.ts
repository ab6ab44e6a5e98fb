import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import type { Runtime } from '../platform/runtime.ts';
import type { Caller } from '../web/identity.ts';
import { idempotencyRecords } from '../store/idempotency.ts';
import type { ExemptionRequest } from './exemption-request.ts';
import { askOnce, submitExemption, validateExemption, type ExemptionResponse } from './exemptions.ts';

/**
 * Asking for an exemption with an Idempotency-Key (scoped to the caller), as a submission is: one key
 * asks at most once; a retry gets the first response, the same key with another exemption 422, a
 * concurrent duplicate 409. A module of its own, so only the functions that ask bundle Powertools.
 */
export async function submitExemptionOnce(
  runtime: Runtime,
  caller: Caller,
  body: unknown,
  idempotencyKey: string | undefined,
  context: Context,
): Promise<ExemptionResponse> {
  if (!idempotencyKey) return submitExemption(runtime, caller, body);
  // Validated first, so a refused body is never hashed, stored or replayed.
  const exemption = validateExemption(runtime, body);
  const config = new IdempotencyConfig({
    eventKeyJmesPath: "join('|', [caller.sub, idempotencyKey])",
    payloadValidationJmesPath: 'exemption',
    expiresAfterSeconds: 24 * 60 * 60,
  });
  const once = makeIdempotent(
    async (asked: AskedWithKey, _context: Context) => askOnce(runtime, asked.caller, asked.exemption, asked.idempotencyKey),
    { persistenceStore: idempotencyRecords(runtime, 'exemptions'), config },
  );
  // An in-progress record expires with the invocation, so a retry after a timeout is not refused for ever.
  config.registerLambdaContext(context);
  return once({ idempotencyKey, caller, exemption }, context);
}

interface AskedWithKey {
  idempotencyKey: string;
  caller: Caller;
  exemption: ExemptionRequest;
}
