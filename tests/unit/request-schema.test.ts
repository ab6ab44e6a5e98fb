import { describe, expect, it } from 'vitest';
import { validateOffshoringRequest } from '../../functions/domain/request-checks.ts';
import { ValidationFailed } from '../../functions/web/errors.ts';
import { locationInWords } from '../../functions/domain/words.ts';
import { StoredOffshoringRequestSchema } from '../../functions/domain/request.ts';
import { loadApproverDirectory } from '../../functions/platform/directory.ts';
import { multiAreaRequest, singleAreaRequest } from '../fixtures/index.ts';

const directory = loadApproverDirectory();

function problems(body: unknown) {
  try {
    validateOffshoringRequest(body, directory);
  } catch (error) {
    if (error instanceof ValidationFailed) return error.errors;
    throw error;
  }
  return [];
}

describe('the offshoring request', () => {
  it('accepts the single-area and multi-area examples', () => {
    expect(problems(singleAreaRequest())).toEqual([]);
    expect(problems(multiAreaRequest())).toEqual([]);
  });

  it('normalises country and business area codes to upper case', () => {
    const body = { ...singleAreaRequest(), businessAreas: ['hmcts'], offshoreLocations: [{ country: 'in', activities: ['ACCESS'] }] };
    const request = validateOffshoringRequest(body, directory);
    expect(request.businessAreas).toEqual(['HMCTS']);
    expect(request.offshoreLocations[0]?.country).toBe('IN');
  });

  it('refuses a blank business area, which would otherwise change who approves', () => {
    for (const blank of ['', ' \t']) {
      expect(problems({ ...singleAreaRequest(), businessAreas: ['HMCTS', blank] })).toEqual([
        { path: 'businessAreas.1', message: 'must name a business area, not be blank' },
      ]);
      expect(problems({ ...singleAreaRequest(), businessAreas: [blank] })).toEqual([
        { path: 'businessAreas.0', message: 'must name a business area, not be blank' },
      ]);
    }
  });

  it('takes OFFICIAL and OFFICIAL-SENSITIVE data, the classifications the policy covers, and refuses any other by its field', () => {
    for (const dataClassification of ['OFFICIAL', 'OFFICIAL-SENSITIVE']) expect(problems({ ...singleAreaRequest(), dataClassification })).toEqual([]);
    for (const dataClassification of ['SECRET', 'TOP SECRET', 'official', '']) {
      expect(problems({ ...singleAreaRequest(), dataClassification }).map((p) => p.path)).toEqual(['dataClassification']);
    }
    expect(problems({ ...singleAreaRequest(), dataCategories: ['PERSONAL', 'MEDICAL'] }).map((p) => p.path)).toEqual(['dataCategories.1']);
  });

  it('lists every problem with its field path, not just the first', () => {
    const body = {
      ...singleAreaRequest(),
      serviceName: '',
      changeType: 'MAYBE',
      businessAreas: ['HMCTS', 'ATLANTIS'],
      offshoreLocations: [
        { country: 'GB', activities: ['HOSTING'] },
        { country: 'XX', activities: [] },
      ],
      plannedStartDate: '2027-02-30',
      serviceOwner: { name: 'A', email: 'not-an-email' },
      surprise: true,
    };
    const paths = problems(body).map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'serviceName',
        'changeType',
        'businessAreas.1',
        'offshoreLocations.0.country',
        'offshoreLocations.1.country',
        'offshoreLocations.1.activities',
        'plannedStartDate',
        'serviceOwner.email',
        '',
      ]),
    );
    expect(problems(body).find((p) => p.path === 'offshoreLocations.0.country')?.message).toMatch(/GB is onshore/);
    expect(problems(body).find((p) => p.path === '')?.message).toMatch(/unknown field.*surprise/);
    expect(problems(body).find((p) => p.path === 'businessAreas.1')?.message).toMatch(/unknown business area "ATLANTIS"/);
  });

  it('requires the fields a request cannot do without', () => {
    const paths = problems({}).map((p) => p.path);
    for (const field of [
      'serviceName',
      'supplierName',
      'description',
      'changeType',
      'businessCriticality',
      'businessAreas',
      'dataClassification',
      'dataCategories',
      'offshoreLocations',
      'plannedStartDate',
      'serviceOwner',
      'contractManager',
      'mitigations',
    ]) {
      expect(paths).toContain(field);
    }
  });

  it('refuses a request without controls, on `mitigations`, whatever its type of change', () => {
    const existingContract = {
      criticality: 'HIGH',
      endOrBreakDate: '2028-03-31',
      variationsRequired: 'None',
      variationCost: 'None',
      actionPlanDate: '2027-09-30',
    };
    const message = 'must name at least one control or mitigation the supplier works under';
    for (const change of [{ changeType: 'NEW' }, { changeType: 'CHANGE', serviceId: 'SVC-1' }, { changeType: 'EXISTING', existingContract }]) {
      const { mitigations: _, ...withoutControls } = { ...singleAreaRequest(), ...change };
      expect(problems(withoutControls)).toEqual([{ path: 'mitigations', message }]);
      expect(problems({ ...withoutControls, mitigations: [] })).toEqual([{ path: 'mitigations', message }]);
      expect(problems({ ...withoutControls, mitigations: ['Staff work on MoJ-managed devices'] })).toEqual([]);
    }
  });

  it('refuses a request without a contract manager, on `contractManager`, whatever its type of change', () => {
    const message = "is required: the supplier's contract manager is told of the request and its outcome";
    for (const request of [singleAreaRequest(), multiAreaRequest()]) {
      const { contractManager: _, ...withoutManager } = request;
      expect(problems(withoutManager)).toEqual([{ path: 'contractManager', message }]);
      expect(problems({ ...withoutManager, contractManager: { name: 'Tom Evans' } }).map((p) => p.path)).toEqual(['contractManager.email']);
    }
    const { contractManager: _, ...existing } = {
      ...singleAreaRequest(),
      changeType: 'EXISTING',
      businessCriticality: 'LOW',
      existingContract: {
        criticality: 'LOW',
        endOrBreakDate: '2028-03-31',
        variationsRequired: 'None',
        variationCost: 'None',
        actionPlanDate: '2027-09-30',
      },
    };
    expect(problems(existing)).toEqual([{ path: 'contractManager', message }]);
  });

  it('refuses a service owner who is one of the request’s approvers, on `serviceOwner.email`, naming the role', () => {
    const as = (request: ReturnType<typeof singleAreaRequest>, email: string) => ({ ...request, serviceOwner: { name: 'Same Person', email } });
    const hmctsSiro = directory.businessAreas.HMCTS!.siro.email;
    expect(problems(as(singleAreaRequest(), hmctsSiro.toUpperCase()))).toEqual([
      {
        path: 'serviceOwner.email',
        message: `must not be one of the request's approvers: ${hmctsSiro} is its Agency or Departmental Senior Information Risk Officer (SIRO) for HMCTS, and no one approves their own request (separation of duties)`,
      },
    ]);
    for (const [role, words] of [
      ['CISO', 'MoJ Chief Information Security Officer (CISO)'],
      ['SSA', 'MoJ Senior Security Advisor (SSA)'],
      ['DPO', 'MoJ Data Protection Officer (DPO)'],
    ] as const) {
      const email = directory.roles[role].email;
      expect(problems(as(multiAreaRequest(), email))).toEqual([
        { path: 'serviceOwner.email', message: expect.stringContaining(`${email} is its ${words},`) },
      ]);
    }
    // The SSA approves wider MoJ services only: owning a single-area one is no conflict.
    expect(problems(as(singleAreaRequest(), directory.roles.SSA.email))).toEqual([]);
  });

  it('requires how critical the service is to the MoJ, on `businessCriticality`, whatever its type of change', () => {
    for (const businessCriticality of ['LOW', 'MEDIUM', 'HIGH']) {
      expect(validateOffshoringRequest({ ...multiAreaRequest(), businessCriticality }, directory).businessCriticality).toBe(businessCriticality);
    }
    const { businessCriticality: _, ...without } = multiAreaRequest();
    expect(problems(without).map((p) => p.path)).toEqual(['businessCriticality']);
    for (const wrong of ['VITAL', 'high', '', 3, null]) {
      expect(problems({ ...without, businessCriticality: wrong }).map((p) => p.path)).toEqual(['businessCriticality']);
    }
  });

  it('may name an Information Asset Owner, a person with an email address; absent, the service owner is one', () => {
    const iao = { name: 'Grace Okafor', email: 'grace.okafor@justice.gov.uk' };
    expect(validateOffshoringRequest({ ...singleAreaRequest(), informationAssetOwner: iao }, directory).informationAssetOwner).toEqual(iao);
    expect(validateOffshoringRequest(singleAreaRequest(), directory).informationAssetOwner).toBeUndefined();
    expect(problems({ ...singleAreaRequest(), informationAssetOwner: { name: 'Grace Okafor' } }).map((p) => p.path)).toEqual([
      'informationAssetOwner.email',
    ]);
    expect(problems({ ...singleAreaRequest(), informationAssetOwner: { ...iao, email: 'grace' } }).map((p) => p.path)).toEqual([
      'informationAssetOwner.email',
    ]);
    expect(problems({ ...singleAreaRequest(), informationAssetOwner: { ...iao, name: ' ' } }).map((p) => p.path)).toEqual([
      'informationAssetOwner.name',
    ]);
  });

  it('still reads a request the table holds without its business criticality, an existing contract having its own', () => {
    const { businessCriticality: _, ...stored } = multiAreaRequest();
    expect(StoredOffshoringRequestSchema.parse(stored).businessCriticality).toBeUndefined();
    const existing = {
      ...stored,
      changeType: 'EXISTING',
      existingContract: {
        criticality: 'MEDIUM',
        endOrBreakDate: '2028-03-31',
        variationsRequired: 'None',
        variationCost: 'None',
        actionPlanDate: '2027-09-30',
      },
    };
    expect(StoredOffshoringRequestSchema.parse(existing).businessCriticality).toBe('MEDIUM');
  });

  it('still reads a request the table holds without controls or a contract manager', () => {
    const { mitigations: _, contractManager: __, ...stored } = singleAreaRequest();
    const read = StoredOffshoringRequestSchema.parse(stored);
    expect(read.mitigations).toEqual([]);
    expect(read.contractManager).toBeUndefined();
  });

  it('enforces the length limits on service name and description', () => {
    expect(problems({ ...singleAreaRequest(), serviceName: 'x'.repeat(201) }).map((p) => p.path)).toEqual(['serviceName']);
    expect(problems({ ...singleAreaRequest(), description: 'x'.repeat(5001) }).map((p) => p.path)).toEqual(['description']);
    expect(problems({ ...singleAreaRequest(), description: 'x'.repeat(5000) })).toEqual([]);
  });

  it('refuses repeated countries, activities, areas and categories', () => {
    const body = {
      ...multiAreaRequest(),
      businessAreas: ['LAA', 'LAA'],
      dataCategories: ['PERSONAL', 'PERSONAL'],
      offshoreLocations: [
        { country: 'IE', activities: ['HOSTING', 'HOSTING'] },
        { country: 'IE', activities: ['SUPPORT'] },
      ],
    };
    expect(
      problems(body)
        .map((p) => p.path)
        .sort(),
    ).toEqual(['businessAreas', 'dataCategories', 'offshoreLocations', 'offshoreLocations.0.activities']);
  });

  it('accepts collection and transfer as offshore activities (Introduction: "collecting, transferring, storing and processing")', () => {
    const body = { ...singleAreaRequest(), offshoreLocations: [{ country: 'PH', activities: ['COLLECTION', 'TRANSFER'] }] };
    expect(problems(body)).toEqual([]);
    expect(validateOffshoringRequest(body, directory).offshoreLocations).toEqual([{ country: 'PH', activities: ['COLLECTION', 'TRANSFER'] }]);
    expect(locationInWords({ country: 'PH', activities: ['COLLECTION', 'TRANSFER'] })).toBe(
      'Philippines: Collecting the data, Transferring the data',
    );
  });

  it('refuses a body that is not an object', () => {
    expect(problems(null).length).toBeGreaterThan(0);
    expect(problems([1, 2]).length).toBeGreaterThan(0);
  });
});
