import * as catalogue from '../functions/catalogue.ts';
import type { FunctionSpec } from '../functions/catalogue.ts';

/**
 * The catalogue as the infrastructure sees it: plain data with string keys, so tests can build the
 * stacks from a variant (a function that would make a cycle, a missing placeholder) and the real
 * catalogue needs no infra change when it grows.
 */
export interface ServiceCatalogue {
  readonly functions: Readonly<Record<string, FunctionSpec>>;
  readonly routes: readonly {
    readonly method: string;
    readonly path: string;
    readonly function: string;
    readonly auth?: 'jwt' | 'approvalLink' | 'session';
  }[];
  /** ASL placeholder (without `${}`) → function key. */
  readonly stateMachineFunctions: Readonly<Record<string, string>>;
  /** Repository-relative path of the ASL file. */
  readonly stateMachineFile: string;
}

export const projectCatalogue: ServiceCatalogue = {
  functions: catalogue.lambdaFunctions,
  routes: catalogue.apiRoutes,
  stateMachineFunctions: catalogue.stateMachineFunctions,
  stateMachineFile: catalogue.STATE_MACHINE_FILE,
};

export const SUPPORTED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** EventBridge schedule expressions: `cron(` six fields `)` or `rate(` n unit `)`. */
const SCHEDULE_EXPRESSION = /^(cron\((\S+ ){5}\S+\)|rate\((1 (minute|hour|day)|([2-9]|[1-9]\d+) (minutes|hours|days))\))$/;

/** The function that authorizes routes with this `auth` (checkCatalogue has made sure there is exactly one). */
export function authorizerOf(c: ServiceCatalogue, auth: 'approvalLink'): string {
  const key = Object.entries(c.functions).find(([, spec]) => spec.authorizes === auth)?.[0];
  if (!key) throw new Error(`The catalogue has no function with authorizes: '${auth}'`);
  return key;
}

/**
 * Functions that answer people in a browser (a `session` or `approvalLink` route) render pages from
 * nunjucks templates: their bundles carry the templates folder (infra/bundling.ts).
 */
export function rendersPages(c: ServiceCatalogue, key: string): boolean {
  return c.routes.some((route) => route.function === key && (route.auth === 'session' || route.auth === 'approvalLink'));
}

/**
 * Rejects, at synth time and with a message that says what to change, a catalogue that
 * CloudFormation could not deploy or that names something that does not exist.
 */
export function checkCatalogue(c: ServiceCatalogue): void {
  const problems: string[] = [];
  const known = new Set(Object.keys(c.functions));
  // A function the state machine invokes may also call it (send its own task's result, say): every
  // grant names the state machine by the ARN built from its name, so there is no dependency cycle.
  const invokedByStateMachine = new Set<string>();
  for (const [placeholder, key] of Object.entries(c.stateMachineFunctions)) {
    if (!known.has(key)) problems.push(`stateMachineFunctions.${placeholder} names unknown function "${key}"`);
    invokedByStateMachine.add(key);
  }

  const seen = new Set<string>();
  for (const route of c.routes) {
    const routeKey = `${route.method} ${route.path}`;
    if (!known.has(route.function)) problems.push(`route ${routeKey} names unknown function "${route.function}"`);
    if (!(SUPPORTED_METHODS as readonly string[]).includes(route.method)) problems.push(`route ${routeKey}: unsupported method`);
    if (!route.path.startsWith('/')) problems.push(`route ${routeKey}: path must start with /`);
    if (seen.has(routeKey)) problems.push(`route ${routeKey} is declared twice`);
    if (route.auth === 'session' && known.has(route.function) && !c.functions[route.function]?.needs.webSecrets)
      problems.push(`route ${routeKey} is a session page, so function "${route.function}" needs webSecrets (the session key decrypts its cookie)`);
    seen.add(routeKey);
  }

  for (const [key, spec] of Object.entries(c.functions)) {
    if (!/^[a-z][A-Za-z0-9]*$/.test(key)) problems.push(`function key "${key}" must be camelCase letters and digits`);
    if (spec.description.length > 256) problems.push(`function "${key}": description is over Lambda's 256 characters`);
    if (spec.schedule) {
      if (!SCHEDULE_EXPRESSION.test(spec.schedule.expression)) {
        problems.push(`function "${key}": schedule expression "${spec.schedule.expression}" is not cron(…) with six fields or rate(<n> <unit>)`);
      }
      if (spec.schedule.description.length > 512) problems.push(`function "${key}": schedule description is over EventBridge's 512 characters`);
    }
    if (spec.needs.idempotency && spec.needs.table !== 'readWrite')
      problems.push(`function "${key}": idempotency needs table: 'readWrite' (the records are written to the table)`);
    if (spec.authorizes) {
      // An authorizer runs on unauthenticated input from the internet, before anything else: it may look, never touch.
      const { table, ...rest } = spec.needs;
      const touches = [
        ...(table === 'readWrite' ? ['table: readWrite'] : []),
        ...Object.entries(rest)
          .filter(([, v]) => v)
          .map(([n]) => n),
      ];
      if (touches.length > 0)
        problems.push(`function "${key}" authorizes ${spec.authorizes} routes, so it may only read the table; it also needs ${touches.join(', ')}`);
      if (c.routes.some((r) => r.function === key))
        problems.push(`function "${key}" authorizes ${spec.authorizes} routes and cannot serve a route itself`);
      if (invokedByStateMachine.has(key) || spec.schedule)
        problems.push(`function "${key}" authorizes ${spec.authorizes} routes and cannot also be invoked by the state machine or a schedule`);
    }
  }

  for (const kind of new Set(c.routes.map((r) => r.auth ?? 'jwt'))) {
    if (kind === 'jwt' || kind === 'session') continue;
    const authorizers = Object.entries(c.functions)
      .filter(([, spec]) => spec.authorizes === kind)
      .map(([key]) => key);
    if (authorizers.length !== 1) {
      problems.push(
        `routes with auth "${kind}" need exactly one function with authorizes: '${kind}', found ${authorizers.length === 0 ? 'none' : authorizers.join(', ')}`,
      );
    }
  }

  if (problems.length > 0) throw new Error(`The function catalogue cannot be deployed:\n  - ${problems.join('\n  - ')}`);
}

/** `getRequest` → `GetRequest`: construct ids (and so logical ids) derive from the catalogue key. */
export function pascalCase(key: string): string {
  return key.charAt(0).toUpperCase() + key.slice(1);
}
