import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Table } from './table.ts';
import { RequestStore } from './requests.ts';
import { LinkStore } from './links.ts';
import { RegisterStore } from './register.ts';
import { MonitoringRunStore } from './monitoring-runs.ts';
import { DirectoryStore } from './directory.ts';
import { IncidentStore } from './incidents.ts';
import { GovernanceReads } from './governance.ts';

/**
 * Everything the service keeps, in one DynamoDB table (docs/table-design.md), by aggregate: a
 * request with its approvals and audit trail through the store's own verbs (what nearly every
 * caller reads and writes), the others by name. The domain and the handlers call these verbs; no
 * DynamoDB command, key or expression exists outside functions/store/.
 */
export class Store extends RequestStore {
  /** Approval links, by the hash of their token. */
  readonly links: LinkStore;
  /** The approver directory's versions. */
  readonly directory: DirectoryStore;
  /** The offshore service register. */
  readonly register: RegisterStore;
  /** Continual-monitoring runs. */
  readonly monitoringRuns: MonitoringRunStore;
  /** Reported breaches and incidents. */
  readonly incidents: IncidentStore;
  /** The governance report's reads of the register, by day. */
  readonly governance: GovernanceReads;

  constructor(table: Table) {
    super(table);
    this.links = new LinkStore(table);
    this.directory = new DirectoryStore(table);
    this.register = new RegisterStore(table);
    this.monitoringRuns = new MonitoringRunStore(table);
    this.incidents = new IncidentStore(table);
    this.governance = new GovernanceReads(table, this.register);
  }
}

export function createStore(client: DynamoDBDocumentClient, tableName: string): Store {
  return new Store(new Table(client, tableName));
}
