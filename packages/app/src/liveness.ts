import type { DeliveryStore } from '@ccx-hook/delivery';
import type { Logger } from '@ccx-hook/hook-client';

/** What `Liveness` watches. */
export interface LivenessSources {
  store: Pick<DeliveryStore, 'alive'>;
  /** The delivery thread: when its dispatcher last made progress, and why it stopped for good, if it did. */
  delivery: { lastProgressAt: number; failure: string | undefined };
  /** `delivery.stall_timeout`: how long the dispatcher may go without progress, in ms. */
  stallTimeoutMs: number;
  logger: Logger;
}

/**
 * `/healthz` (DESIGN §5b): alive unless a restart of the process would help — the store broke
 * for good (an SQLite worker that could not be restarted), the delivery thread stopped, or the dispatcher made no progress
 * for `stallTimeoutMs` (it counts a store that does not answer as progress: that is an outage,
 * which readiness reports). Checked every `intervalMs`; the first failure is logged at `error`.
 */
export class Liveness {
  private cause: string | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sources: LivenessSources,
    private readonly intervalMs = 5_000,
  ) {}

  /** Whether the process is worth keeping: false asks the orchestrator for a restart. */
  get alive(): boolean {
    return this.cause === undefined;
  }

  /** Starts checking. */
  start(): void {
    this.timer = setInterval(() => this.check(), this.intervalMs);
  }

  /** Stops checking. */
  stop(): void {
    clearInterval(this.timer);
  }

  private check(): void {
    if (this.cause !== undefined) return;
    const { store, delivery, stallTimeoutMs, logger } = this.sources;
    const idleMs = Date.now() - delivery.lastProgressAt;
    if (!store.alive()) this.cause = 'the store cannot be used until the process restarts';
    else if (delivery.failure !== undefined) this.cause = delivery.failure;
    else if (idleMs > stallTimeoutMs) this.cause = `the dispatcher made no progress for ${Math.round(idleMs / 1000)} s (delivery.stall_timeout)`;
    if (this.cause !== undefined) logger.error('not alive: a restart is needed', { cause: this.cause });
  }
}
