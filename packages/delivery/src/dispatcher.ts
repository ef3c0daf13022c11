import { randomUUID } from 'node:crypto';
import { type HookClient, HookError, type Logger } from '@ccx-hook/hook-client';
import type { Delivery, DeliveryStore } from './delivery-store.js';
import { nextAttemptDelay } from './next-attempt-delay.js';

/** Where a hook is delivered now; undefined when the hook is disabled. */
export interface DeliveryTarget {
  url: string;
  /** Time limit of one attempt, in ms. */
  timeoutMs: number;
}

/** Options of `Dispatcher`. */
export interface DispatcherOptions {
  store: DeliveryStore;
  client: HookClient;
  logger: Logger;
  /** Resolves a hook to its target at the time of each attempt (so a changed URL applies to retries). */
  target: (hook: string) => DeliveryTarget | undefined;
  /** Waits before each retry, in ms: `[5000, 300000]` means three attempts in all. */
  schedule: readonly number[];
  /** Attempts in flight at most. */
  concurrency: number;
  /** How often the store is polled for due deliveries, in ms. Default 500. */
  pollIntervalMs?: number;
  /**
   * How long a claimed delivery stays leased, in ms; it must outlast the longest attempt,
   * since an expired lease lets another dispatcher take the delivery over.
   */
  leaseMs: number;
  /** Delivered rows older than this are purged, in ms. Default 7 days. */
  retentionMs?: number;
}

/**
 * Delivers queued post- hooks: leases due deliveries (the oldest pending one per cluster),
 * POSTs each with the delivery id as `webhook-id`, and records the outcome — delivered on a
 * 2xx, otherwise retried on the schedule (with jitter, or later when `Retry-After` says so)
 * and dead after the last attempt. A lease outlives an attempt, so work of a crashed
 * dispatcher is taken over once its leases expire.
 */
export class Dispatcher {
  private readonly owner = `dispatcher-${randomUUID()}`;
  private readonly inFlight = new Map<string, AbortController>();
  private readonly pollIntervalMs: number;
  private running = false;
  private claiming = false;
  /** A wake-up arrived while claiming: poll again right after. */
  private wokenWhileClaiming = false;
  /** Many enqueues in one turn of the event loop make one poll. */
  private wakeScheduled = false;
  private pollTimer: NodeJS.Timeout | undefined;
  private lastPurge = 0;
  private idle: (() => void) | undefined;

  constructor(private readonly options: DispatcherOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
  }

  /** Starts polling the store. */
  start(): void {
    this.running = true;
    this.wake();
  }

  /** Looks for due deliveries now (after an enqueue) instead of at the next poll. */
  wake(): void {
    if (!this.running || this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      void this.poll();
    });
  }

  /**
   * Stops claiming, lets running attempts finish for up to `graceMs`, aborts the rest, and
   * releases this dispatcher's leases so that other replicas take the work at once.
   */
  async stop(graceMs: number): Promise<void> {
    this.running = false;
    clearTimeout(this.pollTimer);
    if (this.inFlight.size > 0) {
      const drained = new Promise<void>((resolve) => (this.idle = resolve));
      const timer = setTimeout(() => {
        for (const controller of this.inFlight.values()) controller.abort();
      }, graceMs);
      await drained;
      clearTimeout(timer);
    }
    await this.options.store.release(this.owner);
  }

  private async poll(): Promise<void> {
    if (!this.running) return;
    if (this.claiming) {
      this.wokenWhileClaiming = true;
      return;
    }
    this.claiming = true;
    this.wokenWhileClaiming = false;
    clearTimeout(this.pollTimer);
    try {
      const free = this.options.concurrency - this.inFlight.size;
      if (free > 0) {
        const batch = await this.options.store.claim(this.owner, free, this.options.leaseMs);
        for (const delivery of batch) void this.attempt(delivery);
      }
      await this.purge();
    } catch (error) {
      this.options.logger.error('dispatcher cannot read the store', { error: (error as Error).message });
    } finally {
      this.claiming = false;
      const delay = this.wokenWhileClaiming ? 0 : this.pollIntervalMs;
      if (this.running) this.pollTimer = setTimeout(() => void this.poll(), delay);
    }
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const { store, client, logger, schedule } = this.options;
    const controller = new AbortController();
    this.inFlight.set(delivery.id, controller);
    const attempt = delivery.attempts + 1;
    const startedAt = Date.now();
    const target = this.options.target(delivery.hook);
    let statusCode: number | undefined;
    let failure: HookError | Error | undefined;
    try {
      if (!target) throw new Error('hook is disabled');
      const reply = await client.send({
        url: target.url,
        hookName: delivery.hook,
        webhookId: delivery.id,
        attempt,
        body: delivery.payload,
        timeoutMs: target.timeoutMs,
        signal: controller.signal,
      });
      statusCode = reply.statusCode;
    } catch (error) {
      failure = error as Error;
      statusCode = error instanceof HookError ? error.details.statusCode : undefined;
    }
    const durationMs = Date.now() - startedAt;
    const meta = { hook: delivery.hook, cluster_id: delivery.clusterId, delivery_id: delivery.id, attempt, duration_ms: durationMs };
    try {
      if (failure instanceof HookError && failure.code === 'ERR_HOOK_ABORTED') {
        // Shutting down: the attempt does not count; the lease is released by stop().
        logger.info('delivery attempt aborted by shutdown', meta);
      } else if (!failure) {
        await store.recordAttempt(delivery.id, this.owner, { attempt, startedAt, durationMs, statusCode }, { status: 'delivered' });
        logger.info('delivery delivered', { ...meta, status: statusCode });
      } else {
        const retryAfterMs = failure instanceof HookError ? failure.details.retryAfterMs : undefined;
        const delay = nextAttemptDelay(schedule, attempt, retryAfterMs);
        const outcome = delay === undefined
          ? ({ status: 'dead' } as const)
          : ({ status: 'pending', nextAttemptAt: Date.now() + delay } as const);
        const record = { attempt, startedAt, durationMs, statusCode, error: failure.message };
        await store.recordAttempt(delivery.id, this.owner, record, outcome);
        const log = outcome.status === 'dead' ? logger.error : logger.warn;
        log.call(logger, outcome.status === 'dead' ? 'delivery dead after its last attempt' : 'delivery attempt failed', {
          ...meta,
          status: statusCode,
          error: failure.message,
          next_attempt_in_ms: delay,
        });
      }
    } catch (error) {
      logger.error('cannot record delivery attempt', { ...meta, error: (error as Error).message });
    } finally {
      this.inFlight.delete(delivery.id);
      if (this.inFlight.size === 0) this.idle?.();
      this.wake();
    }
  }

  private async purge(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPurge < 60_000) return;
    this.lastPurge = now;
    const purged = await this.options.store.purgeDelivered(now - (this.options.retentionMs ?? 7 * 86_400_000));
    if (purged > 0) this.options.logger.info('purged delivered deliveries', { count: purged });
  }
}
