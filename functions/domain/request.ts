import * as z from 'zod';
import { ISO_3166_ALPHA2 } from './countries.ts';

/**
 * The offshoring request a service owner submits: one schema, used by the API, the local server,
 * the approver emails and the tests. Field names follow the Offshoring Policy's "Definition of
 * Offshoring": where data and services are, where the people who manage them are, who has access.
 */

export const CHANGE_TYPES = ['NEW', 'CHANGE', 'EXISTING'] as const;
export const DATA_CLASSIFICATIONS = ['OFFICIAL', 'OFFICIAL-SENSITIVE'] as const;
export const DATA_CATEGORIES = ['PERSONAL', 'FINANCIAL', 'LEGAL', 'OTHER'] as const;
/**
 * What happens to the service or its data in a country. Offshoring Policy, Introduction: "Offshoring
 * services includes collecting, transferring, storing and processing MoJ ... data"; its Definition adds
 * where the people who support, develop or access it are.
 */
export const OFFSHORE_ACTIVITIES = ['HOSTING', 'SUPPORT', 'DEVELOPMENT', 'PROCESSING', 'ACCESS', 'COLLECTION', 'TRANSFER'] as const;

// Control characters other than tab and line breaks, which no one types (NUL, escape, C1 controls...).
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/**
 * Text people type: well-formed Unicode (a JSON string may hold a lone surrogate, which no UTF-8
 * store or email can carry) and no control characters but tab and line breaks. Line breaks stay
 * allowed in every field: email headers make their own text one line.
 */
export const typedText = (schema: z.ZodString) =>
  schema
    .refine((value) => value.isWellFormed(), 'must be valid Unicode text (it has a lone surrogate)')
    .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters');

/** Required text: trimmed, not empty, at most `max` characters. */
export const text = (max: number) => typedText(z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`));

export const PersonSchema = z.strictObject({
  name: text(200),
  email: z.email('must be an email address').max(254),
});
export type Person = z.infer<typeof PersonSchema>;

const uniqueList = <T extends z.ZodType>(item: T, what: string) =>
  z
    .array(item)
    .min(1, `must list at least one ${what}`)
    .refine((list) => new Set(list).size === list.length, { message: `must not repeat a ${what}` });

/** YYYY-MM-DD that is a real calendar date. */
export const IsoDateSchema = z.iso.date('must be a date in the form YYYY-MM-DD');

export const OffshoreLocationSchema = z.strictObject({
  country: z
    .string()
    .transform((c) => c.trim().toUpperCase())
    .refine((c) => ISO_3166_ALPHA2.has(c), { message: 'must be an ISO 3166-1 alpha-2 country code' })
    // Offshoring Policy, Introduction: "Offshore means outside the borders of the UK".
    .refine((c) => c !== 'GB', { message: 'GB is onshore: list only countries outside the UK' }),
  activities: uniqueList(z.enum(OFFSHORE_ACTIVITIES), 'activity'),
});
export type OffshoreLocation = z.infer<typeof OffshoreLocationSchema>;

/** How critical an existing contract is to the MoJ (Offshoring Policy, Process: "reflecting its criticality to the MoJ"). */
export const CONTRACT_CRITICALITIES = ['LOW', 'MEDIUM', 'HIGH'] as const;
/**
 * How critical the service is to the MoJ, on the same scale. Offshoring Policy, Purpose: "Key services
 * used by the MoJ are protected and resilient to any adverse failure"; Corporate Security Policy:
 * "business critical information". Every request says it, so approvers weigh it and reviews come sooner.
 */
export const BUSINESS_CRITICALITIES = CONTRACT_CRITICALITIES;
export type BusinessCriticality = (typeof BUSINESS_CRITICALITIES)[number];

/**
 * Offshoring Policy, Process: "For existing contracts, consider how to work with what is already in
 * place, reflecting its criticality to the MoJ. Consider what variations might be required for
 * contracts, and the cost or other implications for doing so." The action plan date is when the
 * arrangement is brought into line (varied or exited) should it not be approved: the contract is
 * live, so it is monitored against that date whatever the outcome.
 */
export const ExistingContractSchema = z.strictObject({
  criticality: z.enum(CONTRACT_CRITICALITIES),
  endOrBreakDate: IsoDateSchema,
  variationsRequired: text(5000),
  variationCost: text(2000),
  actionPlanDate: IsoDateSchema,
});
export type ExistingContract = z.infer<typeof ExistingContractSchema>;
/**
 * An existing contract as a request gives it: its criticality is the service's own
 * (`businessCriticality`), so it may be left out, and when given must say the same.
 */
const ExistingContractInputSchema = ExistingContractSchema.extend({ criticality: ExistingContractSchema.shape.criticality.optional() });
const EXISTING_CONTRACT_FIELDS = Object.keys(ExistingContractSchema.shape).filter((field) => field !== 'criticality');

/** Interested parties a request may name besides its contract manager: enough for a team, few enough to read. */
export const MAX_INTERESTED_PARTIES = 20;

/**
 * Offshoring Policy, Introduction: "appropriate controls put in place to reduce or mitigate any
 * weaknesses"; Corporate Security Policy: control requirements "understood and complied with by any
 * contractor or third party". Every request names the controls its supplier works under.
 */
export const CONTROLS_REQUIRED = 'must name at least one control or mitigation the supplier works under';

/** Offshoring Policy, Approval: "Notifying other interested parties in the MoJ, including the contract manager of the supplier". */
export const CONTRACT_MANAGER_REQUIRED = "is required: the supplier's contract manager is told of the request and its outcome";

const requestShape = {
  serviceName: text(200),
  supplierName: text(200),
  description: text(5000),
  changeType: z.enum(CHANGE_TYPES),
  businessCriticality: z.enum(BUSINESS_CRITICALITIES),
  /** Codes from the approver directory: one area is an agency or departmental service, two or more a wider MoJ service. */
  // A blank entry would be no area at all, and would turn a single-area request into a wider MoJ one (Process 1).
  businessAreas: uniqueList(z.string().trim().min(1, 'must name a business area, not be blank').toUpperCase(), 'business area'),
  dataClassification: z.enum(DATA_CLASSIFICATIONS),
  dataCategories: uniqueList(z.enum(DATA_CATEGORIES), 'data category'),
  offshoreLocations: z
    .array(OffshoreLocationSchema)
    .min(1, 'must list at least one offshore location')
    .max(50)
    .refine((locations) => new Set(locations.map((l) => l.country)).size === locations.length, {
      message: 'must list each country once (put all its activities together)',
    }),
  plannedStartDate: IsoDateSchema,
  /** For CHANGE: the register entry (from GET /services) this request changes. */
  serviceId: z
    .string()
    .regex(/^SVC-[0-9A-Z]+$/, 'must be a service id from the register, e.g. SVC-…')
    .optional(),
  serviceOwner: PersonSchema,
  /** Offshoring Policy, Approval: "Notifying other interested parties ... including the contract manager of the supplier". */
  contractManager: z.strictObject(PersonSchema.shape, {
    error: (issue) => (issue.input === undefined ? CONTRACT_MANAGER_REQUIRED : undefined),
  }),
  /** Offshoring Policy, Approval: other interested parties in the MoJ, told at submission and of the outcome; never approvers. */
  interestedParties: z
    .array(PersonSchema)
    .max(MAX_INTERESTED_PARTIES, `must list at most ${MAX_INTERESTED_PARTIES} interested parties`)
    .refine((people) => new Set(people.map((p) => p.email.toLowerCase())).size === people.length, {
      message: 'must list each interested party once (each email address once)',
    })
    .optional(),
  /**
   * Corporate Security Policy: "the ownership of information risks by Information Asset Owners within the
   * business". Absent, the service owner is the Information Asset Owner; named, they are told as an
   * interested party is, and never asked to approve.
   */
  informationAssetOwner: PersonSchema.optional(),
  /** For EXISTING only: the contract already in place (Offshoring Policy, Process: "For existing contracts ..."). */
  existingContract: ExistingContractSchema.optional(),
  mitigations: z
    .array(text(2000), { error: (issue) => (issue.input === undefined ? CONTROLS_REQUIRED : undefined) })
    .min(1, CONTROLS_REQUIRED)
    .max(50),
};

/** What a request submitted or resubmitted must hold (validateOffshoringRequest adds the directory's checks). */
export const OffshoringRequestSchema = z
  .strictObject({ ...requestShape, existingContract: ExistingContractInputSchema.optional() })
  .superRefine(
    (value, ctx) => {
      const { changeType, existingContract, businessCriticality } = value as {
        changeType?: unknown;
        existingContract?: { criticality?: unknown };
        businessCriticality?: unknown;
      };
      if (changeType === 'EXISTING' && existingContract === undefined) {
        for (const field of EXISTING_CONTRACT_FIELDS) {
          ctx.addIssue({ code: 'custom', path: ['existingContract', field], message: 'must be given for an existing contract' });
        }
      } else if (
        changeType === 'EXISTING' &&
        typeof existingContract === 'object' &&
        existingContract !== null &&
        BUSINESS_CRITICALITIES.includes(existingContract.criticality as never) &&
        BUSINESS_CRITICALITIES.includes(businessCriticality as never) &&
        existingContract.criticality !== businessCriticality
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['existingContract', 'criticality'],
          message: `must be the service's businessCriticality (${String(businessCriticality)}), or be left out`,
        });
      } else if (changeType !== 'EXISTING' && CHANGE_TYPES.includes(changeType as never) && existingContract !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['existingContract'],
          message: 'describes an existing contract: give it only when the type of change is EXISTING',
        });
      }
    },
    // Run beside the fields' own checks, so a body hears of every problem at once.
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  )
  // An existing contract's criticality is the service's: one answer, held in both places.
  .transform(({ existingContract, ...request }) => ({
    ...request,
    ...(existingContract
      ? { existingContract: { ...existingContract, criticality: existingContract.criticality ?? request.businessCriticality } }
      : {}),
  }));

/**
 * A request as the table holds it. The table keeps every request ever submitted, some under looser
 * rules than intake's (no controls, no contract manager or business criticality named), so reading one checks its shape, never intake's rules:
 * an old request still reads, and what reads it copes with what such a request may lack.
 */
export const StoredOffshoringRequestSchema = z
  .strictObject({
    ...requestShape,
    contractManager: PersonSchema.optional(),
    businessCriticality: requestShape.businessCriticality.optional(),
    mitigations: z.array(text(2000)).max(50).default([]),
  })
  // An existing contract always said how critical it is, and that is the service's criticality.
  .transform((request) =>
    request.businessCriticality === undefined && request.existingContract
      ? { ...request, businessCriticality: request.existingContract.criticality }
      : request,
  );

/** The request as submitted (before defaults), e.g. a JSON body. */
export type OffshoringRequestInput = z.input<typeof OffshoringRequestSchema>;
/** A request the service holds: one just validated, or one read from the table. */
export type OffshoringRequest = z.infer<typeof StoredOffshoringRequestSchema>;

export interface FieldError {
  /** Dotted path into the body, e.g. `offshoreLocations.0.country`; empty for the body itself. */
  path: string;
  message: string;
}

export function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message,
  }));
}
