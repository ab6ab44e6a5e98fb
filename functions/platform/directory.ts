import { AsyncLocalStorage } from 'node:async_hooks';
import * as z from 'zod';
import { PersonSchema, text } from '../domain/request.ts';
import bundledDirectory from '../../config/approver-directory.json' with { type: 'json' };
import { ENV, optionalEnv } from './config.ts';

/**
 * The approver directory: who holds each approving role, whom to chase when they are silent, and
 * each business area's Departmental Head. Data the security team maintains in the service
 * (functions/domain/directory.ts, versions in the table); the bundled config/approver-directory.json,
 * or APPROVER_DIRECTORY in its place, is what the table is seeded with on first use.
 */

const ApproverSchema = PersonSchema.extend({
  /** Who is told when this approver is silent (e.g. a SIRO's deputy, a team's head). */
  escalationContact: PersonSchema,
});
export type DirectoryApprover = z.infer<typeof ApproverSchema>;

const BusinessAreaSchema = z.strictObject({
  name: text(200),
  /** The agency or departmental Senior Information Risk Officer. */
  siro: ApproverSchema,
  /** Offshoring Policy, Process 3(b): the Service Owner may escalate to their Departmental Head. */
  departmentalHead: PersonSchema,
  /** Corporate Security Policy: agrees the area's variations from the Security Policy Framework. */
  accountingOfficer: ApproverSchema.optional(),
});

export const ApproverDirectorySchema = z.strictObject({
  businessAreas: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), BusinessAreaSchema).refine((areas) => Object.keys(areas).length > 0, {
    message: 'must define at least one business area',
  }),
  /** The MoJ-wide approving roles (Offshoring Policy, Process 1). */
  roles: z.strictObject({
    MOJ_SIRO: ApproverSchema,
    SSA: ApproverSchema,
    CISO: ApproverSchema,
    DPO: ApproverSchema,
    COMMERCIAL: ApproverSchema,
    LEGAL: ApproverSchema,
  }),
  /** Receives the continual-monitoring digest. */
  securityTeam: PersonSchema,
});
export type ApproverDirectory = z.infer<typeof ApproverDirectorySchema>;

export function parseApproverDirectory(raw: unknown): ApproverDirectory {
  const result = ApproverDirectorySchema.safeParse(raw);
  if (!result.success) {
    throw new Error(`Invalid approver directory: ${z.prettifyError(result.error)}`);
  }
  return result.data;
}

/** The directory in force for an invocation, with the number of its version in the table. */
export interface DirectoryInForce {
  directory: ApproverDirectory;
  version: number;
}

/**
 * The directory read from the table for the invocation under way: each invocation gets its own, so
 * concurrent ones (local mode shares one runtime) never see each other's.
 */
export const directoryInForce = new AsyncLocalStorage<DirectoryInForce>();

let cached: ApproverDirectory | undefined;

/** The seed: APPROVER_DIRECTORY (JSON) if set, else the bundled default. */
export function loadApproverDirectory(): ApproverDirectory {
  if (!cached) {
    const override = optionalEnv(ENV.approverDirectory);
    cached = parseApproverDirectory(override ? JSON.parse(override) : bundledDirectory);
  }
  return cached;
}
