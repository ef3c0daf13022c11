import { randomUUID } from 'node:crypto';
import { errorCode, type HookClient, type HookErrorCode, isHookError, type Logger } from '@ccx-hook/hook-client';
import type { AttemptOutcome, ClaimedDelivery, DeliveryStore, Lease, NewAttempt } from './delivery-store.js';
import type { EndpointSignals } from './endpoint-signals.js';
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
  /** What endpoints said (410, Retry-After), shared with every replica through the store. */
  endpoints: EndpointSignals;
  /** Attempts per second per endpoint, by all replicas together (`delivery.rate_limit`); default: no limit. */
  ratePerSecond?: number;
  /** Waits before each retry, in ms: `[5000, 300000]` means three attempts in all. */
  schedule: readonly number[];
  /** Attempts in flight at most. */
  concurrency: number;
  /** How often the store is polled for due deliveries, in ms. Default 500. */
  pollIntervalMs?: number;
  /**
   * How long a claim is leased, in ms. The dispatcher extends the leases of running and
   * waiting attempts every third of it, so an attempt can outlast it; a dispatcher that dies
   * stops extending, and another one takes its work over once the lease runs out.
   */
  leaseMs: number;
  /** Delivered rows older than this are purged, in ms. Default 7 days. */
  retentionMs?: number;
}

/** Housekeeping: the first purge this long after start, then one every `purgeEveryMs`. */
const firstPurgeMs = 10_000;
const purgeEveryMs = 60_000;
/** Rows a purge deletes in one store operation, and the pause between two, so that claims and enqueues go between. */
const purgeBatch = 500;
const purgePauseMs = 50;
/** How soon an attempt whose record failed (the store is down) is recorded again, its lease kept meanwhile. */
const recordRetryMs = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Delivers queued post- hooks: leases due queue heads, POSTs each with the delivery id as
 * `webhook-id`, and records the outcome under the lease — delivered on a 2xx, otherwise
 * retried on the schedule (with jitter, or later when `Retry-After` says so, up to the
 * schedule's longest step) and dead after the last attempt. A delivery whose hook is disabled
 * goes dead at once, so it never blocks its cluster.
 */
export class Dispatcher {
  /** Leases this dispatcher holds: claimed and not yet recorded. */
  private readonly held = new Map<string, Lease>();
  private readonly inFlight = new Map<string, AbortController>();
  /**
   * Claimed ahead, up to `concurrency` of them, so that a slot that frees up starts its next
   * attempt at once instead of waiting for a claim (a round trip to PostgreSQL).
   */
  private waiting: ClaimedDelivery[] = [];
  /** When each waiting delivery may start (`performance.now()`): its rate-limit slot. */
  private readonly startAt = new Map<string, number>();
  /**
   * Outcomes being recorded, by delivery id: an attempt's slot is free once its request is over,
   * before its record commits. Their leases are extended until it does.
   */
  private readonly recording = new Map<string, Promise<void>>();
  private readonly pollIntervalMs: number;
  private running = false;
  private claiming: Promise<void> | undefined;
  /** A wake-up arrived while claiming: poll again right after. */
  private wokenWhileClaiming = false;
  /** Many enqueues in one turn of the event loop make one poll. */
  private wakeScheduled = false;
  private pollTimer: NodeJS.Timeout | undefined;
  /** Starts the next claimed delivery whose rate-limit slot is ahead, when it comes. */
  private slotTimer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** Claims that failed, by token, with when: see `undoLostClaims`. */
  private readonly lostClaims = new Map<string, number>();
  /** An extension in flight: the next one waits for it instead of piling up on a slow store. */
  private extending = false;
  private purgeTimer: NodeJS.Timeout | undefined;
  private purging: Promise<void> | undefined;
  private progressAt = Date.now();
  private idle: (() => void) | undefined;

  constructor(private readonly options: DispatcherOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
  }

  /** Starts polling the store, and purging it on a timer of its own. */
  start(): void {
    this.running = true;
    this.heartbeat = setInterval(() => void this.extendLeases(), this.options.leaseMs / 3);
    this.purgeTimer = setTimeout(() => this.purge(), firstPurgeMs);
    this.wake();
  }

  /**
   * When the dispatcher last made progress (ms since the epoch): an attempt recorded, a claim
   * that left nothing due behind, or a store that did not answer (its outage is readiness's
   * business, not a stall of the dispatcher's).
   */
  get lastProgressAt(): number {
    return this.progressAt;
  }

  /** Looks for due deliveries now (after an enqueue) instead of at the next poll. */
  wake(): void {
    if (!this.running || this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.poll();
    });
  }

  /**
   * Stops claiming, waits for a claim in flight, lets running attempts finish for up to
   * `graceMs`, aborts the rest, and releases every lease still held so that other replicas
   * take the work at once.
   */
  async stop(graceMs: number): Promise<void> {
    this.running = false;
    clearTimeout(this.pollTimer);
    clearTimeout(this.slotTimer);
    clearInterval(this.heartbeat);
    clearTimeout(this.purgeTimer);
    await Promise.all([this.claiming, this.purging]);
    if (this.inFlight.size > 0) {
      const drained = new Promise<void>((resolve) => (this.idle = resolve));
      const timer = setTimeout(() => {
        for (const controller of this.inFlight.values()) controller.abort();
      }, graceMs);
      await drained;
      clearTimeout(timer);
    }
    // A lease is released only once its outcome is recorded or refused, never under a pending
    // record; one whose record the store did not take is released too, and attempted again.
    await Promise.all(this.recording.values());
    if (this.held.size > 0) {
      const leases = [...this.held.values()];
      this.held.clear();
      await this.release(leases);
    }
  }

  private async release(leases: Lease[]): Promise<void> {
    await this.options.store.release(leases).catch((error: unknown) =>
      this.options.logger.error('cannot release leases', { count: leases.length, error: (error as Error).message }),
    );
  }

  private poll(): void {
    if (!this.running) return;
    if (this.claiming) {
      this.wokenWhileClaiming = true;
      return;
    }
    this.wokenWhileClaiming = false;
    clearTimeout(this.pollTimer);
    this.claiming = this.claim().finally(() => {
      this.claiming = undefined;
      if (this.running) this.pollTimer = setTimeout(() => this.poll(), this.wokenWhileClaiming ? 0 : this.pollIntervalMs);
    });
  }

  private async claim(): Promise<void> {
    const { store, logger, concurrency, leaseMs } = this.options;
    const token = randomUUID();
    try {
      await this.undoLostClaims();
      const wanted = 2 * concurrency - this.inFlight.size - this.waiting.length;
      if (wanted > 0) {
        const batch = await store.claim(wanted, leaseMs, token, this.options.ratePerSecond).catch((error: unknown) => {
          this.lostClaims.set(token, Date.now());
          throw error;
        });
        if (batch.length < wanted) this.progressAt = Date.now();
        const now = performance.now();
        for (const delivery of batch) {
          this.held.set(delivery.id, delivery.lease);
          this.startAt.set(delivery.id, now + delivery.startInMs);
        }
        this.waiting.push(...batch);
        this.startWaiting();
      }
    } catch (error) {
      this.progressAt = Date.now();
      logger.error('dispatcher cannot read the store', { error: (error as Error).message });
    }
  }

  /**
   * A claim whose answer never came may have been made all the same (a query that timed out
   * here can still run on the server): its leases would hold its deliveries until they expire.
   * So each is undone, again at every poll until its leases would have expired anyway, since
   * the lost query may arrive late.
   */
  private async undoLostClaims(): Promise<void> {
    if (this.lostClaims.size === 0) return;
    await this.options.store.releaseClaims([...this.lostClaims.keys()]);
    for (const [token, lostAt] of this.lostClaims) {
      if (Date.now() - lostAt > this.options.leaseMs) this.lostClaims.delete(token);
    }
  }

  /**
   * Deletes delivered rows past retention in small batches with pauses between them, so that
   * no claim or enqueue waits behind a large purge; then schedules the next purge.
   */
  private purge(): void {
    const { store, logger } = this.options;
    const retentionMs = this.options.retentionMs ?? 7 * 86_400_000;
    this.purging = (async () => {
      try {
        const purged = await this.inBatches((limit) => store.purgeDelivered(retentionMs, limit));
        if (purged > 0) logger.info('purged delivered deliveries', { count: purged });
        await this.inBatches((limit) => store.purgeKeys(retentionMs, limit));
      } catch (error) {
        logger.warn('cannot purge delivered deliveries', { error: (error as Error).message });
      }
    })().finally(() => {
      this.purging = undefined;
      if (this.running) this.purgeTimer = setTimeout(() => this.purge(), purgeEveryMs);
    });
  }

  /** Runs `step` with `purgeBatch` until it deletes fewer (or the dispatcher stops), pausing between; resolves with the total. */
  private async inBatches(step: (limit: number) => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const count = await step(purgeBatch);
      total += count;
      if (count < purgeBatch || !this.running) return total;
      await sleep(purgePauseMs);
    }
  }

  /**
   * Starts claimed deliveries while there are free slots (not once stopped: stop() releases
   * their leases), each once its rate-limit slot has come. One whose endpoint went gone or was
   * paused since the claim is not attempted: its lease is released (claims skip it until then).
   */
  private startWaiting(): void {
    if (!this.running) return;
    const { endpoints } = this.options;
    const now = performance.now();
    const closed = this.waiting.filter((delivery) => endpoints.isGone(delivery.hook) || endpoints.isPaused(delivery.hook));
    if (closed.length > 0) {
      this.waiting = this.waiting.filter((delivery) => !closed.includes(delivery));
      for (const delivery of closed) this.forget(delivery.id);
      void this.release(closed.map((delivery) => delivery.lease));
    }
    let nextSlot = Infinity;
    for (const delivery of [...this.waiting]) {
      if (this.inFlight.size >= this.options.concurrency) break;
      const startAt = this.startAt.get(delivery.id)!;
      if (startAt > now) {
        nextSlot = Math.min(nextSlot, startAt);
        continue;
      }
      this.waiting.splice(this.waiting.indexOf(delivery), 1);
      this.startAt.delete(delivery.id);
      void this.attempt(delivery);
    }
    clearTimeout(this.slotTimer);
    if (nextSlot !== Infinity) this.slotTimer = setTimeout(() => this.startWaiting(), nextSlot - now);
  }

  /** Drops a delivery this dispatcher no longer holds. */
  private forget(id: string): void {
    this.held.delete(id);
    this.startAt.delete(id);
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const controller = new AbortController();
    this.inFlight.set(delivery.id, controller);
    const attempt = delivery.attempts + 1;
    const meta = { hook: delivery.hook, cluster_id: delivery.clusterId, delivery_id: delivery.id, attempt };
    try {
      const result = await this.send(delivery, attempt, controller.signal, meta);
      if (result) this.settle(delivery, result);
    } catch (error) {
      // Nothing to record: the delivery is due again at once, not when its lease runs out.
      this.options.logger.error('delivery attempt failed unexpectedly', { ...meta, error: (error as Error).message });
      this.held.delete(delivery.id);
      void this.release([delivery.lease]);
    } finally {
      this.inFlight.delete(delivery.id);
      this.startWaiting();
      if (this.inFlight.size === 0) this.idle?.();
      this.wake();
    }
  }

  /**
   * Makes the attempt; resolves with what to record, or undefined when it was aborted (shutting
   * down, or the lease was lost: the attempt does not count and stop() releases the lease).
   */
  private async send(delivery: ClaimedDelivery, attempt: number, signal: AbortSignal, meta: Record<string, unknown>): Promise<Settled | undefined> {
    const { client, logger, schedule } = this.options;
    const target = this.options.target(delivery.hook);
    if (!target) return { attempt: { attempt, durationMs: 0, error: 'hook disabled' }, outcome: { status: 'dead' }, meta, disabled: true };
    const started = performance.now();
    let statusCode: number | undefined;
    let failure: Error | undefined;
    try {
      const reply = await client.send({
        url: target.url,
        hookName: delivery.hook,
        webhookId: delivery.id,
        attempt,
        body: delivery.payload,
        timeoutMs: target.timeoutMs,
        signal,
        headers: { 'ccx-hook-sequence': String(delivery.sequence) },
      });
      statusCode = reply.statusCode;
    } catch (error) {
      statusCode = isHookError(error) ? error.details.statusCode : undefined;
      // A complete 2xx delivers, whatever its body: too large, not UTF-8, compressed (DESIGN §3).
      if (!(isHookError(error) && bodyOnly.has(error.code) && isSuccess(statusCode))) failure = error as Error;
    }
    const durationMs = Math.round(performance.now() - started);
    // Object.assign, not a spread: docs/BENCHMARKS.md, "Tricks kept in the code".
    const logMeta = Object.assign({}, meta, { duration_ms: durationMs, status: statusCode });
    if (errorCode(failure) === 'ERR_HOOK_ABORTED') {
      logger.info('delivery attempt aborted', logMeta);
      return undefined;
    }
    if (!failure) return { attempt: { attempt, durationMs, statusCode }, outcome: { status: 'delivered' }, meta: logMeta };
    if (statusCode === 410) {
      // Gone (DESIGN §5a): the delivery stays pending, due at once, and waits (with its cluster)
      // until the endpoint is resumed; claims skip it meanwhile.
      void this.options.endpoints.gone(delivery.hook, target.url);
      const gone = Object.assign({}, logMeta, { error: failure.message });
      return { attempt: { attempt, durationMs, statusCode, error: failure.message }, outcome: { status: 'pending', delayMs: 0 }, meta: gone };
    }
    const retryAfterMs = isHookError(failure) ? failure.details.retryAfterMs : undefined;
    // Every delivery to the endpoint waits, on every replica (capped as this one's retry is).
    const pauseMs = Math.min(retryAfterMs ?? 0, Math.max(0, ...schedule));
    if (pauseMs > 0) void this.options.endpoints.pause(delivery.hook, pauseMs);
    const delayMs = nextAttemptDelay(schedule, attempt, retryAfterMs);
    const outcome: AttemptOutcome = delayMs === undefined ? { status: 'dead' } : { status: 'pending', delayMs };
    const failed = Object.assign({}, logMeta, { error: failure.message, next_attempt_in_ms: delayMs });
    return { attempt: { attempt, durationMs, statusCode, error: failure.message }, outcome, meta: failed };
  }

  /**
   * Records an attempt's outcome and logs it, in the background: the attempt's slot is free
   * for the next claim meanwhile. stop() waits for these before it releases leases.
   */
  private settle(delivery: ClaimedDelivery, settled: Settled): void {
    const recorded = this.record(delivery, settled).finally(() => this.recording.delete(delivery.id));
    this.recording.set(delivery.id, recorded);
  }

  /**
   * Records under the lease, keeping it (extended) and trying again while the store does not
   * take the record, so that a store outage costs no second attempt; gives up when the lease is
   * lost or the dispatcher stops (which releases it). Logs the outcome; a lease lost to another
   * dispatcher is a warning.
   */
  private async record(delivery: ClaimedDelivery, { attempt, outcome, meta, disabled }: Settled): Promise<void> {
    const { store, logger } = this.options;
    for (let tries = 1; ; tries++) {
      let applied: boolean;
      try {
        applied = await store.recordAttempt(delivery.lease, attempt, outcome);
      } catch (error) {
        if (tries === 1) logger.error('cannot record a delivery attempt; trying again while its lease holds', { ...meta, error: (error as Error).message });
        if (!this.running || !this.held.has(delivery.id)) return;
        await sleep(recordRetryMs);
        if (!this.running || !this.held.has(delivery.id)) return;
        continue;
      }
      this.held.delete(delivery.id);
      this.progressAt = Date.now();
      if (!applied) logger.warn('delivery attempt not recorded: its lease was taken over', meta);
      else if (disabled) logger.error('delivery dead: its hook is disabled', meta);
      else if (outcome.status === 'delivered') logger.info('delivery delivered', meta);
      else if (outcome.status === 'dead') logger.error('delivery dead after its last attempt', meta);
      else logger.warn('delivery attempt failed', meta);
      // A delivered or dead head made the next delivery of its cluster due.
      this.wake();
      return;
    }
  }

  /**
   * Keeps the leases of running, waiting and recording attempts alive, one extension at a
   * time; an attempt whose lease was lost is aborted, or not made.
   */
  private async extendLeases(): Promise<void> {
    if (this.extending) return;
    const ids = [...this.inFlight.keys(), ...this.waiting.map((delivery) => delivery.id), ...this.recording.keys()];
    const leases = ids.map((id) => this.held.get(id)).filter((lease) => lease !== undefined);
    if (leases.length === 0) return;
    this.extending = true;
    try {
      const lost = await this.options.store.extend(leases, this.options.leaseMs);
      for (const lease of lost) {
        this.options.logger.warn('delivery lease lost; aborting the attempt', { delivery_id: lease.deliveryId });
        this.forget(lease.deliveryId);
        this.inFlight.get(lease.deliveryId)?.abort();
        this.waiting = this.waiting.filter((delivery) => delivery.id !== lease.deliveryId);
      }
    } catch (error) {
      this.options.logger.error('cannot extend delivery leases', { error: (error as Error).message });
    } finally {
      this.extending = false;
    }
  }
}

/** What an attempt leaves to record. */
interface Settled {
  attempt: NewAttempt;
  outcome: AttemptOutcome;
  meta: Record<string, unknown>;
  /** The hook had no target: dead without a request. */
  disabled?: boolean;
}

/** Failures of a reply's body alone: a post- hook does not read its reply. */
const bodyOnly = new Set<HookErrorCode>(['ERR_HOOK_REPLY_TOO_LARGE', 'ERR_HOOK_REPLY_ENCODING']);
const isSuccess = (status: number | undefined) => status !== undefined && status >= 200 && status <= 299;
