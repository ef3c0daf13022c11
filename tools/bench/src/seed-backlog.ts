import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '@ccx-hook/delivery';

/**
 * A backlog to seed: one blocked cluster of `blocked` deliveries (its head waits a day), and
 * `spread` deliveries over `clusters` clusters whose heads are due in `headsDueInMs` (0: now);
 * besides, `delivered` deliveries delivered `deliveredAgoMs` ago (default: now).
 */
export interface Backlog {
  blocked: number;
  spread: number;
  clusters: number;
  headsDueInMs?: number;
  delivered?: number;
  deliveredAgoMs?: number;
}

/**
 * Writes the backlog straight into the store's tables (the schema the store itself created),
 * because a million enqueues through the API would take minutes; rows look exactly as
 * enqueued ones do: one head per cluster, the rest waiting behind it.
 */
export async function seedBacklog(url: string, backlog: Backlog): Promise<void> {
  await (await openStore(url)).close(); // creates or migrates the schema
  if (url.startsWith('sqlite:')) seedSqlite(url.slice('sqlite:'.length), backlog);
  else await seedPostgres(url, backlog);
}

function seedSqlite(path: string, { blocked, spread, clusters, headsDueInMs = 0, delivered = 0, deliveredAgoMs = 0 }: Backlog): void {
  const db = new Database(path);
  const now = Date.now();
  const insertDelivered = db.prepare(
    `INSERT INTO deliveries (id, hook, cluster_id, payload, status, attempts, next_attempt_at, ready_at, created_at, updated_at)
     VALUES (?, 'post-add-node', ?, '{"cluster_id":"x"}', 'delivered', 1, ?, NULL, ?, ?)`,
  );
  const insert = db.prepare(
    `INSERT INTO deliveries (id, hook, cluster_id, payload, status, attempts, next_attempt_at, ready_at, created_at, updated_at)
     VALUES (?, 'post-add-node', ?, '{"cluster_id":"x"}', 'pending', 0, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    for (let n = 0; n < delivered; n++) insertDelivered.run(`msg_delivered_${n}`, `d${n % 1000}`, now - deliveredAgoMs, now - deliveredAgoMs, now - deliveredAgoMs);
    for (let n = 0; n < blocked; n++) insert.run(`msg_blocked_${n}`, 'blocked', now, n === 0 ? now + 86_400_000 : null, now, now);
    for (let n = 0; n < spread; n++) insert.run(`msg_spread_${n}`, `c${n % clusters}`, now, n < clusters ? now + headsDueInMs : null, now, now);
  })();
  db.close();
}

async function seedPostgres(url: string, { blocked, spread, clusters, headsDueInMs = 0, delivered = 0, deliveredAgoMs = 0 }: Backlog): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(
    `INSERT INTO ccx_hook_deliveries (id, hook, cluster_id, payload, status, attempts, created_at, updated_at)
     SELECT 'msg_delivered_' || g, 'post-add-node', 'd' || (g % 1000), '{"cluster_id":"x"}', 'delivered', 1,
            now() - $2::bigint * interval '1 millisecond', now() - $2::bigint * interval '1 millisecond'
     FROM generate_series(0, $1::int - 1) AS g ORDER BY g`,
    [delivered, deliveredAgoMs],
  );
  await client.query(
    `INSERT INTO ccx_hook_deliveries (id, hook, cluster_id, payload, status)
     SELECT 'msg_blocked_' || g, 'post-add-node', 'blocked', '{"cluster_id":"x"}', 'pending'
     FROM generate_series(0, $1::int - 1) AS g ORDER BY g`,
    [blocked],
  );
  await client.query(
    `INSERT INTO ccx_hook_deliveries (id, hook, cluster_id, payload, status)
     SELECT 'msg_spread_' || g, 'post-add-node', 'c' || (g % $2::int), '{"cluster_id":"x"}', 'pending'
     FROM generate_series(0, $1::int - 1) AS g ORDER BY g`,
    [spread, clusters],
  );
  // The queue heads: the oldest delivery of each cluster.
  await client.query(
    `INSERT INTO ccx_hook_queue_heads (cluster_id, delivery_id, seq, ready_at)
     SELECT DISTINCT ON (cluster_id) cluster_id, id, seq,
            CASE WHEN cluster_id = 'blocked' THEN now() + interval '1 day' ELSE now() + $1::int * interval '1 millisecond' END
     FROM ccx_hook_deliveries ORDER BY cluster_id, seq`,
    [headsDueInMs],
  );
  await client.query('VACUUM ANALYZE ccx_hook_deliveries, ccx_hook_queue_heads');
  await client.end();
}
