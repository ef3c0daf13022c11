import { createHmac, sign, timingSafeEqual, verify } from 'node:crypto';
import { InvalidSecretError } from './errors.js';
import { decodePublicKey, type SigningKey } from './signing-key.js';

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
 * once per secret, then `v1a,<base64 ed25519 signature of the same>` once per signing key,
 * space-separated (several of each during a rotation).
 */
export function signatureHeader(secrets: readonly Buffer[], id: string, timestamp: number, body: string, signingKeys: readonly SigningKey[] = []): string {
  const signatures = secrets.map((key) => `v1,${signOne(key, id, timestamp, body)}`);
  if (signingKeys.length > 0) {
    const content = Buffer.from(`${id}.${timestamp}.${body}`);
    for (const key of signingKeys) signatures.push(`v1a,${sign(null, content, key.privateKey).toString('base64')}`);
  }
  return signatures.join(' ');
}

/** What `verifySignature` checks: the three Standard Webhooks headers and the raw body. */
export interface SignedMessage {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
}

/**
 * Whether `message` carries a valid signature by any of `keys` — a secret (`whsec_…`, checked
 * against the `v1,` signatures) or a public key (`whpk_…`, against the `v1a,` ones) — and its
 * timestamp is within `toleranceSeconds` (default 300) of `now` (default: the clock). Throws
 * `InvalidSecretError` for a key of neither form.
 */
export function verifySignature(
  keys: readonly string[],
  message: SignedMessage,
  toleranceSeconds = 300,
  now: number = Date.now(),
): boolean {
  const timestamp = Number(message.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false;
  const offered = (scheme: string) =>
    message.signature
      .split(' ')
      .filter((part) => part.startsWith(scheme))
      .map((part) => Buffer.from(part.slice(scheme.length), 'base64'));
  const content = `${message.id}.${timestamp}.${message.body}`;
  return keys.some((key) => {
    if (key.trim().startsWith('whpk_')) {
      const publicKey = decodePublicKey(key);
      return offered('v1a,').some((candidate) => verify(null, Buffer.from(content), publicKey, candidate));
    }
    const expected = createHmac('sha256', decodeSecret(key)).update(content).digest();
    return offered('v1,').some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected));
  });
}
