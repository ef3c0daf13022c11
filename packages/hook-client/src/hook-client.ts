import type { ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { createSecureContext, rootCertificates } from 'node:tls';
import got, { type Progress, RequestError, type Response } from 'got';
import type { AbortSource } from './abort-source.js';
import type { AttemptObserver, AttemptResult } from './attempt-observer.js';
import { certificatesIn } from './certificates-in.js';
import { HookError } from './errors.js';
import { parseRetryAfter } from './parse-retry-after.js';
import { decodeSecret, signatureHeader } from './signature.js';
import { decodeSigningKey, type SigningKey } from './signing-key.js';

/**
 * got with what every attempt shares, merged once instead of per request: redirects are not
 * followed, got never retries (callers do, with the same webhook-id), and a reply is not
 * decompressed, so a compression bomb stays a small, invalid body.
 *
 * Each request's `cacheOptions` (used only with got's `cache`, which hooks never use) is set
 * empty as the request is made (docs/BENCHMARKS.md, "Tricks kept in the code").
 */
const post = got.extend({
  followRedirect: false,
  throwHttpErrors: false,
  retry: { limit: 0 },
  decompress: false,
  hooks: { init: [(_options, self) => void (self.cacheOptions = {})] },
}).post;

/** How `HookClient` uses HTTPS (PEM text). Certificates are always verified. */
export interface HookTls {
  /** CA certificates trusted besides the system's, e.g. an integrator's private CA. */
  ca?: string;
  /** A client certificate and its key, for integrators that require mutual TLS. */
  cert?: string;
  key?: string;
  /** Per hook name: the only CA trusted for that hook (a pinned CA), instead of the system's and `ca`. */
  pinnedCa?: Readonly<Record<string, string>>;
}

/** What `HookClient.reconfigure` can replace while it runs. */
export interface HookCredentials {
  /** Standard Webhooks secrets (`whsec_…`); every request is signed with each (`v1`). Default: none. */
  secrets?: readonly string[];
  /** ed25519 signing keys (`whsk_…`); every request is also signed with each (`v1a`, DESIGN §3a). Default: none. */
  signingKeys?: readonly string[];
  tls?: HookTls;
}

/** Options of `HookClient`. */
export interface HookClientOptions extends HookCredentials {
  /** The `user-agent` header. Default `ccx-hook-service`. */
  userAgent?: string;
  /** Largest reply body accepted, in bytes. Default 64 KiB. */
  maxReplyBytes?: number;
  /** Told how every attempt ended (for metrics). Default: nobody. */
  observer?: AttemptObserver;
}

/** One attempt of a hook. */
export interface HookRequest {
  /** Full URL to POST to. */
  url: string;
  /** The `ccx-hook-name` header, e.g. `pre-add-node`. */
  hookName: string;
  /** The `webhook-id`: the same on every attempt of one message. */
  webhookId: string;
  /** The `ccx-hook-attempt` header: 1 for the first attempt. */
  attempt: number;
  /** The JSON body, already serialised (it is what gets signed). */
  body: string;
  /** Time limit of this attempt, in ms. */
  timeoutMs: number;
  /** Aborts the attempt (`ERR_HOOK_ABORTED`). */
  signal?: AbortSource;
  /** More headers, e.g. `traceparent`; they cannot replace the ones above or the signature. */
  headers?: Readonly<Record<string, string>>;
}

/** A 2xx reply. */
export interface HookReply {
  statusCode: number;
  body: string;
  durationMs: number;
}

/**
 * Sends hooks as Standard Webhooks: a signed JSON `POST` with `webhook-id`,
 * `webhook-timestamp`, `webhook-signature`, `ccx-hook-name` and `ccx-hook-attempt`; redirects
 * are not followed and the reply size is capped. Usable on its own by any service.
 * The constructor throws `InvalidSecretError` for a secret not of the form `whsec_<base64>` or
 * a signing key not of the form `whsk_<base64>`.
 */
export class HookClient {
  private keys: Buffer[] = [];
  private signingKeys: SigningKey[] = [];
  private https: { certificateAuthority?: string[]; certificate?: string; key?: string; pinned: Map<string, string> } = { pinned: new Map() };
  private readonly userAgent: string;
  private readonly maxReplyBytes: number;
  private readonly observer: AttemptObserver | undefined;

  constructor(options: HookClientOptions = {}) {
    this.reconfigure(options);
    this.userAgent = options.userAgent ?? 'ccx-hook-service';
    this.maxReplyBytes = options.maxReplyBytes ?? 64 * 1024;
    this.observer = options.observer;
  }

  /**
   * Replaces the secrets, signing keys and TLS material for the requests that start from now on
   * (after a rotation or a certificate renewal). Throws `InvalidSecretError` for a bad secret or key and an
   * `Error` naming the problem for unusable TLS material, and then changes nothing.
   */
  reconfigure(credentials: HookCredentials): void {
    const keys = (credentials.secrets ?? []).map(decodeSecret);
    const signingKeys = (credentials.signingKeys ?? []).map(decodeSigningKey);
    const tls = credentials.tls ?? {};
    if ((tls.cert === undefined) !== (tls.key === undefined)) throw new Error('a client certificate needs its key, and a key its certificate');
    const https = {
      certificateAuthority: tls.ca === undefined ? undefined : [...rootCertificates, tls.ca],
      certificate: tls.cert,
      key: tls.key,
      pinned: new Map(Object.entries(tls.pinnedCa ?? {})),
    };
    try {
      for (const ca of [tls.ca, ...https.pinned.values()]) if (ca !== undefined) certificatesIn(ca);
      createSecureContext({ cert: https.certificate, key: https.key });
    } catch (error) {
      throw new Error(`unusable TLS material for hooks: ${(error as Error).message}`);
    }
    this.keys = keys;
    this.signingKeys = signingKeys;
    this.https = https;
  }

  /**
   * Makes one attempt under a hard wall-clock limit (`timeoutMs`) that covers connecting, the
   * status line, headers and the whole body; resolves with a 2xx reply whose body is valid
   * UTF-8, rejects with `HookError` otherwise (a protocol switch is `ERR_HOOK_STATUS` 101).
   */
  async send(request: HookRequest): Promise<HookReply> {
    const started = performance.now();
    const timestamp = Math.floor(Date.now() / 1000);
    // Object.assign, not a spread: docs/BENCHMARKS.md, "Tricks kept in the code".
    const headers: Record<string, string> = Object.assign({}, request.headers, {
      'content-type': 'application/json',
      'user-agent': this.userAgent,
      'webhook-id': request.webhookId,
      'webhook-timestamp': String(timestamp),
      'ccx-hook-name': request.hookName,
      'ccx-hook-attempt': String(request.attempt),
    });
    if (this.keys.length > 0 || this.signingKeys.length > 0) {
      headers['webhook-signature'] = signatureHeader(this.keys, request.webhookId, timestamp, request.body, this.signingKeys);
    }
    let ending: 'too-large' | 'protocol-switch' | 'timed-out' | undefined;
    const certificateAuthority = this.https.pinned.get(request.hookName) ?? this.https.certificateAuthority;
    // Without TLS material, got's defaults: nothing to merge into every request. The body is
    // checked as bytes: invalid UTF-8 must fail, never become U+FFFD. (Two literals, no spread:
    // docs/BENCHMARKS.md, "Tricks kept in the code".)
    const pending = (certificateAuthority ?? this.https.certificate) === undefined
      ? post(request.url, { body: request.body, headers, responseType: 'buffer' })
      : post(request.url, {
        body: request.body,
        headers,
        https: { certificateAuthority, certificate: this.https.certificate, key: this.https.key },
        responseType: 'buffer',
      });
    // One wall-clock limit for the whole attempt, whatever state a peer holds it in (connecting,
    // a 1xx, a dripping status line or body): cancelling tears the request down. The caller's
    // signal cancels it too. (Cancelling, instead of handing got an AbortSignal and a timeout,
    // saves an AbortController, got's listener on it and got's own timers per attempt.)
    const timer = setTimeout(() => {
      ending ??= 'timed-out';
      pending.cancel();
    }, request.timeoutMs);
    const abort = () => pending.cancel();
    if (request.signal?.aborted) abort();
    else request.signal?.addEventListener('abort', abort, { once: true });
    pending.on('request', (outgoing: ClientRequest) =>
      outgoing.on('upgrade', (_response: unknown, socket: Socket) => {
        ending = 'protocol-switch';
        socket.destroy();
        pending.cancel();
      }),
    );
    pending.on('downloadProgress', (progress: Progress) => {
      if (progress.transferred > this.maxReplyBytes || (progress.total ?? 0) > this.maxReplyBytes) {
        ending = 'too-large';
        pending.cancel();
      }
    });
    try {
      const reply = replyOf(await pending, started);
      this.observer?.attempted(request.hookName, '2xx', performance.now() - started);
      return reply;
    } catch (error) {
      const failure = error instanceof HookError ? error : this.toHookError(error, request, ending);
      this.observer?.attempted(request.hookName, resultOf(failure), performance.now() - started);
      throw failure;
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', abort);
    }
  }

  private toHookError(error: unknown, request: HookRequest, ending: 'too-large' | 'protocol-switch' | 'timed-out' | undefined): HookError {
    if (ending === 'too-large') {
      // The status line arrived before the body was cut off; a post- hook counts a 2xx as delivered.
      const statusCode = error instanceof RequestError ? error.response?.statusCode : undefined;
      return new HookError('ERR_HOOK_REPLY_TOO_LARGE', `reply is larger than ${this.maxReplyBytes} bytes`, { statusCode });
    }
    if (ending === 'protocol-switch') {
      return new HookError('ERR_HOOK_STATUS', 'integrator answered HTTP 101 (switching protocols)', { statusCode: 101, cause: error });
    }
    if (request.signal?.aborted) return new HookError('ERR_HOOK_ABORTED', 'attempt aborted', { cause: error });
    if (ending === 'timed-out') {
      return new HookError('ERR_HOOK_TIMEOUT', `no complete reply within ${request.timeoutMs}ms`, { cause: error });
    }
    const code = error instanceof RequestError ? error.code : 'unknown error';
    if (isTlsFailure(code)) {
      // A certificate the client does not trust, or a handshake the integrator refused: the
      // endpoint cannot be reached as configured, like any connection failure.
      return new HookError('ERR_HOOK_CONNECTION', `TLS handshake failed: ${code}: ${(error as Error).message}`, { cause: error });
    }
    // The origin names the endpoint that failed (never a path's or user-info's secrets).
    return new HookError('ERR_HOOK_CONNECTION', `request to ${new URL(request.url).origin} failed: ${code}`, { cause: error });
  }
}

/** The reply of a complete response: a 2xx whose body is valid UTF-8, otherwise a `HookError`. */
function replyOf(response: Response<Buffer>, started: number): HookReply {
  const durationMs = Math.round(performance.now() - started);
  if (response.statusCode < 200 || response.statusCode > 299) {
    const retryAfter = response.statusCode === 429 || response.statusCode === 503
      ? parseRetryAfter(response.headers['retry-after'])
      : undefined;
    throw new HookError('ERR_HOOK_STATUS', `integrator answered HTTP ${response.statusCode}`, {
      statusCode: response.statusCode,
      retryAfterMs: retryAfter,
    });
  }
  let body: string;
  try {
    body = utf8.decode(response.body);
  } catch {
    throw new HookError('ERR_HOOK_REPLY_ENCODING', 'reply body is not valid UTF-8', { statusCode: response.statusCode });
  }
  return { statusCode: response.statusCode, body, durationMs };
}

function isTlsFailure(code: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|^ERR_TLS|^ERR_SSL|HOSTNAME_MISMATCH/.test(code);
}

function resultOf(error: HookError): AttemptResult {
  const status = error.details.statusCode;
  if (status !== undefined) return `${Math.min(Math.max(Math.floor(status / 100), 1), 5)}xx` as AttemptResult;
  if (error.code === 'ERR_HOOK_TIMEOUT') return 'timeout';
  if (error.code === 'ERR_HOOK_ABORTED') return 'aborted';
  return 'connection_error';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
