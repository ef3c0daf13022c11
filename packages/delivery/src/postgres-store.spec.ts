import { expect } from 'chai';
import pg from 'pg';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '@ccx-hook/test-postgres';
import { until } from '@ccx-hook/test-waits';
import { postgresMigrations } from './postgres-migrations.js';
import { PostgresStore } from './postgres-store.js';
import { schema3Queries } from './testing/schema-3-queries.js';

describe('PostgresStore (PostgreSQL only)', () => {
  let database: TestDatabase;
  before(async function () {
    if (!(await postgresAvailable('PostgresStore (PostgreSQL only)'))) this.skip();
  });
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => database?.drop());

  /** A store on the test database and a client of its own (another replica's connection), both closed after `work`. */
  async function withStoreAndClient(work: (store: PostgresStore, other: pg.Client) => Promise<void>): Promise<void> {
    const store = await PostgresStore.open(database.url);
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      await work(store, other);
    } finally {
      await other.end();
      await store.close();
    }
  }
  /** Another replica's enqueue of a delivery 'late' to cluster c, as the function runs it. */
  const lateEnqueue = `SELECT id, due FROM ccx_hook_enqueue(ARRAY['cluster:c'], ARRAY['late'], ARRAY['post-add-node'], ARRAY['c'], ARRAY['{}'], ARRAY[NULL])`;

  it('migrates a database of schema version 2 (heads on the delivery rows) and keeps its queues and leases', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('CREATE TABLE ccx_hook_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      for (const [step, sql] of postgresMigrations.slice(0, 2).entries()) {
        await client.query(sql);
        await client.query('INSERT INTO ccx_hook_migrations (version) VALUES ($1)', [step + 1]);
      }
      // Cluster a: one delivered, a head whose lease has expired, one behind it. Cluster b: a
      // head under a live lease. Cluster c: a head due in an hour, one behind it.
      await client.query(
        `INSERT INTO ccx_hook_deliveries (id, hook, cluster_id, payload, status, attempts, ready_at, lease_token) VALUES
           ('msg_a1', 'post-add-node', 'a', '{}', 'delivered', 1, NULL, NULL),
           ('msg_a2', 'post-add-node', 'a', '{}', 'pending', 2, now() - interval '1 second', 'expired'),
           ('msg_a3', 'post-add-node', 'a', '{}', 'pending', 0, NULL, NULL),
           ('msg_b1', 'post-add-node', 'b', '{}', 'pending', 1, now() + interval '1 hour', 'live'),
           ('msg_c1', 'post-add-node', 'c', '{}', 'pending', 3, now() + interval '1 hour', NULL),
           ('msg_c2', 'post-add-node', 'c', '{}', 'pending', 0, NULL, NULL)`,
      );
    } finally {
      await client.end();
    }
    const store = await PostgresStore.open(database.url);
    try {
      const [a2] = await store.claim(10, 10_000);
      expect(a2).to.include({ id: 'msg_a2', attempts: 2 });
      expect(await store.claim(10, 10_000)).to.deep.equal([]);
      // The live lease still holds: its holder can record, and the late writer of a's expired one cannot.
      expect(await store.recordAttempt({ deliveryId: 'msg_b1', clusterId: 'b', token: 'live' }, { attempt: 2, durationMs: 1, statusCode: 200 }, { status: 'delivered' })).to.equal(true);
      expect(await store.recordAttempt({ deliveryId: 'msg_a2', clusterId: 'a', token: 'expired' }, { attempt: 3, durationMs: 1, statusCode: 200 }, { status: 'delivered' })).to.equal(false);
      expect(await store.recordAttempt(a2!.lease, { attempt: 3, durationMs: 1, statusCode: 200 }, { status: 'delivered' })).to.equal(true);
      expect((await store.claim(10, 10_000)).map((d) => d.id)).to.deep.equal(['msg_a3']);
      expect((await store.blocked(10)).map((cluster) => [cluster.clusterId, cluster.head.id, cluster.waiting])).to.deep.equal([['c', 'msg_c1', 1]]);
    } finally {
      await store.close();
    }
  });

  it('keeps enqueuing, claiming and recording while a newer release adds a column (its statements are prepared once per connection)', async () => {
    const store = await PostgresStore.open(database.url);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const cycle = async (cluster: string) => {
        await store.enqueue({ hook: 'post-add-node', clusterId: cluster, payload: '{}' });
        const [claimed] = await store.claim(10, 10_000);
        expect(claimed, `a claim of cluster ${cluster}`).to.include({ clusterId: cluster });
        expect(await store.recordAttempt(claimed!.lease, { attempt: 1, durationMs: 1, statusCode: 200 }, { status: 'delivered' })).to.equal(true);
      };
      for (const cluster of ['a', 'b', 'c']) await cycle(cluster);
      await client.query('ALTER TABLE ccx_hook_deliveries ADD COLUMN added_later text');
      await client.query('ALTER TABLE ccx_hook_queue_heads ADD COLUMN added_later text');
      for (const cluster of ['d', 'e', 'f']) await cycle(cluster);
    } finally {
      await client.end();
      await store.close();
    }
  });

  it('refuses to open a database whose schema is newer than this release knows', async () => {
    await (await PostgresStore.open(database.url)).close();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query('INSERT INTO ccx_hook_migrations (version) VALUES ($1)', [postgresMigrations.length + 1]);
    await client.end();
    const refused = await PostgresStore.open(database.url).then(() => undefined, (error: Error) => error);
    expect(refused?.message).to.match(new RegExp(`schema version ${postgresMigrations.length + 1}.*newer than this release \\(${postgresMigrations.length}\\)`));
  });

  it('keeps every query of the previous release working on the new schema (expand, then contract)', async () => {
    const store = await PostgresStore.open(database.url);
    try {
      // Rows of every kind the queries read: a delivered one, a head under a lease, one behind it, a dead one.
      const { id: a1 } = await store.enqueue({ hook: 'post-add-node', clusterId: 'a', payload: '{}', idempotencyKey: 'k' });
      await store.enqueue({ hook: 'post-add-node', clusterId: 'a', payload: '{}' });
      await store.enqueue({ hook: 'post-add-node', clusterId: 'b', payload: '{}' });
      const claimed = await store.claim(10, 60_000);
      await store.recordAttempt(claimed.find((d) => d.id === a1)!.lease, { attempt: 1, durationMs: 1, statusCode: 200 }, { status: 'delivered' });
      await store.recordAttempt(claimed.find((d) => d.clusterId === 'b')!.lease, { attempt: 1, durationMs: 1, error: 'x' }, { status: 'dead' });
    } finally {
      await store.close();
    }
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const failures: string[] = [];
    try {
      for (const { text, values } of schema3Queries) {
        await client.query('BEGIN');
        await client.query(text, values).catch((error: Error & { code?: string }) => {
          // The captured parameters name rows of another database: a key that is not there, or
          // already is, says nothing about the schema. Anything else (a column or table gone, a
          // type changed, a new NOT NULL without a default) breaks the previous release.
          if (error.code !== '23503' && error.code !== '23505') failures.push(`${error.message}: ${text.replace(/\s+/g, ' ').slice(0, 100)}`);
        });
        await client.query('ROLLBACK');
      }
    } finally {
      await client.end();
    }
    expect(schema3Queries.length).to.be.above(30);
    expect(failures).to.deep.equal([]);
  });

  it('makes a delivery enqueued while the last one of its cluster is recorded the new head (the record waits for the enqueue)', async () => {
    await withStoreAndClient(async (store, other) => {
      await store.enqueue({ hook: 'post-add-node', clusterId: 'c', payload: '{}' });
      const [head] = await store.claim(10, 60_000);
      // Another replica's enqueue of the same cluster, not committed yet: it saw the head, so it made none.
      await other.query('BEGIN');
      const { rows } = await other.query<{ id: string; due: boolean }>(lateEnqueue);
      expect(rows).to.deep.equal([{ id: 'late', due: false }]);
      const recorded = store.recordAttempt(head!.lease, { attempt: 1, durationMs: 1, statusCode: 200 }, { status: 'delivered' });
      await until(async () => (await other.query("SELECT 1 FROM pg_locks WHERE NOT granted AND locktype = 'advisory'")).rows.length > 0, 'the record waits');
      await other.query('COMMIT');
      expect(await recorded).to.equal(true);
      expect((await store.claim(10, 60_000)).map((d) => d.id), 'the late delivery heads its cluster').to.deep.equal(['late']);
    });
  });

  it('records the end of a head with a backlog behind it without waiting for an enqueue of its cluster', async () => {
    await withStoreAndClient(async (store, other) => {
      await store.enqueue({ hook: 'post-add-node', clusterId: 'c', payload: '{}' });
      const { id: second } = await store.enqueue({ hook: 'post-add-node', clusterId: 'c', payload: '{}' });
      const [head] = await store.claim(10, 60_000);
      await other.query('BEGIN');
      await other.query(lateEnqueue);
      expect(await store.recordAttempt(head!.lease, { attempt: 1, durationMs: 1, statusCode: 200 }, { status: 'delivered' })).to.equal(true);
      await other.query('COMMIT');
      expect((await store.claim(10, 60_000)).map((d) => d.id), 'the next one heads its cluster').to.deep.equal([second]);
    });
  });

  it('vacuums its queue heads while it claims and records, so that claims do not read through their dead versions; not while idle', async () => {
    await withStoreAndClient(async (store, client) => {
      const heads = async () => {
        const { rows } = await client.query<{ vacuums: string; dead: string }>(
          "SELECT vacuum_count AS vacuums, n_dead_tup AS dead FROM pg_stat_user_tables WHERE relname = 'ccx_hook_queue_heads'",
        );
        return { vacuums: Number(rows[0]!.vacuums), dead: Number(rows[0]!.dead) };
      };
      for (let n = 0; n < 100; n++) await store.enqueue({ hook: 'post-add-node', clusterId: `c${n % 20}`, payload: '{}' });
      // The behaviour: longer than the vacuum's interval (1 s), with nothing claimed or recorded.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await heads()).vacuums, 'nothing claimed or recorded yet').to.equal(0);
      // Each claim and each record writes a head anew: 200 dead versions by the end.
      for (let claimed = await store.claim(20, 60_000); claimed.length > 0; claimed = await store.claim(20, 60_000)) {
        await Promise.all(claimed.map((d) => store.recordAttempt(d.lease, { attempt: 1, durationMs: 1, statusCode: 200 }, { status: 'delivered' })));
      }
      expect(await store.count({ status: 'delivered' })).to.equal(100);
      await until(async () => (await heads()).vacuums > 0 && (await heads()).dead === 0, 'the heads vacuumed, no dead version left');
    });
  });

  it('says an endpoint was marked gone by one replica only when two mark it at once', async () => {
    await withStoreAndClient(async (store, other) => {
      // Another replica marks it gone and has not committed yet: this one's mark waits for it.
      await other.query('BEGIN');
      await other.query(`INSERT INTO ccx_hook_endpoints (hook, gone_at, gone_url) VALUES ('post-add-node', now(), 'http://integrator/')`);
      const marked = store.markGone('post-add-node', 'http://integrator/');
      await until(async () => (await other.query("SELECT 1 FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'")).rows.length > 0, 'the mark waits');
      await other.query('COMMIT');
      expect(await marked, 'already gone: the other replica says so').to.equal(false);
    });
  });
});
