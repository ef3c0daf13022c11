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

/**
 * The body with every `auth_id` value replaced, whether the body is JSON or not: a broken or
 * hostile body that mentions `auth_id` is printed redacted too.
 */
function redactAuthId(body: string): string {
  return body.replace(/(["']?auth_?id["']?\s*[:=]\s*)("(?:[^"\\]|\\.)*"?|'[^']*'?|[^\s,&}\]]*)/gi, '$1"[redacted]"');
}
