import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidSecretError } from './errors.js';

/** Decodes a Standard Webhooks secret `whsec_<base64 key>` (a key of 24 to 64 bytes, as the specification asks) to its key bytes; throws `InvalidSecretError`. */
export function decodeSecret(secret: string): Buffer {
  // Also reached from JavaScript, where a missing secret is `undefined`.
  const match = typeof secret === 'string' ? /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret.trim()) : null;
  const key = match ? Buffer.from(match[1]!, 'base64') : Buffer.alloc(0);
  if (key.length < 24 || key.length > 64) {
    throw new InvalidSecretError('a hook secret must be "whsec_" followed by 24 to 64 base64-encoded bytes');
  }
  return key;
}

function signOne(key: Buffer, id: string, timestamp: number, body: string): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/**
 * The `webhook-signature` header value: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`
 * once per secret, space-separated (several secrets during rotation).
 */
export function signatureHeader(secrets: readonly Buffer[], id: string, timestamp: number, body: string): string {
  return secrets.map((key) => `v1,${signOne(key, id, timestamp, body)}`).join(' ');
}

/** What `verifySignature` checks: the three Standard Webhooks headers and the raw body. */
export interface SignedMessage {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
}

/**
 * Whether `message` carries a valid v1 signature by any of `secrets` (`whsec_…`) and its
 * timestamp is within `toleranceSeconds` (default 300) of `now` (default: the clock).
 */
export function verifySignature(
  secrets: readonly string[],
  message: SignedMessage,
  toleranceSeconds = 300,
  now: number = Date.now(),
): boolean {
  const timestamp = Number(message.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false;
  const offered = message.signature
    .split(' ')
    .filter((part) => part.startsWith('v1,'))
    .map((part) => Buffer.from(part.slice(3), 'base64'));
  return secrets.some((secret) => {
    const expected = Buffer.from(signOne(decodeSecret(secret), message.id, timestamp, message.body), 'base64');
    return offered.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
  });
}
