import {
  type CircuitBreaker,
  type HookClient,
  type Logger,
  newWebhookId,
  sendWithRetries,
} from '@ccx-hook/hook-client';
import { canReject, type HookPayload, parsePreReply, type PreHookName } from '@ccx-hook/mapping';
import { DecidedBy } from '@ccx-hook/proto';
import { bareDecision, type PreDecision } from './pre-decision.js';
import type { HooksSettings, PreHookPolicy } from './server-options.js';

/** Options of `PreHookCaller`. */
export interface PreHookCallerOptions {
  client: HookClient;
  breaker: CircuitBreaker;
  hooks: HooksSettings;
  policy: PreHookPolicy;
  logger: Logger;
}

/**
 * Asks the integrator for a pre- hook's decision within the budget and the caller's deadline;
 * when it cannot be asked (failure, open circuit, no time) the failure policy answers. Never
 * rejects.
 */
export class PreHookCaller {
  constructor(private readonly options: PreHookCallerOptions) {}

  /** Decides `hook` for `payload`; `deadline` is the caller's gRPC deadline in ms since the epoch. */
  async decide(hook: PreHookName, payload: HookPayload, deadline: number): Promise<PreDecision> {
    const { hooks, policy, logger, breaker, client } = this.options;
    const settings = hooks[hook];
    const meta = { hook, cluster_id: payload.cluster_id };
    if (!settings.url) {
      logger.info('pre- hook disabled: approved', meta);
      return bareDecision(true, DecidedBy.DECIDED_BY_HOOK_DISABLED);
    }
    const started = performance.now();
    const budgetMs = Math.min(policy.budgetMs, deadline - Date.now() - policy.deadlineMarginMs);
    const origin = new URL(settings.url).origin;
    let cause: string;
    if (budgetMs <= 0) {
      cause = 'no time left before the caller\'s deadline';
    } else if (!breaker.allow(origin)) {
      cause = `circuit open for ${origin}`;
    } else {
      try {
        const reply = await sendWithRetries(
          client,
          { url: settings.url, hookName: hook, webhookId: newWebhookId(), body: JSON.stringify(payload) },
          { budgetMs, attemptTimeoutMs: settings.timeoutMs },
        );
        const decision = { ...parsePreReply(hook, reply.body), decidedBy: DecidedBy.DECIDED_BY_INTEGRATOR };
        breaker.succeeded(origin);
        logger.info('pre- hook decided by the integrator', {
          ...meta,
          approved: decision.approved,
          work_id: decision.workId,
          attempts: reply.attempts,
          status: reply.statusCode,
          duration_ms: Math.round(performance.now() - started),
        });
        return decision;
      } catch (error) {
        breaker.failed(origin);
        cause = error instanceof Error ? error.message : String(error);
      }
    }
    const decision = canReject(hook) && settings.failurePolicy === 'fail-closed'
      ? bareDecision(false, DecidedBy.DECIDED_BY_FAILURE_POLICY, policy.rejectionMessage)
      : bareDecision(true, DecidedBy.DECIDED_BY_FAILURE_POLICY);
    logger.warn('pre- hook failed: the failure policy decided', {
      ...meta,
      cause,
      approved: decision.approved,
      duration_ms: Math.round(performance.now() - started),
    });
    return decision;
  }
}
