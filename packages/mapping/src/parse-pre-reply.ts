import type { PreCreateClusterResponse } from '@ccx-hook/proto';
import { codePoints } from './code-points.js';
import { InvalidReplyError } from './errors.js';
import type { PreHookResponses } from './hook-messages.js';
import { canReject, type PreHookName, preHookNames } from '@ccx-hook/hook-client';
import { limits } from './limits.js';
import { snakeCase } from './snake-case.js';
import { topLevelKeys } from './top-level-keys.js';

/**
 * An integrator's answer to a pre- hook, in proto (camelCase) terms: the create-cluster
 * response without `decided_by`, whose fields include those of every other pre- response.
 */
export type PreReply = Omit<PreCreateClusterResponse, 'decidedBy'>;

/**
 * The longest value of each optional string of a pre- response: every field but `approved`
 * and `decided_by`, checked by the compiler against the generated message.
 */
type ReplyLimits<Response> = {
  readonly [Key in Exclude<keyof Response, 'approved' | 'decidedBy'>]-?: Key extends keyof PreReply ? number : never;
};

const replyLimits: { readonly [Hook in PreHookName]: ReplyLimits<PreHookResponses[Hook]> } = {
  'pre-create-cluster': {
    workId: limits.string,
    userId: limits.string,
    projectId: limits.string,
    organisationId: limits.string,
    reason: limits.reason,
  },
  'pre-add-node': { workId: limits.string, reason: limits.reason },
  'pre-remove-node': { workId: limits.string },
  'pre-delete-cluster': { workId: limits.string },
};

/** Each pre- hook's optional reply strings: snake_case name, `PreReply` key, longest value. */
const replyStrings = {} as Record<PreHookName, ReadonlyArray<readonly [string, keyof PreReply, number]>>;
for (const hook of preHookNames) {
  const fields: Partial<Record<keyof PreReply, number>> = replyLimits[hook];
  replyStrings[hook] = Object.entries(fields).map(([key, max]) => [snakeCase(key), key as keyof PreReply, max] as const);
}

/**
 * Parses the body of a 2xx reply to a pre- hook (DESIGN §3): for hooks that can reject, a JSON
 * object with a required boolean `approved` that appears once; for the others any body is an
 * answer (empty or not a JSON object: an empty `work_id`), and `approved` is ignored. The other
 * keys of the hook are optional strings within their limits (in code points); unknown keys are
 * ignored, `null` is taken as absent. Throws `InvalidReplyError` saying what is wrong.
 */
export function parsePreReply(hook: PreHookName, body: string): PreReply {
  const reply: PreReply = { approved: true, workId: '', userId: '', projectId: '', organisationId: '', reason: '' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    if (!canReject(hook)) return reply;
    throw new InvalidReplyError('reply is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    if (!canReject(hook)) return reply;
    throw new InvalidReplyError('reply is not a JSON object');
  }
  const object = parsed as Record<string, unknown>;
  if (canReject(hook)) {
    if (object.approved === undefined || object.approved === null) {
      throw new InvalidReplyError('reply has no "approved"');
    }
    if (typeof object.approved !== 'boolean') throw new InvalidReplyError('reply "approved" is not a boolean');
    // JSON.parse keeps the last of repeated keys: an ambiguous answer is never an approval.
    if (mayRepeatApproved(body) && topLevelKeys(body).filter((key) => key === 'approved').length > 1) {
      throw new InvalidReplyError('reply has "approved" more than once');
    }
    reply.approved = object.approved;
  }
  for (const [name, key, max] of replyStrings[hook]) {
    const value = object[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new InvalidReplyError(`reply "${name}" is not a string`);
    if (value.length > max && codePoints(value) > max) throw new InvalidReplyError(`reply "${name}" is longer than ${max} characters`);
    (reply as Record<typeof key, unknown>)[key] = value;
  }
  return reply;
}

/**
 * Whether `body` can hold the key `approved` twice. Without a backslash every key is spelled
 * as it is, so a body where `"approved"` occurs once cannot: the scan of its keys is skipped.
 */
function mayRepeatApproved(body: string): boolean {
  const first = body.indexOf('"approved"');
  return body.indexOf('"approved"', first + 1) !== -1 || body.includes('\\');
}
