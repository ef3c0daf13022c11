import { HookError } from './errors.js';
import type { HookClient, HookReply, HookRequest } from './hook-client.js';

/** Limits of `sendWithRetries`. */
export interface RetryOptions {
  /** Total time for all attempts and the waits between them, in ms. */
  budgetMs: number;
  /** Time limit of one attempt, in ms (cut to what is left of the budget). */
  attemptTimeoutMs: number;
  /** First wait between attempts, doubled after each, at most 1 s, with jitter. Default 100 ms. */
  backoffMs?: number;
}

/** A 2xx reply and how many attempts it took. */
export interface RetriedReply extends HookReply {
  attempts: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends a hook, retrying a retryable failure (connection, timeout, 5xx, 429) with the same
 * `webhook-id` and a counting `ccx-hook-attempt` for as long as the budget allows.
 * Rejects with the last `HookError` when the budget is spent or a failure is not retryable.
 */
export async function sendWithRetries(
  client: HookClient,
  request: Omit<HookRequest, 'attempt' | 'timeoutMs'>,
  options: RetryOptions,
): Promise<RetriedReply> {
  const deadline = performance.now() + options.budgetMs;
  let backoff = options.backoffMs ?? 100;
  for (let attempt = 1; ; attempt++) {
    const remaining = Math.floor(deadline - performance.now());
    try {
      const reply = await client.send({ ...request, attempt, timeoutMs: Math.min(options.attemptTimeoutMs, remaining) });
      return { ...reply, attempts: attempt };
    } catch (error) {
      if (!(error instanceof HookError) || !error.retryable) throw error;
      const wait = Math.max(backoff * (0.5 + Math.random()), error.details.retryAfterMs ?? 0);
      // Only retry when a wait and a short attempt still fit in the budget.
      if (performance.now() + wait + 50 >= deadline) throw error;
      await sleep(wait);
      backoff = Math.min(backoff * 2, 1000);
    }
  }
}
