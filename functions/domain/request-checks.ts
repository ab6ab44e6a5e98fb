import type { Runtime } from '#platform/runtime';
import type { ApproverDirectory } from '#platform/directory';
import { Forbidden, ValidationFailed } from '#web/errors';
import { ownsService, type Caller } from '#web/identity';
import { OffshoringRequestSchema, toFieldErrors, type FieldError, type OffshoringRequest } from './request.ts';
import { ROLE_TITLES, requiredApprovers, unknownBusinessAreas, type RequiredApprover } from './offshoring-policy.ts';
import { getRegisterEntry } from './register.ts';
import { snapshotForChange } from './service-change.ts';
import type { ServiceBeforeChange } from '#store/records';

/**
 * The checks a request's body passes before any round starts, first or later (Offshoring Policy,
 * Process 1). Kept apart from intake's idempotent submission, so a resubmission's bundle carries
 * only what it uses.
 */

/** Validates the body against the schema and the approver directory, listing every problem at once. */
export function validateOffshoringRequest(body: unknown, directory: ApproverDirectory): OffshoringRequest {
  const parsed = OffshoringRequestSchema.safeParse(body);
  const errors: FieldError[] = parsed.success ? [] : toFieldErrors(parsed.error);
  const areas = (body as { businessAreas?: unknown } | null)?.businessAreas;
  if (Array.isArray(areas)) {
    const codes = areas.map((a) => (typeof a === 'string' ? a.trim().toUpperCase() : ''));
    for (const { index, code } of unknownBusinessAreas(codes, directory)) {
      if (code === '') continue; // already reported by the schema
      errors.push({
        path: `businessAreas.${index}`,
        message: `unknown business area "${code}": use one of ${Object.keys(directory.businessAreas).join(', ')}`,
      });
    }
  }
  // Offshoring Policy, Approval: "Any changes on offshore services" are approved against the service
  // they change, so a CHANGE names its register entry (the checks below find it and its owner).
  const named = body as { changeType?: unknown; serviceId?: unknown } | null;
  if (named?.changeType === 'CHANGE' && (named.serviceId === undefined || named.serviceId === null)) {
    errors.push({ path: 'serviceId', message: 'is required for a change: name the register entry it changes' });
  }
  if (errors.length > 0 || !parsed.success) throw new ValidationFailed(errors);
  const own = ownApproval(parsed.data, directory);
  if (own) {
    const role = `${ROLE_TITLES[own.role]}${own.businessArea ? ` for ${own.businessArea}` : ''}`;
    throw new ValidationFailed([
      {
        path: 'serviceOwner.email',
        message: `must not be one of the request's approvers: ${own.email} is its ${role}, and no one approves their own request (separation of duties)`,
      },
    ]);
  }
  return parsed.data;
}

/**
 * The required approver who is the service owner, if any. Approval is a check by someone other than
 * who asks: a service owner asking one of their own roles to approve would approve their own request.
 */
function ownApproval(request: OffshoringRequest, directory: ApproverDirectory): RequiredApprover | undefined {
  const owner = request.serviceOwner.email.toLowerCase();
  return requiredApprovers(request, directory).find((approver) => approver.email.toLowerCase() === owner);
}

/**
 * A CHANGE may name the register entry it changes; it must exist, and only its owner (or the
 * security team) may change it. Only a CHANGE may name one. Returns the entry as it stands, which
 * the approvers compare the change with.
 */
export async function checkServiceReference(runtime: Runtime, request: OffshoringRequest, caller: Caller): Promise<ServiceBeforeChange | undefined> {
  if (!request.serviceId) return undefined;
  if (request.changeType !== 'CHANGE') {
    throw new ValidationFailed([{ path: 'serviceId', message: 'only a CHANGE request names an existing service' }]);
  }
  const entry = await getRegisterEntry(runtime, request.serviceId);
  if (!entry) {
    throw new ValidationFailed([{ path: 'serviceId', message: `no service ${request.serviceId} in the offshore service register` }]);
  }
  if (!caller.securityTeam && !ownsService(caller, entry)) {
    throw new Forbidden(`Only the owner of ${request.serviceId} (or the security team) may request a change to it`, { serviceId: request.serviceId });
  }
  return snapshotForChange(entry);
}
