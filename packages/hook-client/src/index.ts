// Node.js types in this package's declarations come from @types/node: kept in the emitted
// index.d.ts, so that a consumer on TypeScript 7 (whose `types` default is []) needs no setting.
/// <reference types="node" preserve="true" />
export type { AbortSource } from './abort-source.js';
export type { AttemptObserver, AttemptResult } from './attempt-observer.js';
export { certificatesIn } from './certificates-in.js';
export { type Admission, CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
export { errorCode, HookError, type HookErrorCode, InvalidSecretError, isHookError } from './errors.js';
export {
  canReject,
  type HookName,
  hookNames,
  isHookName,
  isPreHook,
  type PostHookName,
  type PreHookName,
  preHookNames,
} from './hook-name.js';
export { HookClient, type HookClientOptions, type HookCredentials, type HookReply, type HookRequest, type HookTls } from './hook-client.js';
export { type Logger, silentLogger } from './logger.js';
export { newWebhookId } from './new-webhook-id.js';
export { type RetriedReply, type RetryOptions, sendWithRetries } from './send-with-retries.js';
export {
  decodeSecret,
  type SignedMessage,
  signatureHeader,
  verifySignature,
} from './signature.js';
export { decodePublicKey, decodeSigningKey, generateSigningKey, publicKeyText, type SigningKey } from './signing-key.js';
