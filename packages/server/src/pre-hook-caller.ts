import {
  type AbortSource,
  canReject,
  type CircuitBreaker,
  errorCode,
  type HookClient,
  type HookRequest,
  isHookError,
  type Logger,
  newWebhookId,
  type PreHookName,
  type RetriedReply,
  sendWithRetries,
} from '@ccx-hook/hook-client';
import { type HookPayload, parsePreReply } from '@ccx-hook/mapping';
import { DecidedBy } from '@ccx-hook/proto';
import type { DecisionObserver } from './decision-observer.js';
import type { EndpointGate } from './endpoint-gate.js';
import { LoopStall } from './loop-stall.js';
import { bareDecision, type PreDecision } from './pre-decision.js';
import type { HooksSettings, PreHookPolicy } from './hook-settings.js';
import { type TraceContext, traceHeaders, withTraceFields } from './trace-context.js';

/** The cause of a decision by the policy for an endpoint that answered 410 (DESIGN §5a). */
const endpointGone = 'endpoint gone';

/** How long the last attempt may outlive the answer given at the end of the budget, in ms. */
const tailMs = 100;
/**
 * Event-loop time one answer may have to wait per call in flight, in ms. Measured on 2 cores
 * with 2,000 calls at once against a silent integrator: 0.3 let about 97 % answer in time,
 * 0.5 about 98.5 % (the rest missed on the client's side, which shared the process).
 */
const answerCostMs = 0.5;


/** The integrator's decision. */
interface Answer {
  decision: PreDecision;
  attempts: number;
  statusCode: number;
}

/** Why the policy decides. */
interface Failure {
  cause: string;
}

/** Options of `PreHookCaller`. */
export interface PreHookCallerOptions {
  client: HookClient;
  breaker: CircuitBreaker;
  hooks: HooksSettings;
  policy: PreHookPolicy;
  logger: Logger;
  /** Told about every decision (for the console). Default: nobody. */
  decisions?: DecisionObserver;
  /** Endpoints gone (410) answer by the failure policy at once. Default: none is ever gone. */
  endpoints?: EndpointGate;
}

/**
 * Asks the integrator for a pre- hook's decision within the budget and the caller's deadline;
 * when it cannot be asked (failure, open circuit, no time) the failure policy answers. The
 * answer at the end of the budget is a timer of its own, independent of the integrator's I/O,
 * so an integrator that holds a request (or hundreds of them) cannot push an answer past its
 * deadline. Never rejects.
 */
export class PreHookCaller {
  private readonly stall = new LoopStall();
  /**
   * Calls waiting for a decision, by endpoint (URL origin): their answers may be due together
   * (a burst at a silent endpoint). Calls to other endpoints never count (DESIGN §4, fairness).
   */
  private readonly inFlight = new Map<string, number>();

  /** The URL origin of each enabled hook: its circuit in the breaker. */
  private readonly origins = new Map<string, string>();

  constructor(private readonly options: PreHookCallerOptions) {
    for (const [hook, { url }] of Object.entries(options.hooks)) if (url) this.origins.set(hook, new URL(url).origin);
  }

  /** Stops the event-loop measurement (the server is closing). */
  close(): void {
    this.stall.stop();
  }

  /**
   * Decides `hook` for `payload`; `deadline` is the caller's gRPC deadline in ms since the
   * epoch; `signal` (the call cancelled, the server stopping) aborts the outbound request;
   * `trace` goes to the integrator as headers and into the log line.
   */
  async decide(hook: PreHookName, payload: HookPayload, call: { deadline: number; signal: AbortSource; trace: TraceContext }): Promise<PreDecision> {
    const { hooks, policy, logger, decisions } = this.options;
    const { deadline, signal, trace } = call;
    const settings = hooks[hook];
    const webhookId = newWebhookId();
    const started = performance.now();
    const meta = () => withTraceFields({ hook, cluster_id: payload.cluster_id, webhook_id: webhookId }, trace);
    const shadow = settings.mode === 'shadow';
    const record = decisions && ((decision: PreDecision, attempts: number, cause?: string) =>
      decisions.decided({
        at: Date.now(),
        hook,
        clusterId: String(payload.cluster_id),
        approved: decision.approved,
        decidedBy: decision.decidedBy === DecidedBy.DECIDED_BY_INTEGRATOR ? 'integrator' : decision.decidedBy === DecidedBy.DECIDED_BY_FAILURE_POLICY ? 'failure_policy' : 'hook_disabled',
        reason: decision.reason,
        durationMs: performance.now() - started,
        attempts,
        webhookId,
        ...(cause === undefined ? {} : { cause }),
        ...(shadow ? { shadow: true as const } : {}),
      }));
    if (!settings.url) {
      logger.info('pre- hook disabled: approved', meta());
      const decision = bareDecision(true, DecidedBy.DECIDED_BY_HOOK_DISABLED);
      record?.(decision, 0);
      return decision;
    }
    // What is left of the caller's deadline, less the margin, the time this call has already
    // waited behind others in this turn of the event loop (measured), and the time its answer
    // may wait behind the answers of the calls in flight to its own endpoint (in a burst, all
    // are due together). Load on another endpoint takes nothing from this call.
    const origin = this.origins.get(hook)!;
    const sameEndpoint = this.inFlight.get(origin) ?? 0;
    const queuedMs = this.stall.now() + sameEndpoint * answerCostMs;
    const callersMs = deadline - Date.now() - policy.deadlineMarginMs - queuedMs;
    const budgetMs = Math.min(policy.budgetMs, callersMs);
    const gone = this.options.endpoints?.isGone(hook) === true;
    if (budgetMs <= 0 || gone) {
      const cause = gone ? endpointGone : 'no time left before the caller\'s deadline';
      if (shadow) return this.shadowFailed(hook, meta(), cause, started, record, 0);
      const decision = this.byPolicy(hook, meta(), cause, started);
      record?.(decision, 0, cause);
      return decision;
    }
    // The first of the integrator's answer and the end of the budget decides.
    let settle!: (outcome: Answer | Failure) => void;
    const decided = new Promise<Answer | Failure>((resolve) => (settle = resolve));
    const timer = setTimeout(() => settle({ cause: `no valid answer within ${Math.round(budgetMs)}ms` }), budgetMs);
    this.inFlight.set(origin, (this.inFlight.get(origin) ?? 0) + 1);
    // Counted here, so that a decision by the policy says how many attempts failed before it.
    let attempts = 0;
    const counted = { send: (attempt: HookRequest) => (attempts++, this.options.client.send(attempt)) };
    const headers = traceHeaders(trace);
    if (shadow) headers['ccx-hook-mode'] = 'shadow';
    const request = { url: settings.url, hookName: hook, webhookId, body: JSON.stringify(payload), headers };
    // The last attempt may run a little past the answer, so that with hundreds of calls at once
    // every answer goes out before any attempt is torn down.
    sendWithRetries(counted, request, {
      budgetMs: budgetMs + tailMs,
      budgetIsCallers: callersMs < policy.budgetMs,
      attemptTimeoutMs: settings.timeoutMs,
      attempts: policy.attempts,
      signal,
      breaker: { breaker: this.options.breaker, key: this.origins.get(hook)! },
    }).then((reply) => settle(answerOf(hook, reply)), (error: unknown) => {
      if (isHookError(error) && error.details.statusCode === 410) {
        void this.options.endpoints?.gone(hook, settings.url!);
        settle({ cause: endpointGone });
      } else settle(failureOf(error));
    });
    try {
      const outcome = await decided;
      if ('cause' in outcome) {
        if (shadow) return this.shadowFailed(hook, meta(), outcome.cause, started, record, attempts);
        const decision = this.byPolicy(hook, meta(), outcome.cause, started);
        record?.(decision, attempts, outcome.cause);
        return decision;
      }
      const { decision } = outcome;
      if (shadow) {
        record?.(decision, outcome.attempts);
        const said = decision.approved ? 'approved' : 'rejected';
        const fields = Object.assign(meta(), { work_id: decision.workId, attempts: outcome.attempts, duration_ms: Math.round(performance.now() - started) });
        if (decision.approved) logger.info('shadow: the integrator approved', fields);
        else logger.warn('shadow: would have rejected', Object.assign(fields, { reason: decision.reason }));
        return Object.assign({}, decision, { approved: true, reason: '', decidedBy: DecidedBy.DECIDED_BY_SHADOW_MODE, shadow: said });
      }
      logger.info('pre- hook decided by the integrator', withTraceFields({
        hook,
        cluster_id: payload.cluster_id,
        webhook_id: webhookId,
        approved: decision.approved,
        work_id: decision.workId,
        attempts: outcome.attempts,
        status: outcome.statusCode,
        duration_ms: Math.round(performance.now() - started),
      }, trace));
      record?.(decision, outcome.attempts);
      return decision;
    } finally {
      const left = this.inFlight.get(origin)! - 1;
      if (left === 0) this.inFlight.delete(origin);
      else this.inFlight.set(origin, left);
      clearTimeout(timer);
    }
  }

  /** Shadow mode, when the integrator gave no answer: the caller is approved all the same. */
  private shadowFailed(
    hook: PreHookName,
    meta: Record<string, unknown>,
    cause: string,
    started: number,
    record: ((decision: PreDecision, attempts: number, cause?: string) => void) | undefined,
    attempts: number,
  ): PreDecision {
    this.options.logger.warn('shadow: the integrator gave no answer; approved', Object.assign(meta, {
      cause,
      duration_ms: Math.round(performance.now() - started),
    }));
    // The console shows what enforce would have answered: the failure policy's decision.
    record?.(this.policyDecision(hook), attempts, cause);
    return Object.assign(bareDecision(true, DecidedBy.DECIDED_BY_SHADOW_MODE), { shadow: 'failed' as const });
  }

  /** What the hook's failure policy answers. */
  private policyDecision(hook: PreHookName): PreDecision {
    const { hooks, policy } = this.options;
    return canReject(hook) && hooks[hook].failurePolicy === 'fail-closed'
      ? bareDecision(false, DecidedBy.DECIDED_BY_FAILURE_POLICY, policy.rejectionMessage)
      : bareDecision(true, DecidedBy.DECIDED_BY_FAILURE_POLICY);
  }

  private byPolicy(hook: PreHookName, meta: Record<string, unknown>, cause: string, started: number): PreDecision {
    const decision = this.policyDecision(hook);
    this.options.logger.warn('pre- hook failed: the failure policy decided', Object.assign({}, meta, {
      cause,
      approved: decision.approved,
      duration_ms: Math.round(performance.now() - started),
    }));
    return decision;
  }
}

/** The integrator's decision in `reply`, or why it is not one. */
function answerOf(hook: PreHookName, reply: RetriedReply): Answer | Failure {
  try {
    // Object.assign, not a spread: docs/BENCHMARKS.md, "Tricks kept in the code".
    const decision = Object.assign(parsePreReply(hook, reply.body), { decidedBy: DecidedBy.DECIDED_BY_INTEGRATOR });
    return { decision, attempts: reply.attempts, statusCode: reply.statusCode };
  } catch (error) {
    return failureOf(error);
  }
}

/** Why asking the integrator gave no decision. */
function failureOf(error: unknown): Failure {
  if (errorCode(error) === 'ERR_HOOK_ABORTED') return { cause: 'the call was cancelled or the server is stopping' };
  return { cause: error instanceof Error ? error.message : String(error) };
}
