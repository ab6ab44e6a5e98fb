import * as z from 'zod';
import { IsoDateSchema, text } from './request.ts';

/**
 * An exemption from the Offshoring Policy, or a request to change part of it (Offshoring Policy,
 * Compliance: "sent for formal review and approval … with reasonable justification"). It may be
 * recorded as a business area's variation (Corporate Security Policy: "the variation should be
 * agreed by the relevant Accounting Officer and reported in annual governance processes").
 */
export const EXEMPTION_REQUEST_TYPES = ['EXEMPTION', 'POLICY_CHANGE'] as const;

export const ExemptionRequestSchema = z.strictObject({
  /**
   * What is asked for (Compliance: "Any request to change part of this policy or exemptions"): an
   * exemption from the policy, for a time; or a change to the policy itself, which does not end.
   */
  requestType: z.enum(EXEMPTION_REQUEST_TYPES, 'must be EXEMPTION or POLICY_CHANGE').default('EXEMPTION'),
  /** The clause (or part) of the policy the exemption is from, or the change asked for. */
  policyClause: text(2000),
  /** Offshoring Policy, Compliance: "with reasonable justification". */
  justification: text(5000),
  /** The register entry it is for; absent, the exemption is from the whole policy. */
  serviceId: z
    .string()
    .regex(/^SVC-[0-9A-Z]+$/, 'must be a service id from the register, e.g. SVC-…')
    .optional(),
  /** When the exemption ends: after it, the policy applies in full again. Required of an exemption; a change to the policy has none. */
  endDate: IsoDateSchema.optional(),
  /** Recorded as a business area's variation, agreed by that area's Accounting Officer. */
  variation: z
    .strictObject({
      businessArea: z.string().trim().min(1, 'must name a business area, not be blank').toUpperCase(),
    })
    .optional(),
});
export type ExemptionRequest = z.infer<typeof ExemptionRequestSchema>;
export type ExemptionRequestInput = z.input<typeof ExemptionRequestSchema>;
