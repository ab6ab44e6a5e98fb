import { isDeepStrictEqual } from 'node:util';
import type { Runtime } from '../platform/runtime.ts';
import { logger } from '../platform/observability.ts';
import { StaleState } from '../store/errors.ts';
import type { AuditEvent } from '../store/audit.ts';
import type { RequestView } from '../store/requests.ts';
import { SYSTEM, type ComplianceStatus, type RegisterEntry, type RequestRecord } from '../store/records.ts';
import type { TransactItem } from '../store/table.ts';
import { reviewDue } from './offshoring-policy.ts';
import { complianceOf, getRegisterEntry, serviceFacts, serviceIdFor } from './register.ts';

/**
 * Offshoring Policy, Process: "For existing contracts, consider how to work with what is already in
 * place, reflecting its criticality to the MoJ." An existing contract is already live, so it is in
 * the offshore service register from its submission (UNDER_ASSESSMENT) and stays there whatever
 * comes of it: approved, it is COMPLIANT (the approval writes the entry as for any service);
 * rejected or withdrawn, it is NON_COMPLIANT with the owner's action plan date, and continual
 * monitoring (Process 4) reports it once that date has passed. It is never dropped.
 *
 * The action plan date is asked on the request rather than after a rejection: the policy asks the
 * owner to weigh the contract's variations and their cost up front, the date belongs with them, and
 * a rejected contract is then listed with it at once, with no step left for anyone to forget.
 */

/** The entry an existing contract's request lists, as `compliance` from `at`; undefined for any other request. */
function listedEntry(record: RequestRecord, compliance: ComplianceStatus, at: string, version: number): RegisterEntry | undefined {
  const r = record.request;
  if (r.changeType !== 'EXISTING' || !r.existingContract) return undefined;
  return {
    serviceId: serviceIdFor({ request: record }),
    version,
    requestId: record.requestId,
    round: record.round,
    ...serviceFacts(record),
    approvals: [],
    // Monitored from now: its reviews fall due as an approved service's would.
    reviewDue: reviewDue(r, new Date(at)),
    compliance,
    complianceSince: at,
    existingContract: r.existingContract,
  };
}

const listedEvent = (runtime: Runtime, entry: RegisterEntry, at: string): AuditEvent => ({
  eventId: runtime.ids.eventId(),
  at,
  type: 'EXISTING_CONTRACT_LISTED',
  actor: SYSTEM,
  round: entry.round,
  details: {
    serviceId: entry.serviceId,
    version: entry.version,
    compliance: complianceOf(entry),
    actionPlanDate: entry.existingContract?.actionPlanDate ?? '',
  },
});

/**
 * What a submission writes beside the request for an existing contract (nothing for other
 * requests): its register entry under assessment, in the same transaction, so a stored existing
 * contract is always listed.
 */
export function listingAtSubmission(
  runtime: Runtime,
  record: RequestRecord,
): { serviceId: string; compliance: ComplianceStatus; puts: TransactItem[]; event: AuditEvent } | undefined {
  const entry = listedEntry(record, 'UNDER_ASSESSMENT', record.submittedAt, 1);
  if (!entry) return undefined;
  return {
    serviceId: entry.serviceId,
    compliance: 'UNDER_ASSESSMENT',
    puts: runtime.store.register.firstVersionPuts(entry, `Existing contract listed, under assessment: request ${record.requestId} submitted`),
    event: listedEvent(runtime, entry, record.submittedAt),
  };
}

/**
 * A rejected or withdrawn existing contract stays listed, NON_COMPLIANT with its action plan date.
 * Safe to retry: an entry already listed so, with the same contract details, is left as it is;
 * an approved (compliant) entry is never undone. Answers the entry as it stands.
 */
export async function listAsNonCompliant(runtime: Runtime, view: Pick<RequestView, 'request'>, why: string): Promise<RegisterEntry | undefined> {
  const { request } = view;
  const contract = request.request.existingContract;
  if (request.request.changeType !== 'EXISTING' || !contract) return undefined;
  const serviceId = serviceIdFor(view);
  // Each try reads the entry afresh: a review or monitoring may have written it meanwhile.
  for (let attempt = 1; ; attempt++) {
    const entry = await getRegisterEntry(runtime, serviceId);
    if (entry && complianceOf(entry) === 'COMPLIANT') return entry;
    if (entry && complianceOf(entry) === 'NON_COMPLIANT' && isDeepStrictEqual(entry.existingContract, contract)) return entry;
    const at = runtime.clock().toISOString();
    const next: RegisterEntry | undefined = entry
      ? { ...entry, version: entry.version + 1, round: request.round, compliance: 'NON_COMPLIANT', complianceSince: at, existingContract: contract }
      : listedEntry(request, 'NON_COMPLIANT', at, 1);
    if (!next) return undefined;
    try {
      await runtime.store.register.putRegisterVersion(next, {
        reason: `Existing contract not approved (${why}): non-compliant, action plan due by ${contract.actionPlanDate}`,
        ...(entry ? { replaces: entry.version } : {}),
        audit: { requestId: request.requestId, event: listedEvent(runtime, next, at) },
      });
      return next;
    } catch (error) {
      if (!(error instanceof StaleState) || attempt >= 3) throw error;
      logger.info('Register entry changed while listing an existing contract as non-compliant; reading it again', { serviceId });
    }
  }
}
