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

/** A queued delivery, as claimed by a dispatcher. */
export interface Delivery {
  /** The delivery id, also the `webhook-id` of every attempt. */
  id: string;
  hook: string;
  clusterId: string;
  payload: string;
  status: DeliveryStatus;
  /** Attempts made so far. */
  attempts: number;
  /** When the next attempt is due, ms since the epoch. */
  nextAttemptAt: number;
  createdAt: number;
}

/** One attempt at a delivery, as recorded in the store. */
export interface AttemptRecord {
  attempt: number;
  startedAt: number;
  durationMs: number;
  /** The HTTP status, when there was one. */
  statusCode?: number;
  /** Why the attempt failed, when it did. */
  error?: string;
}

/** What happens to a delivery after an attempt. */
export type AttemptOutcome =
  | { status: 'delivered' }
  | { status: 'pending'; nextAttemptAt: number }
  | { status: 'dead' };

/**
 * The outbox. Every method rejects with `StoreError` when the store cannot do it; nothing is
 * acknowledged before it is durably committed.
 */
export interface DeliveryStore {
  /** Durably stores a delivery and resolves with its id (or the first id for a repeated idempotency key). */
  enqueue(delivery: NewDelivery): Promise<string>;
  /**
   * Leases up to `limit` due pending deliveries to `owner` for `leaseMs`: each is the oldest
   * pending delivery of its cluster and not leased by anyone (or its lease has expired).
   */
  claim(owner: string, limit: number, leaseMs: number): Promise<Delivery[]>;
  /** Records an attempt by `owner` and its outcome, and ends the lease. */
  recordAttempt(id: string, owner: string, attempt: AttemptRecord, outcome: AttemptOutcome): Promise<void>;
  /** The delivery with this id, or undefined. */
  get(id: string): Promise<Delivery | undefined>;
  /** Ends every lease `owner` holds, so other dispatchers take the work at once. */
  release(owner: string): Promise<void>;
  /** Deletes delivered rows (and their attempts) delivered before `before` (ms); resolves with the count. */
  purgeDelivered(before: number): Promise<number>;
  /** Commits what is queued and closes the store. */
  close(): Promise<void>;
}
