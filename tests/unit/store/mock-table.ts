import { afterEach } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ConditionalCheckFailedException, DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { createStore } from '../../../functions/store/store.ts';
import { OffshoringRequestSchema } from '../../../functions/domain/request.ts';
import type { ApprovalRecord, LinkRecord, RegisterEntry, RequestRecord, RoundRecord } from '../../../functions/store/records.ts';
import type { AuditEvent, AuditFact } from '../../../functions/store/audit.ts';
import { singleAreaRequest } from '../../fixtures/index.ts';

/**
 * The store against a mocked document client: each test asserts the exact commands a verb sends
 * (keys, conditions, updates) and how it reads what comes back.
 */
export const TABLE = 'offshore-test';

export function mockedStore() {
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-2' }), { marshallOptions: { removeUndefinedValues: true } });
  const ddb = mockClient(documents);
  afterEach(() => ddb.reset());
  return { ddb, documents, store: createStore(documents, TABLE) };
}

/** The items of a transaction, in order. */
export const transactItems = (input: TransactWriteCommandInput) => input.TransactItems!;

/** A conditional write that lost. */
export const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
/** A transaction cancelled with these reasons, one per item. */
export const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });

export const AT = '2026-11-23T10:00:00.000Z';

export const requestRecord = (changes: Partial<RequestRecord> = {}): RequestRecord => ({
  requestId: 'OFF-1',
  status: 'PENDING_APPROVAL',
  round: 1,
  request: OffshoringRequestSchema.parse(singleAreaRequest()),
  requiredApprovers: [],
  lateNotice: false,
  noticeDays: 98,
  submittedAt: AT,
  updatedAt: AT,
  submittedBy: { kind: 'SERVICE_OWNER', email: 'priya.shah@justice.gov.uk' },
  version: 3,
  ...changes,
});

/** A round's request content, as the transaction that starts the round writes it. */
export const roundRecord = (changes: Partial<RoundRecord> = {}): RoundRecord => ({
  requestId: 'OFF-1',
  round: 1,
  start: 'SUBMITTED',
  startedAt: AT,
  startedBy: { kind: 'SERVICE_OWNER', email: 'priya.shah@justice.gov.uk' },
  request: OffshoringRequestSchema.parse(singleAreaRequest()),
  lateNotice: false,
  noticeDays: 98,
  ...changes,
});

export const approvalRecord = (changes: Partial<ApprovalRecord> = {}): ApprovalRecord => ({
  kind: 'APPROVAL',
  role: 'CISO',
  name: 'Chris Ciso',
  email: 'ciso@justice.gov.uk',
  approvalId: 'APR-1',
  requestId: 'OFF-1',
  round: 2,
  status: 'PENDING',
  respondBy: '2026-12-21T10:00:00.000Z',
  reminderAt: '2026-11-30T10:00:00.000Z',
  chaseAt: '2026-12-07T10:00:00.000Z',
  createdAt: AT,
  ...changes,
});

export const auditEvent = (fact: AuditFact = { type: 'REQUEST_CLOSED', details: { reason: null } }): AuditEvent => ({
  eventId: 'EVT-1',
  at: AT,
  actor: { kind: 'SYSTEM', name: 'offshore-approvals' },
  round: 2,
  ...fact,
});

export const linkRecord = (changes: Partial<LinkRecord> = {}): LinkRecord => ({
  approvalId: 'APR-1',
  requestId: 'OFF-1',
  round: 2,
  validUntil: '2026-12-21T10:00:00.000Z',
  issuedAt: AT,
  ...changes,
});

export const registerEntry = (changes: Partial<RegisterEntry> = {}): RegisterEntry => ({
  serviceId: 'SVC-1',
  version: 2,
  requestId: 'OFF-1',
  round: 1,
  serviceName: 'Court Hearing Transcription',
  supplierName: 'Veritext',
  changeType: 'NEW',
  businessAreas: ['HMCTS'],
  offshoreLocations: [{ country: 'IN', activities: ['PROCESSING'] }],
  dataClassification: 'OFFICIAL-SENSITIVE',
  dataCategories: ['PERSONAL'],
  serviceOwner: { name: 'Priya Shah', email: 'priya.shah@justice.gov.uk' },
  approvals: [],
  approvedAt: AT,
  reviewDue: '2027-05-23',
  ...changes,
});
