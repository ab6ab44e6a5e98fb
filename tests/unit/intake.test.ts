import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { loadApproverDirectory } from '../../functions/platform/directory.ts';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { makeHandler } from '../../functions/intake.ts';
import { createRuntime } from '../../functions/platform/runtime.ts';
import { sequentialIds } from '../../functions/platform/clock.ts';
import { fixedClock, multiAreaRequest, singleAreaRequest } from '../fixtures/index.ts';
import { lambdaContext } from '../../local/api-server.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-2:123456789012:stateMachine:offshoring-approval';

const SECURITY_CLAIMS = { sub: 'sec-1', email: 'sam.security@justice.gov.uk', groups: '[offshore-security]' };

function post(
  body: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
  claims: Record<string, string> | null = SECURITY_CLAIMS,
) {
  const handler = makeHandler(
    createRuntime({ tableName: 'offshore-test', stateMachineArn: STATE_MACHINE_ARN, clock: fixedClock(), ids: sequentialIds() }),
  );
  const event = {
    version: '2.0',
    routeKey: 'POST /requests',
    rawPath: '/requests',
    rawQueryString: '',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      http: { method: 'POST', path: '/requests' },
      requestId: 'r1',
      ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
    },
  };
  return handler(event as never, lambdaContext('intake'));
}

const bodyOf = (result: { body?: string }) => JSON.parse(result.body ?? 'null');

beforeEach(() => {
  // The approver directory in force: its current version, as the table holds it once seeded.
  ddb.on(GetCommand, { Key: { pk: 'DIRECTORY', sk: 'CURRENT' } }).resolves({
    Item: {
      version: 1,
      directory: loadApproverDirectory(),
      changedBy: { kind: 'SYSTEM' },
      changedAt: '2026-11-01T00:00:00Z',
      note: 'seed',
      changes: [],
    },
  });
  ddb.on(TransactWriteCommand).resolves({});
  sfn.on(StartExecutionCommand).resolves({ executionArn: `${STATE_MACHINE_ARN.replace('stateMachine', 'execution')}:OFF-T000001` });
});
afterEach(() => {
  ddb.reset();
  sfn.reset();
});

describe('POST /requests', () => {
  it('records the signed-in caller as the submitter on the request and its first audit event', async () => {
    const owner = { sub: 'idp-123', email: 'Priya.Shah@justice.gov.uk', name: 'Priya Shah' };
    expect((await post(singleAreaRequest(), undefined, owner)).statusCode).toBe(201);
    const [request, , , , , , audit] = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!.map((i) => i.Put!.Item!);
    expect(request!.submittedBy).toEqual({ kind: 'SERVICE_OWNER', sub: 'idp-123', email: 'priya.shah@justice.gov.uk', name: 'Priya Shah' });
    expect(audit!.actor).toEqual(request!.submittedBy);
  });

  it('refuses a caller submitting for someone else with 403, and an anonymous one with 401', async () => {
    expect((await post(singleAreaRequest(), undefined, { sub: 'x', email: 'someone.else@justice.gov.uk' })).statusCode).toBe(403);
    expect((await post(singleAreaRequest(), undefined, null)).statusCode).toBe(401);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('stores the request with one approval per required approver, then starts the execution named after it', async () => {
    const result = await post(multiAreaRequest());
    expect(result.statusCode).toBe(201);
    expect(result.headers?.Location).toBe('/requests/OFF-T000001');
    expect(bodyOf(result)).toMatchObject({
      requestId: 'OFF-T000001',
      status: 'PENDING_APPROVAL',
      lateNotice: false,
      requiredApprovers: [{ role: 'MOJ_SIRO' }, { role: 'SSA' }, { role: 'CISO' }, { role: 'DPO' }, { role: 'COMMERCIAL' }, { role: 'LEGAL' }],
    });
    const items = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items.map((i) => i.Put?.Item?.entity)).toEqual(['REQUEST', ...Array(6).fill('APPROVAL'), 'AUDIT', 'ROUND']);
    expect(items.every((i) => i.Put?.ConditionExpression === 'attribute_not_exists(pk)')).toBe(true);
    // Round 1's request content, as its approvers are asked to approve it (Process 2: "obtained and documented").
    expect(items.at(-1)!.Put!.Item).toMatchObject({ sk: 'ROUND#001', round: 1, start: 'SUBMITTED', request: items[0]!.Put!.Item!.request });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: STATE_MACHINE_ARN, name: 'OFF-T000001' });
    const input = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!);
    expect(input).toEqual({
      requestId: 'OFF-T000001',
      round: 1,
      approvals: expect.any(Array),
      // Default timeline: reminder after 7 days, escalation after 14, lapse after 28.
      waits: { requestSeconds: 7 * 86_400, reminderSeconds: 7 * 86_400, chaseSeconds: 14 * 86_400 },
    });
    expect(input.approvals).toHaveLength(6);
  });

  it('accepts a request with less than four weeks notice but flags it with the reason', async () => {
    const result = await post({ ...singleAreaRequest(), plannedStartDate: '2026-12-01' });
    expect(result.statusCode).toBe(201);
    expect(bodyOf(result)).toMatchObject({ lateNotice: true, lateNoticeReason: expect.stringMatching(/Only 8 days/) });
    const stored = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![0]!.Put!.Item!;
    expect(stored).toMatchObject({ lateNotice: true, noticeDays: 8 });
  });

  it('answers 400 listing every problem and writes nothing', async () => {
    const result = await post({ ...singleAreaRequest(), serviceName: '', dataClassification: 'SECRET' });
    expect(result.statusCode).toBe(400);
    expect(
      bodyOf(result)
        .errors.map((e: { path: string }) => e.path)
        .sort(),
    ).toEqual(['dataClassification', 'serviceName']);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('answers 400 on serviceOwner.email to a request whose service owner would approve it, and writes nothing', async () => {
    const ciso = loadApproverDirectory().roles.CISO;
    const result = await post({ ...singleAreaRequest(), serviceOwner: { name: ciso.name, email: ciso.email } });
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).errors).toEqual([
      { path: 'serviceOwner.email', message: expect.stringMatching(/is its MoJ Chief Information Security Officer \(CISO\).*separation of duties/) },
    ]);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('answers 415 to a body that is not JSON', async () => {
    expect((await post('serviceName=x', { 'content-type': 'application/x-www-form-urlencoded' })).statusCode).toBe(415);
    expect((await post('{"serviceName":', { 'content-type': 'application/json' })).statusCode).toBe(415);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('marks the stored request ERROR and answers 503 when the execution cannot start', async () => {
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
    const result = await post(singleAreaRequest());
    expect(result.statusCode).toBe(503);
    expect(bodyOf(result)).toMatchObject({ requestId: 'OFF-T000001', status: 'ERROR' });
    const [, markError] = ddb.commandCalls(TransactWriteCommand);
    const update = markError!.args[0].input.TransactItems![0]!.Update!;
    expect(update.ExpressionAttributeValues).toMatchObject({ ':status': 'ERROR', ':seenStatus': 'PENDING_APPROVAL' });
    expect(markError!.args[0].input.TransactItems![1]!.Put!.Item).toMatchObject({ type: 'WORKFLOW_START_FAILED' });
  });

  it('never answers 500 with details of an unexpected failure', async () => {
    ddb.on(TransactWriteCommand).rejects(new Error('disk on fire'));
    const result = await post(singleAreaRequest());
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toMatch(/disk on fire/);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('request body limits', () => {
  it('refuses a body over 256 KB with 413 before parsing it, and stores nothing', async () => {
    const huge = { ...singleAreaRequest(), description: 'x'.repeat(300 * 1024) };
    const result = await post(huge);
    expect(result.statusCode).toBe(413);
    expect(JSON.parse(result.body!)).toMatchObject({ error: 'PayloadTooLarge', maxBytes: 262_144 });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});
