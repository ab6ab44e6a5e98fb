import { AsyncLocalStorage } from 'node:async_hooks';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import * as z from 'zod';
import { PersonSchema, text } from '../domain/request.ts';
import bundledDirectory from '../../config/approver-directory.json' with { type: 'json' };
import { ENV, optionalEnv } from './config.ts';

/**
 * The approver directory: who holds each approving role, whom to chase when they are silent, and
 * each business area's Departmental Head. Data the security team maintains in the service
 * (functions/domain/directory.ts, versions in the table); the bundled config/approver-directory.json,
 * or APPROVER_DIRECTORY in its place (JSON, or gzipped JSON in base64), is what the table is seeded
 * with on first use.
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

/**
 * APPROVER_DIRECTORY as the synth writes it: the minified JSON, gzipped and in base64. Lambda allows
 * 4 KB of environment variables per function in all, and a department's directory (every area's
 * SIRO, Departmental Head and Accounting Officer, with whom to chase) outgrows that as plain JSON.
 * The same directory gives the same value on any machine: gzip's mtime is zero, and its OS byte,
 * which zlib takes from the platform it was built for, is set to "unknown" (RFC 1952).
 */
export function encodeApproverDirectory(directory: ApproverDirectory): string {
  const gzip = gzipSync(JSON.stringify(directory), { level: constants.Z_BEST_COMPRESSION });
  gzip[9] = 0xff;
  return gzip.toString('base64');
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The directory an APPROVER_DIRECTORY value holds, validated against the schema: plain JSON (local
 * mode, and a value set by hand) or encodeApproverDirectory's encoding (what the synth sets).
 */
export function decodeApproverDirectory(value: string): ApproverDirectory {
  const trimmed = value.trim();
  let json: string;
  if (trimmed.startsWith('{')) {
    json = trimmed;
  } else {
    if (!BASE64.test(trimmed)) throw new Error(`${ENV.approverDirectory} is neither JSON nor gzipped JSON in base64`);
    try {
      json = gunzipSync(Buffer.from(trimmed, 'base64')).toString('utf8');
    } catch (error) {
      throw new Error(`${ENV.approverDirectory} is neither JSON nor gzipped JSON in base64: ${(error as Error).message}`);
    }
  }
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error(`${ENV.approverDirectory} is not valid JSON: ${(error as Error).message}`);
  }
  return parseApproverDirectory(raw);
}

let cached: ApproverDirectory | undefined;

/** The seed: APPROVER_DIRECTORY (decodeApproverDirectory) if set, else the bundled default. */
export function loadApproverDirectory(): ApproverDirectory {
  if (!cached) {
    const override = optionalEnv(ENV.approverDirectory);
    cached = override ? decodeApproverDirectory(override) : parseApproverDirectory(bundledDirectory);
  }
  return cached;
}
