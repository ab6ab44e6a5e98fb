import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { ENV } from '../functions/platform/config.ts';
import { parseApproverDirectory, type ApproverDirectory } from '../functions/platform/directory.ts';
import { settingsFromEnvironment, type RuntimeSettings } from '../functions/platform/runtime.ts';
import { DEFAULT_IDP_PORT, DEFAULT_OIDC_CLIENT_SECRET } from './identity-provider.ts';

/**
 * What `npm start` reads from its environment: the README's Configuration table, one entry per
 * setting. The handlers' own settings (sender, links, timeline, security team) are read by the same
 * function the Lambdas use; the rest are local mode's (ports, data folder, monitoring timer).
 */
export interface LocalSettings {
  ports: {
    /** PORT: the API. */
    api: number;
    /** SES_PORT: local SES and its web inbox. */
    ses: number;
    /** DYNAMODB_PORT: the local DynamoDB endpoint (0: a free port). */
    dynamoDb: number;
    /** STEPFUNCTIONS_PORT: the local Step Functions endpoint (0: a free port). */
    stepFunctions: number;
    /** IDP_PORT: the local identity provider (its issuer is http://localhost:<port>). */
    identityProvider: number;
  };
  /** LOCAL_DATA_DIR: where the table persists. */
  dataDir: string;
  /** MONITOR_INTERVAL_SECONDS: how often continual monitoring runs (0: never, only `npm run monitor`). */
  monitorIntervalSeconds: number;
  /** OIDC_CLIENT_SECRET: the pages' client secret at the local identity provider. */
  oidcClientSecret: string;
  /** SESSION_KEY: seals the pages' session cookies; unset, one is kept with the data. */
  sessionKey?: string;
  /** The handlers' settings, including APPROVER_DIRECTORY read from a file when it names one. */
  runtime: Partial<RuntimeSettings>;
}

/** Every variable `npm start` reads (the README's Configuration table lists exactly these). */
export const LOCAL_SETTING_NAMES = [
  ENV.approverDirectory,
  ENV.reminderAfterSeconds,
  ENV.chaseAfterSeconds,
  ENV.escalateAfterSeconds,
  ENV.lapseAfterSeconds,
  ENV.emailFrom,
  ENV.emailFromName,
  ENV.emailReplyTo,
  ENV.publicBaseUrl,
  ENV.securityTeamGroup,
  ENV.dpoEmail,
  ENV.operationalSecurityEmail,
  'MONITOR_INTERVAL_SECONDS',
  ENV.oidcClientSecret,
  ENV.sessionKey,
  'PORT',
  'SES_PORT',
  'DYNAMODB_PORT',
  'STEPFUNCTIONS_PORT',
  'IDP_PORT',
  'LOCAL_DATA_DIR',
] as const;

export const DEFAULT_PORTS = { api: 3000, ses: 8005, dynamoDb: 0, stepFunctions: 0, identityProvider: DEFAULT_IDP_PORT } as const;
export const DEFAULT_MONITOR_INTERVAL_SECONDS = 3600;

/** A setting `npm start` cannot use; the message names the variable and what it must be. */
export class LocalSettingsError extends Error {
  override readonly name = 'LocalSettingsError';
}

const Port = z.coerce.number().int().min(0).max(65_535);
const LocalEnvironmentSchema = z.object({
  PORT: Port.default(DEFAULT_PORTS.api),
  SES_PORT: Port.default(DEFAULT_PORTS.ses),
  DYNAMODB_PORT: Port.default(DEFAULT_PORTS.dynamoDb),
  STEPFUNCTIONS_PORT: Port.default(DEFAULT_PORTS.stepFunctions),
  IDP_PORT: Port.default(DEFAULT_PORTS.identityProvider),
  OIDC_CLIENT_SECRET: z.string().default(DEFAULT_OIDC_CLIENT_SECRET),
  SESSION_KEY: z.string().min(32, 'must be at least 32 characters of random material').optional(),
  LOCAL_DATA_DIR: z.string().optional(),
  MONITOR_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(DEFAULT_MONITOR_INTERVAL_SECONDS),
  EMAIL_FROM: z.email().optional(),
  EMAIL_REPLY_TO: z.email().optional(),
  DPO_EMAIL: z.email().optional(),
  OPERATIONAL_SECURITY_EMAIL: z.email().optional(),
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  APPROVER_DIRECTORY: z.string().optional(),
});

/** APPROVER_DIRECTORY holds the directory as JSON (as on AWS) or, locally, names a JSON file. */
function approverDirectoryFrom(value: string, cwd: string): ApproverDirectory {
  const inline = value.trimStart().startsWith('{');
  const where = inline ? 'APPROVER_DIRECTORY' : `APPROVER_DIRECTORY (${path.resolve(cwd, value)})`;
  let raw: unknown;
  try {
    raw = JSON.parse(inline ? value : readFileSync(path.resolve(cwd, value), 'utf8'));
  } catch (error) {
    throw new LocalSettingsError(`${where}: ${(error as Error).message}`);
  }
  try {
    return parseApproverDirectory(raw);
  } catch (error) {
    throw new LocalSettingsError(`${where}: ${(error as Error).message}`);
  }
}

export function localSettings(env: NodeJS.ProcessEnv, options: { root: string; cwd?: string }): LocalSettings {
  // An empty variable means unset, as on AWS (config.ts optionalEnv).
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = LocalEnvironmentSchema.safeParse(set);
  if (!parsed.success) {
    throw new LocalSettingsError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
  }
  const values = parsed.data;
  let runtime: Partial<RuntimeSettings>;
  try {
    runtime = settingsFromEnvironment(set);
  } catch (error) {
    throw new LocalSettingsError((error as Error).message);
  }
  if (values.APPROVER_DIRECTORY) runtime.directory = approverDirectoryFrom(values.APPROVER_DIRECTORY, options.cwd ?? process.cwd());
  return {
    ports: {
      api: values.PORT,
      ses: values.SES_PORT,
      dynamoDb: values.DYNAMODB_PORT,
      stepFunctions: values.STEPFUNCTIONS_PORT,
      identityProvider: values.IDP_PORT,
    },
    dataDir: values.LOCAL_DATA_DIR
      ? path.resolve(options.cwd ?? process.cwd(), values.LOCAL_DATA_DIR)
      : path.join(options.root, '.local-data', 'dynamodb'),
    monitorIntervalSeconds: values.MONITOR_INTERVAL_SECONDS,
    oidcClientSecret: values.OIDC_CLIENT_SECRET,
    ...(values.SESSION_KEY ? { sessionKey: values.SESSION_KEY } : {}),
    runtime,
  };
}
