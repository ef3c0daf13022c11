// Types only: the SQLite worker thread loads this file, and must not load the HTTP client with it.
import type { Logger } from '@ccx-hook/hook-client';

/** Where a delivery is in its life. */
export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

/** A post- hook to queue. */
export interface NewDelivery {
  /** The hook name, e.g. `post-add-node`. */
  hook: string;
  /** Deliveries of one cluster are delivered in the order they were enqueued. */
  clusterId: string;
  /** The JSON body, exactly as it will be sent and signed. */
  payload: string;
  /** A repeated key for the same hook returns the first delivery's id instead of queueing again. */
  idempotencyKey?: string;
}

/** What `enqueue` stored. */
export interface Enqueued {
  /** The delivery's id (the first delivery's, for a repeated idempotency key). */
  id: string;
  /**
   * The delivery became its cluster's queue head, due now: a dispatcher can claim it at once.
   * False behind a pending delivery of its cluster (it is claimable only once those end) and
   * for a repeated idempotency key, so the enqueue gives a dispatcher nothing new to claim.
   */
  due: boolean;
}

/** A queued delivery. Times are ms since the epoch, on the store's clock. */
export interface Delivery {
  /** The delivery id, also the `webhook-id` of every attempt. */
  id: string;
  hook: string;
  clusterId: string;
  /**
   * Its number in its cluster (the `ccx-hook-sequence` header): greater than that of every
   * delivery of the cluster enqueued before it, kept through an operator's retry, never reused.
   */
  sequence: number;
  payload: string;
  status: DeliveryStatus;
  /** Attempts made since it was queued (or last retried by an operator). */
  attempts: number;
  /** When the next attempt is due while pending; when it became delivered or dead otherwise. */
  nextAttemptAt: number;
  /** Why the last attempt failed, if it did. */
  lastError?: string;
  createdAt: number;
  updatedAt: number;
}

/**
 * The right to make one attempt at a delivery, handed out by `claim`. It holds until its
 * outcome is recorded, it is released, or it expires; once it expires another claim may
 * take the delivery with a new token, and the old one is refused.
 */
export interface Lease {
  deliveryId: string;
  clusterId: string;
  /** Opaque; unique per claim. */
  token: string;
}

/** A delivery handed to a dispatcher with its lease. */
export interface ClaimedDelivery extends Delivery {
  lease: Lease;
  /** Its slot under the rate limit: how long to wait before attempting it, in ms (0: at once). */
  startInMs: number;
}

/** What an endpoint (a hook's URL) said that every replica honours (DESIGN §5a). */
export interface EndpointState {
  hook: string;
  /** A 410 marked it gone: when (ms since the epoch, the store's clock), and the URL that answered (a new URL is not gone). */
  gone?: { since: number; url: string };
  /** A Retry-After paused its post- deliveries for this long from the read, in ms (so no clock but the store's is trusted). */
  pausedForMs?: number;
}

/** How far ahead a rate-limited claim hands out slots, in ms: each waits for its own. */
export const rateHorizonMs = 1_000;

/** One attempt, as the dispatcher reports it. */
export interface NewAttempt {
  /** 1 for the first attempt. */
  attempt: number;
  durationMs: number;
  /** The HTTP status, when there was one. */
  statusCode?: number;
  /** Why the attempt failed, when it did. */
  error?: string;
}

/** One attempt, as kept in the store's history. */
export interface AttemptRecord extends NewAttempt {
  /** When the attempt ended, ms since the epoch on the store's clock. */
  endedAt: number;
}

/** An attempt to record under its lease, with what follows it (the stores commit these in groups). */
export interface LeasedAttempt {
  lease: Lease;
  attempt: NewAttempt;
  outcome: AttemptOutcome;
}

/** What happens to a delivery after an attempt. The store adds `delayMs` to its own clock. */
export type AttemptOutcome =
  | { status: 'delivered' }
  | { status: 'pending'; delayMs: number }
  | { status: 'dead' };

/** Which deliveries an operator read or bulk action covers; every field narrows it. */
export interface DeliveryFilter {
  status?: DeliveryStatus;
  hook?: string;
  clusterId?: string;
  /** Only deliveries created at least this long ago, in ms. */
  olderThanMs?: number;
  /** Only deliveries created at most this long ago, in ms. */
  newerThanMs?: number;
  /** Only deliveries last changed at most this long ago, in ms (a dead one: when it died). */
  updatedWithinMs?: number;
}

/** A page of `list`. */
export interface DeliveryQuery extends DeliveryFilter {
  /** At most this many, newest first. */
  limit: number;
  /** The `next` of the previous page. */
  after?: string;
}

/** One page of deliveries (without payloads) and where the next one starts. */
export interface DeliveryPage {
  deliveries: Omit<Delivery, 'payload'>[];
  /** Pass as `after` for the next page; undefined on the last page. */
  next?: string;
}

/** Counts for metrics and the console. */
export interface StoreStats {
  pending: number;
  delivered: number;
  dead: number;
  /** Age of the oldest pending delivery in ms; 0 when none is pending. */
  oldestPendingAgeMs: number;
}

/**
 * A cluster whose queue head has failed and is waiting for its next attempt: every later
 * delivery of the cluster waits behind it.
 */
export interface BlockedCluster {
  clusterId: string;
  /** The queue head, without its payload; `lastError` says why it failed. */
  head: Omit<Delivery, 'payload'>;
  /** Pending deliveries waiting behind the head, counted up to `waitingCountLimit` (so: at least that many). */
  waiting: number;
}

/** `BlockedCluster.waiting` stops counting here, so that one huge queue costs a bounded read. */
export const waitingCountLimit = 10_000;

/** How every store is opened. */
export interface StoreOptions {
  /** Where a store reports what it repairs by itself (a restarted SQLite worker). */
  logger: Logger;
  /**
   * Time limit of every store operation, in ms (DESIGN §5b: `store.timeout`): one that has no
   * answer by then rejects with `StoreError`, and its connection (PostgreSQL) is given up.
   */
  timeoutMs: number;
}

/** What an operator's retry did to each id. */
export type RetryResult = 'queued' | 'due-now' | 'not-found' | 'unchanged';

/**
 * The outbox (DESIGN §5). Every method rejects with `StoreError` when the store cannot do it;
 * nothing is acknowledged before it is durably committed. The store owns time: due times and
 * leases are on its clock, never on a caller's.
 *
 * Order: only the oldest pending delivery of a cluster (its queue head) is ever claimable, so
 * a claim costs O(deliveries claimed), whatever the backlog.
 */
export interface DeliveryStore {
  /** Durably stores a delivery; resolves with its id (or the first id for a repeated idempotency key) and whether it is due now. */
  enqueue(delivery: NewDelivery): Promise<Enqueued>;
  /**
   * Leases up to `limit` due queue heads for `leaseMs`, oldest due first. Every lease of the
   * claim carries `token` (default: a new one), which must be unique per claim: a caller that
   * never got the answer (it timed out, the connection ended) undoes the claim with
   * `releaseClaims`, since the store may have made it all the same.
   *
   * Heads of a hook whose endpoint is gone or paused are not claimed. With `ratePerSecond`, each
   * hook's claims, by every replica together, get slots `1 / ratePerSecond` apart (`startInMs`),
   * handed out at most `rateHorizonMs` ahead.
   */
  claim(limit: number, leaseMs: number, token?: string, ratePerSecond?: number): Promise<ClaimedDelivery[]>;
  /** Ends every lease that claims with these tokens made: their deliveries are due again at once. */
  releaseClaims(tokens: readonly string[]): Promise<void>;
  /**
   * Appends the attempt to the history and applies its outcome, if `lease` still holds;
   * resolves false (and changes nothing) when it does not. Ends the lease.
   */
  recordAttempt(lease: Lease, attempt: NewAttempt, outcome: AttemptOutcome): Promise<boolean>;
  /** Extends the leases that still hold to `leaseMs` from now; resolves with those that no longer hold. */
  extend(leases: readonly Lease[], leaseMs: number): Promise<Lease[]>;
  /** Ends these leases without an attempt: the deliveries are due again at once. */
  release(leases: readonly Lease[]): Promise<void>;
  /** Every endpoint that is gone or paused now. */
  endpoints(): Promise<EndpointState[]>;
  /** Marks the hook's endpoint gone for `url`; resolves true when it was not gone already. */
  markGone(hook: string, url: string): Promise<boolean>;
  /** Pauses the hook's post- deliveries for `delayMs` from now (not shortening a longer pause). */
  pause(hook: string, delayMs: number): Promise<void>;
  /** Ends the hook's endpoint being gone or paused; resolves true when it was either. */
  resume(hook: string): Promise<boolean>;
  /** The delivery with this id, or undefined. */
  get(id: string): Promise<Delivery | undefined>;
  /** Every attempt at this delivery, oldest first. */
  attempts(id: string): Promise<AttemptRecord[]>;
  /** A page of deliveries matching the query, newest first. */
  list(query: DeliveryQuery): Promise<DeliveryPage>;
  /** How many deliveries match the filter. */
  count(filter: DeliveryFilter): Promise<number>;
  /** Up to `limit` clusters whose queue head has failed at least once, the most attempted first. */
  blocked(limit: number): Promise<BlockedCluster[]>;
  /**
   * Operator retry: a dead delivery is queued again at the back of its cluster's queue with
   * its attempts reset; a pending queue head that is not leased is due at once.
   */
  retry(ids: readonly string[]): Promise<RetryResult[]>;
  /** Queues up to `limit` dead deliveries matching the filter again (as `retry`); resolves with the count. */
  retryDead(filter: Omit<DeliveryFilter, 'status'>, limit: number): Promise<number>;
  /**
   * Deletes up to `limit` delivered deliveries (and their attempts) delivered more than
   * `olderThanMs` ago, oldest first; resolves with the count (less than `limit`: nothing more to
   * purge). Their idempotency keys are kept, for `purgeKeys` to delete.
   */
  purgeDelivered(olderThanMs: number, limit: number): Promise<number>;
  /** Forgets up to `limit` idempotency keys of purged deliveries enqueued more than `olderThanMs` ago; resolves with the count. */
  purgeKeys(olderThanMs: number, limit: number): Promise<number>;
  /**
   * Counts by status and the age of the oldest pending delivery. With `countLimit`, each status
   * is counted up to that many only (a count equal to it means at least that many), so that the
   * cost is bounded however large the store; without it, counts are exact (a scan of the index).
   */
  stats(countLimit?: number): Promise<StoreStats>;
  /** False when the store broke in a way only a restart of the process can mend (liveness). */
  alive(): boolean;
  /** Resolves when the store is reachable and can take writes now; rejects with `StoreError` otherwise (readiness). */
  check(): Promise<void>;
  /** Commits what is queued and closes the store. */
  close(): Promise<void>;
}
