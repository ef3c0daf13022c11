import { UsageError } from './errors.js';
import { parseDuration } from './parse-duration.js';

/** Parsed flags by name: a string, `true` for a boolean flag, or absent. */
export type Values = Record<string, string | boolean | undefined>;

/** A flag's value when it is a string. */
export function stringValue(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The duration `text` of `--<flag>` in ms; throws `UsageError` naming the flag. */
export function durationFlag(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`--${flag} must be a duration like 250ms, 5s or 2m, got "${text}"`);
  return ms;
}
