import type { Finding } from '../../store/records.ts';
import { CONTRACT_CRITICALITY_WORDS, ukDate } from '../words.ts';
import type { Check } from './check.ts';

export const title = 'Existing contracts not approved, past their action plan date';

/**
 * Offshoring Policy, Process (existing contracts) and Process 4: a rejected or withdrawn existing
 * contract stays live and listed as non-compliant; once its action plan date has passed without it
 * being approved, varied or exited, the security team hears of it on every run. Read from the sparse
 * action-plan index, so a run reads only what is overdue.
 */
export const existingContracts: Check = async ({ runtime, date, counted, serviceLink }) => {
  const { entries } = counted(await runtime.store.register.actionPlansOverdue(date));
  return entries.map(
    (entry): Finding => ({
      kind: 'ACTION_PLAN_OVERDUE',
      id: entry.serviceId,
      summary: `${entry.serviceName} (${entry.supplierName}): existing contract not approved, action plan due by ${ukDate(entry.existingContract?.actionPlanDate ?? date)}; criticality ${CONTRACT_CRITICALITY_WORDS[entry.existingContract?.criticality ?? 'HIGH'].split(':')[0]!.toLowerCase()}; owner ${entry.serviceOwner.email}`,
      link: serviceLink(entry.serviceId),
      details: {
        actionPlanDate: entry.existingContract?.actionPlanDate,
        criticality: entry.existingContract?.criticality,
        serviceOwner: entry.serviceOwner.email,
      },
    }),
  );
};
