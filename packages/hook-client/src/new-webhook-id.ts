import { randomBytes } from 'node:crypto';

/**
 * A new message id, `msg_` and 26 characters: a time prefix (so ids sort by creation)
 * and 80 random bits.
 */
export function newWebhookId(now: number = Date.now()): string {
  const time = now.toString(36).padStart(10, '0');
  return `msg_${time}${randomBytes(10).toString('base64url').slice(0, 16)}`;
}
