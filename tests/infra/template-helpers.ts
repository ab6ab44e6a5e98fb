import { readFileSync } from 'node:fs';
import { Stack, type CfnElement } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { fromRepoRoot } from '../../infra/paths.ts';

/** Reading synthesized templates: logical ids, a role's statements, ARNs written out, dependencies. */

export type Resource = {
  Type: string;
  Properties: Record<string, any>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};
export type Statement = {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

export function logicalIdOf(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(element).getLogicalId(element);
}

export function resourcesOf(template: Template): Record<string, Resource> {
  return template.toJSON().Resources as Record<string, Resource>;
}

/** Every statement of every inline policy attached to the role with this logical id. */
export function roleStatements(template: Template, roleLogicalId: string): Statement[] {
  return Object.values(resourcesOf(template))
    .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleLogicalId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function keyPolicyStatements(template: Template, keyLogicalId: string): Statement[] {
  return resourcesOf(template)[keyLogicalId]!.Properties.KeyPolicy.Statement as Statement[];
}

/**
 * A template value written out as text: `Fn::Join` joined, `AWS::Partition` as `aws`, any other
 * `Ref` as `${LogicalId}`, `Fn::GetAtt` as `${LogicalId.Attribute}`, imports as `${import:Name}`.
 */
export function written(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(written).join(',');
  if (value && typeof value === 'object') {
    const [[fn, arg]] = Object.entries(value) as [[string, any]];
    if (fn === 'Fn::Join') return (arg[1] as unknown[]).map(written).join(arg[0] as string);
    if (fn === 'Ref') return arg === 'AWS::Partition' ? 'aws' : `\${${arg}}`;
    if (fn === 'Fn::GetAtt') return `\${${(arg as string[]).join('.')}}`;
    if (fn === 'Fn::ImportValue') return `\${import:${written(arg)}}`;
  }
  return JSON.stringify(value);
}

/** Logical ids a template value refers to (Ref, Fn::GetAtt, Fn::Sub's ${Name}), pseudo parameters left out. */
function referencesIn(value: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const item of value) referencesIn(item, into);
  else if (value && typeof value === 'object') {
    for (const [key, arg] of Object.entries(value)) {
      if (key === 'Ref' && typeof arg === 'string' && !arg.startsWith('AWS::')) into.add(arg);
      else if (key === 'Fn::GetAtt') into.add(Array.isArray(arg) ? String(arg[0]) : String(arg).split('.')[0]!);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(arg) ? String(arg[0]) : String(arg);
        for (const m of text.matchAll(/\$\{([^}!.]+)[^}]*\}/g)) if (!m[1]!.startsWith('AWS::')) into.add(m[1]!);
        if (Array.isArray(arg)) referencesIn(arg[1], into);
      } else referencesIn(arg, into);
    }
  }
  return into;
}

/**
 * A dependency cycle among the template's resources (references and DependsOn), as the list of
 * logical ids around it, or undefined when CloudFormation can order every resource.
 */
export function dependencyCycle(template: Template): string[] | undefined {
  const resources = resourcesOf(template);
  const edges = new Map<string, string[]>();
  for (const [id, resource] of Object.entries(resources)) {
    const refs = referencesIn(resource.Properties ?? {}, new Set());
    for (const d of [resource.DependsOn ?? []].flat()) refs.add(d);
    edges.set(
      id,
      [...refs].filter((ref) => ref in resources),
    );
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of edges.keys()) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}

/** The bundled approver directory with its addresses moved to a real-looking domain. */
export function realLookingDirectory(): unknown {
  const bundled = readFileSync(fromRepoRoot('config/approver-directory.json'), 'utf8');
  return JSON.parse(bundled.replaceAll('justice.local', 'justice.gov.uk'));
}

export const ACCOUNT = '123456789012';
export const ENTRA_V1_ISSUER = 'https://sts.windows.net/4f6b0c2e-8d1a-4c55-9a3e-2b7d9e1f0a61/';

/**
 * What a department would put in cdk.json before its first `cdk deploy`: its identity provider
 * (an Entra v1 issuer, trailing slash and all), a sender on its own domain with that domain's
 * identity, a directory of real addresses, an alarm address and a public URL under a base path.
 */
export function deploymentContext(): Record<string, unknown> {
  return {
    'offshore:oidcIssuer': ENTRA_V1_ISSUER,
    'offshore:oidcAudience': 'api://offshore-approvals',
    'offshore:emailFrom': 'offshore-approvals@offshoring.justice.gov.uk',
    'offshore:emailReplyTo': 'offshoring-team@justice.gov.uk',
    'offshore:emailDomain': 'offshoring.justice.gov.uk',
    'offshore:approverDirectory': JSON.stringify(realLookingDirectory()),
    'offshore:alarmEmail': 'offshore-approvals-ops@justice.gov.uk',
    'offshore:publicBaseUrl': 'https://service.justice.gov.uk/offshoring',
  };
}

/** Skips esbuild bundling: for template checks that need no bundle. */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] } as const;
