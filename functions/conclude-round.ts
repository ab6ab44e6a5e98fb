import type { Context } from 'aws-lambda';
import middy from '@middy/core';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { dynamoDb } from '#platform/clients/dynamodb';
import { ses } from '#platform/clients/ses';
import { correlate, observed } from '#platform/observability';
import { RoundEndSchema } from '#domain/workflow';
import { roundConclusion } from '#domain/round-conclusion';

/** The end of an approval round (RoundApproved, RoundRejected, RoundFailed): its payload, parsed, to the conclusion. */
export function concludeRound(runtime: Runtime) {
  const conclude = roundConclusion(runtime);
  return async (event: unknown) => {
    const end = RoundEndSchema.parse(event);
    correlate(end.requestId);
    return conclude(end);
  };
}

export const makeHandler = (runtime: Runtime) => middy<unknown, unknown, Error, Context>(concludeRound(runtime)).use(observed());
export const handler = lambdaEntry(makeHandler, dynamoDb, ses);
