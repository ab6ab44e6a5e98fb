import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Context } from 'aws-lambda';
import { DEFAULT_SECURITY_TEAM_GROUP, ENV, env, optionalEnv } from './config.ts';
import { systemClock, randomIds, type Clock, type IdGenerator } from './clock.ts';
import { loadApproverDirectory, type ApproverDirectory } from './directory.ts';
import { RequestStore } from './store/request-store.ts';
import { DEFAULT_APPROVAL_WAITS, type ApprovalWaitSettings } from './policy/offshoring-policy.ts';

/**
 * Everything a handler depends on, in one object. On AWS it is built from the environment; local
 * mode and the tests build it explicitly (local endpoints, a fixed clock, predictable ids). The
 * handlers are the same functions either way.
 */
export interface Runtime {
  readonly clients: { dynamoDb: DynamoDBClient; documents: DynamoDBDocumentClient; stepFunctions: SFNClient; ses: SESv2Client };
  readonly store: RequestStore;
  readonly tableName: string;
  /** Set only for functions that start or stop executions. */
  readonly stateMachineArn?: string;
  readonly directory: ApproverDirectory;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly email: { from: string; replyTo?: string };
  /** Base of every link the service emails (no trailing slash). */
  readonly publicBaseUrl: string;
  readonly approvalWaits: ApprovalWaitSettings;
  /** Members of this identity-provider group are the security team. */
  readonly securityTeamGroup: string;
}

export interface RuntimeSettings {
  tableName: string;
  stateMachineArn?: string;
  directory?: ApproverDirectory;
  clock?: Clock;
  ids?: IdGenerator;
  emailFrom?: string;
  emailReplyTo?: string;
  publicBaseUrl?: string;
  approvalWaits?: Partial<ApprovalWaitSettings>;
  securityTeamGroup?: string;
  /** Local stand-ins; unset on AWS. */
  endpoints?: { dynamoDb?: string; stepFunctions?: string; ses?: string };
  region?: string;
}

export function createRuntime(settings: RuntimeSettings): Runtime {
  const common = settings.region ? { region: settings.region } : {};
  const at = (url?: string) => (url ? { endpoint: url } : {});
  const dynamoDb = new DynamoDBClient({ ...common, ...at(settings.endpoints?.dynamoDb), maxAttempts: 5 });
  const documents = DynamoDBDocumentClient.from(dynamoDb, { marshallOptions: { removeUndefinedValues: true } });
  return {
    clients: {
      dynamoDb,
      documents,
      stepFunctions: new SFNClient({ ...common, ...at(settings.endpoints?.stepFunctions) }),
      ses: new SESv2Client({ ...common, ...at(settings.endpoints?.ses) }),
    },
    store: new RequestStore(documents, settings.tableName),
    tableName: settings.tableName,
    stateMachineArn: settings.stateMachineArn,
    directory: settings.directory ?? loadApproverDirectory(),
    clock: settings.clock ?? systemClock,
    ids: settings.ids ?? randomIds,
    email: { from: settings.emailFrom ?? 'offshore-approvals@example.gov.uk', replyTo: settings.emailReplyTo },
    publicBaseUrl: (settings.publicBaseUrl ?? 'http://127.0.0.1:3000').replace(/\/+$/, ''),
    approvalWaits: { ...DEFAULT_APPROVAL_WAITS, ...settings.approvalWaits },
    securityTeamGroup: settings.securityTeamGroup ?? DEFAULT_SECURITY_TEAM_GROUP,
  };
}

/** The Lambda's runtime, from the environment CDK sets (infra/ binds each variable with its grant). */
export function runtimeFromEnvironment(): Runtime {
  return createRuntime({
    tableName: env(ENV.tableName),
    stateMachineArn: optionalEnv(ENV.stateMachineArn),
    emailFrom: optionalEnv(ENV.emailFrom),
    emailReplyTo: optionalEnv(ENV.emailReplyTo),
    publicBaseUrl: optionalEnv(ENV.publicBaseUrl),
    approvalWaits: approvalWaitsFromEnvironment(),
    securityTeamGroup: optionalEnv(ENV.securityTeamGroup),
    endpoints: {
      dynamoDb: optionalEnv(ENV.dynamodbEndpoint),
      stepFunctions: optionalEnv(ENV.stepFunctionsEndpoint),
      ses: optionalEnv(ENV.sesEndpoint),
    },
  });
}

/** REMINDER_AFTER_SECONDS, ESCALATE_AFTER_SECONDS, LAPSE_AFTER_SECONDS: whichever are set. */
export function approvalWaitsFromEnvironment(): Partial<ApprovalWaitSettings> {
  const read = (name: (typeof ENV)[keyof typeof ENV]) => {
    const value = optionalEnv(name);
    if (value === undefined) return undefined;
    const seconds = Number(value);
    if (!Number.isInteger(seconds) || seconds < 1) throw new Error(`${name} must be a whole number of seconds, at least 1`);
    return seconds;
  };
  const waits: Partial<ApprovalWaitSettings> = {};
  const reminder = read(ENV.reminderAfterSeconds);
  const escalate = read(ENV.escalateAfterSeconds);
  const lapse = read(ENV.lapseAfterSeconds);
  if (reminder !== undefined) waits.reminderAfterSeconds = reminder;
  if (escalate !== undefined) waits.escalateAfterSeconds = escalate;
  if (lapse !== undefined) waits.lapseAfterSeconds = lapse;
  return waits;
}

export function requireStateMachineArn(runtime: Runtime): string {
  if (!runtime.stateMachineArn) throw new Error(`${ENV.stateMachineArn} is not configured for this function`);
  return runtime.stateMachineArn;
}

/**
 * A Lambda entry point: builds the handler from the environment on first invocation (so importing
 * the module has no side effects) and reuses it after.
 */
export function lambdaEntry<E, R>(make: (runtime: Runtime) => (event: E, context: Context) => Promise<R>) {
  let built: ((event: E, context: Context) => Promise<R>) | undefined;
  return (event: E, context: Context): Promise<R> => {
    built ??= make(runtimeFromEnvironment());
    return built(event, context);
  };
}
