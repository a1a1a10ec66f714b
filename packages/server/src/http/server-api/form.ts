import { z } from 'zod';
import { ApiError } from '../api-error.js';
import { idField } from '../../core/users/user-id.js';

/** More fields than any Server API call takes (1,000 recipients or members plus a few); a body with more is refused, not parsed on. */
const MAX_FIELDS = 1100;

export type FormMap = Map<string, string[]>;

/** Parses an `application/x-www-form-urlencoded` body, keeping repeated keys (`toUserId=a&toUserId=b`). */
export function parseForm(body: string): FormMap {
  const fields: FormMap = new Map();
  let count = 0;
  for (const [key, value] of new URLSearchParams(body)) {
    if (++count > MAX_FIELDS) throw ApiError.badParameter(`too many form fields (at most ${MAX_FIELDS})`);
    const values = fields.get(key);
    if (values) values.push(value);
    else fields.set(key, [value]);
  }
  return fields;
}

/** Typed access to a parsed form: each read validates and names the offending field on failure. */
export class FormFields {
  constructor(private readonly fields: FormMap) {}

  required<T>(name: string, schema: z.ZodType<T>): T {
    const value = this.optional(name, schema);
    if (value === undefined) throw ApiError.badParameter(`${name} is required`);
    return value;
  }

  optional<T>(name: string, schema: z.ZodType<T>): T | undefined {
    const values = this.fields.get(name);
    if (!values || values.length === 0) return undefined;
    if (values.length > 1) throw ApiError.badParameter(`${name} must be given once`);
    return check(name, schema, values[0]);
  }

  /** A repeatable field (`userId=a&userId=b`); commas are not split, as RongCloud does not either. */
  many<T>(name: string, schema: z.ZodType<T>, limits: { min?: number; max: number }): T[] {
    const values = this.fields.get(name) ?? [];
    const min = limits.min ?? 1;
    if (values.length < min) throw ApiError.badParameter(`${name} is required`);
    if (values.length > limits.max) throw ApiError.badParameter(`${name} may be given at most ${limits.max} times`);
    return values.map((v) => check(name, schema, v));
  }
}

function check<T>(name: string, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const detail = result.error.issues[0]?.message ?? 'invalid value';
    throw ApiError.badParameter(`${name}: ${detail}`);
  }
  return result.data;
}

/** Field schemas shared by the routes. Byte limits, since RongCloud documents bytes. */
export const fieldSchemas = {
  userId: idField,
  userName: maxBytes(128),
  groupId: idField,
  groupName: z.string().min(1, 'must not be empty').refine((s) => Buffer.byteLength(s) <= 128, 'must be at most 128 bytes'),
  portraitUri: maxBytes(1024),
  integer: (min: number, max: number) =>
    z
      .string()
      .regex(/^-?\d{1,16}$/, 'must be an integer')
      .transform(Number)
      .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`)),
};

function maxBytes(limit: number) {
  return z.string().refine((s) => Buffer.byteLength(s) <= limit, `must be at most ${limit} bytes`);
}
