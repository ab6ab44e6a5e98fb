import type { Context } from 'aws-lambda';
import { DEFAULT_EMAIL_FROM, DEFAULT_EMAIL_FROM_NAME, DEFAULT_SECURITY_TEAM_GROUP, ENV, env, optionalEnv, type EnvName } from './config.ts';
import { systemClock, randomIds, type Clock, type IdGenerator } from './clock.ts';
import { directoryInForce, loadApproverDirectory, type ApproverDirectory } from './directory.ts';
import { createStore, type Store } from '../store/store.ts';
import { DEFAULT_APPROVAL_WAITS, POLICY_INCIDENT_ADDRESSES, type ApprovalWaitSettings, type IncidentRecipient } from '../domain/offshoring-policy.ts';
import { checkLapseWindow } from '../domain/workflow.ts';
import { clientSettingsFromEnvironment, type ClientFactory, type ClientSettings, type RuntimeClients } from './clients/settings.ts';
import { dynamoDb } from './clients/dynamodb.ts';
import { stepFunctions } from './clients/step-functions.ts';
import { ses } from './clients/ses.ts';
import { entryPoint } from './lambda.ts';
import type { WebSettingsSource } from './web-settings.ts';

/**
 * Everything a handler depends on, in one object. On AWS it is built from the environment; local
 * mode and the tests build it explicitly (local endpoints, a fixed clock, predictable ids). The
 * handlers are the same functions either way.
 */
export interface Runtime {
  /** The SDK clients this function builds (its entry names them); reaching for another throws. */
  readonly clients: RuntimeClients;
  readonly store: Store;
  readonly tableName: string;
  /** Set only for functions that start or stop executions. */
  readonly stateMachineArn?: string;
  /**
   * The approver directory in force for this invocation: the table's current version where the
   * handler reads it (withCurrentDirectory in functions/domain/directory.ts), else the seed.
   */
  readonly directory: ApproverDirectory;
  /** The number of that version in the table; undefined where the handler did not read it (the seed). */
  readonly directoryVersion: number | undefined;
  /** The directory the table is seeded with on first use: APPROVER_DIRECTORY or the bundled default. */
  readonly directorySeed: ApproverDirectory;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** The sender: its address, the name mail clients show for it, and where replies go. */
  readonly email: { from: string; fromName: string; replyTo: string };
  /** Base of every link the service emails (no trailing slash). */
  readonly publicBaseUrl: string;
  readonly approvalWaits: ApprovalWaitSettings;
  /** Members of this identity-provider group are the security team. */
  readonly securityTeamGroup: string;
  /** Who is told of breaches and incidents (Offshoring Policy, Policy): the policy's addresses unless configured. */
  readonly incidentContacts: Record<IncidentRecipient, { name: string; email: string }>;
  /**
   * Sign-in settings for the pages, when given explicitly (local mode and tests); the page
   * functions otherwise read them from their environment and secrets.
   */
  readonly webSettings?: WebSettingsSource;
}

export interface RuntimeSettings extends ClientSettings {
  tableName: string;
  stateMachineArn?: string;
  /** The directory to seed the table with (@default APPROVER_DIRECTORY, else the bundled one). */
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
  dpoEmail?: string;
  operationalSecurityEmail?: string;
  webSettings?: WebSettingsSource;
}

/** Every client: local mode and the tests, where one runtime serves every handler. */
export function createRuntime(settings: RuntimeSettings): Runtime {
  return runtimeWith(settings, [dynamoDb, stepFunctions, ses]);
}

/**
 * The runtime with only the clients given: a Lambda builds the ones its catalogue needs declare
 * (functions/catalogue.ts), so its bundle holds no other SDK client.
 */
export function runtimeWith(settings: RuntimeSettings, factories: readonly ClientFactory[]): Runtime {
  const clients = onlyBuilt(Object.assign({}, ...factories.map((build) => build(settings))));
  const from = settings.emailFrom ?? DEFAULT_EMAIL_FROM;
  const directorySeed = settings.directory ?? loadApproverDirectory();
  return {
    clients,
    store: createStore(clients.documents, settings.tableName),
    tableName: settings.tableName,
    stateMachineArn: settings.stateMachineArn,
    directorySeed,
    get directory() {
      return directoryInForce.getStore()?.directory ?? directorySeed;
    },
    get directoryVersion() {
      return directoryInForce.getStore()?.version;
    },
    clock: settings.clock ?? systemClock,
    ids: settings.ids ?? randomIds,
    email: { from, fromName: settings.emailFromName ?? DEFAULT_EMAIL_FROM_NAME, replyTo: settings.emailReplyTo ?? from },
    publicBaseUrl: (settings.publicBaseUrl ?? 'http://127.0.0.1:3000').replace(/\/+$/, ''),
    approvalWaits: checkLapseWindow({ ...DEFAULT_APPROVAL_WAITS, ...settings.approvalWaits }),
    securityTeamGroup: settings.securityTeamGroup ?? DEFAULT_SECURITY_TEAM_GROUP,
    incidentContacts: {
      DPO: { ...POLICY_INCIDENT_ADDRESSES.DPO, ...(settings.dpoEmail ? { email: settings.dpoEmail } : {}) },
      OPERATIONAL_SECURITY_TEAM: {
        ...POLICY_INCIDENT_ADDRESSES.OPERATIONAL_SECURITY_TEAM,
        ...(settings.operationalSecurityEmail ? { email: settings.operationalSecurityEmail } : {}),
      },
    },
    ...(settings.webSettings ? { webSettings: settings.webSettings } : {}),
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
  const dpoEmail = read(ENV.dpoEmail);
  const operationalSecurityEmail = read(ENV.operationalSecurityEmail);
  if (dpoEmail) settings.dpoEmail = dpoEmail;
  if (operationalSecurityEmail) settings.operationalSecurityEmail = operationalSecurityEmail;
  return settings;
}

/** A client this function did not build is a wiring mistake, named as such rather than an undefined `.send`. */
function onlyBuilt(built: Partial<RuntimeClients>): RuntimeClients {
  const clients = { ...built } as RuntimeClients;
  for (const name of ['dynamoDb', 'documents', 'stepFunctions', 'ses'] as const) {
    if (name in built) continue;
    Object.defineProperty(clients, name, {
      enumerable: false,
      get() {
        throw new Error(`This function builds no ${name} client: name it in the function's lambdaEntry, with the need in functions/catalogue.ts`);
      },
    });
  }
  return clients;
}

/** The Lambda's runtime, from the environment CDK sets (infra/ binds each variable with its grant). */
export function runtimeFromEnvironment(factories: readonly ClientFactory[]): Runtime {
  return runtimeWith(
    {
      ...settingsFromEnvironment(),
      ...clientSettingsFromEnvironment(),
      tableName: env(ENV.tableName),
      stateMachineArn: optionalEnv(ENV.stateMachineArn),
    },
    factories,
  );
}

/** REMINDER_AFTER_SECONDS, CHASE_AFTER_SECONDS (or its earlier name ESCALATE_AFTER_SECONDS), LAPSE_AFTER_SECONDS: whichever are set. */
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
  const chase = read(ENV.chaseAfterSeconds) ?? read(ENV.escalateAfterSeconds);
  const lapse = read(ENV.lapseAfterSeconds);
  if (reminder !== undefined) waits.reminderAfterSeconds = reminder;
  if (chase !== undefined) waits.chaseAfterSeconds = chase;
  if (lapse !== undefined) waits.lapseAfterSeconds = lapse;
  return waits;
}

export function requireStateMachineArn(runtime: Runtime): string {
  if (!runtime.stateMachineArn) throw new Error(`${ENV.stateMachineArn} is not configured for this function`);
  return runtime.stateMachineArn;
}

/**
 * A handler's Lambda entry point, with the clients its catalogue needs declare and no others, e.g.
 * `lambdaEntry(makeHandler, dynamoDb, stepFunctions)`. The runtime is built from the environment
 * once (functions/platform/lambda.ts says when).
 */
export function lambdaEntry<E, R>(make: (runtime: Runtime) => (event: E, context: Context) => Promise<R>, ...clients: ClientFactory[]) {
  return entryPoint(() => runtimeFromEnvironment(clients), make);
}
