import { describe, expect, it } from 'vitest';
import {
  FOUR_WEEKS_DAYS,
  approvalTimeline,
  rejectionRoutesOpen,
  reviewDue,
  roundOutcome,
  fourWeekNotice,
  isWiderMojService,
  requiredApprovers,
  unknownBusinessAreas,
} from '../../functions/domain/offshoring-policy.ts';
import { loadApproverDirectory, parseApproverDirectory } from '../../functions/platform/directory.ts';

const directory = loadApproverDirectory();
const roles = (areas: string[]) => requiredApprovers({ businessAreas: areas }, directory).map((a) => a.role);

describe('requiredApprovers (Offshoring Policy, Process 1)', () => {
  it('routes a single-agency request to that agency SIRO plus CISO, DPO, Commercial and Legal', () => {
    expect(roles(['HMPPS'])).toEqual(['BUSINESS_AREA_SIRO', 'CISO', 'DPO', 'COMMERCIAL', 'LEGAL']);
    const [siro] = requiredApprovers({ businessAreas: ['HMPPS'] }, directory);
    expect(siro).toMatchObject({ businessArea: 'HMPPS', email: directory.businessAreas.HMPPS!.siro.email });
  });

  it('routes a two-agency request to the MoJ SIRO and the SSA, not the agency SIROs', () => {
    expect(roles(['HMCTS', 'LAA'])).toEqual(['MOJ_SIRO', 'SSA', 'CISO', 'DPO', 'COMMERCIAL', 'LEGAL']);
  });

  it('asks the MoJ SIRO as the Departmental SIRO of a service of MoJ HQ alone, never a separate HQ SIRO (Process 1(a))', () => {
    const withSeparateHqSiro = structuredClone(directory);
    withSeparateHqSiro.businessAreas.MOJ_HQ!.siro = {
      name: 'Someone Else',
      email: 'hq-siro@example.gov.uk',
      escalationContact: { name: 'Their Deputy', email: 'hq-deputy@example.gov.uk' },
    };
    const approvers = requiredApprovers({ businessAreas: ['MOJ_HQ'] }, withSeparateHqSiro);
    expect(approvers.map((a) => a.role)).toEqual(['BUSINESS_AREA_SIRO', 'CISO', 'DPO', 'COMMERCIAL', 'LEGAL']);
    expect(approvers[0]).toEqual({ role: 'BUSINESS_AREA_SIRO', businessArea: 'MOJ_HQ', ...directory.roles.MOJ_SIRO });
    expect(approvers.map((a) => a.email)).not.toContain('hq-siro@example.gov.uk');
  });

  it("says so in the default directory: MoJ HQ's SIRO is the MoJ SIRO", () => {
    expect(directory.businessAreas.MOJ_HQ!.siro).toEqual(directory.roles.MOJ_SIRO);
  });

  it('routes a service spanning MoJ HQ and an agency as wider MoJ: the MoJ SIRO and the SSA (Process 1(b))', () => {
    expect(isWiderMojService({ businessAreas: ['MOJ_HQ', 'LAA'] })).toBe(true);
    expect(isWiderMojService({ businessAreas: ['MOJ_HQ'] })).toBe(false);
    const approvers = requiredApprovers({ businessAreas: ['MOJ_HQ', 'LAA'] }, directory);
    expect(approvers.map((a) => a.role)).toEqual(['MOJ_SIRO', 'SSA', 'CISO', 'DPO', 'COMMERCIAL', 'LEGAL']);
    expect(approvers.map((a) => a.email)).not.toContain(directory.businessAreas.LAA!.siro.email);
  });

  it('always requires the CISO, DPO, Commercial and Legal whatever the areas', () => {
    for (const areas of [['OPG'], ['CICA', 'MOJ_HQ', 'HMCTS']]) {
      expect(roles(areas)).toEqual(expect.arrayContaining(['CISO', 'DPO', 'COMMERCIAL', 'LEGAL']));
    }
  });

  it('names each approver from the directory, with their escalation contact', () => {
    const approvers = requiredApprovers({ businessAreas: ['HMCTS', 'LAA'] }, directory);
    const dpo = approvers.find((a) => a.role === 'DPO');
    expect(dpo).toEqual({ role: 'DPO', ...directory.roles.DPO });
  });

  it('takes names from configuration, not code', () => {
    const custom = structuredClone(directory);
    custom.roles.CISO = { name: 'Ada Lovelace', email: 'ada@example.gov.uk', escalationContact: { name: 'Deputy', email: 'dep@example.gov.uk' } };
    const ciso = requiredApprovers({ businessAreas: ['LAA'] }, parseApproverDirectory(custom)).find((a) => a.role === 'CISO');
    expect(ciso?.name).toBe('Ada Lovelace');
  });

  it('refuses a business area the directory does not know', () => {
    expect(() => requiredApprovers({ businessAreas: ['NOPE'] }, directory)).toThrow(/not in the approver directory/);
    expect(unknownBusinessAreas(['HMCTS', 'NOPE', 'toString'], directory)).toEqual([
      { index: 1, code: 'NOPE' },
      { index: 2, code: 'toString' },
    ]);
  });
});

describe('fourWeekNotice (Offshoring Policy, Approval: "well in advance (4 weeks), or as soon as possible")', () => {
  const submittedAt = new Date('2026-11-23T16:30:00Z');

  it('does not flag a request with exactly 28 days of notice', () => {
    expect(fourWeekNotice({ plannedStartDate: '2026-12-21', changeType: 'NEW' }, submittedAt)).toEqual({
      lateNotice: false,
      noticeDays: FOUR_WEEKS_DAYS,
    });
  });

  it('flags a request with 27 days of notice, with the reason', () => {
    const notice = fourWeekNotice({ plannedStartDate: '2026-12-20', changeType: 'CHANGE' }, submittedAt);
    expect(notice.lateNotice).toBe(true);
    expect(notice.noticeDays).toBe(27);
    expect(notice.lateNoticeReason).toMatch(/Only 27 days of notice.*4 weeks/);
  });

  it('flags a request whose planned start has passed', () => {
    const notice = fourWeekNotice({ plannedStartDate: '2026-11-01', changeType: 'NEW' }, submittedAt);
    expect(notice).toMatchObject({ lateNotice: true, noticeDays: -22 });
    expect(notice.lateNoticeReason).toMatch(/already passed/);
  });

  it('counts calendar days, so the time of day of submission does not matter', () => {
    const morning = fourWeekNotice({ plannedStartDate: '2026-12-21', changeType: 'NEW' }, new Date('2026-11-23T00:00:01Z'));
    const night = fourWeekNotice({ plannedStartDate: '2026-12-21', changeType: 'NEW' }, new Date('2026-11-23T23:59:59Z'));
    expect(morning.noticeDays).toBe(28);
    expect(night.noticeDays).toBe(28);
  });

  it('does not flag an existing contract: the offshoring is already in place', () => {
    expect(fourWeekNotice({ plannedStartDate: '2020-01-01', changeType: 'EXISTING' }, submittedAt).lateNotice).toBe(false);
  });
});

describe('approvalTimeline (reminder, escalation, lapse)', () => {
  const startedAt = new Date('2026-11-23T10:00:00Z');

  it('uses 7, 14 and 28 days by default', () => {
    const timeline = approvalTimeline({ plannedStartDate: '2027-06-01', changeType: 'NEW' }, startedAt);
    expect(timeline.waits).toEqual({ requestSeconds: 7 * 86_400, reminderSeconds: 7 * 86_400, chaseSeconds: 14 * 86_400 });
    expect(timeline.respondBy).toBe('2026-12-21T10:00:00.000Z');
    expect(timeline.shortened).toBe(false);
  });

  it('shortens the whole timeline with late notice so the window closes before the planned start', () => {
    const timeline = approvalTimeline({ plannedStartDate: '2026-12-07', changeType: 'NEW' }, startedAt);
    expect(timeline.shortened).toBe(true);
    expect(Date.parse(timeline.respondBy)).toBeLessThanOrEqual(Date.parse('2026-12-07T00:00:00Z'));
    const { requestSeconds, reminderSeconds, chaseSeconds } = timeline.waits;
    expect(requestSeconds).toBeGreaterThan(0);
    expect(requestSeconds + reminderSeconds + chaseSeconds).toBe((Date.parse(timeline.respondBy) - startedAt.getTime()) / 1000);
  });

  it('keeps the full window when the planned start is less than a day away or past (as soon as possible)', () => {
    expect(approvalTimeline({ plannedStartDate: '2026-11-01', changeType: 'NEW' }, startedAt).shortened).toBe(false);
  });

  it('takes its durations from configuration', () => {
    const timeline = approvalTimeline({ plannedStartDate: '2027-06-01', changeType: 'NEW' }, startedAt, {
      reminderAfterSeconds: 2,
      chaseAfterSeconds: 4,
      lapseAfterSeconds: 6,
    });
    expect(timeline.waits).toEqual({ requestSeconds: 2, reminderSeconds: 2, chaseSeconds: 2 });
  });

  it('refuses a configuration where the stages do not follow each other', () => {
    expect(() =>
      approvalTimeline({ plannedStartDate: '2027-06-01', changeType: 'NEW' }, startedAt, {
        reminderAfterSeconds: 5,
        chaseAfterSeconds: 4,
        lapseAfterSeconds: 6,
      }),
    ).toThrow(/increase/);
  });
});

describe('roundOutcome (Offshoring Policy, Process 2 and 3)', () => {
  it('approves only when every approval is obtained', () => {
    expect(roundOutcome(['APPROVED', 'APPROVED'])).toBe('APPROVED');
    expect(roundOutcome(['APPROVED', 'PENDING'])).toBe('UNDECIDED');
    expect(roundOutcome([])).toBe('UNDECIDED');
  });
  it('rejects when one or more approvals cannot be obtained: rejected or lapsed', () => {
    expect(roundOutcome(['APPROVED', 'REJECTED', 'PENDING'])).toBe('REJECTED');
    expect(roundOutcome(['APPROVED', 'LAPSED'])).toBe('REJECTED');
  });
  it('opens the rejection routes only to a rejected request', () => {
    expect(rejectionRoutesOpen('REJECTED')).toBe(true);
    for (const status of ['PENDING_APPROVAL', 'APPROVED', 'ESCALATED', 'CLOSED', 'WITHDRAWN', 'ERROR'])
      expect(rejectionRoutesOpen(status)).toBe(false);
  });
});

describe('reviewDue (Offshoring Policy, Process 4)', () => {
  it('is 12 months after approval by default', () => {
    expect(reviewDue({ dataClassification: 'OFFICIAL', dataCategories: ['FINANCIAL'] }, new Date('2026-11-23T12:00:00Z'))).toBe('2027-11-23');
  });
  it('is sooner (6 months) for OFFICIAL-SENSITIVE personal data', () => {
    expect(reviewDue({ dataClassification: 'OFFICIAL-SENSITIVE', dataCategories: ['PERSONAL'] }, new Date('2026-11-23T12:00:00Z'))).toBe(
      '2027-05-23',
    );
  });
  it('is sooner for a business-critical service (6 months for HIGH), whatever its data', () => {
    const at = new Date('2026-11-23T12:00:00Z');
    expect(reviewDue({ dataClassification: 'OFFICIAL', dataCategories: ['FINANCIAL'], businessCriticality: 'HIGH' }, at)).toBe('2027-05-23');
    for (const businessCriticality of ['LOW', 'MEDIUM', undefined] as const) {
      expect(reviewDue({ dataClassification: 'OFFICIAL', dataCategories: ['FINANCIAL'], businessCriticality }, at)).toBe('2027-11-23');
    }
  });
  it('lands on the last day of a shorter month', () => {
    expect(reviewDue({ dataClassification: 'OFFICIAL-SENSITIVE', dataCategories: ['PERSONAL'] }, new Date('2026-08-31T12:00:00Z'))).toBe(
      '2027-02-28',
    );
  });
});

describe('monitoring rules (Offshoring Policy, Process 4)', () => {
  it('classifies a review as overdue, due within 30 days, or fine', async () => {
    const { reviewStatus, dueSoonHorizon } = await import('../../functions/domain/offshoring-policy.ts');
    expect(reviewStatus('2027-01-01', '2027-01-02')).toBe('OVERDUE');
    expect(reviewStatus('2027-01-31', '2027-01-01')).toBe('DUE_SOON');
    expect(reviewStatus('2027-02-01', '2027-01-01')).toBe('OK');
    expect(dueSoonHorizon('2027-01-01')).toBe('2027-01-31');
  });

  it('reports a start passed without approval for every open request, whatever its notice, but not an existing contract', async () => {
    const { lateStartWithoutApproval } = await import('../../functions/domain/offshoring-policy.ts');
    const request = (status: string, plannedStartDate: string, changeType: 'NEW' | 'CHANGE' | 'EXISTING' = 'NEW') => ({
      status,
      request: { plannedStartDate, changeType },
    });
    for (const status of ['PENDING_APPROVAL', 'REJECTED', 'ESCALATED'])
      expect(lateStartWithoutApproval(request(status, '2027-01-01'), '2027-01-02')).toBe(true);
    expect(lateStartWithoutApproval(request('REJECTED', '2027-01-01', 'CHANGE'), '2027-01-02')).toBe(true);
    for (const status of ['APPROVED', 'CLOSED', 'WITHDRAWN'])
      expect(lateStartWithoutApproval(request(status, '2027-01-01'), '2027-01-02')).toBe(false);
    expect(lateStartWithoutApproval(request('PENDING_APPROVAL', '2027-01-02'), '2027-01-02')).toBe(false);
    expect(lateStartWithoutApproval(request('PENDING_APPROVAL', '2027-01-01', 'EXISTING'), '2027-01-02')).toBe(false);
  });
});
