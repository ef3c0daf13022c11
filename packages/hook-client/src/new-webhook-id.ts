import { randomBytes } from 'node:crypto';

/** Random base64url text drawn from the system in blocks: 4,200 bytes make the random part of 400 ids. */
const blockBytes = 4_200;
let random = '';
let used = 0;
/** The time prefix of the last id (and its time): ids made in the same millisecond share it. */
let prefixNow = -1;
let prefix = '';

/**
 * A new message id, `msg_` and 24 characters: a time prefix of 10 (so ids sort by creation)
 * and 14 random base64url characters (84 bits).
 */
export function newWebhookId(now: number = Date.now()): string {
  if (used === random.length) {
    random = randomBytes(blockBytes).toString('base64url');
    used = 0;
  }
  if (prefixNow !== now) {
    prefixNow = now;
    prefix = `msg_${now.toString(36).padStart(10, '0')}`;
  }
  const id = prefix + random.slice(used, used + 14);
  used += 14;
  return id;
}
