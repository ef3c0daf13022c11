import got, { type Progress, RequestError } from 'got';
import { HookError } from './errors.js';
import { parseRetryAfter } from './parse-retry-after.js';
import { decodeSecret, signatureHeader } from './signature.js';

/** Options of `HookClient`. */
export interface HookClientOptions {
  /** Standard Webhooks secrets (`whsec_…`); every request is signed with each. Default: none (unsigned). */
  secrets?: readonly string[];
  /** The `user-agent` header. Default `ccx-hook-service`. */
  userAgent?: string;
  /** Largest reply body accepted, in bytes. Default 64 KiB. */
  maxReplyBytes?: number;
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
  signal?: AbortSignal;
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
 * The constructor throws `InvalidSecretError` for a secret not of the form `whsec_<base64>`.
 */
export class HookClient {
  private readonly keys: Buffer[];
  private readonly userAgent: string;
  private readonly maxReplyBytes: number;

  constructor(options: HookClientOptions = {}) {
    this.keys = (options.secrets ?? []).map(decodeSecret);
    this.userAgent = options.userAgent ?? 'ccx-hook-service';
    this.maxReplyBytes = options.maxReplyBytes ?? 64 * 1024;
  }

  /** Makes one attempt; resolves with a 2xx reply, rejects with `HookError` otherwise. */
  async send(request: HookRequest): Promise<HookReply> {
    const started = performance.now();
    const timestamp = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': this.userAgent,
      'webhook-id': request.webhookId,
      'webhook-timestamp': String(timestamp),
      'ccx-hook-name': request.hookName,
      'ccx-hook-attempt': String(request.attempt),
    };
    if (this.keys.length > 0) {
      headers['webhook-signature'] = signatureHeader(this.keys, request.webhookId, timestamp, request.body);
    }
    const pending = got.post(request.url, {
      body: request.body,
      headers,
      timeout: { request: request.timeoutMs },
      followRedirect: false,
      throwHttpErrors: false,
      retry: { limit: 0 },
      responseType: 'text',
      signal: request.signal,
    });
    let tooLarge = false;
    pending.on('downloadProgress', (progress: Progress) => {
      if (progress.transferred > this.maxReplyBytes || (progress.total ?? 0) > this.maxReplyBytes) {
        tooLarge = true;
        pending.cancel();
      }
    });
    let response;
    try {
      response = await pending;
    } catch (error) {
      throw this.toHookError(error, request, tooLarge);
    }
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
    return { statusCode: response.statusCode, body: response.body, durationMs };
  }

  private toHookError(error: unknown, request: HookRequest, tooLarge: boolean): HookError {
    if (tooLarge) {
      // The status line arrived before the body was cut off; a post- hook counts a 2xx as delivered.
      const statusCode = error instanceof RequestError ? error.response?.statusCode : undefined;
      return new HookError('ERR_HOOK_REPLY_TOO_LARGE', `reply is larger than ${this.maxReplyBytes} bytes`, { statusCode });
    }
    if (request.signal?.aborted) return new HookError('ERR_HOOK_ABORTED', 'attempt aborted', { cause: error });
    if (error instanceof RequestError && error.name === 'TimeoutError') {
      return new HookError('ERR_HOOK_TIMEOUT', `no reply within ${request.timeoutMs}ms`, { cause: error });
    }
    const code = error instanceof RequestError ? error.code : 'unknown error';
    return new HookError('ERR_HOOK_CONNECTION', `request failed: ${code}`, { cause: error });
  }
}
