import type { StoreStats } from '@ccx-hook/delivery';
import type { AttemptObserver, AttemptResult, CircuitBreaker } from '@ccx-hook/hook-client';
import type { CallObserver, CallOutcome } from '@ccx-hook/server';
import { figuresCountLimit } from './store-figures.js';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Scrapes within this many ms of a render get that render. */
const renderEveryMs = 1_000;

/** What `ServiceMetrics` reads when Prometheus scrapes. */
export interface MetricsSources {
  /** The store's figures as last read in the background (`StoreFigures`); undefined before the first read. */
  figures: () => StoreStats | undefined;
  /** When the dispatcher last made progress, ms since the epoch. */
  lastProgressAt: () => number;
  /** The hook secrets that sign now. */
  signingCredentials: () => number;
  breaker: Pick<CircuitBreaker, 'isOpen'>;
  /** The URL origins of the configured hooks: the circuits there are. */
  endpoints: readonly string[];
  /** The enabled hooks, and whether each one's endpoint is gone (DESIGN §5a). */
  hooks: readonly string[];
  isGone: (hook: string) => boolean;
}

/**
 * The service's Prometheus metrics (DESIGN §10): calls by outcome and attempts by result as
 * they happen; deliveries by state and the oldest pending delivery from the store's figures in
 * memory, open circuits and the dispatcher's progress at each scrape (none of which asks the
 * store anything); Node's process metrics. Every label has a small fixed set of values.
 */
export class ServiceMetrics implements AttemptObserver, CallObserver {
  readonly registry = new Registry();
  private readonly calls: Counter<'hook' | 'outcome'>;
  private readonly attempts: Counter<'hook' | 'result'>;
  private readonly attemptDuration: Histogram<'hook'>;
  private readonly deliveries: Gauge<'state'>;
  private readonly oldestPending: Gauge;
  private readonly circuitOpen: Gauge<'endpoint'>;
  private readonly lastProgress: Gauge;
  private readonly signing: Gauge;
  private readonly endpointGone: Gauge<'hook'>;
  private rendered: { at: number; exposition: Promise<{ contentType: string; body: string }> } | undefined;

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.calls = new Counter({
      name: 'ccx_hook_calls_total',
      help: 'gRPC calls answered, by hook and outcome',
      labelNames: ['hook', 'outcome'],
      registers,
    });
    this.attempts = new Counter({
      name: 'ccx_hook_attempts_total',
      help: 'HTTP attempts at the integrator, by hook and result',
      labelNames: ['hook', 'result'],
      registers,
    });
    this.attemptDuration = new Histogram({
      name: 'ccx_hook_attempt_duration_seconds',
      help: 'Time from sending an attempt to its complete reply (or its failure), by hook',
      labelNames: ['hook'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.deliveries = new Gauge({
      name: 'ccx_hook_deliveries',
      help: `post- hook deliveries in the store, by state (the same in every replica), counted up to ${figuresCountLimit.toLocaleString('en')} each`,
      labelNames: ['state'],
      registers,
    });
    this.oldestPending = new Gauge({
      name: 'ccx_hook_oldest_pending_delivery_age_seconds',
      help: 'Age of the oldest pending post- hook delivery; 0 when none is pending',
      registers,
    });
    this.circuitOpen = new Gauge({
      name: 'ccx_hook_circuit_open',
      help: '1 while the circuit breaker of an integrator endpoint (URL origin) is open, for pre- hooks',
      labelNames: ['endpoint'],
      registers,
    });
    this.lastProgress = new Gauge({
      name: 'ccx_hook_dispatcher_last_progress_timestamp_seconds',
      help: 'When the dispatcher last made progress (an attempt recorded, or nothing left due); /healthz fails after delivery.stall_timeout without',
      registers,
    });
    this.signing = new Gauge({
      name: 'ccx_hook_signing_credentials',
      help: 'Hook secrets and signing keys that sign every hook now; 0 means hooks go out unsigned',
      registers,
    });
    this.endpointGone = new Gauge({
      name: 'ccx_hook_endpoint_gone',
      help: '1 while a hook\'s endpoint is gone (it answered 410) until an operator resumes it or its URL changes',
      labelNames: ['hook'],
      registers,
    });
  }

  called(hook: string, outcome: CallOutcome): void {
    this.calls.inc({ hook, outcome });
  }

  attempted(hook: string, result: AttemptResult, durationMs: number): void {
    this.attempts.inc({ hook, result });
    if (result !== 'aborted') this.attemptDuration.observe({ hook }, durationMs / 1000);
  }

  /**
   * The exposition in Prometheus text format, rendered at most once a second however often it
   * is scraped (a render costs the event loop a few milliseconds); the store's figures are the
   * last ones read (they keep their values while it cannot be read).
   */
  expose(): Promise<{ contentType: string; body: string }> {
    if (this.rendered && performance.now() - this.rendered.at < renderEveryMs) return this.rendered.exposition;
    const exposition = this.render();
    this.rendered = { at: performance.now(), exposition };
    exposition.catch(() => (this.rendered = undefined));
    return exposition;
  }

  private async render(): Promise<{ contentType: string; body: string }> {
    const { figures, lastProgressAt, signingCredentials, breaker, endpoints, hooks, isGone } = this.sources;
    const stats = figures();
    if (stats) {
      for (const state of ['pending', 'delivered', 'dead'] as const) this.deliveries.set({ state }, stats[state]);
      this.oldestPending.set(stats.oldestPendingAgeMs / 1000);
    }
    this.lastProgress.set(lastProgressAt() / 1000);
    this.signing.set(signingCredentials());
    for (const endpoint of endpoints) this.circuitOpen.set({ endpoint }, breaker.isOpen(endpoint) ? 1 : 0);
    for (const hook of hooks) this.endpointGone.set({ hook }, isGone(hook) ? 1 : 0);
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
