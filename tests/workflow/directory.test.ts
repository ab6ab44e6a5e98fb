import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';
import { singleAreaRequest } from '../fixtures/index.ts';
import { loadApproverDirectory } from '../../functions/platform/directory.ts';

/**
 * Who approves comes from the approver directory: MoJ HQ's own services go to the MoJ SIRO
 * (Offshoring Policy, Process 1(a)), and a service spanning HQ and an agency is wider MoJ (1(b)).
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const seed = loadApproverDirectory();

async function submitted(businessAreas: string[], serviceName: string) {
  const body = { ...singleAreaRequest(), businessAreas, serviceName };
  const { status, body: created } = await h.submit(body);
  expect(status, JSON.stringify(created)).toBe(201);
  return created as { requestId: string; requiredApprovers: { role: string; name: string; email: string }[] };
}

const approvalEmailsTo = async (requestId: string) =>
  (await h.emails(requestId)).filter((e) => /Offshoring approval needed/.test(e.subject)).flatMap((e) => e.destination.to);

describe('MoJ HQ (Offshoring Policy, Process 1)', () => {
  it("asks the MoJ SIRO as a service of MoJ HQ alone's Departmental SIRO, and no separate HQ SIRO", async () => {
    const created = await submitted(['MOJ_HQ'], 'HQ payroll analytics');
    expect(created.requiredApprovers.map((a) => a.role)).toEqual(['BUSINESS_AREA_SIRO', 'CISO', 'DPO', 'COMMERCIAL', 'LEGAL']);
    expect(created.requiredApprovers[0]).toMatchObject({ name: seed.roles.MOJ_SIRO.name, email: seed.roles.MOJ_SIRO.email });
    const to = await h.eventually(async () => {
      const sent = await approvalEmailsTo(created.requestId);
      return sent.length >= 5 && sent;
    }, 'five approver emails');
    expect(to.some((address) => address.includes(seed.roles.MOJ_SIRO.email))).toBe(true);
    expect(to.some((address) => address.includes('moj-hq'))).toBe(false);
    const view = await h.status(created.requestId);
    expect(view.approvals.find((a: { role: string }) => a.role === 'BUSINESS_AREA_SIRO')).toMatchObject({
      businessArea: 'MOJ_HQ',
      email: seed.roles.MOJ_SIRO.email,
    });
  });

  it('treats a service spanning MoJ HQ and an agency as wider MoJ: the MoJ SIRO and the SSA, not the agency SIRO', async () => {
    const created = await submitted(['MOJ_HQ', 'LAA'], 'HQ and legal aid casework');
    expect(created.requiredApprovers.map((a) => a.role)).toEqual(['MOJ_SIRO', 'SSA', 'CISO', 'DPO', 'COMMERCIAL', 'LEGAL']);
    expect(created.requiredApprovers.map((a) => a.email)).not.toContain(seed.businessAreas.LAA!.siro.email);
  });
});
