import { describe, expect, it } from 'vitest';
import { validateOffshoringRequest } from '../../functions/domain/request-checks.ts';
import { EscalationSchema } from '../../functions/domain/rejection-routes.ts';
import { toFieldErrors } from '../../functions/domain/request.ts';
import { interestedParties } from '../../functions/email/templates.ts';
import { ValidationFailed } from '../../functions/web/errors.ts';
import { loadApproverDirectory } from '../../functions/platform/directory.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

/**
 * The request schema's cross-field rules: an existing contract's answers (Offshoring Policy,
 * Process: "For existing contracts ..."), interested parties (Approval: "Notifying other interested
 * parties ..."), and the escalation's account of what was rectified (Process 3(b)).
 */
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

const existingContract = () => ({
  criticality: 'HIGH',
  endOrBreakDate: '2028-03-31',
  variationsRequired: 'A data processing schedule naming the Indian facility',
  variationCost: 'About £12,000 in legal fees',
  actionPlanDate: '2027-09-30',
});
const existing = (contract: unknown = existingContract()) => ({ ...singleAreaRequest(), changeType: 'EXISTING', existingContract: contract });
const paths = (body: unknown) => problems(body).map((p) => p.path);

describe('an existing contract', () => {
  it('is accepted with its criticality, end or break date, variations, their cost and an action plan date', () => {
    expect(problems(existing())).toEqual([]);
    expect(validateOffshoringRequest(existing(), directory).existingContract).toEqual(existingContract());
  });

  it('must give each of them, each refused by its own field path', () => {
    expect(paths({ ...singleAreaRequest(), changeType: 'EXISTING' })).toEqual([
      'existingContract.endOrBreakDate',
      'existingContract.variationsRequired',
      'existingContract.variationCost',
      'existingContract.actionPlanDate',
    ]);
    expect(paths(existing({ ...existingContract(), criticality: 'VITAL' }))).toEqual(['existingContract.criticality']);
    expect(paths(existing({ ...existingContract(), endOrBreakDate: '2028-02-30' }))).toEqual(['existingContract.endOrBreakDate']);
    expect(paths(existing({ ...existingContract(), variationCost: '  ' }))).toEqual(['existingContract.variationCost']);
  });

  it("takes its criticality from the service's business criticality, and refuses one that says otherwise", () => {
    const { criticality: _, ...withoutCriticality } = existingContract();
    expect(problems(existing(withoutCriticality))).toEqual([]);
    const medium = { ...existing(withoutCriticality), businessCriticality: 'MEDIUM' };
    expect(validateOffshoringRequest(medium, directory).existingContract?.criticality).toBe('MEDIUM');
    expect(problems({ ...existing(), businessCriticality: 'LOW' })).toEqual([
      { path: 'existingContract.criticality', message: "must be the service's businessCriticality (LOW), or be left out" },
    ]);
  });

  it('is refused on a request that is not for an existing contract', () => {
    for (const change of [{ changeType: 'NEW' }, { changeType: 'CHANGE', serviceId: 'SVC-7Q2M4K8P1X' }]) {
      expect(paths({ ...singleAreaRequest(), ...change, existingContract: existingContract() })).toEqual(['existingContract']);
    }
  });

  it('is reported beside the other fields’ problems, all at once', () => {
    expect(paths({ ...singleAreaRequest(), serviceName: '', changeType: 'EXISTING' })).toEqual([
      'serviceName',
      'existingContract.endOrBreakDate',
      'existingContract.variationsRequired',
      'existingContract.variationCost',
      'existingContract.actionPlanDate',
    ]);
  });
});

describe('interested parties', () => {
  const party = (n: number) => ({ name: `Person ${n}`, email: `person.${n}@justice.gov.uk` });

  it('may be named, up to 20, each once', () => {
    expect(problems({ ...singleAreaRequest(), interestedParties: [party(1), party(2)] })).toEqual([]);
    expect(paths({ ...singleAreaRequest(), interestedParties: Array.from({ length: 21 }, (_, i) => party(i)) })).toEqual(['interestedParties']);
    expect(paths({ ...singleAreaRequest(), interestedParties: [party(1), { ...party(2), email: 'PERSON.1@justice.gov.uk' }] })).toEqual([
      'interestedParties',
    ]);
    expect(paths({ ...singleAreaRequest(), interestedParties: [{ name: 'No address', email: 'nope' }] })).toEqual(['interestedParties.0.email']);
  });

  it('are copied with the contract manager, each address once and never the owner', () => {
    const request = validateOffshoringRequest(
      {
        ...singleAreaRequest(),
        interestedParties: [
          party(1),
          { name: 'Tom again', email: 'TOM.EVANS@justice.gov.uk' },
          { name: 'Owner', email: 'priya.shah@justice.gov.uk' },
        ],
      },
      directory,
    );
    expect(interestedParties({ request }).map((p) => p.email)).toEqual(['tom.evans@justice.gov.uk', 'person.1@justice.gov.uk']);
  });
});

describe('an escalation', () => {
  const errors = (body: unknown) => {
    const parsed = EscalationSchema.safeParse(body);
    return parsed.success ? [] : toFieldErrors(parsed.error).map((e) => e.path);
  };

  it('says what residual or inherent risk was rectified; the confirmation alone is not enough', () => {
    expect(errors({ caseForApproval: 'Essential', residualRisksRectified: true })).toEqual(['risksRectified']);
    expect(errors({ caseForApproval: 'Essential', risksRectified: '   ' })).toEqual(['risksRectified']);
    expect(errors({ caseForApproval: 'Essential', risksRectified: 'Keys moved to MoJ HSMs' })).toEqual([]);
    expect(errors({ caseForApproval: 'Essential', risksRectified: 'Keys moved to MoJ HSMs', residualRisksRectified: true })).toEqual([]);
    // A confirmation that risk was not rectified contradicts the text.
    expect(errors({ caseForApproval: 'Essential', risksRectified: 'Keys moved', residualRisksRectified: false })).toEqual(['residualRisksRectified']);
  });
});
