import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type {
  AttemptRecord,
  ClaimedDelivery,
  Delivery,
  BlockedCluster,
  DeliveryFilter,
  DeliveryPage,
  DeliveryQuery,
  DeliveryStatus,
  EndpointState,
  Enqueued,
  Lease,
  LeasedAttempt,
  NewDelivery,
  RetryResult,
  StoreStats,
} from './delivery-store.js';
import { waitingCountLimit } from './delivery-store.js';
import { sqliteMigrations } from './sqlite-migrations.js';
import { slotsAhead, slotStart } from './rate-slots.js';
import { type AttemptRow, type DeliveryRow, endpointState, rowMappers } from './store-rows.js';



/** SQLite keeps the queue head's due time and lease on the delivery row itself. */
type Row = DeliveryRow<number> & { ready_at: number | null; lease_token: string | null };
const { toDelivery, toAttempt, toPage } = rowMappers((time: number) => time);

/**
 * The SQLite store's blocking half: every query, synchronous, inside the worker thread that
 * `SqliteStore` (the `DeliveryStore` callers hold) sends its calls to,
 * where blocking on a lock or an fsync holds no one but the worker. The worker's clock is the
 * store's clock. Every write first checks that the file it opened is still the file at its
 * path, so a deleted or replaced store fails loudly instead of acknowledging into a lost inode.
 */
export class BlockingSqliteStore {
  private readonly db: Database.Database;
  /** The identity of the file opened, which must stay the file at `path`. */
  readonly inode: { dev: number; ino: number };
  private readonly statements = new Map<string, Database.Statement>();

  /** Creates the file at `path` (not its directory) when it is missing; given `expected` (a restart), opens only that file. */
  constructor(
    private readonly path: string,
    expected?: { dev: number; ino: number },
  ) {
    if (expected) {
      this.inode = expected;
      this.checkFile();
    }
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    const { dev, ino } = statSync(path);
    this.inode ??= { dev, ino };
  }

  /** Stores the group in one transaction; each delivery comes with its new id (used unless its idempotency key is known). */
  enqueue(batch: Array<NewDelivery & { id: string }>): Enqueued[] {
    this.checkFile();
    const now = Date.now();
    const byKey = this.statement(
      `SELECT id FROM deliveries WHERE hook = ? AND idempotency_key = ?
       UNION ALL SELECT delivery_id FROM idempotency_keys WHERE hook = ? AND idempotency_key = ?`,
    );
    const insert = this.statement(
      `INSERT INTO deliveries (id, hook, cluster_id, payload, idempotency_key, status, next_attempt_at, ready_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
    );
    return this.db.transaction(() =>
      batch.map(({ id, hook, clusterId, payload, idempotencyKey }) => {
        const existing = idempotencyKey ? (byKey.get(hook, idempotencyKey, hook, idempotencyKey) as { id: string } | undefined) : undefined;
        if (existing) return { id: existing.id, due: false };
        const due = !this.hasPending(clusterId);
        insert.run(id, hook, clusterId, payload, idempotencyKey ?? null, now, due ? now : null, now, now);
        return { id, due };
      }),
    ).immediate();
  }

  claim(limit: number, leaseMs: number, token: string, ratePerSecond?: number): ClaimedDelivery[] {
    this.checkFile();
    const now = Date.now();
    const heads = this.statement('SELECT * FROM deliveries WHERE hook = ? AND ready_at IS NOT NULL AND ready_at <= ? ORDER BY ready_at, seq LIMIT ?');
    const lease = this.statement('UPDATE deliveries SET lease_token = ?, ready_at = ? WHERE seq = ?');
    const nextSlot = this.statement('SELECT next_slot_at FROM endpoints WHERE hook = ?');
    const takeSlots = this.statement(
      `INSERT INTO endpoints (hook, next_slot_at) VALUES (?, ?)
       ON CONFLICT (hook) DO UPDATE SET next_slot_at = excluded.next_slot_at`,
    );
    return this.withoutSync(() =>
      this.db.transaction(() => {
        // Each open hook's due heads through its own index, then the oldest due of them all.
        const startIn = new Map<string, number>();
        const due: Row[] = [];
        for (const hook of this.openHooks(now)) {
          let wanted = limit;
          if (ratePerSecond !== undefined) {
            const next = (nextSlot.get(hook) as { next_slot_at: number } | undefined)?.next_slot_at ?? 0;
            startIn.set(hook, Math.max(0, next - now));
            wanted = slotsAhead(startIn.get(hook)!, ratePerSecond, limit);
          }
          if (wanted > 0) due.push(...(heads.all(hook, now, wanted) as Row[]));
        }
        due.sort((a, b) => a.ready_at! - b.ready_at! || Number(a.seq) - Number(b.seq));
        const taken = new Map<string, number>();
        const batch = due.slice(0, limit).map((row) => {
          lease.run(token, now + leaseMs, row.seq);
          const index = taken.get(row.hook) ?? 0;
          taken.set(row.hook, index + 1);
          const startInMs = ratePerSecond === undefined ? 0 : slotStart(startIn.get(row.hook)!, ratePerSecond, index);
          // Object.assign, not a spread: docs/BENCHMARKS.md, "Tricks kept in the code".
          return Object.assign(toDelivery(row), { lease: { deliveryId: row.id, clusterId: row.cluster_id, token }, startInMs });
        });
        if (ratePerSecond !== undefined) {
          for (const [hook, count] of taken) takeSlots.run(hook, now + startIn.get(hook)! + (count * 1000) / ratePerSecond);
        }
        return batch;
      }).immediate(),
    );
  }

  /** The hooks with queue heads whose endpoint is neither gone nor paused: one index probe per hook. */
  private openHooks(now: number): string[] {
    const closed = new Set(
      (this.statement('SELECT hook FROM endpoints WHERE gone_at IS NOT NULL OR paused_until > ?').all(now) as { hook: string }[]).map((row) => row.hook),
    );
    const after = this.statement('SELECT min(hook) AS hook FROM deliveries WHERE ready_at IS NOT NULL AND hook > ?');
    const hooks: string[] = [];
    for (let hook = ''; ; ) {
      const next = (after.get(hook) as { hook: string | null }).hook;
      if (next === null) return hooks;
      if (!closed.has(next)) hooks.push(next);
      hook = next;
    }
  }

  endpoints(): EndpointState[] {
    const now = Date.now();
    const rows = this.statement(
      'SELECT hook, gone_at, gone_url, paused_until FROM endpoints WHERE gone_at IS NOT NULL OR paused_until > ? ORDER BY hook',
    ).all(now) as { hook: string; gone_at: number | null; gone_url: string | null; paused_until: number | null }[];
    return rows.map((row) => endpointState(row.hook, row.gone_at, row.gone_url, row.paused_until === null ? null : row.paused_until - now));
  }

  markGone(hook: string, url: string): boolean {
    this.checkFile();
    return this.db.transaction(() => {
      const before = this.statement('SELECT gone_at FROM endpoints WHERE hook = ?').get(hook) as { gone_at: number | null } | undefined;
      if (before?.gone_at != null) return false;
      this.statement(
        `INSERT INTO endpoints (hook, gone_at, gone_url) VALUES (?, ?, ?)
         ON CONFLICT (hook) DO UPDATE SET gone_at = excluded.gone_at, gone_url = excluded.gone_url`,
      ).run(hook, Date.now(), url);
      return true;
    }).immediate();
  }

  pause(hook: string, delayMs: number): void {
    this.checkFile();
    this.statement(
      `INSERT INTO endpoints (hook, paused_until) VALUES (?, ?)
       ON CONFLICT (hook) DO UPDATE SET paused_until = max(coalesce(paused_until, 0), excluded.paused_until)`,
    ).run(hook, Date.now() + delayMs);
  }

  resume(hook: string): boolean {
    this.checkFile();
    const { changes } = this.statement(
      `UPDATE endpoints SET gone_at = NULL, gone_url = NULL, paused_until = NULL
       WHERE hook = ? AND (gone_at IS NOT NULL OR paused_until > ?)`,
    ).run(hook, Date.now());
    return changes > 0;
  }

  /**
   * Records a group of attempts in one transaction (one fsync): each applies only while its
   * lease token holds; resolves with whether each was applied.
   */
  recordAttempts(records: LeasedAttempt[]): boolean[] {
    this.checkFile();
    const now = Date.now();
    return this.db.transaction(() => records.map((record) => this.recordOne(record, now))).immediate();
  }

  private recordOne({ lease, attempt, outcome }: LeasedAttempt, now: number): boolean {
    const pending = outcome.status === 'pending';
    const nextAt = pending ? now + outcome.delayMs : now;
    const applied = this.statement(
      `UPDATE deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?, ready_at = ?,
         lease_token = NULL, last_error = ?, updated_at = ?
       WHERE id = ? AND lease_token = ? AND status = 'pending'`,
    ).run(outcome.status, nextAt, pending ? nextAt : null, attempt.error ?? null, now, lease.deliveryId, lease.token);
    if (applied.changes === 0) return false;
    this.statement('INSERT INTO attempts (delivery_id, attempt, ended_at, duration_ms, status_code, error) VALUES (?, ?, ?, ?, ?, ?)')
      .run(lease.deliveryId, attempt.attempt, now, attempt.durationMs, attempt.statusCode ?? null, attempt.error ?? null);
    if (!pending) this.promoteHead(lease.clusterId, now);
    return true;
  }

  extend(leases: Lease[], leaseMs: number): Lease[] {
    this.checkFile();
    const now = Date.now();
    const update = this.db.prepare(
      "UPDATE deliveries SET ready_at = ? WHERE id = ? AND lease_token = ? AND status = 'pending'",
    );
    return this.withoutSync(() =>
      this.db.transaction(() => leases.filter((lease) => update.run(now + leaseMs, lease.deliveryId, lease.token).changes === 0)).immediate(),
    );
  }

  releaseClaims(tokens: string[]): void {
    this.checkFile();
    const now = Date.now();
    // Through the index of heads (ready_at set): the backlog is not read.
    const update = this.statement('UPDATE deliveries SET ready_at = ?, lease_token = NULL WHERE ready_at IS NOT NULL AND lease_token = ?');
    this.withoutSync(() =>
      this.db.transaction(() => {
        for (const token of tokens) update.run(now, token);
      }).immediate(),
    );
  }

  release(leases: Lease[]): void {
    this.checkFile();
    const now = Date.now();
    const update = this.db.prepare(
      "UPDATE deliveries SET ready_at = ?, lease_token = NULL WHERE id = ? AND lease_token = ? AND status = 'pending'",
    );
    this.withoutSync(() =>
      this.db.transaction(() => {
        for (const lease of leases) update.run(now, lease.deliveryId, lease.token);
      }).immediate(),
    );
  }

  get(id: string): Delivery | undefined {
    const row = this.db.prepare<[string], Row>('SELECT * FROM deliveries WHERE id = ?').get(id);
    return row && toDelivery(row);
  }

  attempts(id: string): AttemptRecord[] {
    return this.db
      .prepare<[string], AttemptRow<number>>('SELECT attempt, ended_at, duration_ms, status_code, error FROM attempts WHERE delivery_id = ? ORDER BY seq')
      .all(id)
      .map(toAttempt);
  }

  list(query: DeliveryQuery): DeliveryPage {
    const { where, params } = this.filter(query);
    if (query.after !== undefined) {
      where.push('seq < ?');
      params.push(Number(query.after));
    }
    const rows = this.db
      .prepare<unknown[], Row>(`SELECT * FROM deliveries ${clause(where)} ORDER BY seq DESC LIMIT ?`)
      .all(...params, query.limit + 1);
    return toPage(rows, query.limit);
  }

  count(filter: DeliveryFilter): number {
    const { where, params } = this.filter(filter);
    return this.db.prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM deliveries ${clause(where)}`).get(...params)!.n;
  }

  blocked(limit: number): BlockedCluster[] {
    // Heads are the rows with ready_at set (an index of heads, not of the backlog).
    const heads = this.db
      .prepare<[number], Row>('SELECT * FROM deliveries WHERE ready_at IS NOT NULL AND attempts > 0 ORDER BY attempts DESC, seq LIMIT ?')
      .all(limit);
    const waiting = this.statement(
      `SELECT count(*) AS n FROM (SELECT 1 FROM deliveries WHERE cluster_id = ? AND status = 'pending' AND seq > ? LIMIT ${waitingCountLimit})`,
    );
    return heads.map((row) => {
      const { payload: _payload, ...head } = toDelivery(row);
      return { clusterId: row.cluster_id, head, waiting: (waiting.get(row.cluster_id, row.seq) as { n: number }).n };
    });
  }

  retry(ids: string[]): RetryResult[] {
    this.checkFile();
    return this.db.transaction(() => ids.map((id) => this.retryOne(id, Date.now()))).immediate();
  }

  retryDead(filter: Omit<DeliveryFilter, 'status'>, limit: number): number {
    this.checkFile();
    const { where, params } = this.filter({ ...filter, status: 'dead' });
    return this.db.transaction(() => {
      const ids = this.db
        .prepare<unknown[], { id: string }>(`SELECT id FROM deliveries ${clause(where)} ORDER BY seq LIMIT ?`)
        .all(...params, limit);
      const now = Date.now();
      for (const { id } of ids) this.retryOne(id, now);
      return ids.length;
    }).immediate();
  }

  purgeDelivered(olderThanMs: number, limit: number): number {
    this.checkFile();
    const before = Date.now() - olderThanMs;
    const purged = this.statement(
      "SELECT id, hook, idempotency_key, created_at FROM deliveries WHERE status = 'delivered' AND updated_at < ? ORDER BY seq LIMIT ?",
    );
    const keep = this.statement('INSERT OR IGNORE INTO idempotency_keys (hook, idempotency_key, delivery_id, created_at) VALUES (?, ?, ?, ?)');
    const deleteAttempts = this.statement('DELETE FROM attempts WHERE delivery_id = ?');
    const deleteDelivery = this.statement('DELETE FROM deliveries WHERE id = ?');
    return this.db.transaction(() => {
      const rows = purged.all(before, limit) as { id: string; hook: string; idempotency_key: string | null; created_at: number }[];
      for (const row of rows) {
        if (row.idempotency_key !== null) keep.run(row.hook, row.idempotency_key, row.id, row.created_at);
        deleteAttempts.run(row.id);
        deleteDelivery.run(row.id);
      }
      return rows.length;
    }).immediate();
  }

  purgeKeys(olderThanMs: number, limit: number): number {
    this.checkFile();
    return this.statement(
      'DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid FROM idempotency_keys WHERE created_at < ? LIMIT ?)',
    ).run(Date.now() - olderThanMs, limit).changes;
  }

  stats(countLimit?: number): StoreStats {
    const counts = { pending: 0, delivered: 0, dead: 0 };
    if (countLimit === undefined) {
      const rows = this.db
        .prepare<[], { status: DeliveryStatus; n: number }>('SELECT status, count(*) AS n FROM deliveries GROUP BY status')
        .all();
      for (const row of rows) counts[row.status] = row.n;
    } else {
      const count = this.statement('SELECT count(*) AS n FROM (SELECT 1 FROM deliveries WHERE status = ? LIMIT ?)');
      for (const status of statuses) counts[status] = (count.get(status, countLimit) as { n: number }).n;
    }
    const oldest = this.db
      .prepare<[], { created_at: number }>("SELECT created_at FROM deliveries WHERE status = 'pending' ORDER BY seq LIMIT 1")
      .get();
    return { ...counts, oldestPendingAgeMs: oldest ? Math.max(0, Date.now() - oldest.created_at) : 0 };
  }

  check(): void {
    this.checkFile();
    // Taking the write lock (and letting it go) proves the file can take a commit now.
    this.db.exec('BEGIN IMMEDIATE; ROLLBACK');
  }

  close(): void {
    this.db.close();
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > sqliteMigrations.length) {
      throw new Error(`the store file has schema version ${version}, newer than this release (${sqliteMigrations.length}) knows`);
    }
    for (let step = version; step < sqliteMigrations.length; step++) {
      this.db.transaction(() => {
        this.db.exec(sqliteMigrations[step]!);
        this.db.pragma(`user_version = ${step + 1}`);
      }).immediate();
    }
  }

  /** Throws when the file at the store's path is gone or is another file than the one opened. */
  private checkFile(): void {
    let current;
    try {
      current = statSync(this.path);
    } catch {
      throw new Error(`store file ${this.path} was deleted`);
    }
    if (current.dev !== this.inode.dev || current.ino !== this.inode.ino) {
      throw new Error(`store file ${this.path} was replaced by another file`);
    }
  }

  private hasPending(clusterId: string): boolean {
    return this.statement("SELECT 1 AS one FROM deliveries WHERE cluster_id = ? AND status = 'pending' LIMIT 1").get(clusterId) !== undefined;
  }

  /**
   * Runs a transaction that nobody outside this process has been told about (a lease taken,
   * extended or given back) without waiting for its fsync: if the machine loses it, the
   * delivery is simply not leased, which is what a crash leaves anyway. The next durable
   * commit (an enqueue, an attempt record) fsyncs the write-ahead log, this one included.
   */
  private withoutSync<T>(transaction: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    try {
      return transaction();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  /** The prepared statement of `sql`, prepared once: the hot paths run a few statements thousands of times. */
  private statement(sql: string): Database.Statement {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      prepared = this.db.prepare(sql);
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  /** Makes the oldest pending delivery of the cluster its queue head, due now. */
  private promoteHead(clusterId: string, now: number): void {
    this.statement(
      `UPDATE deliveries SET ready_at = ? WHERE seq =
         (SELECT seq FROM deliveries WHERE cluster_id = ? AND status = 'pending' ORDER BY seq LIMIT 1)`,
    ).run(now, clusterId);
  }

  private retryOne(id: string, now: number): RetryResult {
    const row = this.db.prepare<[string], Row>('SELECT * FROM deliveries WHERE id = ?').get(id);
    if (!row) return 'not-found';
    if (row.status === 'dead') {
      const readyAt = this.hasPending(row.cluster_id) ? null : now;
      // A new seq puts it at the back of its cluster's queue.
      this.db
        .prepare(
          `UPDATE deliveries SET sequence = coalesce(sequence, seq), seq = (SELECT max(seq) + 1 FROM deliveries), status = 'pending', attempts = 0,
             next_attempt_at = ?, ready_at = ?, lease_token = NULL, last_error = NULL, updated_at = ?
           WHERE id = ?`,
        )
        .run(now, readyAt, now, id);
      return 'queued';
    }
    if (row.status === 'pending' && row.ready_at !== null && row.lease_token === null) {
      this.db.prepare('UPDATE deliveries SET next_attempt_at = ?, ready_at = ?, updated_at = ? WHERE id = ?').run(now, now, now, id);
      return 'due-now';
    }
    return 'unchanged';
  }

  private filter(filter: DeliveryFilter): { where: string[]; params: unknown[] } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status !== undefined) {
      // A literal (of a checked value), so that SQLite can use the partial index of dead rows.
      if (!statuses.includes(filter.status)) throw new Error(`unknown status ${String(filter.status)}`);
      where.push(`status = '${filter.status}'`);
    }
    if (filter.hook !== undefined) {
      where.push('hook = ?');
      params.push(filter.hook);
    }
    if (filter.clusterId !== undefined) {
      where.push('cluster_id = ?');
      params.push(filter.clusterId);
    }
    if (filter.olderThanMs !== undefined) {
      where.push('created_at <= ?');
      params.push(Date.now() - filter.olderThanMs);
    }
    if (filter.newerThanMs !== undefined) {
      where.push('created_at >= ?');
      params.push(Date.now() - filter.newerThanMs);
    }
    if (filter.updatedWithinMs !== undefined) {
      where.push('updated_at >= ?');
      params.push(Date.now() - filter.updatedWithinMs);
    }
    return { where, params };
  }
}

const statuses: readonly DeliveryStatus[] = ['pending', 'delivered', 'dead'];
const clause = (where: string[]) => (where.length > 0 ? `WHERE ${where.join(' AND ')}` : '');
