import qs from 'qs';
import type { FieldError } from '../domain/request.ts';
import type { HttpEvent } from './http.ts';

/**
 * HTML forms: field names in the API's shape (`offshoreLocations[0][country]`,
 * `plannedStartDate[day]`), read into the same nested object the JSON API takes, so one zod schema
 * checks both; and zod's field paths back to the GOV.UK error summary and inline errors.
 */

/** The form's fields, nested as their names say. Limits keep a hostile body from building a huge object. */
export function readForm(event: HttpEvent): Record<string, unknown> {
  if (typeof event.body !== 'string' || event.body === '') return {};
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  return qs.parse(raw, { depth: 4, arrayLimit: 60, parameterLimit: 500, allowPrototypes: false, allowDots: false, charset: 'utf-8' }) as Record<
    string,
    unknown
  >;
}

/** The id of the input a field path names, as the templates give it: `offshoreLocations.0.country` → `offshoreLocations-0-country`. */
export const fieldId = (path: string) => path.replace(/\./g, '-') || 'form';

export interface ErrorSummaryItem {
  text: string;
  href: string;
}

/**
 * The GOV.UK error summary's list and each field's inline message. `labels` gives a field path's
 * name in words ("Service name"), looked up by the path or its pattern (`offshoreLocations.*.country`);
 * `anchors` points a path at another input (a radio group's first option, a date's day input).
 */
export function errorsForPage(
  errors: readonly FieldError[],
  labels: Readonly<Record<string, string>>,
  anchors: Readonly<Record<string, string>> = {},
): { errorList: ErrorSummaryItem[]; fieldErrors: Record<string, string> } {
  const errorList: ErrorSummaryItem[] = [];
  const fieldErrors: Record<string, string> = {};
  for (const error of errors) {
    const pattern = error.path.replace(/\.\d+(?=\.|$)/g, '.*');
    const label = labels[error.path] ?? labels[pattern] ?? (error.path ? error.path : 'The form');
    const text = `${label} ${error.message}`;
    const key = error.path;
    if (fieldErrors[key] !== undefined) continue;
    fieldErrors[key] = text;
    errorList.push({ text, href: `#${anchors[key] ?? anchors[pattern] ?? fieldId(key)}` });
  }
  return { errorList, fieldErrors };
}

/** A GOV.UK date input's three fields as the API's YYYY-MM-DD (left as typed when not numbers, for the schema to refuse). */
export function dateFromParts(parts: unknown): string | undefined {
  if (!parts || typeof parts !== 'object') return undefined;
  const { day, month, year } = parts as Record<string, unknown>;
  const clean = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const [d, m, y] = [clean(day), clean(month), clean(year)];
  if (!d && !m && !y) return undefined;
  if (/^\d{1,2}$/.test(d) && /^\d{1,2}$/.test(m) && /^\d{4}$/.test(y)) return `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
  return `${y}-${m}-${d}`;
}

/** A checkbox group's values: one checked box arrives as a string, several as a list, none as nothing. */
export function checked(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' && value !== '' ? [value] : [];
}
