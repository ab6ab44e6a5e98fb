import type { RequestView } from '../store/requests.ts';
import type { ApprovalRecord } from '../store/records.ts';
import type { ApproverDirectory } from '../platform/directory.ts';
import type { DirectoryVersion } from '../store/directory.ts';
import { ukTime } from '../domain/words.ts';
import { WITHDRAWABLE } from '../domain/lifecycle.ts';
import { rejectionRoutesOpen } from '../domain/offshoring-policy.ts';
import { serviceChanges } from '../domain/service-change.ts';
import { changesInRound, requestRounds } from '../domain/round-history.ts';
import { requestInWords } from '../domain/round-changes.ts';
import { ownsRequest } from './identity.ts';
import type { PageRoute } from './page-handler.ts';
import { renderPage } from './render.ts';
import { exemptionsInForceFor, exemptionsInWords } from '../domain/exemptions-in-force.ts';
import { doneMessage, readableRequest, requestPage } from './owner-views.ts';
import { approverRole, businessAreaName, eventInWords, timelineParams } from './request-words.ts';

/**
 * A request's page, for its owner and the security team: the request in words, each approver and
 * their decision, earlier rounds and how each next one started, and the audit trail as a timeline.
 * Its owner also gets what they can do now: the three Process 3 routes once rejected, and withdrawal.
 */

const approverView = (a: ApprovalRecord, directory: ApproverDirectory) => ({
  role: approverRole(a.role, a.businessArea, directory),
  name: a.name,
  status: a.status,
  respondBy: a.respondBy,
  decidedAt: a.decidedAt,
  reason: a.reason,
});

/** The directory versions a request's rounds were routed by, each read once, by number. */
export type RoutingVersions = ReadonlyMap<number, DirectoryVersion>;

/**
 * Which approver directory version chose a round's approvers, in words: who held each role when
 * they were asked (a later version never changes that). Undefined for rounds that did not record it.
 */
export function routedByInWords(version: number | undefined, versions: RoutingVersions): string | undefined {
  if (version === undefined) return undefined;
  const saved = versions.get(version);
  const chosen = `Approvers chosen from version ${version} of the approver directory`;
  if (!saved) return `${chosen}.`;
  const who = saved.changedBy.name ?? saved.changedBy.email ?? 'the service';
  return `${chosen}, changed by ${who} on ${ukTime(saved.changedAt)} (UK time).`;
}

/** Reads the directory versions `rounds` were routed by (a version never changes once saved). */
export async function routingVersions(
  directory: { version(version: number): Promise<DirectoryVersion | undefined> },
  rounds: readonly { directoryVersion?: number }[],
): Promise<RoutingVersions> {
  const numbers = [...new Set(rounds.map((r) => r.directoryVersion).filter((v): v is number => v !== undefined))];
  const found = await Promise.all(numbers.map(async (n) => [n, await directory.version(n)] as const));
  return new Map(found.filter((entry): entry is readonly [number, DirectoryVersion] => entry[1] !== undefined));
}

/**
 * The rounds before the current one, each with the request its approvers decided on (its stored
 * round), their decisions, how the round after it started and what that round changed.
 */
function earlierRounds(view: RequestView, directory: ApproverDirectory, versions: RoutingVersions) {
  const rounds = requestRounds(view);
  const starts = ['REQUEST_RESUBMITTED', 'MITIGATIONS_PROVIDED', 'ROUND_STARTED_AFTER_ENDORSEMENT'];
  return rounds
    .filter(({ round }) => round < view.request.round)
    .map(({ round, request, approvals, directoryVersion }) => {
      const next = view.audit.find((e) => e.round === round + 1 && starts.includes(e.type));
      return {
        round,
        approvers: approvals.map((a) => approverView(a, directory)),
        routedBy: routedByInWords(directoryVersion, versions),
        requestRows: request && requestInWords(request).map(({ what, value }) => ({ key: { text: what }, value: { text: value } })),
        nextStarted: next ? eventInWords(next, directory) : undefined,
        nextChanges: changesInRound(rounds, round + 1),
      };
    });
}

export function requestPageContext(
  view: RequestView,
  directory: ApproverDirectory,
  owner: boolean,
  routing: { versions?: RoutingVersions; securityTeam?: boolean } = {},
) {
  const { request } = view;
  const versions = routing.versions ?? new Map();
  const before = request.serviceBeforeChange;
  return {
    record: request,
    request: request.request,
    businessAreaNames: Object.fromEntries(request.request.businessAreas.map((code) => [code, businessAreaName(code, directory)])),
    approvers: view.approvals.filter((a) => a.round === request.round).map((a) => approverView(a, directory)),
    routedBy: routedByInWords(request.directoryVersion, versions),
    earlierRounds: earlierRounds(view, directory, versions),
    changes: before ? serviceChanges(before, request.request) : undefined,
    serviceBeforeChange: before,
    rejectionReasons: (request.rejectionReasons ?? []).map((r) => ({ ...r, role: approverRole(r.role, undefined, directory) })),
    timeline: timelineParams(view.audit.map((e) => eventInWords(e, directory))),
    links: {
      page: requestPage(request.requestId),
      // The directory's history (who changed which role, when and why) is the security team's page.
      directory: routing.securityTeam === true,
      routes: owner && rejectionRoutesOpen(request.status),
      withdraw: owner && (WITHDRAWABLE as readonly string[]).includes(request.status),
    },
  };
}

export const requestPageRoute: PageRoute = {
  access: 'signedIn',
  page: async (request) => {
    const view = await readableRequest(request);
    const done = doneMessage(request.event.queryStringParameters?.done);
    const versions = await routingVersions(request.runtime.store.directory, requestRounds(view));
    const { serviceId, businessAreas } = view.request.request;
    const exemptionsInForce = exemptionsInWords(await exemptionsInForceFor(request.runtime, { serviceId, businessAreas }));
    return renderPage('owner/request.njk', {
      exemptionsInForce,
      ...request.view,
      ...requestPageContext(view, request.runtime.directory, ownsRequest(request.caller, view.request), {
        versions,
        securityTeam: request.caller.securityTeam,
      }),
      done,
    });
  },
};
