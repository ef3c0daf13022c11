import type { ReceivedHook } from './mock-hooks.js';

const shownHeaders = ['webhook-id', 'webhook-timestamp', 'ccx-hook-attempt'];

/**
 * One received hook, for humans: a line with the hook, status and the headers that matter,
 * then the body. `auth_id` (a user's credential) is redacted.
 */
export function formatHook(hook: ReceivedHook): string {
  const headers = shownHeaders.map((name) => `${name}=${hook.headers[name] ?? '-'}`).join(' ');
  const signed = hook.headers['webhook-signature'] ? 'signed' : 'unsigned';
  return `${hook.hook} -> ${hook.status} ${headers} ${signed}\n  ${redactAuthId(hook.body)}`;
}

function redactAuthId(body: string): string {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    if (typeof parsed === 'object' && parsed !== null && 'auth_id' in parsed) parsed.auth_id = '[redacted]';
    return JSON.stringify(parsed);
  } catch {
    return body;
  }
}
