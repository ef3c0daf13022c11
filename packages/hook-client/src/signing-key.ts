import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { InvalidSecretError } from './errors.js';

/** An ed25519 signing key (Standard Webhooks v1a, DESIGN §3a) and its public half. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const base64Of = (text: string, prefix: string): Buffer | undefined => {
  const match = new RegExp(`^${prefix}([A-Za-z0-9+/]+={0,2})$`).exec(text.trim());
  return match ? Buffer.from(match[1]!, 'base64') : undefined;
};

const publicJwk = (publicKey: Buffer) => ({ kty: 'OKP', crv: 'Ed25519', x: publicKey.toString('base64url') });

/**
 * Decodes `whsk_` + base64 of 64 bytes (the 32-byte ed25519 seed, then the 32-byte public key,
 * as Svix writes them); throws `InvalidSecretError` (never quoting the key) when it is not of
 * that form or its public half does not belong to its seed.
 */
export function decodeSigningKey(key: string): SigningKey {
  // Also reached from JavaScript, where a missing key is `undefined`.
  const bytes = typeof key === 'string' ? base64Of(key, 'whsk_') : undefined;
  if (bytes?.length !== 64) throw new InvalidSecretError('a signing key must be "whsk_" followed by 64 base64-encoded bytes');
  const seed = bytes.subarray(0, 32);
  const publicKey = bytes.subarray(32);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: { ...publicJwk(publicKey), d: seed.toString('base64url') }, format: 'jwk' });
  } catch {
    throw new InvalidSecretError('a signing key must be "whsk_" followed by 64 base64-encoded bytes');
  }
  const derived = createPublicKey(privateKey);
  if (derived.export({ format: 'jwk' }).x !== publicKey.toString('base64url')) {
    throw new InvalidSecretError('a signing key\'s public half does not match its seed');
  }
  return { privateKey, publicKey: derived };
}

/** Decodes `whpk_` + base64 of a 32-byte ed25519 public key; throws `InvalidSecretError`. */
export function decodePublicKey(key: string): KeyObject {
  const bytes = typeof key === 'string' ? base64Of(key, 'whpk_') : undefined;
  if (bytes?.length !== 32) throw new InvalidSecretError('a public key must be "whpk_" followed by 32 base64-encoded bytes');
  try {
    return createPublicKey({ key: publicJwk(bytes), format: 'jwk' });
  } catch {
    throw new InvalidSecretError('a public key must be "whpk_" followed by 32 base64-encoded bytes');
  }
}

/** The `whpk_` form of a key's public half. */
export function publicKeyText(key: SigningKey): string {
  return `whpk_${Buffer.from(key.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64')}`;
}

/** A new ed25519 key pair: `whsk_…` to sign with, `whpk_…` to verify with. */
export function generateSigningKey(): { signingKey: string; publicKey: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const { d, x } = privateKey.export({ format: 'jwk' });
  const seed = Buffer.from(d!, 'base64url');
  const publicKey = Buffer.from(x!, 'base64url');
  return { signingKey: `whsk_${Buffer.concat([seed, publicKey]).toString('base64')}`, publicKey: `whpk_${publicKey.toString('base64')}` };
}
