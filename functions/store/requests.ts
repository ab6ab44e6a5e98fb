import { keys, SK_PREFIX } from './keys.ts';
import { ownerPageStart, pageToken, queryAll } from './paging.ts';
import { linkPut, linkUse, type NewLink } from './links.ts';
import {
  ApprovalRecordSchema,
  RequestRecordSchema,
  RoundRecordSchema,
  type ApprovalRecord,
  type RequestRecord,
  type RoundRecord,
} from './records.ts';
import { AuditEventSchema, type AuditEvent } from './audit.ts';
import {
  ExemptionRecordSchema,
  ExemptionRoundSchema,
  isExemptionItem,
  type CaseRecord,
  type CaseView,
  type ExemptionRecord,
  type ExemptionRound,
} from './exemptions.ts';
import { isOpen, transitionFor, type LifecycleEvent } from '../domain/lifecycle.ts';
import { StaleState } from './errors.ts';
import { allOf, exists, isNew, type Change, type Condition, type Item, type Table, type TransactItem } from './table.ts';

/**
 * A request with its approvals (every round) and its append-only audit trail: one partition, so one
 * strongly consistent query tells a request's whole story.
 */
export interface RequestView {
  request: RequestRecord;
  approvals: ApprovalRecord[];
  audit: AuditEvent[];
  /** Each round's request content, oldest first: the rounds that have a ROUND item. */
  rounds: RoundRecord[];
}

/** Which approval: enough to find its item. */
export type ApprovalKey = Pick<ApprovalRecord, 'requestId' | 'round' | 'approvalId'>;

/** Fields a status change may set on the request; a field given as undefined is removed. */
export type RequestChanges = Partial<Omit<RequestRecord, 'requestId' | 'status' | 'statusReason' | 'version' | 'updatedAt'>>;

/** What changes with a request's status, in the same transaction. */
export interface Alongside {
  /** Still-waiting approvals of the round, closed: their round ended without them. */
  close?: readonly ApprovalKey[];
  /** A still-waiting approval whose window closed with no decision. */
  lapse?: { approval: ApprovalKey; reason: string };
  /** New approvals: a new round's, or a Departmental Head's endorsement. */
  add?: readonly ApprovalRecord[];
  /** The link emailed for a new approval. */
  link?: NewLink;
  /** A new round's request content: kept as its evidence, never overwritten. */
  round?: RoundRecord;
}

// Named parts of the conditions on requests and approvals.
const stillPending: Condition = { expression: '#status = :pending', names: { '#status': 'status' }, values: { ':pending': 'PENDING' } };
/** The request is as it was read: two writers can never both move it. */
const unchangedSince = (request: Pick<RequestRecord, 'status' | 'version'>): Condition => ({
  expression: '#version = :seenVersion AND #status = :seenStatus',
  names: { '#version': 'version', '#status': 'status' },
  values: { ':seenVersion': request.version, ':seenStatus': request.status },
});
const noOwnerSubjectYet: Condition = { expression: 'attribute_not_exists(serviceOwnerSubject)' };

/** A waiting approval leaves the chase index (continual monitoring looks only at approvals still waiting). */
const LEAVE_CHASE_INDEX = ['gsi3pk', 'gsi3sk'] as const;

/** A waiting approval closed: its round ended without it. */
const closing = (at: string): Change => ({ set: { status: 'CLOSED', decidedAt: at }, remove: ['taskToken', ...LEAVE_CHASE_INDEX] });

/** Outcomes the yearly governance report lists by when they happened (Corporate Security Policy: annual governance). */
const REPORTED_OUTCOMES: readonly RequestRecord['status'][] = ['REJECTED', 'CLOSED'];

/**
 * A request rejected or closed enters the outcome index at that moment (a later rejection moves it).
 * Exemptions are reported from their own list, which holds their gsi1 (ids issued as EXM-, see
 * isExemptionId in functions/domain/exemptions.ts).
 */
function outcomeKeys(requestId: string, to: RequestRecord['status'], at: string) {
  return REPORTED_OUTCOMES.includes(to) && !requestId.startsWith('EXM-') ? keys.requestOutcome(at, requestId) : {};
}

function chaseKeysOf(approval: ApprovalRecord) {
  const due = approval.kind === 'ENDORSEMENT' ? approval.respondBy : approval.reminderAt;
  return due ? keys.chaseDue(due, approval.approvalId) : {};
}

function auditItem(requestId: string, event: AuditEvent): Item {
  return { ...keys.audit(requestId, event.at, event.eventId), entity: 'AUDIT', requestId, ...event };
}

/** An audit event's Put, in whatever transaction records what it tells. Append-only: an event is never overwritten. */
export function auditPut(table: Table, requestId: string, event: AuditEvent): TransactItem {
  return table.putItem(auditItem(requestId, event), isNew);
}

/** Reads and writes requests, their approvals and their append-only audit trail. */
export class RequestStore {
  readonly #table: Table;

  constructor(table: Table) {
    this.#table = table;
  }

  // Items of a transaction.

  #auditPut(requestId: string, event: AuditEvent): TransactItem {
    return auditPut(this.#table, requestId, event);
  }

  #approvalPut(approval: ApprovalRecord): TransactItem {
    return this.#table.putItem(
      {
        ...keys.approval(approval.requestId, approval.round, approval.approvalId),
        ...keys.approvalLookup(approval.approvalId),
        // In the chase index while waiting: an approval from its reminder time, an endorsement from its deadline.
        ...(approval.status === 'PENDING' ? chaseKeysOf(approval) : {}),
        entity: 'APPROVAL',
        ...approval,
      },
      isNew,
    );
  }

  /** The one way an approval changes: only while it is still waiting (PENDING); whoever writes first wins. */
  #pendingApprovalUpdate(approval: ApprovalKey, change: Change): TransactItem {
    return this.#table.updateItem(keys.approval(approval.requestId, approval.round, approval.approvalId), change, stillPending);
  }

  /** Closes a still-waiting approval (its round ended without it): its links answer 410 from now on. */
  #closeApproval(approval: ApprovalKey, at: string): TransactItem {
    return this.#pendingApprovalUpdate(approval, closing(at));
  }

  /** Lapses a still-waiting approval (its window closed with no decision): counted as not obtained. */
  #lapseApproval(approval: ApprovalKey, at: string, reason: string): TransactItem {
    return this.#pendingApprovalUpdate(approval, { set: { status: 'LAPSED', decidedAt: at, reason }, remove: ['taskToken', ...LEAVE_CHASE_INDEX] });
  }

  /** A round's request content. Append-only: a round's item is written once, when the round starts. */
  #roundPut(round: RoundRecord): TransactItem {
    return this.#table.putItem({ ...keys.round(round.requestId, round.round), entity: 'ROUND', ...round }, isNew);
  }

  // Requests.

  /** Stores a new request, its first round's content, its approvals and its first audit events, all or nothing. */
  /** `alongside`: items written in the same transaction (an existing contract's register entry, listed at submission). */
  async createRequest(
    record: RequestRecord,
    approvals: readonly ApprovalRecord[],
    events: readonly AuditEvent[],
    round: RoundRecord,
    alongside: readonly TransactItem[] = [],
  ): Promise<void> {
    await this.#table.transact([
      this.#table.putItem(
        {
          ...keys.request(record.requestId),
          ...keys.ownerLookup(record.request.serviceOwner.email, record.submittedAt),
          ...keys.openRequest(record.submittedAt, record.requestId),
          entity: 'REQUEST',
          ...record,
        },
        isNew,
      ),
      ...approvals.map((approval) => this.#approvalPut(approval)),
      ...events.map((event) => this.#auditPut(record.requestId, event)),
      this.#roundPut(round),
      ...alongside,
    ]);
  }

  /** An offshoring request (an exemption's id answers nothing: it is not one). */
  async getRequest(requestId: string): Promise<RequestRecord | undefined> {
    const item = await this.#table.get(keys.request(requestId));
    return item && !isExemptionItem(item) ? RequestRecordSchema.parse(item) : undefined;
  }

  /** An offshoring request or an exemption: what the approval workflow's steps and links read. */
  async getCase(requestId: string): Promise<CaseRecord | undefined> {
    const item = await this.#table.get(keys.request(requestId));
    if (!item) return undefined;
    return isExemptionItem(item) ? ExemptionRecordSchema.parse(item) : RequestRecordSchema.parse(item);
  }

  /** The request with every round's content and approvals and its audit trail, in one partition query (an exemption's id answers nothing). */
  async getRequestView(requestId: string): Promise<RequestView | undefined> {
    const view = await this.getCaseView(requestId);
    return view && !isExemptionItem(view.request) ? (view as RequestView) : undefined;
  }

  /** An offshoring request's or an exemption's whole partition: the record, its approvals, audit trail and rounds. */
  async getCaseView(requestId: string): Promise<CaseView | undefined> {
    const { items } = await queryAll(this.#table, { key: { expression: 'pk = :pk', values: { ':pk': keys.request(requestId).pk } } });
    const requestItem = items.find((item) => item.sk === keys.request(requestId).sk);
    if (!requestItem) return undefined;
    const withPrefix = (prefix: string) => (item: Item) => String(item.sk).startsWith(prefix);
    const approvals = items.filter(withPrefix(SK_PREFIX.approval)).map((item) => ApprovalRecordSchema.parse(item));
    const audit = items.filter(withPrefix(SK_PREFIX.audit)).map((item) => AuditEventSchema.parse(item));
    if (isExemptionItem(requestItem)) {
      const rounds = items.filter(withPrefix(SK_PREFIX.round)).map((item) => ExemptionRoundSchema.parse(item));
      return { request: ExemptionRecordSchema.parse(requestItem), approvals, audit, rounds };
    }
    return {
      request: RequestRecordSchema.parse(requestItem),
      approvals: items.filter(withPrefix(SK_PREFIX.approval)).map((item) => ApprovalRecordSchema.parse(item)),
      audit: items.filter(withPrefix(SK_PREFIX.audit)).map((item) => AuditEventSchema.parse(item)),
      rounds: items.filter(withPrefix(SK_PREFIX.round)).map((item) => RoundRecordSchema.parse(item)),
    };
  }

  // Exemptions (Offshoring Policy, Compliance): requests of their own kind, in their own indexes.

  /** An exemption round's content. Append-only, as a request's round is. */
  #exemptionRoundPut(round: ExemptionRound): TransactItem {
    return this.#table.putItem({ ...keys.round(round.requestId, round.round), entity: 'ROUND', ...round }, isNew);
  }

  /** Stores a new exemption with its first round's content, its approvals and first audit event, all or nothing. */
  async createExemption(
    record: ExemptionRecord,
    approvals: readonly ApprovalRecord[],
    events: readonly AuditEvent[],
    round: ExemptionRound,
  ): Promise<void> {
    await this.#table.transact([
      this.#table.putItem(
        {
          ...keys.request(record.requestId),
          ...keys.exemptionList(record.submittedAt, record.requestId),
          ...keys.exemptionsAskedBy(record.requester.email, record.submittedAt),
          // Leaves the index with its status, as an open request does (`transition`).
          ...keys.openExemption(record.submittedAt, record.requestId),
          entity: 'REQUEST',
          ...record,
        },
        isNew,
      ),
      ...approvals.map((approval) => this.#approvalPut(approval)),
      ...events.map((event) => this.#auditPut(record.requestId, event)),
      this.#exemptionRoundPut(round),
    ]);
  }

  /**
   * A rejected exemption asked for again (the lifecycle's ASK_AGAIN): its revised content, the new
   * round's approvals and content, and the audit event, all or nothing; back in the open-exemption
   * index. `rounds` may also hold an earlier round's content that was never written as its own item.
   */
  async askExemptionAgain(
    current: Pick<ExemptionRecord, 'requestId' | 'status' | 'version' | 'submittedAt'>,
    next: Pick<ExemptionRecord, 'round' | 'exemption' | 'requiredApprovers' | 'directoryVersion'> & { at: string; reason: string },
    audit: AuditEvent,
    approvals: readonly ApprovalRecord[],
    rounds: readonly ExemptionRound[],
  ): Promise<Pick<ExemptionRecord, 'requestId' | 'status' | 'version'>> {
    const { to } = transitionFor(current, 'ASK_AGAIN');
    await this.#table.transact([
      this.#table.updateItem(
        keys.request(current.requestId),
        {
          set: {
            status: to,
            statusReason: next.reason,
            updatedAt: next.at,
            round: next.round,
            exemption: next.exemption,
            requiredApprovers: next.requiredApprovers,
            directoryVersion: next.directoryVersion,
            rejectionReasons: undefined,
            ...keys.openExemption(current.submittedAt, current.requestId),
          },
          add: { version: 1 },
        },
        unchangedSince(current),
      ),
      this.#auditPut(current.requestId, audit),
      ...approvals.map((approval) => this.#approvalPut(approval)),
      ...rounds.map((round) => this.#exemptionRoundPut(round)),
    ]);
    return { requestId: current.requestId, status: to, version: current.version + 1 };
  }

  /** Every exemption, newest first (gsi1); or those one person asked for (gsi2). */
  async listExemptions(askedBy?: string): Promise<ExemptionRecord[]> {
    const { items } = await queryAll(this.#table, {
      ...(askedBy
        ? { index: 'gsi2', key: { expression: 'gsi2pk = :pk', values: { ':pk': keys.exemptionsAskedBy(askedBy, '').gsi2pk } } }
        : { index: 'gsi1', key: { expression: 'gsi1pk = :pk', values: { ':pk': keys.exemptionList('', '').gsi1pk } } }),
      descending: true,
    });
    return items.map((item) => ExemptionRecordSchema.parse(item));
  }

  /**
   * The exemptions that can belong to the days `from` to `to` (YYYY-MM-DD, inclusive): those asked
   * for in them (gsi1, by when asked) and the approved ones ending on `from` or later (gsi3, by end
   * date), each once. Never every exemption.
   */
  async exemptionsBetween(from: string, to: string): Promise<{ exemptions: ExemptionRecord[]; itemsRead: number }> {
    const [asked, inForce] = await Promise.all([
      queryAll(this.#table, {
        index: 'gsi1',
        key: {
          expression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
          values: { ':pk': keys.exemptionList('', '').gsi1pk, ':from': from, ':to': `${to}~` },
        },
      }),
      queryAll(this.#table, {
        index: 'gsi3',
        key: { expression: 'gsi3pk = :pk AND gsi3sk >= :from', values: { ':pk': keys.exemptionEnds('', '').gsi3pk, ':from': from } },
      }),
    ]);
    const byId = new Map([...asked.items, ...inForce.items].map((item) => [item.requestId as string, item]));
    return { exemptions: [...byId.values()].map((item) => ExemptionRecordSchema.parse(item)), itemsRead: asked.itemsRead + inForce.itemsRead };
  }

  /**
   * An approved exemption is in force until its end date: it enters the index monitoring reads by
   * end date. Only an approved one, once (a retried conclusion finds it there and changes nothing).
   */
  async recordExemptionInForce(exemption: Pick<ExemptionRecord, 'requestId' | 'exemption'>, approvedAt: string): Promise<void> {
    try {
      await this.#table.update(
        keys.request(exemption.requestId),
        // A change to the policy does not end: it never enters the end-date index.
        {
          set: {
            approvedAt,
            ...(exemption.exemption.endDate === undefined ? {} : keys.exemptionEnds(exemption.exemption.endDate, exemption.requestId)),
          },
        },
        allOf(exists, {
          expression: '#status = :approved AND attribute_not_exists(approvedAt)',
          names: { '#status': 'status' },
          values: { ':approved': 'APPROVED' },
        }),
      );
    } catch (error) {
      if (!(error instanceof StaleState)) throw error;
    }
  }

  /**
   * A rejected exemption waits for nothing (asking for it again puts it back), so it leaves the
   * open-exemption index. Only a rejected one; a retry changes nothing.
   */
  async recordExemptionRejected(requestId: string): Promise<void> {
    try {
      await this.#table.update(
        keys.request(requestId),
        { remove: ['gsi3pk', 'gsi3sk'] },
        allOf(exists, { expression: '#status = :rejected', names: { '#status': 'status' }, values: { ':rejected': 'REJECTED' } }),
      );
    } catch (error) {
      if (!(error instanceof StaleState)) throw error;
    }
  }

  /** Exemptions still waiting for their approvals (gsi3, oldest first): what reconciliation and a local restart look at. */
  async openExemptions(): Promise<{ exemptions: ExemptionRecord[]; itemsRead: number }> {
    const { items, itemsRead } = await queryAll(this.#table, {
      index: 'gsi3',
      key: { expression: 'gsi3pk = :pk', values: { ':pk': keys.openExemption('', '').gsi3pk } },
    });
    return { exemptions: items.map((item) => ExemptionRecordSchema.parse(item)), itemsRead };
  }

  /** Approved exemptions whose end date is from `from` to `to` (gsi3, by end date). */
  async exemptionsEndingBetween(from: string, to: string): Promise<{ exemptions: ExemptionRecord[]; itemsRead: number }> {
    const pk = keys.exemptionEnds('', '').gsi3pk;
    const { items, itemsRead } = await queryAll(this.#table, {
      index: 'gsi3',
      key: { expression: 'gsi3pk = :pk AND gsi3sk BETWEEN :from AND :to', values: { ':pk': pk, ':from': from, ':to': `${to}#~` } },
    });
    return { exemptions: items.map((item) => ExemptionRecordSchema.parse(item)), itemsRead };
  }

  /** A service owner's requests, newest first (gsi2), a page at a time. Throws InvalidPageToken for a token not from their listing. */
  async listByOwner(email: string, limit = 50, after?: string): Promise<{ requests: RequestRecord[]; next?: string }> {
    const page = await this.#table.query({
      index: 'gsi2',
      key: { expression: 'gsi2pk = :pk', values: { ':pk': keys.ownerLookup(email, '').gsi2pk } },
      descending: true,
      limit,
      ...(after ? { startKey: ownerPageStart(after, email) } : {}),
    });
    return {
      requests: page.items.map((item) => RequestRecordSchema.parse(item)),
      ...(page.lastKey ? { next: pageToken(page.lastKey) } : {}),
    };
  }

  /**
   * The offshoring requests last rejected or closed from `from` to `to` (YYYY-MM-DD, inclusive; gsi1,
   * one partition per year), each with when: never every request.
   */
  async requestsRejectedOrClosedBetween(
    from: string,
    to: string,
  ): Promise<{ requests: { request: RequestRecord; at: string }[]; itemsRead: number }> {
    const years = Array.from({ length: Number(to.slice(0, 4)) - Number(from.slice(0, 4)) + 1 }, (_, i) => Number(from.slice(0, 4)) + i);
    const pages = await Promise.all(
      years.map((year) =>
        queryAll(this.#table, {
          index: 'gsi1',
          key: {
            expression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
            values: { ':pk': keys.requestOutcome(`${year}`, '').gsi1pk, ':from': from, ':to': `${to}~` },
          },
        }),
      ),
    );
    const requests = pages.flatMap((page) =>
      page.items.map((item) => ({ request: RequestRecordSchema.parse(item), at: String(item.gsi1sk).split('#')[0]! })),
    );
    return { requests, itemsRead: pages.reduce((n, page) => n + page.itemsRead, 0) };
  }

  /** Requests still open (gsi3, oldest first): what continual monitoring and a local restart look at. */
  async openRequests(): Promise<{ requests: RequestRecord[]; itemsRead: number }> {
    const { items, itemsRead } = await queryAll(this.#table, {
      index: 'gsi3',
      key: { expression: 'gsi3pk = :pk', values: { ':pk': keys.openRequest('', '').gsi3pk } },
    });
    return { requests: items.map((item) => RequestRecordSchema.parse(item)), itemsRead };
  }

  /**
   * Records the service owner's subject on a request that has none yet. False if one was recorded
   * first (or the request is gone): the caller then re-reads to see whose it is.
   */
  async recordServiceOwnerSubject(requestId: string, subject: string): Promise<boolean> {
    try {
      await this.#table.update(keys.request(requestId), { set: { serviceOwnerSubject: subject } }, allOf(exists, noOwnerSubjectYet));
      return true;
    } catch (error) {
      if (error instanceof StaleState) return false;
      throw error;
    }
  }

  /**
   * Appends one event on its own. Safe to retry: an event's key holds its unique id, so when the
   * item is already there (the answer to an earlier try was lost after DynamoDB wrote it) it is
   * this very event, already recorded.
   */
  async appendAudit(requestId: string, event: AuditEvent): Promise<void> {
    try {
      await this.#table.put(auditItem(requestId, event), isNew);
    } catch (error) {
      if (!(error instanceof StaleState)) throw error;
    }
  }

  /**
   * Moves a request along its lifecycle (functions/domain/lifecycle.ts): the row for `event` in the
   * status it was read in, with its audit event and whatever changes alongside, atomically. An event
   * the lifecycle has no row for is refused (TransitionRefused, a 409 saying the status) before
   * anything is written. The write holds only if the request is still as it was read (status and
   * version): StaleState if another change won. Answers the request's new status and version.
   */
  async transition(
    current: Pick<RequestRecord, 'requestId' | 'status' | 'version'>,
    event: LifecycleEvent,
    change: { at: string; reason?: string; set?: RequestChanges },
    audit: AuditEvent,
    alongside: Alongside = {},
  ): Promise<Pick<RequestRecord, 'requestId' | 'status' | 'version'>> {
    const { to } = transitionFor(current, event);
    const set: Record<string, unknown> = { status: to, updatedAt: change.at, ...change.set, ...outcomeKeys(current.requestId, to, change.at) };
    if (change.reason !== undefined) set.statusReason = change.reason;
    await this.#table.transact([
      this.#table.updateItem(
        keys.request(current.requestId),
        // A request that is no longer open leaves the monitoring index (its gsi3 keys were set at submission).
        { set, remove: isOpen(to) ? [] : ['gsi3pk', 'gsi3sk'], add: { version: 1 } },
        unchangedSince(current),
      ),
      this.#auditPut(current.requestId, audit),
      ...(alongside.close ?? []).map((approval) => this.#closeApproval(approval, change.at)),
      ...(alongside.lapse ? [this.#lapseApproval(alongside.lapse.approval, change.at, alongside.lapse.reason)] : []),
      ...(alongside.add ?? []).map((approval) => this.#approvalPut(approval)),
      ...(alongside.link ? [linkPut(this.#table, alongside.link)] : []),
      ...(alongside.round ? [this.#roundPut(alongside.round)] : []),
    ]);
    return { requestId: current.requestId, status: to, version: current.version + 1 };
  }

  // Approvals.

  async getApproval(approval: ApprovalKey): Promise<ApprovalRecord | undefined> {
    const item = await this.#table.get(keys.approval(approval.requestId, approval.round, approval.approvalId));
    return item ? ApprovalRecordSchema.parse(item) : undefined;
  }

  /** Approvals waiting (gsi3) whose next step (reminder, chase, lapse; an endorsement's deadline) was due by `upTo`. */
  async chasesDueBy(upTo: string): Promise<{ chases: { approval: ApprovalRecord; dueAt: string }[]; itemsRead: number }> {
    const { items, itemsRead } = await queryAll(this.#table, {
      index: 'gsi3',
      key: { expression: 'gsi3pk = :pk AND gsi3sk <= :upTo', values: { ':pk': keys.chaseDue('', '').gsi3pk, ':upTo': upTo } },
    });
    return { chases: items.map((item) => ({ approval: ApprovalRecordSchema.parse(item), dueAt: String(item.gsi3sk).split('#')[0]! })), itemsRead };
  }

  /**
   * A waiting branch's step (request, reminder, chase) takes its current task token, and the
   * approval moves in the chase index to when its next step falls due; with the stage's link and
   * audit event when there are any. Throws StaleState if the approval no longer waits.
   */
  async storeTaskToken(
    approval: ApprovalKey,
    step: { taskToken: string; nextStepDue: string; at: string; stamp?: 'remindedAt' | 'chasedAt'; link?: NewLink; audit?: AuditEvent },
  ): Promise<void> {
    const chase = keys.chaseDue(step.nextStepDue, approval.approvalId);
    await this.#table.transact([
      this.#pendingApprovalUpdate(approval, { set: { taskToken: step.taskToken, ...chase, ...(step.stamp ? { [step.stamp]: step.at } : {}) } }),
      ...(step.link ? [linkPut(this.#table, step.link)] : []),
      ...(step.audit ? [this.#auditPut(approval.requestId, step.audit)] : []),
    ]);
  }

  /**
   * Records an approver's (or a Departmental Head's) decision as written evidence and consumes the
   * link it came through, in one conditional transaction: two clicks, two tabs or a retried POST can
   * never record two decisions. Throws StaleState if the link or the approval moved on first.
   */
  async recordDecision(
    approval: ApprovalKey,
    decision: { tokenHash: string; status: 'APPROVED' | 'REJECTED'; reason?: string; at: string },
    audit: AuditEvent,
  ): Promise<void> {
    await this.#table.transact([
      linkUse(this.#table, decision.tokenHash, decision.at),
      // Decided: it leaves the chase index; the task token stays, for the workflow to be resumed with.
      this.#pendingApprovalUpdate(approval, {
        set: { status: decision.status, decidedAt: decision.at, ...(decision.reason ? { reason: decision.reason } : {}) },
        remove: LEAVE_CHASE_INDEX,
      }),
      this.#auditPut(approval.requestId, audit),
    ]);
  }

  /**
   * Closes approvals still waiting, each on its own, for a round that ended without them (one
   * decided meanwhile keeps its decision). Answers those it closed.
   */
  async closeWaitingApprovals(approvals: readonly ApprovalKey[], at: string): Promise<ApprovalKey[]> {
    const closed: ApprovalKey[] = [];
    for (const approval of approvals) {
      try {
        await this.#table.update(keys.approval(approval.requestId, approval.round, approval.approvalId), closing(at), stillPending);
        closed.push(approval);
      } catch (error) {
        if (!(error instanceof StaleState)) throw error;
      }
    }
    return closed;
  }

  /** The approval's window closed with no decision: it lapses, with its audit event. Throws StaleState if it was decided or closed first. */
  async lapseApproval(approval: ApprovalKey, lapse: { at: string; reason: string }, audit: AuditEvent): Promise<void> {
    await this.#table.transact([this.#lapseApproval(approval, lapse.at, lapse.reason), this.#auditPut(approval.requestId, audit)]);
  }
}
