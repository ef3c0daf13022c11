import { codePoints } from './code-points.js';
import { InvalidReplyError } from './errors.js';
import { canReject, type PreHookName } from './hook-name.js';
import { limits } from './limits.js';
import { topLevelKeys } from './top-level-keys.js';

/** An integrator's answer to a pre- hook, in proto (camelCase) terms. */
export interface PreReply {
  approved: boolean;
  workId: string;
  userId: string;
  projectId: string;
  organisationId: string;
  reason: string;
}

const optionalStrings: ReadonlyArray<readonly [string, keyof PreReply, number]> = [
  ['work_id', 'workId', limits.string],
  ['user_id', 'userId', limits.string],
  ['project_id', 'projectId', limits.string],
  ['organisation_id', 'organisationId', limits.string],
  ['reason', 'reason', limits.reason],
];

const replyKeys: Readonly<Record<PreHookName, readonly string[]>> = {
  'pre-create-cluster': ['work_id', 'user_id', 'project_id', 'organisation_id', 'reason'],
  'pre-add-node': ['work_id', 'reason'],
  'pre-remove-node': ['work_id'],
  'pre-delete-cluster': ['work_id'],
};

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
  for (const [name, key, max] of optionalStrings) {
    const value = object[name];
    if (!replyKeys[hook].includes(name) || value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new InvalidReplyError(`reply "${name}" is not a string`);
    if (value.length > max && codePoints(value) > max) throw new InvalidReplyError(`reply "${name}" is longer than ${max} characters`);
    (reply as unknown as Record<string, string>)[key] = value;
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
