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
    readonly table?: 'read' | 'readWrite';
    readonly startExecution?: boolean;
    readonly stopExecution?: boolean;
    readonly sendTaskResult?: boolean;
    readonly sendEmail?: boolean;
  };
}

export const lambdaFunctions = {
  intake: {
    entry: 'functions/intake.ts',
    description: 'Accepts an offshoring request, works out its approvers and starts the approval workflow',
    needs: { table: 'readWrite', startExecution: true },
  },
  getRequest: {
    entry: 'functions/get-request.ts',
    description: 'Returns a request with its approvals and audit trail',
    needs: { table: 'read' },
  },
} as const satisfies Record<string, FunctionSpec>;

export interface ApiRoute {
  readonly method: 'GET' | 'POST';
  /** API Gateway path syntax: `{name}` for a path parameter. */
  readonly path: string;
  readonly function: FunctionKey;
}

export const apiRoutes: readonly ApiRoute[] = [
  { method: 'POST', path: '/requests', function: 'intake' },
  { method: 'GET', path: '/requests/{requestId}', function: 'getRequest' },
];

/**
 * The ASL file's `${...}` placeholders for Lambda ARNs, and the function each names.
 * CDK substitutes the real ARNs; local mode maps them to the in-process handlers.
 */
export const stateMachineFunctions: Readonly<Record<string, FunctionKey>> = {};

export const STATE_MACHINE_FILE = 'statemachines/offshoring-approval.asl.json';
