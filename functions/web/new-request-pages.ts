import type { Runtime } from '../platform/runtime.ts';
import type { FieldError, OffshoringRequest } from '../domain/request.ts';
import { checkServiceReference, validateOffshoringRequest } from '../domain/request-checks.ts';
import { requestIdForKey, submitOffshoringRequest } from '../domain/submission.ts';
import { serviceIdFor } from '../domain/register.ts';
import { Forbidden, ValidationFailed } from './errors.ts';
import { ownsRequest, type Caller } from './identity.ts';
import type { PageRoute, SignedInRequest } from './page-handler.ts';
import { redirect, renderPage } from './render.ts';
import { requestPage } from './owner-views.ts';
import {
  COUNTRY_ITEMS,
  blankForm,
  businessAreaItems,
  formValues,
  requestBody,
  requestFormErrors,
  requestFormValues,
  withLocationsChanged,
  type RequestFormValues,
} from './request-form.ts';

/**
 * Asking for approval (Offshoring Policy, Process 1) as a GOV.UK question page: the form, then
 * "Check your answers", then the confirmation. Nothing is kept between the steps but the page
 * itself: the checked answers travel in one hidden field (posted, never in an address, which access
 * logs keep), and a form id made when the form was first shown becomes the submission's
 * idempotency key, so a double click submits once.
 */

/** The service ids the caller can name for a change: those of their own approved requests (never the whole register). */
async function ownServices(runtime: Runtime, caller: Caller): Promise<{ value: string; text: string }[]> {
  const { requests } = await runtime.store.listByOwner(caller.email, 50);
  const seen = new Map<string, string>();
  for (const r of requests.filter((r) => r.status === 'APPROVED' && ownsRequest(caller, r))) {
    const id = serviceIdFor({ request: r });
    if (!seen.has(id)) seen.set(id, `${r.request.serviceName} (${id})`);
  }
  return [...seen].map(([value, text]) => ({ value, text }));
}

const FORM_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** The form page: new or resubmitted (`action` says where it posts), with its values and any errors. */
export async function requestFormPage(
  request: SignedInRequest,
  options: { values: RequestFormValues; action: string; errors?: FieldError[]; formId?: string; resubmit?: { requestId: string } },
) {
  const { errorList, fieldErrors } = requestFormErrors(options.errors ?? []);
  const services = await ownServices(request.runtime, request.caller);
  return renderPage(
    'owner/request-form.njk',
    {
      ...request.view,
      values: options.values,
      action: options.action,
      formId: options.formId,
      resubmit: options.resubmit,
      errorList,
      fieldErrors,
      countryItems: COUNTRY_ITEMS,
      businessAreaItems: businessAreaItems(request.runtime.directory),
      serviceItems: services.length > 0 ? [{ value: '', text: 'Choose a service' }, ...services] : undefined,
    },
    { statusCode: errorList.length > 0 ? 400 : 200 },
  );
}

/**
 * The checks the API makes before it submits, and the page's own: a service owner asks for their own
 * service (the use case refuses anyone else), and a change names a service they own.
 */
export async function checkedRequest(runtime: Runtime, caller: Caller, values: RequestFormValues): Promise<OffshoringRequest> {
  const request = validateOffshoringRequest(requestBody(values), runtime.directory);
  const errors: FieldError[] = [];
  if (!caller.securityTeam && request.serviceOwner.email.toLowerCase() !== caller.email) {
    errors.push({ path: 'serviceOwner.email', message: `must be your own (${caller.email}): a service owner asks for their own service` });
  }
  try {
    await checkServiceReference(runtime, request, caller);
  } catch (error) {
    if (error instanceof ValidationFailed) errors.push(...error.errors);
    else if (error instanceof Forbidden) errors.push({ path: 'serviceId', message: 'must be a service you own' });
    else throw error;
  }
  if (errors.length > 0) throw new ValidationFailed(errors);
  return request;
}

const newForm: PageRoute = {
  access: 'signedIn',
  page: async (request) => {
    // A fresh id from the injected generator: each form shown is one submission.
    return requestFormPage(request, { values: blankForm(request.caller), action: '/offshoring-requests/new', formId: request.runtime.ids.eventId() });
  },
};

/** The checked answers a page carried in its hidden field, if they are there and read as an object. */
function readAnswers(answers: unknown): Record<string, unknown> | undefined {
  if (typeof answers !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(answers);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Answers that did not come back whole from the check page: the form again, saying so. */
const LOST_ANSWERS: FieldError = { path: 'serviceName', message: 'and your other answers were not received whole: check them and continue' };

const checkAnswers: PageRoute = {
  access: 'signedIn',
  page: async (request) => {
    const { form, runtime, caller } = request;
    const formId = typeof form.formId === 'string' && FORM_ID.test(form.formId) ? form.formId : runtime.ids.eventId();
    const action = '/offshoring-requests/new';
    // "Change your answers" on the check page brings the checked answers back into the form.
    if (form.answers !== undefined) {
      const answers = readAnswers(form.answers);
      if (answers) return requestFormPage(request, { values: requestFormValues(answers), action, formId });
      return requestFormPage(request, { values: blankForm(caller), action, formId, errors: [LOST_ANSWERS] });
    }
    const values = formValues(form);
    const changed = withLocationsChanged(values, form);
    if (changed) return requestFormPage(request, { values: changed, action, formId });
    try {
      const checked = await checkedRequest(runtime, caller, values);
      return renderPage('owner/check-answers.njk', {
        ...request.view,
        request: checked,
        answers: JSON.stringify(checked),
        formId,
        businessAreaNames: Object.fromEntries(Object.entries(runtime.directory.businessAreas).map(([code, area]) => [code, area.name])),
      });
    } catch (error) {
      if (!(error instanceof ValidationFailed)) throw error;
      return requestFormPage(request, { values, action, errors: error.errors, formId });
    }
  },
};

const submitAnswers: PageRoute = {
  access: 'signedIn',
  page: async (request) => {
    const { form, runtime, caller, context } = request;
    const action = '/offshoring-requests/new';
    const answers = readAnswers(form.answers);
    const formId = typeof form.formId === 'string' && FORM_ID.test(form.formId) ? form.formId : undefined;
    // Without its answers or its form id, nothing is sent: the form again, to check and send.
    if (!answers || !formId) {
      const values = answers ? requestFormValues(answers) : blankForm(caller);
      return requestFormPage(request, { values, action, formId: runtime.ids.eventId(), errors: [LOST_ANSWERS] });
    }
    const values = requestFormValues(answers);
    let checked: OffshoringRequest;
    try {
      checked = await checkedRequest(runtime, caller, values);
    } catch (error) {
      // Answers changed on the way (or the register did): back to the form, saying what is wrong.
      if (!(error instanceof ValidationFailed)) throw error;
      return requestFormPage(request, { values, action, errors: error.errors, formId });
    }
    const idempotencyKey = `page-form:${formId}`;
    try {
      const created = await submitOffshoringRequest(runtime)(caller, checked, idempotencyKey, context);
      return redirect(`${requestPage(created.requestId)}/confirmation`);
    } catch (error) {
      // A double click: the first click's submission is still being made; its request is this key's.
      if ((error as Error).name !== 'IdempotencyAlreadyInProgressError') throw error;
      return redirect(`${requestPage(requestIdForKey(caller.sub, idempotencyKey))}/confirmation`);
    }
  },
};

export const newRequestPages: Readonly<Record<string, PageRoute>> = {
  'GET /offshoring-requests/new': newForm,
  'POST /offshoring-requests/new': checkAnswers,
  'POST /offshoring-requests/new/check': submitAnswers,
};
