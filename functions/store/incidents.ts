import { keys } from './keys.ts';
import { queryAll } from './paging.ts';
import { IncidentRecordSchema, type IncidentRecord } from './records.ts';
import { isNew, type Condition, type Table } from './table.ts';

/**
 * Reported breaches and incidents (Offshoring Policy, Policy): one item each, listed by when they
 * were reported (gsi1), by who reported them (gsi2), and, while something about them is open, in
 * continual monitoring's index (gsi3).
 */

/** Whether monitoring still has to look at it: open, an email still to send, or a breach's approval round still due. */
export function stillWatched(incident: IncidentRecord): boolean {
  return (
    incident.status !== 'CLOSED' || incident.notifications.some((n) => n.status === 'PENDING') || incident.approvalAfterBreach?.status === 'NEEDED'
  );
}

export function incidentItem(incident: IncidentRecord) {
  return {
    ...keys.incident(incident.incidentId),
    ...keys.incidentList(incident.reportedAt, incident.incidentId),
    ...keys.reportedBy(incident.reportedBy.email ?? '', incident.reportedAt),
    ...(stillWatched(incident) ? keys.openIncident(incident.reportedAt, incident.incidentId) : {}),
    entity: 'INCIDENT',
    ...incident,
  };
}

const stillAtVersion = (version: number): Condition => ({
  expression: '#version = :seenVersion',
  names: { '#version': 'version' },
  values: { ':seenVersion': version },
});

export class IncidentStore {
  readonly #table: Table;

  constructor(table: Table) {
    this.#table = table;
  }

  /** Stores a new report (its id is new: a retried write cannot store it twice). */
  async create(incident: IncidentRecord): Promise<void> {
    await this.#table.put(incidentItem(incident), isNew);
  }

  async get(incidentId: string): Promise<IncidentRecord | undefined> {
    const item = await this.#table.get(keys.incident(incidentId));
    return item ? IncidentRecordSchema.parse(item) : undefined;
  }

  /** Writes the next version of an incident, if it is still at `seenVersion` (else StaleState). */
  async save(next: IncidentRecord, seenVersion: number): Promise<void> {
    await this.#table.put(incidentItem(next), stillAtVersion(seenVersion));
  }

  /** Every incident, newest first (gsi1). */
  async list(): Promise<IncidentRecord[]> {
    const { items } = await queryAll(this.#table, {
      index: 'gsi1',
      key: { expression: 'gsi1pk = :pk', values: { ':pk': keys.incidentList('', '').gsi1pk } },
      descending: true,
    });
    return items.map((item) => IncidentRecordSchema.parse(item));
  }

  /** The incidents reported from `from` to `to` (YYYY-MM-DD, inclusive; gsi1, by when reported): never every incident. */
  async reportedBetween(from: string, to: string): Promise<{ incidents: IncidentRecord[]; itemsRead: number }> {
    const { items, itemsRead } = await queryAll(this.#table, {
      index: 'gsi1',
      key: {
        expression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
        values: { ':pk': keys.incidentList('', '').gsi1pk, ':from': from, ':to': `${to}~` },
      },
    });
    return { incidents: items.map((item) => IncidentRecordSchema.parse(item)), itemsRead };
  }

  /** The incidents one person reported, newest first (gsi2). */
  async listReportedBy(email: string): Promise<IncidentRecord[]> {
    const { items } = await queryAll(this.#table, {
      index: 'gsi2',
      key: { expression: 'gsi2pk = :pk', values: { ':pk': keys.reportedBy(email, '').gsi2pk } },
      descending: true,
    });
    return items.map((item) => IncidentRecordSchema.parse(item));
  }

  /** Incidents monitoring still watches (gsi3, oldest first): never every incident ever reported. */
  async watched(): Promise<{ incidents: IncidentRecord[]; itemsRead: number }> {
    const { items, itemsRead } = await queryAll(this.#table, {
      index: 'gsi3',
      key: { expression: 'gsi3pk = :pk', values: { ':pk': keys.openIncident('', '').gsi3pk } },
    });
    return { incidents: items.map((item) => IncidentRecordSchema.parse(item)), itemsRead };
  }
}
