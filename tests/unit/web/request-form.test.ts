import { describe, expect, it } from 'vitest';
import qs from 'qs';
import {
  formToRequestBody,
  formValues,
  requestBody,
  requestFormErrors,
  requestFormValues,
  withLocationsChanged,
} from '../../../functions/web/request-form.ts';
import { validateOffshoringRequest } from '../../../functions/domain/request-checks.ts';
import { loadApproverDirectory } from '../../../functions/platform/directory.ts';
import { ValidationFailed } from '../../../functions/web/errors.ts';
import { singleAreaRequest } from '../../fixtures/index.ts';

/** A form body as the browser sends it, read as the pages read it (functions/web/forms.ts readForm uses qs). */
const posted = (fields: Record<string, unknown>) => qs.parse(qs.stringify(fields, { arrayFormat: 'indices' }), { depth: 4, arrayLimit: 60 });

const filledForm = {
  serviceName: 'Court hearing transcription',
  supplierName: 'Veritext Transcription Services Ltd',
  description: 'Transcribed in India',
  changeType: 'NEW',
  businessCriticality: 'HIGH',
  businessAreas: ['HMCTS'],
  dataClassification: 'OFFICIAL-SENSITIVE',
  dataCategories: ['PERSONAL', 'LEGAL'],
  offshoreLocations: [{ country: 'IN', activities: ['PROCESSING', 'ACCESS'] }],
  plannedStartDate: { day: '1', month: '3', year: '2027' },
  serviceOwner: { name: 'Priya Shah', email: ' priya.shah@justice.gov.uk ' },
  contractManager: { name: 'Tom Evans', email: 'tom.evans@justice.gov.uk' },
  mitigations: 'Virtual desktops only\r\n\r\n  BPSS clearance  \n',
};

describe('the request form as the API body', () => {
  it('turns every field into the body the JSON API takes', () => {
    expect(formToRequestBody(posted(filledForm))).toEqual({
      serviceName: 'Court hearing transcription',
      supplierName: 'Veritext Transcription Services Ltd',
      description: 'Transcribed in India',
      changeType: 'NEW',
      businessCriticality: 'HIGH',
      businessAreas: ['HMCTS'],
      dataClassification: 'OFFICIAL-SENSITIVE',
      dataCategories: ['PERSONAL', 'LEGAL'],
      offshoreLocations: [{ country: 'IN', activities: ['PROCESSING', 'ACCESS'] }],
      plannedStartDate: '2027-03-01',
      serviceOwner: { name: 'Priya Shah', email: 'priya.shah@justice.gov.uk' },
      contractManager: { name: 'Tom Evans', email: 'tom.evans@justice.gov.uk' },
      mitigations: ['Virtual desktops only', 'BPSS clearance'],
    });
  });

  it('passes the same checks as the API', () => {
    expect(() => validateOffshoringRequest(formToRequestBody(posted(filledForm)), loadApproverDirectory())).not.toThrow();
  });

  it('reads one ticked box as a list of one, and leaves out a contract manager left blank, for the checks to refuse', () => {
    const body = formToRequestBody(posted({ ...filledForm, dataCategories: 'PERSONAL', contractManager: { name: ' ', email: '' } }));
    expect(body.dataCategories).toEqual(['PERSONAL']);
    expect(body).not.toHaveProperty('contractManager');
  });

  it('sends a service id only for a change', () => {
    expect(formToRequestBody(posted({ ...filledForm, serviceId: 'SVC-1' }))).not.toHaveProperty('serviceId');
    expect(formToRequestBody(posted({ ...filledForm, changeType: 'CHANGE', serviceId: ' SVC-1 ' })).serviceId).toBe('SVC-1');
  });

  it('drops locations added and left blank, but keeps one for the checks to say what it lacks', () => {
    const locations = [{ country: '' }, { country: 'FR', activities: ['HOSTING'] }, { country: '' }];
    expect(formToRequestBody(posted({ ...filledForm, offshoreLocations: locations })).offshoreLocations).toEqual([
      { country: 'FR', activities: ['HOSTING'] },
    ]);
    expect(formToRequestBody(posted({ ...filledForm, offshoreLocations: [{ country: '' }] })).offshoreLocations).toEqual([
      { country: '', activities: [] },
    ]);
  });

  it('keeps a date that is not a date as typed, for the schema to refuse', () => {
    expect(formToRequestBody(posted({ ...filledForm, plannedStartDate: { day: '31', month: 'Feb', year: '2027' } })).plannedStartDate).toBe(
      '2027-Feb-31',
    );
  });

  it('round-trips a stored request through the form unchanged (the resubmission form is prefilled with it)', () => {
    const request = validateOffshoringRequest(singleAreaRequest(), loadApproverDirectory());
    expect(validateOffshoringRequest(requestBody(requestFormValues(request)), loadApproverDirectory())).toEqual(request);
  });

  it('adds an empty location for "Add another location", and removes the one asked for', () => {
    const values = formValues(posted(filledForm));
    expect(withLocationsChanged(values, { 'offshoreLocations-add-another': 'add-another-location' })?.offshoreLocations).toEqual([
      { country: 'IN', activities: ['PROCESSING', 'ACCESS'] },
      { country: '', activities: [] },
    ]);
    expect(withLocationsChanged(values, { removeLocation: '0' })?.offshoreLocations).toEqual([{ country: '', activities: [] }]);
    expect(withLocationsChanged(values, {})).toBeUndefined();
  });
});

describe('business criticality and the Information Asset Owner on the form', () => {
  const iao = { name: 'Grace Okafor', email: ' grace.okafor@justice.gov.uk ' };

  it('sends how critical the service is, and links a form without it to its radios', () => {
    expect(formToRequestBody(posted(filledForm)).businessCriticality).toBe('HIGH');
    const { businessCriticality: _, ...without } = filledForm;
    try {
      validateOffshoringRequest(formToRequestBody(posted(without)), loadApproverDirectory());
      throw new Error('expected a refusal');
    } catch (error) {
      if (!(error instanceof ValidationFailed)) throw error;
      expect(requestFormErrors(error.errors).errorList).toEqual([
        { text: 'How critical the service is to the MoJ must be chosen from the options given', href: '#businessCriticality' },
      ]);
    }
  });

  it('sends an Information Asset Owner only when named, and shows them again for resubmitting', () => {
    expect(formToRequestBody(posted(filledForm))).not.toHaveProperty('informationAssetOwner');
    expect(formToRequestBody(posted({ ...filledForm, informationAssetOwner: { name: ' ', email: '' } }))).not.toHaveProperty('informationAssetOwner');
    const body = formToRequestBody(posted({ ...filledForm, informationAssetOwner: iao }));
    expect(body.informationAssetOwner).toEqual({ name: 'Grace Okafor', email: 'grace.okafor@justice.gov.uk' });
    const request = validateOffshoringRequest(body, loadApproverDirectory());
    expect(requestFormValues(request).informationAssetOwner).toEqual({ name: 'Grace Okafor', email: 'grace.okafor@justice.gov.uk' });
    expect(validateOffshoringRequest(requestBody(requestFormValues(request)), loadApproverDirectory())).toEqual(request);
  });

  it('links an Information Asset Owner without an email address to its email input', () => {
    try {
      validateOffshoringRequest(
        formToRequestBody(posted({ ...filledForm, informationAssetOwner: { name: 'Grace Okafor', email: '' } })),
        loadApproverDirectory(),
      );
      throw new Error('expected a refusal');
    } catch (error) {
      if (!(error instanceof ValidationFailed)) throw error;
      expect(requestFormErrors(error.errors).errorList).toEqual([
        { text: "Information Asset Owner's email address must be an email address", href: '#informationAssetOwner-email' },
      ]);
    }
  });
});

describe('the checks as the error summary', () => {
  const errorsOf = (form: Record<string, unknown>) => {
    try {
      validateOffshoringRequest(formToRequestBody(posted(form)), loadApproverDirectory());
    } catch (error) {
      if (error instanceof ValidationFailed) return requestFormErrors(error.errors);
    }
    throw new Error('expected the checks to refuse the form');
  };

  it('links every required field of an empty form to its input, in words without codes', () => {
    const { errorList, fieldErrors } = errorsOf({});
    expect(errorList.map((e) => e.href)).toEqual([
      '#serviceName',
      '#supplierName',
      '#description',
      '#changeType',
      '#businessCriticality',
      '#businessAreas',
      '#dataClassification',
      '#dataCategories',
      '#offshoreLocations-0-country',
      '#offshoreLocations-0-activities',
      '#plannedStartDate-day',
      '#serviceOwner-name',
      '#serviceOwner-email',
      '#contractManager-name',
      '#mitigations',
    ]);
    expect(errorList[0]!.text).toBe('Service name must not be empty');
    expect(fieldErrors.changeType).toBe('Type of change must be chosen from the options given');
    for (const { text } of errorList) expect(text).not.toMatch(/"|YYYY|ISO|NEW|OFFICIAL/);
  });

  it('says which line of the mitigations is wrong, linked to the mitigations box', () => {
    const { errorList } = errorsOf({ ...filledForm, mitigations: `fine\n${'x'.repeat(2001)}` });
    expect(errorList).toEqual([{ text: 'Controls and mitigations line 2 must be at most 2000 characters', href: '#mitigations' }]);
  });

  it('refuses a form without a contract manager, on the contract manager’s name', () => {
    const { errorList, fieldErrors } = errorsOf({ ...filledForm, contractManager: { name: '', email: ' ' } });
    expect(errorList).toEqual([
      { text: "Contract manager is required: the supplier's contract manager is told of the request and its outcome", href: '#contractManager-name' },
    ]);
    expect(fieldErrors.contractManager).toBe(errorList[0]!.text);
  });

  it('refuses a form naming no control or mitigation, on the controls box', () => {
    for (const mitigations of ['', ' \r\n\t\n']) {
      const { errorList, fieldErrors } = errorsOf({ ...filledForm, mitigations });
      expect(errorList).toEqual([
        { text: 'Controls and mitigations must name at least one control or mitigation the supplier works under', href: '#mitigations' },
      ]);
      expect(fieldErrors.mitigations).toBe(errorList[0]!.text);
    }
  });
});

describe('interested parties and an existing contract on the form', () => {
  const contract = {
    endOrBreakDate: { day: '31', month: '3', year: '2028' },
    variationsRequired: 'A processing schedule',
    variationCost: '£12,000',
    actionPlanDate: { day: '30', month: '9', year: '2027' },
  };

  it('sends the interested parties filled in, dropping rows left blank', () => {
    const parties = [
      { name: 'Ann Lee', email: ' ann.lee@justice.gov.uk ' },
      { name: ' ', email: '' },
    ];
    expect(formToRequestBody(posted({ ...filledForm, interestedParties: parties })).interestedParties).toEqual([
      { name: 'Ann Lee', email: 'ann.lee@justice.gov.uk' },
    ]);
    expect(formToRequestBody(posted({ ...filledForm, interestedParties: [{ name: '', email: '' }] }))).not.toHaveProperty('interestedParties');
  });

  it('sends the existing contract only for an existing contract, its dates as the API takes them', () => {
    expect(formToRequestBody(posted({ ...filledForm, existingContract: contract }))).not.toHaveProperty('existingContract');
    const body = formToRequestBody(posted({ ...filledForm, changeType: 'EXISTING', existingContract: contract }));
    expect(body.existingContract).toEqual({
      endOrBreakDate: '2028-03-31',
      variationsRequired: 'A processing schedule',
      variationCost: '£12,000',
      actionPlanDate: '2027-09-30',
    });
    const request = validateOffshoringRequest(body, loadApproverDirectory());
    expect(validateOffshoringRequest(requestBody(requestFormValues(request)), loadApproverDirectory())).toEqual(request);
  });

  it("asks an existing contract's criticality once, as the service's: the request holds it in both places", () => {
    const form = { ...filledForm, changeType: 'EXISTING', businessCriticality: 'MEDIUM', existingContract: contract };
    const request = validateOffshoringRequest(formToRequestBody(posted(form)), loadApproverDirectory());
    expect(request.businessCriticality).toBe('MEDIUM');
    expect(request.existingContract?.criticality).toBe('MEDIUM');
  });

  it('adds an interested party for "Add another interested party", and removes the one asked for', () => {
    const values = formValues(posted({ ...filledForm, interestedParties: [{ name: 'Ann Lee', email: 'ann.lee@justice.gov.uk' }] }));
    expect(withLocationsChanged(values, { 'interestedParties-add-another': 'add-another-interested-party' })?.interestedParties).toEqual([
      { name: 'Ann Lee', email: 'ann.lee@justice.gov.uk' },
      { name: '', email: '' },
    ]);
    expect(withLocationsChanged(values, { removeInterestedParty: '0' })?.interestedParties).toEqual([{ name: '', email: '' }]);
  });
});
