import { describe, expect, it } from 'vitest';
import { RegisterEntrySchema, RegisterVersionSchema } from '../../functions/store/records.ts';
import { CHANGE_TYPES, DATA_CATEGORIES, DATA_CLASSIFICATIONS } from '../../functions/domain/request.ts';
import { registerEntry } from './store/mock-table.ts';

describe("Register entry schema: the request's own enums", () => {
  it('takes every change type, classification and data category a request can have', () => {
    for (const changeType of CHANGE_TYPES) expect(RegisterEntrySchema.safeParse(registerEntry({ changeType })).success).toBe(true);
    for (const dataClassification of DATA_CLASSIFICATIONS)
      expect(RegisterEntrySchema.safeParse(registerEntry({ dataClassification })).success).toBe(true);
    expect(RegisterEntrySchema.safeParse(registerEntry({ dataCategories: [...DATA_CATEGORIES] })).success).toBe(true);
  });

  it.each([
    ['changeType', { changeType: 'UPGRADE' }],
    ['dataClassification', { dataClassification: 'SECRET' }],
    ['dataCategories', { dataCategories: ['HEALTH'] }],
    ['offshoreLocations', { offshoreLocations: [{ country: 'IN', activities: ['TRAINING'] }] }],
  ])('refuses a %s the request could never have had', (field, change) => {
    for (const schema of [RegisterEntrySchema, RegisterVersionSchema]) {
      const result = schema.safeParse({ ...registerEntry(), ...change });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path[0]).toBe(field);
    }
  });
});
