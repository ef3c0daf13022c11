/**
 * The SQLite schema as versioned steps; `PRAGMA user_version` says how many have run.
 * Version 1 is the first release's schema (its files have user_version 0 but the tables:
 * step 1 is written to be a no-op on them).
 */
export const sqliteMigrations: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS deliveries (
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
   );`,
  // Version 2: queue heads and lease tokens. ready_at is set on the oldest pending delivery of
  // each cluster only (when it is due, or when its lease expires), so a claim reads an index
  // of heads instead of the backlog. Attempts get their own key, so history is appended.
  `ALTER TABLE deliveries RENAME COLUMN lease_owner TO lease_token;
   ALTER TABLE deliveries DROP COLUMN lease_until;
   ALTER TABLE deliveries ADD COLUMN ready_at INTEGER;
   ALTER TABLE deliveries ADD COLUMN last_error TEXT;
   UPDATE deliveries SET lease_token = NULL;
   UPDATE deliveries SET ready_at = next_attempt_at
     WHERE seq IN (SELECT min(seq) FROM deliveries WHERE status = 'pending' GROUP BY cluster_id);
   DROP INDEX deliveries_due;
   CREATE INDEX deliveries_ready ON deliveries (ready_at, seq) WHERE ready_at IS NOT NULL;
   CREATE INDEX deliveries_status ON deliveries (status, seq);
   ALTER TABLE attempts RENAME TO attempts_v1;
   CREATE TABLE attempts (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     delivery_id TEXT NOT NULL,
     attempt INTEGER NOT NULL,
     ended_at INTEGER NOT NULL,
     duration_ms INTEGER NOT NULL,
     status_code INTEGER,
     error TEXT
   );
   INSERT INTO attempts (delivery_id, attempt, ended_at, duration_ms, status_code, error)
     SELECT delivery_id, attempt, started_at + duration_ms, duration_ms, status_code, error
     FROM attempts_v1 ORDER BY delivery_id, attempt;
   DROP TABLE attempts_v1;
   CREATE INDEX attempts_delivery ON attempts (delivery_id, seq);`,
  // Version 3: dead deliveries by when they died, for "dead in the last 24 h". Only dead rows are
  // in it, so the hot path (enqueue, attempts) never writes to it. status leads so that the
  // planner, which has no statistics, prefers it to deliveries_status for that range.
  `CREATE INDEX deliveries_dead_updated ON deliveries (status, updated_at) WHERE status = 'dead';`,
  // Version 4: idempotency keys outlive the delivered rows an operator purges early (DESIGN
  // §5b): a purge moves them here, and housekeeping forgets them after delivery.retention.
  `CREATE TABLE idempotency_keys (
     hook TEXT NOT NULL,
     idempotency_key TEXT NOT NULL,
     delivery_id TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (hook, idempotency_key)
   );
   CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);`,
  // Version 5: a delivery's number in its cluster (the ccx-hook-sequence header, DESIGN §3) is
  // its seq at enqueue. An operator's retry gives a dead delivery a new seq (the back of its
  // queue) and keeps the old one here; NULL means "seq", so enqueues write nothing more.
  `ALTER TABLE deliveries ADD COLUMN sequence INTEGER;`,
  // Version 6: endpoint signals (DESIGN §5a). A claim takes each hook's due heads through an
  // index of its own, so an endpoint that is gone or paused costs nothing however many heads
  // wait for it. endpoints holds gone (and for which URL), paused until, and the next free
  // slot of the rate limit.
  `CREATE INDEX deliveries_hook_ready ON deliveries (hook, ready_at, seq) WHERE ready_at IS NOT NULL;
   CREATE TABLE endpoints (
     hook TEXT PRIMARY KEY,
     gone_at INTEGER,
     gone_url TEXT,
     paused_until INTEGER,
     next_slot_at INTEGER NOT NULL DEFAULT 0
   );`,
];
