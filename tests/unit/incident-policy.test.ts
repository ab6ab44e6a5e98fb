import { describe, expect, it } from 'vitest';
import {
  INCIDENT_KINDS,
  POLICY_INCIDENT_ADDRESSES,
  approvalNeededAfterBreach,
  approvalRoundAfterBreach,
  incidentRecipients,
} from '../../functions/domain/offshoring-policy.ts';
import { discoveredInFuture } from '../../functions/domain/incidents.ts';
import { createRuntime } from '../../functions/platform/runtime.ts';
import { settingsFromEnvironment } from '../../functions/platform/runtime.ts';

describe('who is told of an incident (Offshoring Policy, Policy)', () => {
  it('tells the DPO of a suspected personal data breach, the Operational Security Team of a security incident, both of both', () => {
    expect(incidentRecipients('PERSONAL_DATA_BREACH')).toEqual(['DPO']);
    expect(incidentRecipients('SECURITY_INCIDENT')).toEqual(['OPERATIONAL_SECURITY_TEAM']);
    expect(incidentRecipients('BOTH')).toEqual(['DPO', 'OPERATIONAL_SECURITY_TEAM']);
    for (const kind of INCIDENT_KINDS) expect(incidentRecipients(kind).length).toBeGreaterThan(0);
  });

  it("uses the policy's addresses unless configuration names others", () => {
    expect(POLICY_INCIDENT_ADDRESSES.DPO.email).toBe('privacy@justice.gov.uk');
    expect(POLICY_INCIDENT_ADDRESSES.OPERATIONAL_SECURITY_TEAM.email).toBe('security@justice.gov.uk');
    const defaults = createRuntime({ tableName: 't' }).incidentContacts;
    expect([defaults.DPO.email, defaults.OPERATIONAL_SECURITY_TEAM.email]).toEqual(['privacy@justice.gov.uk', 'security@justice.gov.uk']);
    const configured = createRuntime({
      tableName: 't',
      ...settingsFromEnvironment({ DPO_EMAIL: 'dpo@example.gov.uk', OPERATIONAL_SECURITY_EMAIL: 'ost@example.gov.uk' }),
    }).incidentContacts;
    expect([configured.DPO.email, configured.OPERATIONAL_SECURITY_TEAM.email]).toEqual(['dpo@example.gov.uk', 'ost@example.gov.uk']);
  });
});

describe('a change to personal data processing following a potential breach (Offshoring Policy, Approval)', () => {
  it('needs a new approval round after a breach against a registered service, not after a security incident alone', () => {
    expect(approvalNeededAfterBreach({ kind: 'PERSONAL_DATA_BREACH', serviceId: 'SVC-1' })).toBe(true);
    expect(approvalNeededAfterBreach({ kind: 'BOTH', serviceId: 'SVC-1' })).toBe(true);
    expect(approvalNeededAfterBreach({ kind: 'SECURITY_INCIDENT', serviceId: 'SVC-1' })).toBe(false);
    expect(approvalNeededAfterBreach({ kind: 'PERSONAL_DATA_BREACH' })).toBe(false);
  });

  it('is met only by an approved CHANGE whose round began after the breach was reported', () => {
    const needed = { since: '2026-11-23T10:00:00.000Z' };
    expect(approvalRoundAfterBreach(needed, { changeType: 'CHANGE', roundStartedAt: '2026-11-24T09:00:00.000Z' })).toBe(true);
    expect(approvalRoundAfterBreach(needed, { changeType: 'CHANGE', roundStartedAt: '2026-11-22T09:00:00.000Z' })).toBe(false);
    expect(approvalRoundAfterBreach(needed, { changeType: 'NEW', roundStartedAt: '2026-11-24T09:00:00.000Z' })).toBe(false);
  });
});

describe('when an incident was discovered', () => {
  const now = new Date('2026-11-23T10:00:00Z');
  it('may be today or earlier, never later', () => {
    expect(discoveredInFuture('2026-11-23', now)).toBe(false);
    expect(discoveredInFuture('2026-11-24', now)).toBe(true);
    expect(discoveredInFuture('2026-11-23T09:59:00Z', now)).toBe(false);
    expect(discoveredInFuture('2026-11-23T10:01:00+00:00', now)).toBe(true);
  });
});
