import type { Context } from 'aws-lambda';
import middy from '@middy/core';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { dynamoDb } from '#platform/clients/dynamodb';
import { stepFunctions } from '#platform/clients/step-functions';
import { ses } from '#platform/clients/ses';
import { correlate, observed } from '#platform/observability';
import { ApprovalStepSchema } from '#domain/workflow';
import { approvalBranch } from '#domain/approval-branch';

/** One step of an approval branch (statemachines/offshoring-approval.asl.json): its payload, parsed, to the branch. */
export function approvalStep(runtime: Runtime) {
  const step = approvalBranch(runtime);
  return async (event: unknown) => {
    const parsed = ApprovalStepSchema.parse(event);
    correlate(parsed.requestId);
    return step(parsed);
  };
}

export const makeHandler = (runtime: Runtime) => middy<unknown, unknown, Error, Context>(approvalStep(runtime)).use(observed());
export const handler = lambdaEntry(makeHandler, dynamoDb, stepFunctions, ses);
