import { byRoute, httpHandler, json, pathParameter, type HttpEvent } from '#web/http';
import { exemptionsInForceFor } from '#domain/exemptions-in-force';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { dynamoDb } from '#platform/clients/dynamodb';
import { Forbidden, NotFound, ValidationFailed } from '#web/errors';
import { actorOf, assertSecurityTeam, callerOf, ownsService } from '#web/identity';
import { toFieldErrors } from '#domain/request';
import { ReviewSchema, ServiceFilterSchema, complianceOf, getRegisterEntry, listRegister, recordReview, registerHistory } from '#domain/register';
import { reviewStatus } from '#domain/offshoring-policy';

/** The offshore service register over HTTP: GET /services, GET /services/{serviceId}, POST /services/{serviceId}/reviews. */
export function servicesApi(runtime: Runtime) {
  /** One entry, if the caller may see it: owners see their own service; the security team sees and reviews all. */
  async function entryFor(event: HttpEvent) {
    const caller = callerOf(event, runtime);
    const serviceId = pathParameter(event, 'serviceId');
    const entry = await getRegisterEntry(runtime, serviceId);
    if (!entry) throw new NotFound(`No service ${serviceId} in the offshore service register`, { serviceId });
    if (!caller.securityTeam && !ownsService(caller, entry)) throw new Forbidden(`Only the security team or the owner may see ${serviceId}`);
    return { caller, entry };
  }
  return byRoute({
    'GET /services': async (event) => {
      assertSecurityTeam(callerOf(event, runtime));
      const filter = ServiceFilterSchema.safeParse(event.queryStringParameters ?? {});
      if (!filter.success) throw new ValidationFailed(toFieldErrors(filter.error));
      const services = await listRegister(runtime, filter.data);
      return json(200, { services, count: services.length });
    },
    'GET /services/{serviceId}': async (event) => {
      const { entry } = await entryFor(event);
      const today = runtime.clock().toISOString().slice(0, 10);
      return json(200, {
        ...entry,
        compliance: complianceOf(entry),
        reviewStatus: reviewStatus(entry.reviewDue, today),
        versions: await registerHistory(runtime, entry.serviceId),
        // The exemptions from the Offshoring Policy it may rely on today (Compliance).
        exemptionsInForce: (await exemptionsInForceFor(runtime, entry)).map(({ requestId, exemption, approvedAt }) => ({
          requestId,
          ...exemption,
          ...(approvedAt ? { approvedAt } : {}),
        })),
      });
    },
    'POST /services/{serviceId}/reviews': async (event) => {
      const { caller, entry } = await entryFor(event);
      assertSecurityTeam(caller);
      const review = ReviewSchema.safeParse(event.body);
      if (!review.success) throw new ValidationFailed(toFieldErrors(review.error));
      return json(201, await recordReview(runtime, entry, { review: review.data, actor: actorOf(caller) }));
    },
  });
}

export const makeHandler = (runtime: Runtime) => httpHandler(servicesApi(runtime), { jsonBody: 'optional' });
export const handler = lambdaEntry(makeHandler, dynamoDb);
