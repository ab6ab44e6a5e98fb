import type { Finding } from '../../store/records.ts';
import { reviewActionOverdue } from '../offshoring-policy.ts';
import { ukDate } from '../words.ts';
import type { Check } from './check.ts';

export const title = 'Actions from reviews past the date they were due by';

/**
 * Offshoring Policy, Process 4: "continual monitoring and improvement of services". A review that
 * needs actions names each with the date it is due by; until a satisfactory review closes them, an
 * action past its date is reported on every run. Read from the sparse review-action index, so a run
 * reads only the services with an action overdue.
 */
export const reviewActions: Check = async ({ runtime, date, counted, serviceLink }) => {
  const { services } = counted(await runtime.store.register.reviewActionsDueBefore(date));
  return services.flatMap(({ serviceId, serviceName, actions }) =>
    actions
      .filter((action) => reviewActionOverdue(action, date))
      .map(
        (action): Finding => ({
          kind: 'REVIEW_ACTION_OVERDUE',
          id: serviceId,
          summary: `${serviceName} (${serviceId}): "${action.what}" was due by ${ukDate(action.dueBy)}`,
          link: serviceLink(serviceId),
          details: { what: action.what, dueBy: action.dueBy },
        }),
      ),
  );
};
