import type { Runtime } from '../platform/runtime.ts';
import type { ExemptionRecord } from '../store/exemptions.ts';
import { exemptionScope, exemptionWhat } from '../email/exemption-templates.ts';
import { ukDate } from './words.ts';

/**
 * The exemptions in force that a service (or a request for one) may rely on: those for that
 * register entry, a business area's variations for its areas, and those from the whole policy.
 * Read from the end-date index from today on, so only exemptions still in force are read (a
 * change to the policy is the policy itself, not an exemption from it, so it is not listed).
 */
export async function exemptionsInForceFor(
  runtime: Runtime,
  scope: { serviceId?: string; businessAreas: readonly string[] },
): Promise<ExemptionRecord[]> {
  const today = runtime.clock().toISOString().slice(0, 10);
  const { exemptions } = await runtime.store.exemptionsEndingBetween(today, '9999-12-31');
  return exemptions.filter((e) => {
    if (e.status !== 'APPROVED') return false;
    if (e.exemption.serviceId) return e.exemption.serviceId === scope.serviceId;
    const area = e.exemption.variation?.businessArea;
    return area === undefined || scope.businessAreas.includes(area);
  });
}

/** Each in words for a page: what, its clause, its scope and when it ends. */
export const exemptionsInWords = (exemptions: readonly ExemptionRecord[]) =>
  exemptions.map((e) => ({
    requestId: e.requestId,
    what: exemptionWhat(e),
    policyClause: e.exemption.policyClause,
    scope: exemptionScope(e),
    ends: e.exemption.endDate ? ukDate(e.exemption.endDate) : '',
  }));
