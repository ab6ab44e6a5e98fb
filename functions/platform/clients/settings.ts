import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { ENV, optionalEnv } from '../config.ts';

/** The SDK clients a handler may use. Each comes from its own module, so a bundle holds only the ones its function builds. */
export interface RuntimeClients {
  dynamoDb: DynamoDBClient;
  /** The document client the store uses; it shares `dynamoDb`'s middleware (and so its tracing). */
  documents: DynamoDBDocumentClient;
  stepFunctions: SFNClient;
  ses: SESv2Client;
}

/** Where the clients connect: unset on AWS; local mode points them at its stand-ins. */
export interface ClientSettings {
  region?: string;
  endpoints?: { dynamoDb?: string; stepFunctions?: string; ses?: string };
}

/** Builds one kind of client (functions/platform/clients/dynamodb.ts, step-functions.ts, ses.ts). */
export type ClientFactory = (settings: ClientSettings) => Partial<RuntimeClients>;

/** The endpoints of the local stand-ins, when the environment names them (local mode only). */
export function clientSettingsFromEnvironment(from: NodeJS.ProcessEnv = process.env): ClientSettings {
  return {
    endpoints: {
      dynamoDb: optionalEnv(ENV.dynamodbEndpoint, from),
      stepFunctions: optionalEnv(ENV.stepFunctionsEndpoint, from),
      ses: optionalEnv(ENV.sesEndpoint, from),
    },
  };
}

/** The client options for one service: its region and endpoint when set, nothing otherwise (the SDK's defaults). */
export function clientOptions(settings: ClientSettings, endpoint: string | undefined): { region?: string; endpoint?: string } {
  return { ...(settings.region ? { region: settings.region } : {}), ...(endpoint ? { endpoint } : {}) };
}
