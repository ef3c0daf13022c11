import type { IncomingMessage } from 'node:http';
import { ConsoleRequestError } from './errors.js';

/** Form bodies are small: a CSRF token and a few fields. */
const maxFormBytes = 16 * 1024;

/** Reads an `application/x-www-form-urlencoded` body; rejects with `ConsoleRequestError` otherwise. */
export async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (type !== 'application/x-www-form-urlencoded') throw new ConsoleRequestError(415, 'expected a form (application/x-www-form-urlencoded)');
  let body = '';
  for await (const chunk of request) {
    body += chunk;
    if (body.length > maxFormBytes) throw new ConsoleRequestError(413, 'form too large');
  }
  return new URLSearchParams(body);
}

/**
 * Whether a state-changing request comes from a page of this console: a browser names the
 * page's origin in `Origin`; when it names another, the request is forged. Requests without
 * it (non-browser clients) are judged by their credentials alone.
 */
export function sameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/**
 * A query parameter: undefined when absent or empty; rejects with `ConsoleRequestError`
 * (400, naming the parameter) when it is not one of `allowed` or fails `check`.
 */
export function queryParameter(
  query: URLSearchParams,
  name: string,
  rule: { allowed: readonly string[] } | { pattern: RegExp; expected: string },
): string | undefined {
  const value = query.get(name) ?? '';
  if (value === '') return undefined;
  if ('allowed' in rule ? rule.allowed.includes(value) : rule.pattern.test(value)) return value;
  const expected = 'allowed' in rule ? `one of ${rule.allowed.join(', ')}` : rule.expected;
  throw new ConsoleRequestError(400, `bad query parameter ${name}: expected ${expected}`);
}
