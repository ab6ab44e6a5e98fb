import type * as z from 'zod';
import { toFieldErrors, type FieldError } from '../domain/request.ts';
import { EscalationSchema, MitigationsSchema, escalateToDepartmentalHead, loadRejected } from '../domain/rejection-routes.ts';
import { provideMitigations, resubmitAdjustedRequest } from '../domain/adjust-and-mitigate.ts';
import { WithdrawalSchema, withdrawOffshoringRequest } from '../domain/withdrawal.ts';
import { WITHDRAWABLE } from '../domain/lifecycle.ts';
import { REQUEST_STATUS_WORDS } from '../domain/words.ts';
import { Conflict, Forbidden, ValidationFailed } from './errors.ts';
import { pathParameter } from './http.ts';
import { actorOf, ownsRequest } from './identity.ts';
import { errorsForPage } from './forms.ts';
import type { PageRoute, SignedInRequest } from './page-handler.ts';
import { redirect, renderPage } from './render.ts';
import { orConflictPage, readableRequest, requestPage } from './owner-views.ts';
import { businessAreaName } from './request-words.ts';
import { formValues, mitigationLines, requestFormValues, withLocationsChanged } from './request-form.ts';
import { checkedRequest, requestFormPage } from './new-request-pages.ts';

/**
 * Offshoring Policy, Process 3, as forms: once rejected, the owner adjusts and resubmits (the whole
 * form, prefilled), adds or replaces mitigations, or escalates to their Departmental Head; and
 * withdraws while the request can be withdrawn. Each calls the JSON API's own use case, and comes
 * back to the request page with a banner saying what happened, or to a page saying what changed first.
 */

const str = (value: unknown) => (typeof value === 'string' ? value : '');

/** Errors in words: a message that is a whole sentence ("confirm that…") stands alone, with no label before it. */
function routeErrors(errors: readonly FieldError[], labels: Readonly<Record<string, string>>) {
  const { errorList, fieldErrors } = errorsForPage(errors, labels);
  const sentence = (text: string) => text.trim().replace(/^./, (c) => c.toUpperCase());
  return {
    errorList: errorList.map((e) => ({ ...e, text: sentence(e.text) })),
    fieldErrors: Object.fromEntries(Object.entries(fieldErrors).map(([k, v]) => [k, sentence(v)])),
  };
}

type Route = (request: SignedInRequest, requestId: string) => Promise<Awaited<ReturnType<PageRoute['page']>>>;

const route = (handle: Route): PageRoute => ({
  access: 'signedIn',
  page: async (request) => {
    const requestId = pathParameter(request.event, 'requestId');
    return orConflictPage(request, requestId, () => handle(request, requestId));
  },
});

const done = (requestId: string, what: string) => redirect(`${requestPage(requestId)}?done=${what}`);

// Process 3(a): the whole form again, prefilled with the request as it stands.
const resubmitForm = route(async (request, requestId) => {
  const view = await loadRejected(request.runtime, requestId, request.caller);
  return requestFormPage(request, {
    values: requestFormValues(view.request.request),
    action: `${requestPage(requestId)}/resubmit`,
    resubmit: { requestId },
  });
});

const resubmit = route(async (request, requestId) => {
  const action = `${requestPage(requestId)}/resubmit`;
  const values = formValues(request.form);
  const changed = withLocationsChanged(values, request.form);
  if (changed) return requestFormPage(request, { values: changed, action, resubmit: { requestId } });
  try {
    const adjusted = await checkedRequest(request.runtime, request.caller, values);
    await resubmitAdjustedRequest(request.runtime, request.caller, requestId, adjusted);
  } catch (error) {
    if (!(error instanceof ValidationFailed)) throw error;
    return requestFormPage(request, { values, action, errors: error.errors, resubmit: { requestId } });
  }
  return done(requestId, 'resubmitted');
});

// Process 3(c): additional mitigations (added to the earlier ones) or alternative ones (replacing them).
const MITIGATION_LABELS = { mitigations: 'Mitigations', replaceExisting: 'Whether they replace the earlier mitigations' };

async function mitigationsPage(request: SignedInRequest, requestId: string, values: Record<string, unknown>, errors: FieldError[] = []) {
  const view = await loadRejected(request.runtime, requestId, request.caller);
  return renderPage(
    'owner/mitigations.njk',
    { ...request.view, record: view.request, values, ...routeErrors(errors, MITIGATION_LABELS) },
    { statusCode: errors.length > 0 ? 400 : 200 },
  );
}

const mitigationsForm = route((request, requestId) => mitigationsPage(request, requestId, { replaceExisting: 'false' }));

const mitigations = route(async (request, requestId) => {
  const values = { mitigations: str(request.form.mitigations), replaceExisting: str(request.form.replaceExisting) };
  const parsed = MitigationsSchema.safeParse({
    mitigations: mitigationLines(values.mitigations),
    replaceExisting: values.replaceExisting === 'true',
  });
  if (!parsed.success) {
    const errors = toFieldErrors(parsed.error).map((e) => ({ ...e, path: e.path.replace(/^mitigations\.\d+$/, 'mitigations') }));
    return mitigationsPage(request, requestId, values, errors);
  }
  await provideMitigations(request.runtime, request.caller, requestId, parsed.data);
  return done(requestId, 'mitigations');
});

// Process 3(b): the case for approval, once any residual or inherent risk is rectified.
const ESCALATION_LABELS = {
  caseForApproval: 'Your case for approval',
  risksRectified: 'What you rectified',
  residualRisksRectified: '',
  businessArea: '',
};

async function escalationPage(request: SignedInRequest, requestId: string, values: Record<string, unknown>, errors: FieldError[] = []) {
  const view = await loadRejected(request.runtime, requestId, request.caller);
  const areas = view.request.request.businessAreas.map((code) => ({ value: code, text: businessAreaName(code, request.runtime.directory) }));
  const worded = errors.map((e) => (e.path === 'businessArea' ? { ...e, message: 'choose whose Departmental Head to escalate to' } : e));
  return renderPage(
    'owner/escalate.njk',
    { ...request.view, record: view.request, values, areas, ...routeErrors(worded, ESCALATION_LABELS) },
    { statusCode: errors.length > 0 ? 400 : 200 },
  );
}

const escalateForm = route((request, requestId) => escalationPage(request, requestId, {}));

const escalate = route(async (request, requestId) => {
  const values = {
    caseForApproval: str(request.form.caseForApproval),
    risksRectified: str(request.form.risksRectified),
    businessArea: str(request.form.businessArea),
  };
  // Saying what was rectified is the confirmation: the page asks for the text alone.
  const body: z.input<typeof EscalationSchema> = {
    caseForApproval: values.caseForApproval,
    risksRectified: values.risksRectified,
    ...(values.businessArea ? { businessArea: values.businessArea } : {}),
  };
  const parsed = EscalationSchema.safeParse(body);
  if (!parsed.success) return escalationPage(request, requestId, values, toFieldErrors(parsed.error));
  const view = await loadRejected(request.runtime, requestId, request.caller);
  try {
    await escalateToDepartmentalHead(request.runtime, view, parsed.data, actorOf(request.caller));
  } catch (error) {
    if (!(error instanceof ValidationFailed)) throw error;
    return escalationPage(request, requestId, values, error.errors);
  }
  return done(requestId, 'escalated');
});

// Withdrawal, while the lifecycle allows it, with the owner's reason: the API lets a client leave it out,
// but a person withdrawing says why, and the trail keeps it.
async function withdrawalPage(request: SignedInRequest, values: Record<string, unknown>, errors: FieldError[] = []) {
  const view = await readableRequest(request);
  if (!ownsRequest(request.caller, view.request)) throw new Forbidden('Only the service owner can withdraw this request.');
  if (!(WITHDRAWABLE as readonly string[]).includes(view.request.status)) {
    throw new Conflict(`This request is ${REQUEST_STATUS_WORDS[view.request.status].text.toLowerCase()}, so it can no longer be withdrawn.`);
  }
  return renderPage(
    'owner/withdraw.njk',
    { ...request.view, record: view.request, values, ...routeErrors(errors, { reason: 'Your reason' }) },
    { statusCode: errors.length > 0 ? 400 : 200 },
  );
}

const withdrawForm = route((request) => withdrawalPage(request, {}));

const withdraw = route(async (request, requestId) => {
  const values = { reason: str(request.form.reason) };
  const parsed = WithdrawalSchema.safeParse({ reason: values.reason });
  if (!parsed.success) return withdrawalPage(request, values, toFieldErrors(parsed.error));
  if (!parsed.data.reason) return withdrawalPage(request, values, [{ path: 'reason', message: 'must not be empty' }]);
  await withdrawOffshoringRequest(request.runtime)(request.caller, requestId, parsed.data);
  return done(requestId, 'withdrawn');
});

export const rejectionRoutePages: Readonly<Record<string, PageRoute>> = {
  'GET /offshoring-requests/{requestId}/resubmit': resubmitForm,
  'POST /offshoring-requests/{requestId}/resubmit': resubmit,
  'GET /offshoring-requests/{requestId}/mitigations': mitigationsForm,
  'POST /offshoring-requests/{requestId}/mitigations': mitigations,
  'GET /offshoring-requests/{requestId}/escalate': escalateForm,
  'POST /offshoring-requests/{requestId}/escalate': escalate,
  'GET /offshoring-requests/{requestId}/withdraw': withdrawForm,
  'POST /offshoring-requests/{requestId}/withdraw': withdraw,
};
