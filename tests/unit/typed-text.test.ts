import { describe, expect, it } from 'vitest';
import { OffshoringRequestSchema, toFieldErrors } from '../../functions/domain/request.ts';
import { EscalationSchema, MitigationsSchema } from '../../functions/domain/rejection-routes.ts';
import { WithdrawalSchema } from '../../functions/domain/withdrawal.ts';
import { DecisionFormSchema } from '../../functions/domain/decisions.ts';
import { singleAreaRequest } from '../fixtures/index.ts';

/**
 * Typed text is well-formed Unicode with no control characters but tab and line breaks: a JSON
 * string can carry a lone surrogate or a NUL, which no UTF-8 store or email should be handed.
 */
const errorsOf = (result: { success: boolean; error?: Parameters<typeof toFieldErrors>[0] }) => (result.success ? [] : toFieldErrors(result.error!));

describe('typed text in request bodies', () => {
  it.each([
    ['a NUL', 'Pay\u0000roll'],
    ['an escape', 'Pay\u001b[31mroll'],
    ['a C1 control (NEL)', 'Pay\u0085roll'],
    ['DEL', 'Pay\u007froll'],
    ['a lone high surrogate', 'Pay\ud800roll'],
    ['a lone low surrogate', 'Pay\udc00roll'],
  ])('refuses a service name with %s, naming the field', (_, serviceName) => {
    const errors = errorsOf(OffshoringRequestSchema.safeParse({ ...singleAreaRequest(), serviceName }));
    expect(errors.map((e) => e.path)).toContain('serviceName');
  });

  it('keeps tabs, line breaks and astral characters (emails make their own headers one line)', () => {
    const parsed = OffshoringRequestSchema.parse({
      ...singleAreaRequest(),
      serviceName: 'Payroll\r\n\tservice 😀',
      description: 'Line one\nLine two',
    });
    expect(parsed.serviceName).toBe('Payroll\r\n\tservice 😀');
  });

  it('applies to the rejection routes and the withdrawal reason too', () => {
    expect(errorsOf(MitigationsSchema.safeParse({ mitigations: ['ok', 'bad\u0000'] })).map((e) => e.path)).toEqual(['mitigations.1']);
    expect(errorsOf(EscalationSchema.safeParse({ caseForApproval: 'x\ud800y', risksRectified: 'ok' })).map((e) => e.path)).toEqual([
      'caseForApproval',
    ]);
    expect(errorsOf(WithdrawalSchema.safeParse({ reason: 'x\u0007y' })).map((e) => e.path)).toEqual(['reason']);
    expect(WithdrawalSchema.safeParse({ reason: '' }).success).toBe(true);
  });

  it.each([
    ['a NUL', 'Needs a DPIA\u0000 first'],
    ['an escape', 'Needs a \u001b[2JDPIA'],
    ['a lone surrogate', 'Needs a \ud800 DPIA'],
  ])("refuses an approver's reason with %s, whichever the decision", (_, reason) => {
    for (const decision of ['APPROVE', 'REJECT']) {
      expect(errorsOf(DecisionFormSchema.safeParse({ token: 't', decision, reason })).map((e) => e.path)).toEqual(['reason']);
    }
    expect(DecisionFormSchema.parse({ token: 't', decision: 'REJECT', reason: 'Needs a DPIA\nfirst\t😀' }).reason).toBe('Needs a DPIA\nfirst\t😀');
  });
});
