import { afterEach, describe, expect, it, vi } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { tracer } from '../../functions/platform/observability.ts';
import { dynamoDb } from '../../functions/platform/clients/dynamodb.ts';
import { stepFunctions } from '../../functions/platform/clients/step-functions.ts';
import { ses } from '../../functions/platform/clients/ses.ts';
import { createRuntime, runtimeWith } from '../../functions/platform/runtime.ts';
import { entryPoint } from '../../functions/platform/lambda.ts';
import { lambdaContext } from '../../local/api-server.ts';

/**
 * The SDK clients: each built by its own module, handed to the tracer (a subsegment per AWS call in
 * X-Ray), and a runtime holds only the clients its entry names.
 */
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('SDK clients', () => {
  it('each client is handed to the tracer as it is built, and the document client shares the traced DynamoDB client', () => {
    const traced = vi.spyOn(tracer, 'captureAWSv3Client');
    const table = dynamoDb({ region: 'eu-west-2' });
    const workflow = stepFunctions({ region: 'eu-west-2' });
    const email = ses({ region: 'eu-west-2' });
    expect(traced.mock.calls.map(([client]) => client)).toEqual([table.dynamoDb, workflow.stepFunctions, email.ses]);
    expect(table.dynamoDb).toBeInstanceOf(DynamoDBClient);
    expect(workflow.stepFunctions).toBeInstanceOf(SFNClient);
    expect(email.ses).toBeInstanceOf(SESv2Client);
    // lib-dynamodb's document client sends through the base client's middleware stack: traced once, both traced.
    expect(table.documents.middlewareStack).toBe(table.dynamoDb.middlewareStack);
  });

  it('connects each client to its own endpoint when one is set (local mode)', async () => {
    const endpoints = { dynamoDb: 'http://127.0.0.1:1001', stepFunctions: 'http://127.0.0.1:1002', ses: 'http://127.0.0.1:1003' };
    const runtime = createRuntime({ tableName: 't', region: 'eu-west-2', endpoints });
    const ports = await Promise.all(
      [runtime.clients.dynamoDb, runtime.clients.stepFunctions, runtime.clients.ses].map(async (c) => (await c.config.endpoint!()).port),
    );
    expect(ports).toEqual([1001, 1002, 1003]);
  });

  it('a runtime built with some clients has those, and reaching for another names the wiring to fix', () => {
    const runtime = runtimeWith({ tableName: 't', region: 'eu-west-2' }, [dynamoDb]);
    expect(runtime.clients.documents).toBeDefined();
    expect(() => runtime.clients.stepFunctions).toThrow(/builds no stepFunctions client: name it in the function's lambdaEntry/);
    expect(() => runtime.clients.ses).toThrow(/builds no ses client/);
  });

  it('createRuntime (local mode, tests) builds all three', () => {
    const { clients } = createRuntime({ tableName: 't', region: 'eu-west-2' });
    expect([clients.dynamoDb, clients.stepFunctions, clients.ses].map((c) => c.constructor)).toEqual([DynamoDBClient, SFNClient, SESv2Client]);
  });
});

describe('Lambda entry point', () => {
  it('outside Lambda, builds nothing on import and then once, on the first invocation', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', '');
    const build = vi.fn(() => 'dependencies');
    const handler = entryPoint(build, (deps) => async (event: number) => `${deps}:${event}`);
    expect(build).not.toHaveBeenCalled();
    expect(await handler(1, lambdaContext('t'))).toBe('dependencies:1');
    expect(await handler(2, lambdaContext('t'))).toBe('dependencies:2');
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('on Lambda, builds as the module loads (the init phase), once', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'offshore-approvals-intake');
    const build = vi.fn(() => 'dependencies');
    const handler = entryPoint(build, (deps) => async (event: number) => `${deps}:${event}`);
    expect(build).toHaveBeenCalledTimes(1);
    expect(await handler(1, lambdaContext('t'))).toBe('dependencies:1');
    expect(build).toHaveBeenCalledTimes(1);
  });
});
