/** Single-table keys (docs/table-design.md). Every key is built here and nowhere else. */
export const keys = {
  request: (requestId: string) => ({ pk: `REQUEST#${requestId}`, sk: 'REQUEST' }),
  approval: (requestId: string, round: number, approvalId: string) => ({
    pk: `REQUEST#${requestId}`,
    sk: `APPROVAL#${String(round).padStart(3, '0')}#${approvalId}`,
  }),
  /** One approval round's request content, as its approvers were asked: written when the round starts, never updated. */
  round: (requestId: string, round: number) => ({ pk: `REQUEST#${requestId}`, sk: `ROUND#${String(round).padStart(3, '0')}` }),
  /** gsi1: find an approval from the id in its link. */
  approvalLookup: (approvalId: string) => ({ gsi1pk: `APPROVAL#${approvalId}`, gsi1sk: 'APPROVAL' }),
  /** Audit events sort by time; the event id breaks ties and makes each key unique. */
  audit: (requestId: string, at: string, eventId: string) => ({ pk: `REQUEST#${requestId}`, sk: `AUDIT#${at}#${eventId}` }),
  /** gsi2: a service owner's requests, newest first. */
  ownerLookup: (email: string, submittedAt: string) => ({ gsi2pk: `OWNER#${email.toLowerCase()}`, gsi2sk: submittedAt }),
  /** An approval link, found by the hash of its token (strongly consistent GetItem, no index). */
  link: (tokenHash: string) => ({ pk: `LINK#${tokenHash}`, sk: 'LINK' }),
  /** The approver directory in force: a copy of its current version, replaced only from the version it was read at. */
  directoryCurrent: () => ({ pk: 'DIRECTORY', sk: 'CURRENT' }),
  /** Every version of the approver directory, append-only: its history and audit. */
  directoryVersion: (version: number) => ({ pk: 'DIRECTORY', sk: `VERSION#${String(version).padStart(6, '0')}` }),
  /** gsi3 (sparse): requests still open (pending, escalated or rejected), oldest first. */
  openRequest: (submittedAt: string, requestId: string) => ({ gsi3pk: 'OPEN_REQUEST', gsi3sk: `${submittedAt}#${requestId}` }),
  /** gsi3 (sparse): when a waiting approval's next step (reminder, escalation, lapse) is due. */
  chaseDue: (at: string, approvalId: string) => ({ gsi3pk: 'CHASE_DUE', gsi3sk: `${at}#${approvalId}` }),
  /** gsi3 (sparse): when a registered service's review is due. */
  reviewDue: (date: string, serviceId: string) => ({ gsi3pk: 'REVIEW_DUE', gsi3sk: `${date}#${serviceId}` }),
  /** A service's open review actions, beside its entry: the item that puts them in the due index. */
  reviewActions: (serviceId: string) => ({ pk: `SERVICE#${serviceId}`, sk: 'REVIEW_ACTIONS' }),
  /** gsi3 (sparse): a service's open review actions, by the earliest date one is due by (continual monitoring). */
  reviewActionDue: (dueBy: string, serviceId: string) => ({ gsi3pk: 'REVIEW_ACTION_DUE', gsi3sk: `${dueBy}#${serviceId}` }),
  /** gsi2 (sparse): an existing contract listed as non-compliant, by its action plan date (continual monitoring). */
  actionPlanDue: (date: string, serviceId: string) => ({ gsi2pk: 'ACTION_PLAN_DUE', gsi2sk: `${date}#${serviceId}` }),
  /**
   * gsi2 (sparse): a register entry by the year it was approved in (the yearly governance report);
   * an entry on the action plan index is not here.
   */
  approvedIn: (approvedAt: string, serviceId: string) => ({ gsi2pk: `APPROVED_IN#${approvedAt.slice(0, 4)}`, gsi2sk: `${approvedAt}#${serviceId}` }),
  /**
   * gsi1 (sparse): an offshoring request by when it was last rejected or closed (the yearly
   * governance report); an exemption's gsi1 is its list's, so it is never here.
   */
  requestOutcome: (at: string, requestId: string) => ({ gsi1pk: `REQUEST_OUTCOME#${at.slice(0, 4)}`, gsi1sk: `${at}#${requestId}` }),
  /** Written once every register entry approved before the approval-year key existed carries it. */
  registerApprovalYearsKeyed: () => ({ pk: 'REGISTER', sk: 'APPROVAL_YEARS_KEYED' }),
  /** gsi1: the register, by service name. */
  serviceList: (serviceName: string, serviceId: string) => ({ gsi1pk: 'SERVICE', gsi1sk: `${serviceName.toLowerCase()}#${serviceId}` }),
  service: (serviceId: string) => ({ pk: `SERVICE#${serviceId}`, sk: 'SERVICE' }),
  /** Each approval or review of a service writes a version beside its entry: the register's history. */
  serviceVersion: (serviceId: string, version: number) => ({ pk: `SERVICE#${serviceId}`, sk: `VERSION#${String(version).padStart(4, '0')}` }),
  /** A reported breach or incident. */
  incident: (incidentId: string) => ({ pk: `INCIDENT#${incidentId}`, sk: 'INCIDENT' }),
  /** gsi1: every incident, by when it was reported. */
  incidentList: (reportedAt: string, incidentId: string) => ({ gsi1pk: 'INCIDENT', gsi1sk: `${reportedAt}#${incidentId}` }),
  /** gsi2: the incidents a person reported, by when. */
  reportedBy: (email: string, reportedAt: string) => ({ gsi2pk: `REPORTED_BY#${email.toLowerCase()}`, gsi2sk: reportedAt }),
  /** gsi3 (sparse): an incident still open, with an email still to send, or a breach still awaiting its approval round. */
  openIncident: (reportedAt: string, incidentId: string) => ({ gsi3pk: 'OPEN_INCIDENT', gsi3sk: `${reportedAt}#${incidentId}` }),
  /** gsi1: every exemption, by when it was asked for. */
  exemptionList: (submittedAt: string, requestId: string) => ({ gsi1pk: 'EXEMPTION', gsi1sk: `${submittedAt}#${requestId}` }),
  /** gsi2: the exemptions a person asked for, by when. */
  exemptionsAskedBy: (email: string, submittedAt: string) => ({ gsi2pk: `EXEMPTIONS_ASKED_BY#${email.toLowerCase()}`, gsi2sk: submittedAt }),
  /** gsi3 (sparse): an exemption still waiting for its approvals, oldest first (continual monitoring, a local restart). */
  openExemption: (submittedAt: string, requestId: string) => ({ gsi3pk: 'OPEN_EXEMPTION', gsi3sk: `${submittedAt}#${requestId}` }),
  /** gsi3 (sparse): an approved exemption, by the date it ends (continual monitoring: ending soon, ended). */
  exemptionEnds: (endDate: string, requestId: string) => ({ gsi3pk: 'EXEMPTION_ENDS', gsi3sk: `${endDate}#${requestId}` }),
  monitoringRun: (date: string) => ({ pk: 'MONITORING_RUN', sk: date }),
  /** Powertools Idempotency's records (functions/store/idempotency.ts): one partition per function. */
  idempotencyPartition: (functionName: string) => `IDEMPOTENCY#${functionName}`,
} as const;

/** Sort-key prefixes that tell the items of one partition apart. */
export const SK_PREFIX = { approval: 'APPROVAL#', audit: 'AUDIT#', round: 'ROUND#', version: 'VERSION#' } as const;
