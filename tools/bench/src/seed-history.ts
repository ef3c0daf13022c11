import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '@ccx-hook/delivery';

/** Deliveries of the seeded history: 90 % delivered, 8 % pending, 2 % dead, over a week. */
export const historyShape = { pendingClusters: 1_000, blockedClusters: 50, weekMs: 7 * 86_400_000 };
const hooks = ['post-create-cluster', 'post-add-node', 'post-remove-node', 'post-delete-cluster'];
const payload = JSON.stringify({ cluster_id: 'x', cloud: 'aws', node_count: 3, instance_type: 'm5.large', node_ids: ['n1', 'n2'], work_id: 'w1', status: 'ok' });

/**
 * Writes `total` deliveries straight into the store's tables (the schema the store created) as
 * a week of traffic looks: every 50th dead, 4 of 50 pending behind 1,000 cluster heads (50 of
 * them failing: blocked clusters), the rest delivered. Created times are spread over the week,
 * oldest first, as enqueues would leave them.
 */
export async function seedHistory(url: string, total: number): Promise<void> {
  await (await openStore(url)).close();
  const now = Date.now();
  const rows = function* () {
    let pending = 0;
    for (let n = 0; n < total; n++) {
      const createdAt = now - Math.round(((total - n) / total) * historyShape.weekMs);
      const kind = n % 50;
      // Every hook in every state: the hook cycles independently of the state's pattern of 50.
      const hook = hooks[Math.floor(n / 50) % hooks.length]!;
      if (kind === 0) yield { id: `msg_h${n}`, hook, cluster: `d${n % 500}`, status: 'dead', attempts: 10, readyAt: null, error: 'integrator answered HTTP 500', createdAt, updatedAt: createdAt + 86_400_000 };
      else if (kind <= 4) {
        const index = pending++;
        const head = index < historyShape.pendingClusters;
        const blocked = index < historyShape.blockedClusters;
        yield { id: `msg_h${n}`, hook, cluster: `p${index % historyShape.pendingClusters}`, status: 'pending', attempts: blocked ? 3 : 0, readyAt: head ? now + 3_600_000 : null, error: blocked ? 'integrator answered HTTP 503' : null, createdAt, updatedAt: createdAt };
      } else yield { id: `msg_h${n}`, hook, cluster: `c${n % 20_000}`, status: 'delivered', attempts: 1, readyAt: null, error: null, createdAt, updatedAt: createdAt + 50 };
    }
  };
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length));
    const insert = db.prepare(
      `INSERT INTO deliveries (id, hook, cluster_id, payload, status, attempts, next_attempt_at, ready_at, last_error, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    db.transaction(() => {
      for (const row of rows()) insert.run(row.id, row.hook, row.cluster, payload, row.status, row.attempts, row.readyAt ?? row.updatedAt, row.readyAt, row.error, row.createdAt, row.updatedAt);
    })();
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const batch: unknown[][] = [[], [], [], [], [], [], [], [], []];
  const flush = async () => {
    await client.query(
      `INSERT INTO ccx_hook_deliveries (id, hook, cluster_id, payload, status, attempts, last_error, created_at, updated_at, next_attempt_at)
       SELECT id, hook, cluster, $9, status, attempts, error, to_timestamp(created / 1000.0), to_timestamp(updated / 1000.0), to_timestamp(coalesce(ready, updated) / 1000.0)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[], $7::text[], $8::bigint[], $10::bigint[])
         AS t(id, hook, cluster, status, attempts, ready, error, created, updated)`,
      [...batch.slice(0, 8), payload, batch[8]],
    );
    for (const column of batch) column.length = 0;
  };
  for (const row of rows()) {
    [row.id, row.hook, row.cluster, row.status, row.attempts, row.readyAt, row.error, row.createdAt, row.updatedAt].forEach((value, column) => batch[column]!.push(value));
    if (batch[0]!.length === 10_000) await flush();
  }
  if (batch[0]!.length > 0) await flush();
  // The queue heads: the oldest pending delivery of each cluster, due at its next attempt.
  await client.query(
    `INSERT INTO ccx_hook_queue_heads (cluster_id, delivery_id, seq, ready_at)
     SELECT DISTINCT ON (cluster_id) cluster_id, id, seq, next_attempt_at FROM ccx_hook_deliveries
     WHERE status = 'pending' ORDER BY cluster_id, seq`,
  );
  await client.query('VACUUM ANALYZE ccx_hook_deliveries, ccx_hook_queue_heads');
  await client.end();
}
