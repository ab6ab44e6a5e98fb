import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { keys, SK_PREFIX } from './keys.ts';
import { ownerPageStart, pageToken } from './paging.ts';
import {
  ApprovalRecordSchema,
  AuditEventSchema,
  RequestRecordSchema,
  type ApprovalRecord,
  type AuditEvent,
  type RequestRecord,
  type RequestStatus,
  OPEN_STATUSES,
} from './records.ts';

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

export interface RequestView {
  request: RequestRecord;
  approvals: ApprovalRecord[];
  audit: AuditEvent[];
}

function chaseKeysOf(approval: ApprovalRecord) {
  const due = approval.kind === 'ENDORSEMENT' ? approval.respondBy : approval.reminderAt;
  return due ? keys.chaseDue(due, approval.approvalId) : {};
}

/** Thrown when a conditional write finds the record is not in the state the caller expected. */
export class StaleState extends Error {
  override name = 'StaleState';
}

/**
 * Thrown when DynamoDB cancelled a transaction because another one was changing the same items at
 * that moment (no condition failed): trying again is the answer. The name is written out because
 * bundles are minified, and the state machine retries it by this name.
 */
export class TransactionConflict extends Error {
  override readonly name = 'TransactionConflict';
}

/** Reads and writes requests, approvals and their append-only audit trail. */
export class RequestStore {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  auditPut(requestId: string, event: AuditEvent): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...keys.audit(requestId, event.at, event.eventId), entity: 'AUDIT', requestId, ...event },
        // Append-only: an audit event is never overwritten.
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  approvalPut(approval: ApprovalRecord, extra: Record<string, unknown> = {}): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...keys.approval(approval.requestId, approval.round, approval.approvalId),
          ...keys.approvalLookup(approval.approvalId),
          // In the chase index while waiting: an approval from its reminder time, an endorsement from its deadline.
          ...(approval.status === 'PENDING' ? chaseKeysOf(approval) : {}),
          entity: 'APPROVAL',
          ...approval,
          ...extra,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  /** Closes a still-waiting approval (its round ended without it): its links answer 410 from now on. */
  closeApproval(approval: Pick<ApprovalRecord, 'requestId' | 'round' | 'approvalId'>, at: string): TransactItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: keys.approval(approval.requestId, approval.round, approval.approvalId),
        UpdateExpression: 'SET #status = :closed, decidedAt = :at REMOVE taskToken, gsi3pk, gsi3sk',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':closed': 'CLOSED', ':pending': 'PENDING', ':at': at },
      },
    };
  }

  /** Lapses a still-waiting approval (its window closed with no decision): counted as not obtained. */
  lapseApproval(approval: Pick<ApprovalRecord, 'requestId' | 'round' | 'approvalId'>, at: string, reason: string): TransactItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: keys.approval(approval.requestId, approval.round, approval.approvalId),
        UpdateExpression: 'SET #status = :lapsed, decidedAt = :at, reason = :reason REMOVE taskToken, gsi3pk, gsi3sk',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':lapsed': 'LAPSED', ':pending': 'PENDING', ':at': at, ':reason': reason },
      },
    };
  }

  /** Stores a new request, its approvals and its first audit events, all or nothing. */
  async createRequest(record: RequestRecord, approvals: ApprovalRecord[], events: AuditEvent[]): Promise<void> {
    await this.write([
      {
        Put: {
          TableName: this.tableName,
          Item: {
            ...keys.request(record.requestId),
            ...keys.ownerLookup(record.request.serviceOwner.email, record.submittedAt),
            ...keys.openRequest(record.submittedAt, record.requestId),
            entity: 'REQUEST',
            ...record,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...approvals.map((approval) => this.approvalPut(approval)),
      ...events.map((event) => this.auditPut(record.requestId, event)),
    ]);
  }

  async getRequest(requestId: string): Promise<RequestRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: keys.request(requestId), ConsistentRead: true }),
    );
    return Item ? RequestRecordSchema.parse(Item) : undefined;
  }

  /** The request with every approval (all rounds) and its audit trail, in one partition query. */
  async getRequestView(requestId: string): Promise<RequestView | undefined> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.request(requestId).pk },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);

    const requestItem = items.find((item) => item.sk === 'REQUEST');
    if (!requestItem) return undefined;
    const skOf = (item: Record<string, unknown>) => String(item.sk);
    return {
      request: RequestRecordSchema.parse(requestItem),
      approvals: items.filter((i) => skOf(i).startsWith(SK_PREFIX.approval)).map((i) => ApprovalRecordSchema.parse(i)),
      audit: items.filter((i) => skOf(i).startsWith(SK_PREFIX.audit)).map((i) => AuditEventSchema.parse(i)),
    };
  }

  /** A service owner's requests, newest first (gsi2), a page at a time. Throws InvalidPageToken for a token not from their listing. */
  async listByOwner(email: string, limit = 50, after?: string): Promise<{ requests: RequestRecord[]; next?: string }> {
    const page = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.ownerLookup(email, '').gsi2pk },
        ScanIndexForward: false,
        Limit: limit,
        ...(after ? { ExclusiveStartKey: ownerPageStart(after, email) } : {}),
      }),
    );
    return {
      requests: (page.Items ?? []).map((item) => RequestRecordSchema.parse(item)),
      ...(page.LastEvaluatedKey ? { next: pageToken(page.LastEvaluatedKey) } : {}),
    };
  }

  /**
   * Records the service owner's subject on a request that has none yet. False if one was recorded
   * first (or the request is gone): the caller then re-reads to see whose it is.
   */
  async recordServiceOwnerSubject(requestId: string, subject: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.request(requestId),
          UpdateExpression: 'SET serviceOwnerSubject = :subject',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(serviceOwnerSubject)',
          ExpressionAttributeValues: { ':subject': subject },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async appendAudit(requestId: string, event: AuditEvent): Promise<void> {
    const put = this.auditPut(requestId, event).Put!;
    await this.client.send(new PutCommand(put));
  }

  /**
   * Moves a request from one of `from` to `to`, with its audit event, atomically. The condition on
   * status and version means two writers can never both win. Throws StaleState if it lost.
   */
  async transition(
    current: Pick<RequestRecord, 'requestId' | 'version'>,
    change: { from: readonly RequestStatus[]; to: RequestStatus; reason?: string; at: string; set?: Record<string, unknown> },
    event: AuditEvent,
    more: TransactItem[] = [],
  ): Promise<void> {
    const set: Record<string, unknown> = { status: change.to, updatedAt: change.at, ...change.set };
    if (change.reason !== undefined) set.statusReason = change.reason;
    const names: Record<string, string> = { '#version': 'version', '#status': 'status' };
    const values: Record<string, unknown> = { ':expected': current.version, ':one': 1 };
    // A field set to undefined is removed (e.g. a late-notice reason that no longer applies).
    const assignments: string[] = [];
    // A request that is no longer open leaves the monitoring index (its gsi3 keys were set at submission).
    const removals: string[] = (OPEN_STATUSES as readonly string[]).includes(change.to) ? [] : ['gsi3pk', 'gsi3sk'];
    Object.entries(set).forEach(([field, value], i) => {
      names[`#f${i}`] = field;
      if (value === undefined) {
        removals.push(`#f${i}`);
        return;
      }
      values[`:v${i}`] = value;
      assignments.push(`#f${i} = :v${i}`);
    });
    const fromList = change.from.map((status, i) => {
      values[`:from${i}`] = status;
      return `:from${i}`;
    });
    await this.write([
      {
        Update: {
          TableName: this.tableName,
          Key: keys.request(current.requestId),
          UpdateExpression: `SET ${assignments.join(', ')}${removals.length ? ` REMOVE ${removals.join(', ')}` : ''} ADD #version :one`,
          ConditionExpression: `#version = :expected AND #status IN (${fromList.join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
      this.auditPut(current.requestId, event),
      ...more,
    ]);
  }

  /**
   * Runs a transaction. A failed condition becomes StaleState so callers can answer 409/410; it
   * wins over a conflict in the same cancellation, since retrying cannot make that condition hold.
   * A cancellation only by a concurrent transaction becomes TransactionConflict, to be retried.
   */
  async write(items: TransactItem[]): Promise<void> {
    try {
      await this.client.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        const codes = (error.CancellationReasons ?? []).map((r) => r.Code);
        if (codes.includes('ConditionalCheckFailed')) throw new StaleState('The record changed since it was read');
        if (codes.includes('TransactionConflict')) throw new TransactionConflict('Another transaction was changing the same items; try again', { cause: error });
      }
      throw error;
    }
  }
}
