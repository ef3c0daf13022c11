import type { AbortSource } from './abort-source.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { HookError } from './errors.js';
import type { HookClient, HookReply, HookRequest } from './hook-client.js';

/** Limits of `sendWithRetries`. */
export interface RetryOptions {
  /** Total time for all attempts and the waits between them, in ms. */
  budgetMs: number;
  /** Time limit of one attempt, in ms (cut to what is left of the budget). */
  attemptTimeoutMs: number;
  /** Attempts in all, at most. Default 3. */
  attempts?: number;
  /** First wait between attempts, doubled after each, at most 1 s, with jitter. Default 100 ms. */
  backoffMs?: number;
  /** Aborts the attempt in flight or the wait (`ERR_HOOK_ABORTED`). */
  signal?: AbortSource;
  /** Counts each attempt in this breaker under `key`, and fails fast while it is open. */
  breaker?: { breaker: CircuitBreaker; key: string };
  /**
   * The budget is the caller's deadline, not the endpoint's allowance: an attempt it cuts
   * short and that times out says nothing about the endpoint and is not counted. Default false.
   */
  budgetIsCallers?: boolean;
}

/** A 2xx reply and how many attempts it took. */
export interface RetriedReply extends HookReply {
  attempts: number;
}

/**
 * Sends a hook, retrying a retryable failure (connection, timeout, 5xx, 408, 429) with the
 * same `webhook-id` and a counting `ccx-hook-attempt`, at most `attempts` times and while the
 * budget allows. With a breaker, only failures that show the endpoint down count (not an
 * attempt cut short by a caller's budget), and a trial after the cool-down is a single attempt.
 * Rejects with the last `HookError` (`ERR_HOOK_CIRCUIT_OPEN` when the circuit is open,
 * `ERR_HOOK_ABORTED` when `signal` fires).
 */
export async function sendWithRetries(
  client: Pick<HookClient, 'send'>,
  request: Omit<HookRequest, 'attempt' | 'timeoutMs' | 'signal'>,
  options: RetryOptions,
): Promise<RetriedReply> {
  const deadline = performance.now() + options.budgetMs;
  const attempts = options.attempts ?? 3;
  const { signal, breaker } = options;
  let backoff = options.backoffMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw new HookError('ERR_HOOK_ABORTED', 'attempt aborted');
    const admission = breaker?.breaker.admit(breaker.key) ?? 'closed';
    if (admission === 'open') throw new HookError('ERR_HOOK_CIRCUIT_OPEN', `circuit open for ${breaker!.key}`);
    const timeoutMs = Math.max(1, Math.min(options.attemptTimeoutMs, Math.floor(deadline - performance.now())));
    try {
      // Literals of one shape, no spread: docs/BENCHMARKS.md, "Tricks kept in the code".
      const { url, hookName, webhookId, body, headers } = request;
      const reply = await client.send({ url, hookName, webhookId, attempt, body, timeoutMs, signal, headers });
      breaker?.breaker.succeeded(breaker.key);
      return { statusCode: reply.statusCode, body: reply.body, durationMs: reply.durationMs, attempts: attempt };
    } catch (error) {
      if (!(error instanceof HookError)) throw error;
      const cut = error.code === 'ERR_HOOK_TIMEOUT' && timeoutMs < options.attemptTimeoutMs && options.budgetIsCallers === true;
      if (breaker) {
        if (error.endpointDown && !cut) breaker.breaker.failed(breaker.key);
        else breaker.breaker.released(breaker.key);
      }
      if (!error.retryable || admission === 'trial' || attempt >= attempts) throw error;
      const wait = Math.max(backoff * (0.5 + Math.random()), error.details.retryAfterMs ?? 0);
      // Only retry when a wait and a short attempt still fit in the budget.
      if (performance.now() + wait + 50 >= deadline) throw error;
      await sleep(wait, signal);
      backoff = Math.min(backoff * 2, 1000);
    }
  }
}

/** Waits `ms`; rejects with `ERR_HOOK_ABORTED` as soon as `signal` fires. */
function sleep(ms: number, signal: AbortSource | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new HookError('ERR_HOOK_ABORTED', 'attempt aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
