/**
 * The service's Lambdas and API routes, declared once. CDK builds a NodejsFunction, its grants and
 * its API route from this list; local mode serves the same routes with the same handler modules.
 */
export type FunctionKey = keyof typeof lambdaFunctions;

export interface FunctionSpec {
  /** Entry file, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** What the function touches; CDK turns this into grants, never hand-written IAM. */
  readonly needs: {
    /** 'getItem': GetItem on the table's items only (no index, no query), for an authorizer's one key lookup. */
    readonly table?: 'getItem' | 'read' | 'readWrite';
    /**
     * Keeps Powertools idempotency records in the table (with table: 'readWrite'): DeleteItem on the
     * IDEMPOTENCY# partitions, where the library deletes its in-progress record when the handler fails.
     */
    readonly idempotency?: boolean;
    readonly startExecution?: boolean;
    readonly stopExecution?: boolean;
    /** ListExecutions on the state machine and DescribeExecution on its executions (monitoring's reconciliation). */
    readonly inspectExecutions?: boolean;
    readonly sendTaskResult?: boolean;
    readonly sendEmail?: boolean;
    /** Reads the session key and the identity provider's client secret (Secrets Manager). */
    readonly webSecrets?: boolean;
  };
  /** The API Gateway authorizer for routes with this `auth` (the function serves no route itself). */
  readonly authorizes?: 'approvalLink';
  /** Run on a schedule (EventBridge), e.g. continual monitoring. */
  readonly schedule?: {
    /** EventBridge schedule expression, in UTC: `cron(0 6 * * ? *)` is 06:00 every day. */
    readonly expression: string;
    readonly description: string;
  };
}

export const lambdaFunctions = {
  intake: {
    entry: 'functions/intake.ts',
    description: 'Accepts an offshoring request, works out its approvers and starts the approval workflow',
    needs: { table: 'readWrite', idempotency: true, startExecution: true, sendEmail: true },
  },
  getRequest: {
    entry: 'functions/get-request.ts',
    description: 'Returns a request with its approvals and audit trail',
    needs: { table: 'read' },
  },
  notifyApprover: {
    entry: 'functions/notify-approver.ts',
    description: 'One approval branch step: emails the approver their link, reminds, chases, or lapses the approval',
    needs: { table: 'readWrite', sendEmail: true, sendTaskResult: true },
  },
  concludeRound: {
    entry: 'functions/conclude-round.ts',
    description: 'Ends an approval round: approved, rejected (with every reason) or failed, and emails the outcome',
    needs: { table: 'readWrite', sendEmail: true },
  },
  approvalPage: {
    entry: 'functions/approval-page.ts',
    description: 'Shows an approver the request and the decision form (a GET never changes anything)',
    needs: { table: 'read' },
  },
  recordDecision: {
    entry: 'functions/record-decision.ts',
    description: "Records an approver's or Departmental Head's decision and resumes the workflow",
    needs: { table: 'readWrite', sendTaskResult: true, startExecution: true, sendEmail: true },
  },
  resubmitRequest: {
    entry: 'functions/resubmit-request.ts',
    description: 'Process 3(a): a rejected request, adjusted, goes to a new approval round',
    needs: { table: 'readWrite', startExecution: true, sendEmail: true },
  },
  addMitigations: {
    entry: 'functions/add-mitigations.ts',
    description: 'Process 3(c): additional or alternative mitigations start a new approval round',
    needs: { table: 'readWrite', startExecution: true, sendEmail: true },
  },
  escalateRequest: {
    entry: 'functions/escalate-request.ts',
    description: 'Process 3(b): escalates a rejected request to the Departmental Head for endorsement',
    needs: { table: 'readWrite', startExecution: true, sendEmail: true },
  },
  withdrawRequest: {
    entry: 'functions/withdraw-request.ts',
    description: 'The service owner withdraws a request: the execution stops and waiting approvers are told',
    needs: { table: 'readWrite', stopExecution: true, sendEmail: true },
  },
  authorizeApprovalLink: {
    entry: 'functions/authorize-approval-link.ts',
    description: "API Gateway authorizer for the approver's pages: the link token names a link to this approval",
    needs: { table: 'getItem' },
    authorizes: 'approvalLink',
  },
  servicesApi: {
    entry: 'functions/services-api.ts',
    description: 'The offshore service register: list, show, and record reviews (Process 4)',
    needs: { table: 'readWrite' },
  },
  directoryApi: {
    entry: 'functions/directory-api.ts',
    description: 'The approver directory for the security team: its current version and history, and new versions (each with who, when and why)',
    needs: { table: 'readWrite' },
  },
  monitoringApi: {
    entry: 'functions/monitoring-api.ts',
    description: 'Lists continual-monitoring runs and runs the checks on demand',
    needs: { table: 'readWrite', sendEmail: true, inspectExecutions: true },
  },
  incidentsApi: {
    entry: 'functions/incidents-api.ts',
    description: 'Breaches and security incidents: reported (the DPO and Operational Security Team told at once), listed, updated',
    needs: { table: 'readWrite', sendEmail: true },
  },
  exemptionsApi: {
    entry: 'functions/exemptions-api.ts',
    description:
      'Exemptions from the Offshoring Policy and variations: asked for (once per Idempotency-Key) of the SSA and CISO (and the Accounting Officer for a variation), read, withdrawn while waiting, asked for again once rejected',
    needs: { table: 'readWrite', idempotency: true, startExecution: true, stopExecution: true, sendEmail: true },
  },
  pages: {
    entry: 'functions/pages.ts',
    description: 'The pages of service owners and the security team: submit, follow and act on requests, the register, monitoring',
    needs: {
      table: 'readWrite',
      idempotency: true,
      startExecution: true,
      stopExecution: true,
      sendEmail: true,
      inspectExecutions: true,
      webSecrets: true,
    },
  },
  signIn: {
    entry: 'functions/sign-in.ts',
    description: "Signs people in to the pages through the department's identity provider (OpenID Connect with PKCE), and out",
    needs: { webSecrets: true },
  },
  monitor: {
    entry: 'functions/monitor.ts',
    description: 'Scheduled continual monitoring (Process 4): reviews due, missed chases, reconciliation, late starts',
    needs: { table: 'readWrite', sendEmail: true, inspectExecutions: true },
    schedule: { expression: 'cron(0 6 * * ? *)', description: 'Continual monitoring (Offshoring Policy, Process 4), daily at 06:00 UTC' },
  },
} as const satisfies Record<string, FunctionSpec>;

export interface ApiRoute {
  readonly method: 'GET' | 'POST';
  /** API Gateway path syntax: `{name}` for a path parameter. */
  readonly path: string;
  readonly function: FunctionKey;
  /**
   * Who may call it. 'jwt' (the default): a signed-in service owner or security team member, via the
   * department's identity provider. 'approvalLink': an approver, authorized by the link token alone.
   * 'session': a page for people in a browser; no API Gateway authorizer, the function reads its
   * encrypted session cookie itself (and sends people without one to sign in).
   */
  readonly auth?: 'jwt' | 'approvalLink' | 'session';
}

export const apiRoutes: readonly ApiRoute[] = [
  { method: 'POST', path: '/requests', function: 'intake' },
  { method: 'GET', path: '/requests', function: 'getRequest' },
  { method: 'GET', path: '/requests/{requestId}', function: 'getRequest' },
  { method: 'POST', path: '/requests/{requestId}/resubmissions', function: 'resubmitRequest' },
  { method: 'POST', path: '/requests/{requestId}/mitigations', function: 'addMitigations' },
  { method: 'POST', path: '/requests/{requestId}/escalations', function: 'escalateRequest' },
  { method: 'POST', path: '/requests/{requestId}/withdrawal', function: 'withdrawRequest' },
  { method: 'GET', path: '/services', function: 'servicesApi' },
  { method: 'GET', path: '/services/{serviceId}', function: 'servicesApi' },
  { method: 'POST', path: '/services/{serviceId}/reviews', function: 'servicesApi' },
  { method: 'GET', path: '/directory/versions', function: 'directoryApi' },
  { method: 'POST', path: '/directory/versions', function: 'directoryApi' },
  { method: 'GET', path: '/monitoring/runs', function: 'monitoringApi' },
  { method: 'POST', path: '/monitoring/runs', function: 'monitoringApi' },
  { method: 'POST', path: '/incidents', function: 'incidentsApi' },
  { method: 'GET', path: '/incidents', function: 'incidentsApi' },
  { method: 'GET', path: '/incidents/{incidentId}', function: 'incidentsApi' },
  { method: 'POST', path: '/incidents/{incidentId}/updates', function: 'incidentsApi' },
  { method: 'POST', path: '/exemptions', function: 'exemptionsApi' },
  { method: 'GET', path: '/policy-exemptions', function: 'exemptionsApi' },
  { method: 'GET', path: '/policy-exemptions/{requestId}', function: 'exemptionsApi' },
  { method: 'POST', path: '/exemptions/{requestId}/withdrawal', function: 'exemptionsApi' },
  { method: 'POST', path: '/exemptions/{requestId}/resubmissions', function: 'exemptionsApi' },
  { method: 'GET', path: '/approvals/{approvalId}', function: 'approvalPage', auth: 'approvalLink' },
  { method: 'GET', path: '/', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/sign-in', function: 'signIn', auth: 'session' },
  { method: 'GET', path: '/sign-in/callback', function: 'signIn', auth: 'session' },
  { method: 'GET', path: '/sign-out', function: 'signIn', auth: 'session' },
  { method: 'GET', path: '/your-requests', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/offshoring-requests/new', function: 'pages', auth: 'session' },
  { method: 'POST', path: '/offshoring-requests/new', function: 'pages', auth: 'session' },
  { method: 'POST', path: '/offshoring-requests/new/check', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/offshoring-requests/{requestId}', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/offshoring-requests/{requestId}/confirmation', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/offshoring-requests/{requestId}/resubmit', function: 'pages', auth: 'session' },
  { method: 'POST', path: '/offshoring-requests/{requestId}/resubmit', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/offshoring-requests/{requestId}/mitigations', function: 'pages', auth: 'session' },
  { method: 'POST', path: '/offshoring-requests/{requestId}/mitigations', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/offshoring-requests/{requestId}/escalate', function: 'pages', auth: 'session' },
  { method: 'POST', path: '/offshoring-requests/{requestId}/escalate', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/offshoring-requests/{requestId}/withdraw', function: 'pages', auth: 'session' },
  { method: 'POST', path: '/offshoring-requests/{requestId}/withdraw', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/requests-in-progress', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/register', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/register/{serviceId}', function: 'pages', auth: 'session' },
  { method: 'POST', path: '/register/{serviceId}/reviews', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/monitoring', function: 'pages', auth: 'session' },
  { method: 'POST', path: '/monitoring', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/directory', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/directory/edit', function: 'pages', auth: 'session' },
  { method: 'POST', path: '/directory/edit', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/report-an-incident', function: 'pages', auth: 'session' },
  { method: 'POST', path: '/report-an-incident', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/incident-reports', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/incident-reports/{incidentId}', function: 'pages', auth: 'session' },
  { method: 'POST', path: '/incident-reports/{incidentId}', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/exemptions', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/exemptions/new', function: 'pages', auth: 'session' },
  { method: 'POST', path: '/exemptions/new', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/exemptions/{requestId}', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/exemptions/{requestId}/withdraw', function: 'pages', auth: 'session' },
  { method: 'POST', path: '/exemptions/{requestId}/withdraw', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/exemptions/{requestId}/ask-again', function: 'pages', auth: 'session' },
  { method: 'POST', path: '/exemptions/{requestId}/ask-again', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/governance-report', function: 'pages', auth: 'session' },
  { method: 'GET', path: '/governance-report.csv', function: 'pages', auth: 'session' },
  { method: 'POST', path: '/approvals/{approvalId}', function: 'recordDecision', auth: 'approvalLink' },
];

/**
 * The ASL file's `${...}` placeholders for Lambda ARNs, and the function each names.
 * CDK substitutes the real ARNs; local mode maps them to the in-process handlers.
 */
export const stateMachineFunctions: Readonly<Record<string, FunctionKey>> = {
  NotifyApproverFunctionArn: 'notifyApprover',
  ConcludeRoundFunctionArn: 'concludeRound',
};

export const STATE_MACHINE_FILE = 'statemachines/offshoring-approval.asl.json';
