/** Stable codes of `HookError`; callers branch on these, never on messages. */
export type HookErrorCode =
  /** No connection could be made or it broke (refused, reset, DNS). */
  | 'ERR_HOOK_CONNECTION'
  /** The attempt did not finish within its timeout. */
  | 'ERR_HOOK_TIMEOUT'
  /** The integrator answered with a status other than 2xx (redirects included: never followed). */
  | 'ERR_HOOK_STATUS'
  /** The reply body was larger than the configured cap. */
  | 'ERR_HOOK_REPLY_TOO_LARGE'
  /** The reply body was not valid UTF-8. */
  | 'ERR_HOOK_REPLY_ENCODING'
  /** The caller aborted the attempt (shutdown, budget spent). */
  | 'ERR_HOOK_ABORTED'
  /** A circuit breaker is open for this endpoint: no attempt was made. */
  | 'ERR_HOOK_CIRCUIT_OPEN';

/** Thrown by `HookClient.send` and `sendWithRetries` when an attempt does not get a 2xx. */
export class HookError extends Error {
  override readonly name = 'HookError';
  constructor(
    readonly code: HookErrorCode,
    message: string,
    readonly details: {
      /** The HTTP status, for `ERR_HOOK_STATUS` and `ERR_HOOK_REPLY_TOO_LARGE` (whose status may be a 2xx). */
      statusCode?: number;
      /** The delay the integrator asked for with `Retry-After` on 429/503, in ms. */
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: details.cause });
  }

  /** Whether another attempt may succeed: connection errors, timeouts, 5xx, 408 and 429. */
  get retryable(): boolean {
    return this.endpointDown || (this.code === 'ERR_HOOK_STATUS' && this.details.statusCode === 408);
  }

  /**
   * Whether the failure is a sign that the endpoint is down (what a circuit breaker counts):
   * no connection, an attempt timeout, 5xx or 429 — not a 4xx, a bad body or an abort.
   */
  get endpointDown(): boolean {
    if (this.code === 'ERR_HOOK_CONNECTION' || this.code === 'ERR_HOOK_TIMEOUT') return true;
    const status = this.details.statusCode ?? 0;
    return this.code === 'ERR_HOOK_STATUS' && (status >= 500 || status === 429);
  }
}

/** Thrown by `decodeSecret` when a secret is not of the Standard Webhooks form `whsec_<base64>`. */
export class InvalidSecretError extends Error {
  override readonly name = 'InvalidSecretError';
  readonly code = 'ERR_INVALID_SECRET';
}

/**
 * The stable `code` of an error (`ERR_…`); undefined when it has none. Callers branch on it
 * rather than on classes, which differ between two installed copies of one package.
 */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether `error` is a `HookError`, told by its code. */
export function isHookError(error: unknown): error is HookError {
  return errorCode(error)?.startsWith('ERR_HOOK_') === true;
}
