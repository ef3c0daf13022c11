const redacted = '[redacted]';
const credentialKeys = new Set(['auth_id', 'authId']);

/**
 * A stored body made fit to show: pretty-printed, with every `auth_id` (a user's session
 * credential) replaced. Post- bodies carry none, but a body is never shown unchecked. A body
 * that is not JSON is shown as is, with `auth_id` values blanked by pattern.
 */
export function redactPayload(payload: string): string {
  try {
    return JSON.stringify(JSON.parse(payload), (key, value: unknown) => (credentialKeys.has(key) ? redacted : value), 2);
  } catch {
    return payload.replace(/("?(?:auth_id|authId)"?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|[^\s,}&]+)/g, `$1"${redacted}"`);
  }
}
