import { randomFillSync } from 'node:crypto';

/** Random bytes drawn from the system in blocks: one call per 400 ids instead of one per id. */
const pool = Buffer.alloc(4000);
let used = pool.length;

/**
 * A new message id, `msg_` and 24 characters: a time prefix of 10 (so ids sort by creation)
 * and 80 random bits in 14.
 */
export function newWebhookId(now: number = Date.now()): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const random = pool.toString('base64url', used, used + 10);
  used += 10;
  return `msg_${now.toString(36).padStart(10, '0')}${random}`;
}
