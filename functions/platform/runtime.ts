import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Context } from 'aws-lambda';
import { DEFAULT_EMAIL_FROM, DEFAULT_EMAIL_FROM_NAME, DEFAULT_SECURITY_TEAM_GROUP, ENV, env, optionalEnv, type EnvName } from './config.ts';
import { systemClock, randomIds, type Clock, type IdGenerator } from './clock.ts';
import { loadApproverDirectory, type ApproverDirectory } from './directory.ts';
import { RequestStore } from '../store/request-store.ts';
import { DEFAULT_APPROVAL_WAITS, type ApprovalWaitSettings } from '../domain/offshoring-policy.ts';
import { checkLapseWindow } from '../domain/workflow.ts';

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
  /** The sender: its address, the name mail clients show for it, and where replies go. */
  readonly email: { from: string; fromName: string; replyTo: string };
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
  emailFromName?: string;
  /** @default the sender's address */
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
  const from = settings.emailFrom ?? DEFAULT_EMAIL_FROM;
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
    email: { from, fromName: settings.emailFromName ?? DEFAULT_EMAIL_FROM_NAME, replyTo: settings.emailReplyTo ?? from },
    publicBaseUrl: (settings.publicBaseUrl ?? 'http://127.0.0.1:3000').replace(/\/+$/, ''),
    approvalWaits: checkLapseWindow({ ...DEFAULT_APPROVAL_WAITS, ...settings.approvalWaits }),
    securityTeamGroup: settings.securityTeamGroup ?? DEFAULT_SECURITY_TEAM_GROUP,
  };
}

/**
 * The settings a handler reads from its environment (sender, links, timeline, security team): the
 * same list on AWS (set by CDK) and in local mode (`npm start` reads them from its own environment).
 * Unset ones are left out, so the runtime's defaults apply.
 */
export function settingsFromEnvironment(from: NodeJS.ProcessEnv = process.env): Partial<RuntimeSettings> {
  const read = (name: EnvName) => optionalEnv(name, from);
  const settings: Partial<RuntimeSettings> = { approvalWaits: approvalWaitsFromEnvironment(from) };
  const emailFrom = read(ENV.emailFrom);
  const emailFromName = read(ENV.emailFromName);
  const emailReplyTo = read(ENV.emailReplyTo);
  const publicBaseUrl = read(ENV.publicBaseUrl);
  const securityTeamGroup = read(ENV.securityTeamGroup);
  if (emailFrom) settings.emailFrom = emailFrom;
  if (emailFromName) settings.emailFromName = emailFromName;
  if (emailReplyTo) settings.emailReplyTo = emailReplyTo;
  if (publicBaseUrl) settings.publicBaseUrl = publicBaseUrl;
  if (securityTeamGroup) settings.securityTeamGroup = securityTeamGroup;
  return settings;
}

/** The Lambda's runtime, from the environment CDK sets (infra/ binds each variable with its grant). */
export function runtimeFromEnvironment(): Runtime {
  return createRuntime({
    ...settingsFromEnvironment(),
    tableName: env(ENV.tableName),
    stateMachineArn: optionalEnv(ENV.stateMachineArn),
    endpoints: {
      dynamoDb: optionalEnv(ENV.dynamodbEndpoint),
      stepFunctions: optionalEnv(ENV.stepFunctionsEndpoint),
      ses: optionalEnv(ENV.sesEndpoint),
    },
  });
}

/** REMINDER_AFTER_SECONDS, ESCALATE_AFTER_SECONDS, LAPSE_AFTER_SECONDS: whichever are set. */
export function approvalWaitsFromEnvironment(from: NodeJS.ProcessEnv = process.env): Partial<ApprovalWaitSettings> {
  const read = (name: EnvName) => {
    const value = optionalEnv(name, from);
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
