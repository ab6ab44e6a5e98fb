import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { startLocalDynamoDb } from './dynamodb/transactions.ts';
import * as sesLocalModule from 'aws-ses-v2-local';
import { CreateTableCommand, DescribeTableCommand, ResourceInUseException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createRuntime, type Runtime, type RuntimeSettings } from '../functions/platform/runtime.ts';
import { tableDesign } from '../functions/store/table-design.ts';
import { STATE_MACHINE_FILE, stateMachineFunctions } from '../functions/catalogue.ts';
import { ASSETS_OUT_DIR } from '../assets/build.ts';
import { createApiServer, jwtAuthorizer, lambdaContext, loadHandlers } from './api-server.ts';
import { API_AUDIENCE, DEFAULT_IDP_PORT, startIdentityProvider, type IdentityProvider, type LocalIdentity } from './identity-provider.ts';
import type { WebSettings } from '../functions/platform/web-settings.ts';
import { LocalStepFunctions } from './stepfunctions/engine.ts';
import { createStepFunctionsServer } from './stepfunctions/server.ts';

/**
 * The whole service on one machine: dynalite for DynamoDB, aws-ses-v2-local for SES, the ASL file
 * run by aws-local-stepfunctions behind a Step Functions API endpoint, an OpenID Provider
 * (oidc-provider) standing in for the department's, and the API routes served by the real handlers.
 * The handlers reach the AWS stand-ins through the AWS SDK, by endpoint, and the provider by its issuer.
 */

// aws-ses-v2-local is CommonJS with an `exports.default`: from native ESM that function is at
// `module.default.default`, under bundlers and vitest at `module.default`.
type StartSes = (config: { host: string; port: number }) => Promise<Server>;
const sesExports = sesLocalModule as unknown as { default: StartSes | { default: StartSes } };
const startSesLocal: StartSes = typeof sesExports.default === 'function' ? sesExports.default : sesExports.default.default;

export const ROOT = path.resolve(import.meta.dirname, '..');
export const LOCAL_REGION = 'eu-west-2';
export const LOCAL_ACCOUNT = '000000000000';
export const STATE_MACHINE_NAME = 'offshoring-approval';

export interface LocalStackOptions {
  /** API port; 0 picks a free one. @default 3000 */
  port?: number;
  /** Local SES (and its web inbox) port; 0 picks a free one. @default 8005 */
  sesPort?: number;
  /** Local DynamoDB endpoint's port. @default 0, a free one */
  dynamoDbPort?: number;
  /** Local Step Functions endpoint's port. @default 0, a free one */
  stepFunctionsPort?: number;
  /** Folder dynalite persists to; undefined keeps the table in memory (tests). */
  dataDir?: string;
  host?: string;
  /** The local identity provider's port; 0 picks a free one. @default 8006 */
  identityProviderPort?: number;
  /** The pages' client secret at the local identity provider. @default a fixed development value */
  oidcClientSecret?: string;
  /**
   * Key material (≥ 32 bytes) that seals the pages' session cookies. @default one kept with the data
   * (sessions outlive a restart), else a fresh one per stack
   */
  sessionKey?: string;
  /** Overrides for the handlers' runtime (clock, ids, directory...). */
  runtime?: Partial<RuntimeSettings>;
}

export interface LocalStack {
  apiUrl: string;
  sesUrl: string;
  dynamoDbUrl: string;
  stepFunctionsUrl: string;
  stateMachineArn: string;
  tableName: string;
  runtime: Runtime;
  stepFunctions: LocalStepFunctions;
  /** The local OpenID Provider the pages sign people in with and whose tokens the API accepts. */
  identityProvider: IdentityProvider;
  /** An access token of the local identity provider for this person, as a sign-in there gives. */
  tokenFor(identity: LocalIdentity): string;
  /** What seals the pages' session cookies (tests sign people in with it). */
  sessionKey: string;
  close(): Promise<void>;
}

/** A session key kept with the data, so signed-in people stay signed in across a restart; fresh when nothing persists. */
async function localSessionKey(dataDir: string | undefined): Promise<string> {
  if (!dataDir) return randomBytes(32).toString('base64url');
  const file = path.join(dataDir, 'session-key');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const key = randomBytes(32).toString('base64url');
    await mkdir(dataDir, { recursive: true });
    await writeFile(file, key, { mode: 0o600 });
    return key;
  }
}

function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address() as AddressInfo;
      resolve(`http://${host}:${actual}`);
    });
  });
}

/**
 * A server that holds its port from the start and serves once its real handler exists. The
 * runtime needs the Step Functions and API URLs before those servers can be built; binding now
 * (rather than probing a free port and binding later) means no other process can take the port.
 */
async function bindEarly(port: number, host: string): Promise<{ server: Server; url: string; serveWith(real: Server): void }> {
  let real: Server | undefined;
  const server = createServer((req, res) => {
    if (real) real.emit('request', req, res);
    else res.writeHead(503).end('starting');
  });
  const url = await listen(server, port, host);
  const serveWith = (handlerServer: Server) => {
    real = handlerServer;
  };
  return { server, url, serveWith };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** Creates the table as tableDesign describes it (the same design CDK deploys); idempotent. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const attributes = new Set<string>([tableDesign.partitionKey, tableDesign.sortKey]);
  for (const gsi of tableDesign.globalSecondaryIndexes) {
    attributes.add(gsi.partitionKey);
    attributes.add(gsi.sortKey);
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: tableDesign.partitionKey, KeyType: 'HASH' },
          { AttributeName: tableDesign.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: tableDesign.globalSecondaryIndexes.map((gsi) => ({
          IndexName: gsi.indexName,
          KeySchema: [
            { AttributeName: gsi.partitionKey, KeyType: 'HASH' },
            { AttributeName: gsi.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      }),
    );
    // dynalite has no UpdateTimeToLive: locally nothing expires, which only keeps idempotency records longer.
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  for (let i = 0; i < 100; i++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Table ${tableName} did not become ACTIVE`);
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  const tableName = options.runtime?.tableName ?? 'offshore-approvals';
  // Dummy credentials: the local stand-ins accept any signature, but the SDK insists on signing.
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';

  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  // dynalite behind a proxy that adds TransactWriteItems/TransactGetItems (local/dynamodb/transactions.ts).
  const dynamo = await startLocalDynamoDb({ host, port: options.dynamoDbPort ?? 0, ...(options.dataDir ? { dataDir: options.dataDir } : {}) });
  const dynamoDbUrl = dynamo.url;

  const ses = await startSesLocal({ host, port: options.sesPort ?? 8005 });
  const { port: sesPort } = ses.address() as AddressInfo;
  const sesUrl = `http://${host}:${sesPort}`;

  const stateMachineArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${STATE_MACHINE_NAME}`;
  // The runtime needs the SFN and API URLs before their servers exist (links, endpoints): bind them first.
  const sfnBinding = await bindEarly(options.stepFunctionsPort ?? 0, host);
  const apiBinding = await bindEarly(options.port ?? 3000, host);
  const stepFunctionsUrl = sfnBinding.url;
  const apiUrl = apiBinding.url;

  const sessionKey = options.sessionKey ?? (await localSessionKey(options.dataDir));
  let signInSettings: WebSettings | undefined;
  const runtime = createRuntime({
    webSettings: async () => {
      if (!signInSettings) throw new Error('The local identity provider has not started');
      return signInSettings;
    },
    tableName,
    stateMachineArn,
    region: LOCAL_REGION,
    endpoints: { dynamoDb: dynamoDbUrl, ses: sesUrl, stepFunctions: stepFunctionsUrl },
    publicBaseUrl: apiUrl,
    ...options.runtime,
  });
  await ensureTable(runtime.clients.dynamoDb, tableName);

  const identityProvider = await startIdentityProvider({
    host,
    port: options.identityProviderPort ?? DEFAULT_IDP_PORT,
    publicBaseUrl: runtime.publicBaseUrl,
    securityTeamGroup: runtime.securityTeamGroup,
    ...(options.oidcClientSecret ? { clientSecret: options.oidcClientSecret } : {}),
    // With the data kept, so is the signing key: tokens handed out before a restart stay valid.
    ...(options.dataDir ? { keysFile: path.join(options.dataDir, 'identity-provider-key.json') } : {}),
  });
  // The pages' sign-in settings: on AWS from each Lambda's environment and Secrets Manager.
  signInSettings = {
    issuer: identityProvider.issuer,
    clientId: identityProvider.clientId,
    clientSecret: identityProvider.clientSecret,
    sessionKey,
  };

  const handlers = await loadHandlers(runtime);
  const definition = await readFile(path.join(ROOT, STATE_MACHINE_FILE), 'utf8');
  /** Workflow Lambda invocations still running, so close() can let them finish. */
  const inFlight = new Set<Promise<unknown>>();
  const stepFunctions = new LocalStepFunctions({
    definition,
    stateMachineName: STATE_MACHINE_NAME,
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
    functions: Object.fromEntries(
      Object.entries(stateMachineFunctions).map(([placeholderName, key]) => [
        placeholderName,
        (event: unknown) => {
          const invocation = handlers[key](event, lambdaContext(key));
          inFlight.add(invocation);
          const settled = () => inFlight.delete(invocation);
          invocation.then(settled, settled);
          return invocation;
        },
      ]),
    ),
  });
  sfnBinding.serveWith(createStepFunctionsServer(stepFunctions));

  apiBinding.serveWith(
    createApiServer({
      handlers,
      authenticate: jwtAuthorizer({ issuer: identityProvider.issuer, audience: API_AUDIENCE, jwksUri: identityProvider.jwksUri }),
      assetsDir: ASSETS_OUT_DIR,
    }),
  );

  return {
    apiUrl,
    sesUrl,
    dynamoDbUrl,
    stepFunctionsUrl,
    stateMachineArn,
    tableName,
    runtime,
    stepFunctions,
    identityProvider,
    sessionKey,
    tokenFor: (identity) => identityProvider.signTestToken(identity),
    async close() {
      stepFunctions.close();
      // Workflow steps already running finish against the table before it closes (as a Lambda would).
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 5_000).unref())]);
      await Promise.all([closeServer(apiBinding.server), closeServer(sfnBinding.server), closeServer(ses), dynamo.close(), identityProvider.close()]);
      runtime.clients.dynamoDb.destroy();
      runtime.clients.stepFunctions.destroy();
      runtime.clients.ses.destroy();
    },
  };
}
