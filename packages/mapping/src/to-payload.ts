import { codePoints } from './code-points.js';
import { InvalidRequestError } from './errors.js';
import type { HookRequests } from './hook-messages.js';
import type { HookName } from '@ccx-hook/hook-client';
import { limits } from './limits.js';
import { type FieldSpec, requestFields } from './request-fields.js';
import type { SnakeCase } from './snake-case.js';

/** The public snake_case JSON body of a hook (DESIGN §3). */
export type HookPayload = Record<string, string | number | string[]>;

/** The body of `Hook`: its request message's fields under their snake_case names. */
export type PayloadOf<Hook extends HookName> = {
  [Key in keyof HookRequests[Hook] & string as SnakeCase<Key>]-?: HookRequests[Hook][Key] & HookPayload[string];
};

/**
 * Validates a decoded request message of `hook` against DESIGN §6 and maps it to the public
 * snake_case body: every field of the hook present (an absent one takes its proto3 default),
 * `node_count` a number, `node_ids` an array.
 * Throws `InvalidRequestError` naming the first field that breaks a limit.
 */
export function toPayload<Hook extends HookName>(hook: Hook, request: Partial<HookRequests[Hook]>): PayloadOf<Hook> {
  const message = request as unknown as Record<string, unknown>;
  const payload: HookPayload = {};
  for (const field of requestFields[hook]) {
    payload[field.name] = checkField(field, message[field.key]);
  }
  return payload as PayloadOf<Hook>;
}

function checkField(field: FieldSpec, value: unknown): string | number | string[] {
  switch (field.kind) {
    case 'string':
      return checkString(field.name, value ?? '', field.max, field.required);
    case 'count':
      return checkCount(field, value ?? 0);
    case 'strings':
      return checkStrings(field, value ?? []);
  }
}

function checkString(name: string, value: unknown, max: number, required = false): string {
  if (typeof value !== 'string') throw new InvalidRequestError(name, `${name} must be a string`);
  if (required && value === '') throw new InvalidRequestError(name, `${name} is required`);
  // A string has at least as many UTF-16 units as code points: only a long one needs counting.
  const length = value.length > max ? codePoints(value) : value.length;
  if (length > max) {
    throw new InvalidRequestError(name, `${name} is ${length} characters long; at most ${max} are allowed`);
  }
  return value;
}

function checkCount(field: FieldSpec, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidRequestError(field.name, `${field.name} must be a non-negative integer`);
  }
  if (value > field.max) {
    throw new InvalidRequestError(field.name, `${field.name} is ${value}; at most ${field.max} is allowed`);
  }
  return value;
}

function checkStrings(field: FieldSpec, value: unknown): string[] {
  if (!Array.isArray(value)) throw new InvalidRequestError(field.name, `${field.name} must be a list of strings`);
  if (value.length > field.max) {
    throw new InvalidRequestError(field.name, `${field.name} has ${value.length} entries; at most ${field.max} are allowed`);
  }
  return value.map((entry, index) => checkString(`${field.name}[${index}]`, entry, limits.string));
}
