import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { newWebhookId } from '@ccx-hook/hook-client';
import type {
  AttemptOutcome,
  AttemptRecord,
  BlockedCluster,
  ClaimedDelivery,
  Delivery,
  DeliveryFilter,
  DeliveryPage,
  DeliveryQuery,
  DeliveryStatus,
  DeliveryStore,
  EndpointState,
  Enqueued,
  Lease,
  LeasedAttempt,
  NewAttempt,
  NewDelivery,
  RetryResult,
  StoreOptions,
  StoreStats,
} from './delivery-store.js';
import { defaultStoreOptions } from './default-store-options.js';
import { waitingCountLimit } from './delivery-store.js';
import { slotsAhead, slotStart } from './rate-slots.js';
import { StoreError } from './errors.js';
import { attemptLimits, deliveryLimits, GroupCommit } from './group-commit.js';
import { migratePostgres } from './migrate-postgres.js';
import { runTransaction } from './run-transaction.js';
import { type AttemptRow, type DeliveryRow, endpointState, rowMappers } from './store-rows.js';


type Row = DeliveryRow<Date>;
const { toDelivery, toAttempt, toPage } = rowMappers((time: Date) => time.getTime());

const ms = (param: string) => `(${param} * interval '1 millisecond')`;

const names = new Map<string, string>();

/**
 * `text` with `values` as a statement each connection prepares once (parsed and planned once,
 * then reused) instead of at every call: for the statements of every enqueue, claim and
 * attempt record, whose parsing and planning were a third of the database's time under load
 * (docs/BENCHMARKS.md, row 3). The name is the text's hash: one name, one text.
 */
function named(text: string, values: unknown[]): pg.QueryConfig {
  let name = names.get(text);
  if (name === undefined) {
    name = `ccx_hook_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  return { name, text, values };
}

/**
 * The columns of a `DeliveryRow` of `table`, named: a prepared statement keeps the columns of
 * its result, and `*` would take in a column a later release adds (PostgreSQL then refuses the
 * statement: "cached plan must not change result type") while this one still runs.
 */
const deliveryColumns = (table: string) =>
  ['seq', 'sequence', 'id', 'hook', 'cluster_id', 'payload', 'status', 'attempts', 'next_attempt_at', 'last_error', 'created_at', 'updated_at']
    .map((column) => `${table}.${column}`).join(', ');

/** The advisory lock that serialises the queue of one cluster (enqueue, promotion, retry). */
const clusterLocks = (param: string) =>
  `SELECT pg_advisory_xact_lock(k) FROM
     (SELECT DISTINCT hashtextextended('cluster:' || c, 0) AS k FROM unnest(${param}::text[]) AS c ORDER BY 1) AS s`;
/** Locks the queue heads of the clusters in `param` (a text[]), in cluster order. */
const headLocks = (param: string) =>
  `SELECT cluster_id FROM ccx_hook_queue_heads WHERE cluster_id = ANY(${param}::text[]) ORDER BY cluster_id FOR UPDATE`;
/** The leases of `$1` (delivery ids), `$2` (cluster ids) and `$3` (tokens) whose queue head holds them. */
const heldLeases = `(cluster_id, delivery_id, lease_token) IN (SELECT * FROM unnest($2::text[], $1::text[], $3::text[]))`;

/**
 * How often the queue heads are vacuumed while this store claims and records. Every claim,
 * record and lease extension writes a head row anew (its ready_at is indexed, so the update
 * cannot be HOT): while delivering, thousands of dead versions a second pile up in the heads'
 * indexes, and each claim reads through them (a claim took 0.7 ms after a vacuum and 3 ms
 * 11 s later; autovacuum comes round once a minute). docs/BENCHMARKS.md, row 3.
 */
const vacuumHeadsEveryMs = 1_000;

/** A claimed head's delivery row, with its lease token. */
type ClaimedRow = Row & { lease_token: string };

/**
 * The hooks with queue heads whose endpoint is neither gone nor paused: the distinct hooks of the
 * heads read as a loose index scan (one index probe per hook, not a read of every head).
 */
const openHooks = `(
  WITH RECURSIVE hooks AS (
    (SELECT hook FROM ccx_hook_queue_heads WHERE hook IS NOT NULL ORDER BY hook LIMIT 1)
    UNION ALL
    SELECT (SELECT h.hook FROM ccx_hook_queue_heads h WHERE h.hook > hooks.hook ORDER BY h.hook LIMIT 1) FROM hooks WHERE hooks.hook IS NOT NULL
  )
  SELECT hooks.hook FROM hooks LEFT JOIN ccx_hook_endpoints e ON e.hook = hooks.hook
  WHERE hooks.hook IS NOT NULL AND e.gone_at IS NULL AND (e.paused_until IS NULL OR e.paused_until <= now())
) AS open`;

/**
 * Leases due queue heads, oldest due first: up to `n` of each hook that `perHook` (a query of
 * hook and n) names, through the hook's own index, and `$1` in all; `$2` is the lease in ms and
 * `$3` its token.
 */
const claimHeads = (perHook: string) =>
  `WITH due AS (
     SELECT d.cluster_id, d.ready_at, d.seq FROM (${perHook}) AS e CROSS JOIN LATERAL
       (SELECT cluster_id, ready_at, seq FROM ccx_hook_queue_heads h WHERE h.hook = e.hook AND h.ready_at <= now()
        ORDER BY ready_at, seq LIMIT e.n FOR UPDATE SKIP LOCKED) AS d
     ORDER BY d.ready_at, d.seq LIMIT $1
   ),
   claimed AS (
     UPDATE ccx_hook_queue_heads AS h SET lease_token = $3, ready_at = now() + ${ms('$2')}
     FROM due WHERE h.cluster_id = due.cluster_id
     RETURNING h.delivery_id, h.lease_token, due.ready_at AS due_at, due.seq
   )
   SELECT ${deliveryColumns('d')}, claimed.lease_token FROM claimed JOIN ccx_hook_deliveries d ON d.id = claimed.delivery_id
   ORDER BY claimed.due_at, claimed.seq`;

// Object.assign, not a spread: docs/BENCHMARKS.md, "Tricks kept in the code".
const claimed = (row: ClaimedRow, startInMs: number): ClaimedDelivery =>
  Object.assign(toDelivery(row), { lease: { deliveryId: row.id, clusterId: row.cluster_id, token: row.lease_token }, startInMs });

/**
 * The outbox on PostgreSQL, shared by any number of replicas. Time is the database's `now()`.
 * Each cluster with pending deliveries has a row in `ccx_hook_queue_heads`: its oldest pending
 * delivery, when it is due (or when its lease expires) and its lease. Claims take due heads
 * with `FOR UPDATE SKIP LOCKED`; changes to one cluster's queue
 * (enqueue, promoting the next head, retry) hold a transaction advisory lock on the cluster, so
 * replicas never make two heads. Enqueues are committed in groups. Open it with `PostgresStore.open`.
 */
export class PostgresStore implements DeliveryStore {
  private readonly groups: GroupCommit<NewDelivery, Enqueued>;
  /** Attempts end side by side (16 in flight by default): their records share commits too. */
  private readonly records: GroupCommit<LeasedAttempt, boolean>;
  private closed = false;
  /** Heads were written since the last vacuum (see `vacuumHeadsEveryMs`). */
  private headsWritten = false;
  private vacuuming: Promise<void> | undefined;
  private readonly vacuumTimer: NodeJS.Timeout;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly timeoutMs: number,
  ) {
    this.groups = new GroupCommit((group) => this.insert(group), deliveryLimits(timeoutMs), { waves: true });
    this.records = new GroupCommit((group) => this.recordGroup(group), attemptLimits(timeoutMs), { what: 'attempt' });
    this.vacuumTimer = setInterval(() => this.vacuumHeads(), vacuumHeadsEveryMs).unref();
  }

  /**
   * Vacuums the queue heads if this store wrote them since the last time, one vacuum at a time.
   * SKIP_LOCKED: while another replica vacuums them, this one does not wait. A vacuum that fails
   * (the store is down; or a role that does not own the table, which PostgreSQL only warns of)
   * costs nothing but its figures: the store's outages are readiness's business.
   */
  private vacuumHeads(): void {
    if (!this.headsWritten || this.vacuuming) return;
    this.headsWritten = false;
    this.vacuuming = this.query('VACUUM (SKIP_LOCKED) ccx_hook_queue_heads').then(
      () => undefined,
      () => undefined,
    ).finally(() => (this.vacuuming = undefined));
  }

  /**
   * Connects and applies pending migrations. Every operation afterwards has `timeoutMs` in all
   * (connecting included), enforced here, since a server that cannot be reached enforces
   * nothing. Rejects with `StoreError` when the database cannot be used.
   */
  static async open(url: string, { timeoutMs }: StoreOptions = defaultStoreOptions): Promise<PostgresStore> {
    // The driver is loaded only when PostgreSQL is used: an SQLite service starts without it.
    const { default: driver } = await import('pg');
    // Keep-alive notices a peer that is gone while nothing is asked of it.
    const connection = { connectionString: url, keepAlive: true, keepAliveInitialDelayMillis: 10_000, connectionTimeoutMillis: timeoutMs };
    const migrations = new driver.Client(connection);
    migrations.on('error', () => undefined);
    try {
      await migrations.connect();
      await migratePostgres(migrations);
    } catch (error) {
      throw new StoreError(`cannot open PostgreSQL store: ${(error as Error).message}`, { cause: error });
    } finally {
      await migrations.end().catch(() => undefined);
    }
    // query_timeout is the client's own limit (statement_timeout needs a server that answers);
    // a query that runs out of it gives its connection up.
    const pool = new driver.Pool({ ...connection, max: 10, query_timeout: timeoutMs, statement_timeout: timeoutMs });
    // An idle connection that breaks (database restart) must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    return new PostgresStore(pool, timeoutMs);
  }

  enqueue(delivery: NewDelivery): Promise<Enqueued> {
    if (this.closed) return Promise.reject(new StoreError('store is closed'));
    return this.groups.add(delivery);
  }

  /** The group in one statement (ccx_hook_enqueue, the seventh migration: its comment says how). */
  private async insert(group: NewDelivery[]): Promise<Enqueued[]> {
    const keyed = group.filter((delivery) => delivery.idempotencyKey !== undefined);
    const { rows } = await this.query<Enqueued>(named(
      'SELECT id, due FROM ccx_hook_enqueue($1, $2, $3, $4, $5, $6)',
      [
        [...group.map((d) => `cluster:${d.clusterId}`), ...keyed.map((d) => `key:${JSON.stringify([d.hook, d.idempotencyKey])}`)],
        group.map(() => newWebhookId()),
        group.map((d) => d.hook),
        group.map((d) => d.clusterId),
        group.map((d) => d.payload),
        group.map((d) => d.idempotencyKey ?? null),
      ],
    ));
    return rows;
  }

  async claim(limit: number, leaseMs: number, token = randomUUID(), ratePerSecond?: number): Promise<ClaimedDelivery[]> {
    this.headsWritten = true;
    if (ratePerSecond === undefined) {
      const { rows } = await this.query<ClaimedRow>(named(claimHeads(`SELECT hook, $1::int AS n FROM ${openHooks}`), [limit, leaseMs, token]));
      return rows.map((row) => claimed(row, 0));
    }
    // The endpoints' rows are locked from the slots read to the slots taken, so replicas take turns.
    return this.transaction(async (client) => {
      const open = await client.query<{ hook: string }>(`SELECT hook FROM ${openHooks}`);
      const hooks = open.rows.map((row) => row.hook);
      if (hooks.length === 0) return [];
      await client.query('INSERT INTO ccx_hook_endpoints (hook) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [hooks]);
      const starts = await client.query<{ hook: string; start_in_ms: number }>(
        `SELECT hook, (extract(epoch FROM greatest(next_slot_at, clock_timestamp()) - clock_timestamp()) * 1000)::float8 AS start_in_ms
         FROM ccx_hook_endpoints WHERE hook = ANY($1::text[]) ORDER BY hook FOR UPDATE`,
        [hooks],
      );
      const startIn = new Map(starts.rows.map((row) => [row.hook, row.start_in_ms]));
      const { rows } = await client.query<ClaimedRow>(named(
        claimHeads('SELECT * FROM unnest($4::text[], $5::int[]) AS e(hook, n)'),
        [limit, leaseMs, token, hooks, hooks.map((hook) => slotsAhead(startIn.get(hook)!, ratePerSecond, limit))],
      ));
      const taken = new Map<string, number>();
      const batch = rows.map((row) => {
        const index = taken.get(row.hook) ?? 0;
        taken.set(row.hook, index + 1);
        return claimed(row, slotStart(startIn.get(row.hook)!, ratePerSecond, index));
      });
      await client.query(
        `UPDATE ccx_hook_endpoints e SET next_slot_at = greatest(e.next_slot_at, clock_timestamp()) + ${ms('t.n * $3::float8')}
         FROM unnest($1::text[], $2::int[]) AS t(hook, n) WHERE e.hook = t.hook`,
        [[...taken.keys()], [...taken.values()], 1000 / ratePerSecond],
      );
      return batch;
    });
  }

  async endpoints(): Promise<EndpointState[]> {
    const { rows } = await this.query<{ hook: string; gone_at: Date | null; gone_url: string | null; paused_for_ms: number | null }>(
      `SELECT hook, gone_at, gone_url, (extract(epoch FROM paused_until - clock_timestamp()) * 1000)::float8 AS paused_for_ms
       FROM ccx_hook_endpoints WHERE gone_at IS NOT NULL OR paused_until > now() ORDER BY hook`,
    );
    return rows.map((row) => endpointState(row.hook, row.gone_at?.getTime() ?? null, row.gone_url, row.paused_for_ms));
  }

  async markGone(hook: string, url: string): Promise<boolean> {
    // The condition is checked on the row as it is once another replica's mark has committed
    // (a snapshot taken before would say "not gone" to both of two replicas marking it at once).
    const { rowCount } = await this.query(
      `INSERT INTO ccx_hook_endpoints AS e (hook, gone_at, gone_url) VALUES ($1, now(), $2)
       ON CONFLICT (hook) DO UPDATE SET gone_at = now(), gone_url = $2 WHERE e.gone_at IS NULL
       RETURNING hook`,
      [hook, url],
    );
    return rowCount === 1;
  }

  async pause(hook: string, delayMs: number): Promise<void> {
    await this.query(
      `INSERT INTO ccx_hook_endpoints AS e (hook, paused_until) VALUES ($1, now() + ${ms('$2')})
       ON CONFLICT (hook) DO UPDATE SET paused_until = greatest(e.paused_until, excluded.paused_until)`,
      [hook, delayMs],
    );
  }

  async resume(hook: string): Promise<boolean> {
    const { rowCount } = await this.query(
      `UPDATE ccx_hook_endpoints SET gone_at = NULL, gone_url = NULL, paused_until = NULL
       WHERE hook = $1 AND (gone_at IS NOT NULL OR paused_until > now())`,
      [hook],
    );
    return (rowCount ?? 0) > 0;
  }

  recordAttempt(lease: Lease, attempt: NewAttempt, outcome: AttemptOutcome): Promise<boolean> {
    if (this.closed) return Promise.reject(new StoreError('store is closed'));
    return this.records.add({ lease, attempt, outcome });
  }

  /** Records a group of attempts in one statement (ccx_hook_record, the eighth migration: its comment says how). */
  private async recordGroup(group: LeasedAttempt[]): Promise<boolean[]> {
    this.headsWritten = true;
    const column = <T>(value: (record: LeasedAttempt) => T) => group.map(value);
    const { rows } = await this.query<{ applied: boolean }>(named(
      'SELECT applied FROM ccx_hook_record($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      [
        column(({ lease }) => lease.deliveryId),
        column(({ lease }) => lease.clusterId),
        column(({ lease }) => lease.token),
        column(({ outcome }) => outcome.status),
        column(({ outcome }) => (outcome.status === 'pending' ? outcome.delayMs : 0)),
        column(({ attempt }) => attempt.attempt),
        column(({ attempt }) => Math.round(attempt.durationMs)),
        column(({ attempt }) => attempt.statusCode ?? null),
        column(({ attempt }) => attempt.error ?? null),
      ],
    ));
    return rows.map((row) => row.applied);
  }

  async extend(leases: readonly Lease[], leaseMs: number): Promise<Lease[]> {
    this.headsWritten = true;
    const { rows } = await this.query<{ delivery_id: string }>(
      `WITH locked AS (${headLocks('$2')})
       UPDATE ccx_hook_queue_heads SET ready_at = now() + ${ms('$4')}
       WHERE cluster_id IN (SELECT cluster_id FROM locked) AND ${heldLeases}
       RETURNING delivery_id`,
      [...leaseColumns(leases), leaseMs],
    );
    const held = new Set(rows.map((row) => row.delivery_id));
    return leases.filter((lease) => !held.has(lease.deliveryId));
  }

  async releaseClaims(tokens: readonly string[]): Promise<void> {
    // The heads are one row per cluster with pending deliveries: a small table to scan, and rarely.
    await this.query('UPDATE ccx_hook_queue_heads SET ready_at = now(), lease_token = NULL WHERE lease_token = ANY($1::text[])', [tokens]);
  }

  async release(leases: readonly Lease[]): Promise<void> {
    await this.query(
      `WITH locked AS (${headLocks('$2')})
       UPDATE ccx_hook_queue_heads SET ready_at = now(), lease_token = NULL
       WHERE cluster_id IN (SELECT cluster_id FROM locked) AND ${heldLeases}`,
      leaseColumns(leases),
    );
  }

  async get(id: string): Promise<Delivery | undefined> {
    const { rows } = await this.query<Row>('SELECT * FROM ccx_hook_deliveries WHERE id = $1', [id]);
    return rows[0] && toDelivery(rows[0]);
  }

  async attempts(id: string): Promise<AttemptRecord[]> {
    const { rows } = await this.query<AttemptRow<Date>>(
      'SELECT attempt, ended_at, duration_ms, status_code, error FROM ccx_hook_attempts WHERE delivery_id = $1 ORDER BY seq',
      [id],
    );
    return rows.map(toAttempt);
  }

  async list(query: DeliveryQuery): Promise<DeliveryPage> {
    const { where, params } = filter(query);
    if (query.after !== undefined) {
      params.push(query.after);
      where.push(`seq < $${params.length}::bigint`);
    }
    params.push(query.limit + 1);
    const { rows } = await this.query<Row>(
      `SELECT * FROM ccx_hook_deliveries ${clause(where)} ORDER BY seq DESC LIMIT $${params.length}`,
      params,
    );
    return toPage(rows, query.limit);
  }

  async count(deliveryFilter: DeliveryFilter): Promise<number> {
    const { where, params } = filter(deliveryFilter);
    const { rows } = await this.query<{ n: string }>(`SELECT count(*) AS n FROM ccx_hook_deliveries ${clause(where)}`, params);
    return Number(rows[0]!.n);
  }

  async blocked(limit: number): Promise<BlockedCluster[]> {
    // Read from the queue heads (one row per cluster), not from the backlog.
    const { rows } = await this.query<Row & { waiting: string }>(
      `SELECT head.*, (SELECT count(*) FROM (SELECT 1 FROM ccx_hook_deliveries behind
                        WHERE behind.cluster_id = head.cluster_id AND behind.status = 'pending' AND behind.seq > head.seq
                        LIMIT ${waitingCountLimit}) AS waiting) AS waiting
       FROM ccx_hook_queue_heads h JOIN ccx_hook_deliveries head ON head.id = h.delivery_id
       WHERE head.attempts > 0 ORDER BY head.attempts DESC, head.seq LIMIT $1`,
      [limit],
    );
    return rows.map((row) => {
      const { payload: _payload, ...head } = toDelivery(row);
      return { clusterId: row.cluster_id, head, waiting: Number(row.waiting) };
    });
  }

  retry(ids: readonly string[]): Promise<RetryResult[]> {
    return this.transaction(async (client) => {
      const { rows } = await client.query<{ id: string; cluster_id: string }>(
        'SELECT id, cluster_id FROM ccx_hook_deliveries WHERE id = ANY($1::text[])',
        [ids],
      );
      await client.query(clusterLocks('$1'), [rows.map((row) => row.cluster_id)]);
      const results: RetryResult[] = [];
      // One statement per id: each sees the heads the previous one made.
      for (const id of ids) results.push(await retryOne(client, id));
      return results;
    });
  }

  retryDead(deliveryFilter: Omit<DeliveryFilter, 'status'>, limit: number): Promise<number> {
    return this.transaction(async (client) => {
      const { where, params } = filter({ ...deliveryFilter, status: 'dead' });
      params.push(limit);
      const { rows } = await client.query<{ id: string; cluster_id: string }>(
        `SELECT id, cluster_id FROM ccx_hook_deliveries ${clause(where)} ORDER BY seq LIMIT $${params.length} FOR UPDATE`,
        params,
      );
      await client.query(clusterLocks('$1'), [rows.map((row) => row.cluster_id)]);
      for (const row of rows) await retryOne(client, row.id);
      return rows.length;
    });
  }

  async purgeDelivered(olderThanMs: number, limit: number): Promise<number> {
    const { rows } = await this.query<{ n: number }>(
      `WITH purged AS (
         DELETE FROM ccx_hook_deliveries WHERE id IN
           (SELECT id FROM ccx_hook_deliveries WHERE status = 'delivered' AND updated_at < now() - ${ms('$1')}
            ORDER BY seq LIMIT $2)
         RETURNING hook, idempotency_key, id, created_at
       ),
       kept AS (
         INSERT INTO ccx_hook_idempotency_keys (hook, idempotency_key, delivery_id, created_at)
         SELECT hook, idempotency_key, id, created_at FROM purged WHERE idempotency_key IS NOT NULL
         ON CONFLICT DO NOTHING
       )
       SELECT count(*)::int AS n FROM purged`,
      [olderThanMs, limit],
    );
    return rows[0]!.n;
  }

  async purgeKeys(olderThanMs: number, limit: number): Promise<number> {
    const { rowCount } = await this.query(
      `DELETE FROM ccx_hook_idempotency_keys WHERE (hook, idempotency_key) IN
         (SELECT hook, idempotency_key FROM ccx_hook_idempotency_keys WHERE created_at < now() - ${ms('$1')} LIMIT $2)`,
      [olderThanMs, limit],
    );
    return rowCount ?? 0;
  }

  async stats(countLimit?: number): Promise<StoreStats> {
    const counts = { pending: 0, delivered: 0, dead: 0 };
    const { rows } = countLimit === undefined
      ? await this.query<{ status: DeliveryStatus; n: string }>('SELECT status, count(*) AS n FROM ccx_hook_deliveries GROUP BY status')
      : await this.query<{ status: DeliveryStatus; n: string }>(
          `SELECT status, (SELECT count(*) FROM (SELECT 1 FROM ccx_hook_deliveries WHERE status = s.status LIMIT $1) AS capped) AS n
           FROM unnest(ARRAY['pending', 'delivered', 'dead']) AS s(status)`,
          [countLimit],
        );
    for (const row of rows) counts[row.status] = Number(row.n);
    const { rows: oldest } = await this.query<{ age: number }>(
      `SELECT greatest(0, extract(epoch FROM now() - created_at) * 1000)::float8 AS age FROM ccx_hook_deliveries
       WHERE status = 'pending' ORDER BY seq LIMIT 1`,
    );
    return { ...counts, oldestPendingAgeMs: Math.round(oldest[0]?.age ?? 0) };
  }

  /** Always true: a lost connection is replaced by the pool, with no restart. */
  alive(): boolean {
    return true;
  }

  async check(): Promise<void> {
    // A write that changes nothing: a standby, or a database set read-only
    // (default_transaction_read_only), answers reads but refuses it, as it would refuse a delivery.
    await this.query('UPDATE ccx_hook_migrations SET version = version WHERE false');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.vacuumTimer);
    await Promise.all([this.groups.drain(), this.records.drain(), this.vacuuming]);
    await this.pool.end();
  }

  private async query<R extends pg.QueryResultRow>(text: string | pg.QueryConfig, values?: unknown[]): Promise<pg.QueryResult<R>> {
    if (this.pool.ending) throw new StoreError('store is closed');
    // Waiting for a connection and running the query share one limit; pg-pool gives up the
    // connection of a query that ran out of its own (query_timeout).
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      return await Promise.race([this.pool.query<R>(text, values), expired]);
    } catch (error) {
      throw new StoreError(`store failed: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  private transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.pool.ending) return Promise.reject(new StoreError('store is closed'));
    return runTransaction(this.pool, this.timeoutMs, work);
  }
}

async function retryOne(client: pg.PoolClient, id: string): Promise<RetryResult> {
  // nextval puts it at the back of its cluster's queue: it is the head only of a cluster with none pending.
  const requeued = await client.query<{ cluster_id: string; seq: string }>(
    `UPDATE ccx_hook_deliveries SET sequence = coalesce(sequence, seq), seq = nextval('ccx_hook_delivery_seq'), status = 'pending', attempts = 0,
       next_attempt_at = now(), last_error = NULL, updated_at = now()
     WHERE id = $1 AND status = 'dead'
     RETURNING cluster_id, seq`,
    [id],
  );
  const [dead] = requeued.rows;
  if (dead) {
    await client.query(
      `INSERT INTO ccx_hook_queue_heads (cluster_id, delivery_id, seq, ready_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (cluster_id) DO NOTHING`,
      [dead.cluster_id, id, dead.seq],
    );
    return 'queued';
  }
  // A head waiting for its next attempt (not one being attempted) is made due now.
  const due = await client.query(
    `WITH due AS (
       UPDATE ccx_hook_queue_heads h SET ready_at = now() FROM ccx_hook_deliveries d
       WHERE d.id = $1 AND h.cluster_id = d.cluster_id AND h.delivery_id = d.id AND h.lease_token IS NULL
       RETURNING h.delivery_id
     )
     UPDATE ccx_hook_deliveries SET next_attempt_at = now(), updated_at = now() WHERE id IN (SELECT delivery_id FROM due)`,
    [id],
  );
  if (due.rowCount) return 'due-now';
  const { rowCount } = await client.query('SELECT 1 FROM ccx_hook_deliveries WHERE id = $1', [id]);
  return rowCount ? 'unchanged' : 'not-found';
}

/** The columns of `heldLeases`: delivery ids, cluster ids, tokens. */
function leaseColumns(leases: readonly Lease[]): string[][] {
  return [leases.map((l) => l.deliveryId), leases.map((l) => l.clusterId), leases.map((l) => l.token)];
}

function filter(deliveryFilter: DeliveryFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (deliveryFilter.status !== undefined) add((n) => `status = ${n}`, deliveryFilter.status);
  if (deliveryFilter.hook !== undefined) add((n) => `hook = ${n}`, deliveryFilter.hook);
  if (deliveryFilter.clusterId !== undefined) add((n) => `cluster_id = ${n}`, deliveryFilter.clusterId);
  if (deliveryFilter.olderThanMs !== undefined) add((n) => `created_at <= now() - ${ms(n)}`, deliveryFilter.olderThanMs);
  if (deliveryFilter.newerThanMs !== undefined) add((n) => `created_at >= now() - ${ms(n)}`, deliveryFilter.newerThanMs);
  if (deliveryFilter.updatedWithinMs !== undefined) add((n) => `updated_at >= now() - ${ms(n)}`, deliveryFilter.updatedWithinMs);
  return { where, params };
}

const clause = (where: string[]) => (where.length > 0 ? `WHERE ${where.join(' AND ')}` : '');
