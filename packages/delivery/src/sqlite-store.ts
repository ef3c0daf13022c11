import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { newWebhookId } from '@ccx-hook/hook-client';
import type {
  AttemptOutcome,
  AttemptRecord,
  Delivery,
  DeliveryStatus,
  DeliveryStore,
  NewDelivery,
} from './delivery-store.js';
import { StoreError } from './errors.js';

const schema = `
CREATE TABLE IF NOT EXISTS deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  hook TEXT NOT NULL,
  cluster_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  idempotency_key TEXT,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_until INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS deliveries_idempotency ON deliveries (hook, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS deliveries_cluster_pending ON deliveries (cluster_id, status, seq);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_attempt_at);
CREATE TABLE IF NOT EXISTS attempts (
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  PRIMARY KEY (delivery_id, attempt)
);
`;

interface Row {
  id: string;
  hook: string;
  cluster_id: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number;
  created_at: number;
}

interface Waiter {
  delivery: NewDelivery;
  resolve: (id: string) => void;
  reject: (error: unknown) => void;
}

const toDelivery = (row: Row): Delivery => ({
  id: row.id,
  hook: row.hook,
  clusterId: row.cluster_id,
  payload: row.payload,
  status: row.status,
  attempts: row.attempts,
  nextAttemptAt: row.next_attempt_at,
  createdAt: row.created_at,
});

/**
 * The embedded outbox: one SQLite file in WAL mode with `synchronous=FULL`, so a commit
 * survives a crash of the process or the machine. Enqueues that arrive in the same turn of
 * the event loop are committed together (group commit); none resolves before its commit.
 * Throws `StoreError` when the file cannot be opened.
 */
export class SqliteStore implements DeliveryStore {
  private readonly db: Database.Database;
  private queue: Waiter[] = [];
  private flushScheduled = false;
  private closed = false;

  constructor(path: string) {
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(schema);
    } catch (error) {
      throw new StoreError(`cannot open SQLite store ${path}: ${(error as Error).message}`, { cause: error });
    }
  }

  enqueue(delivery: NewDelivery): Promise<string> {
    if (this.closed) return Promise.reject(new StoreError('store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ delivery, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const now = Date.now();
    const findByKey = this.db.prepare<[string, string], { id: string }>(
      'SELECT id FROM deliveries WHERE hook = ? AND idempotency_key = ?',
    );
    const insert = this.db.prepare(
      `INSERT INTO deliveries (id, hook, cluster_id, payload, idempotency_key, status, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
    );
    let ids: string[];
    try {
      ids = this.db.transaction(() =>
        batch.map(({ delivery }) => {
          const key = delivery.idempotencyKey;
          const existing = key ? findByKey.get(delivery.hook, key) : undefined;
          if (existing) return existing.id;
          const id = newWebhookId(now);
          insert.run(id, delivery.hook, delivery.clusterId, delivery.payload, key ?? null, now, now, now);
          return id;
        }),
      )();
    } catch (error) {
      const failure = new StoreError(`cannot store delivery: ${(error as Error).message}`, { cause: error });
      for (const waiter of batch) waiter.reject(failure);
      return;
    }
    batch.forEach((waiter, index) => waiter.resolve(ids[index]!));
  }

  async claim(owner: string, limit: number, leaseMs: number): Promise<Delivery[]> {
    const now = Date.now();
    return this.run(() =>
      this.db.transaction(() => {
        const rows = this.db
          .prepare<[number, number, number], Row>(
            `SELECT d.* FROM deliveries d
             WHERE d.status = 'pending' AND d.next_attempt_at <= ?
               AND (d.lease_until IS NULL OR d.lease_until <= ?)
               AND NOT EXISTS (SELECT 1 FROM deliveries e
                               WHERE e.cluster_id = d.cluster_id AND e.status = 'pending' AND e.seq < d.seq)
             ORDER BY d.next_attempt_at, d.seq
             LIMIT ?`,
          )
          .all(now, now, limit);
        const lease = this.db.prepare('UPDATE deliveries SET lease_owner = ?, lease_until = ? WHERE id = ?');
        for (const row of rows) lease.run(owner, now + leaseMs, row.id);
        return rows.map(toDelivery);
      }).immediate(),
    );
  }

  async recordAttempt(id: string, owner: string, attempt: AttemptRecord, outcome: AttemptOutcome): Promise<void> {
    const now = Date.now();
    this.run(() =>
      this.db.transaction(() => {
        this.db
          .prepare(
            `INSERT OR REPLACE INTO attempts (delivery_id, attempt, started_at, duration_ms, status_code, error)
             VALUES (?, ?, ?, ?, ?, ?)`,
          )
          .run(id, attempt.attempt, attempt.startedAt, attempt.durationMs, attempt.statusCode ?? null, attempt.error ?? null);
        this.db
          .prepare(
            `UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, lease_owner = NULL,
               lease_until = NULL, updated_at = ?
             WHERE id = ? AND status = 'pending' AND (lease_owner = ? OR lease_owner IS NULL)`,
          )
          .run(outcome.status, attempt.attempt, outcome.status === 'pending' ? outcome.nextAttemptAt : now, now, id, owner);
      })(),
    );
  }

  async get(id: string): Promise<Delivery | undefined> {
    const row = this.run(() => this.db.prepare<[string], Row>('SELECT * FROM deliveries WHERE id = ?').get(id));
    return row && toDelivery(row);
  }

  async release(owner: string): Promise<void> {
    this.run(() =>
      this.db.prepare('UPDATE deliveries SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?').run(owner),
    );
  }

  async purgeDelivered(before: number): Promise<number> {
    return this.run(() =>
      this.db.transaction(() => {
        this.db
          .prepare(
            `DELETE FROM attempts WHERE delivery_id IN
               (SELECT id FROM deliveries WHERE status = 'delivered' AND updated_at < ?)`,
          )
          .run(before);
        return this.db.prepare(`DELETE FROM deliveries WHERE status = 'delivered' AND updated_at < ?`).run(before).changes;
      })(),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
  }

  private run<T>(work: () => T): T {
    if (this.closed) throw new StoreError('store is closed');
    try {
      return work();
    } catch (error) {
      throw new StoreError(`store failed: ${(error as Error).message}`, { cause: error });
    }
  }
}
