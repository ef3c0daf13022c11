import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { StoreError } from './errors.js';
import { SqliteStore } from './sqlite-store.js';

const delivery = (clusterId: string, n: number, idempotencyKey?: string) => ({
  hook: 'post-add-node',
  clusterId,
  payload: JSON.stringify({ cluster_id: clusterId, n }),
  idempotencyKey,
});

describe('SqliteStore', () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ccx-store-'));
    store = new SqliteStore(join(dir, 'sub', 'deliveries.db'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits concurrent enqueues together and keeps them after reopening', async () => {
    const ids = await Promise.all(Array.from({ length: 50 }, (_, n) => store.enqueue(delivery(`c${n % 5}`, n))));
    expect(new Set(ids).size).to.equal(50);
    await store.close();
    store = new SqliteStore(join(dir, 'sub', 'deliveries.db'));
    const claimed = await store.claim('a', 100, 10_000);
    expect(claimed.map((d) => d.clusterId).sort()).to.deep.equal(['c0', 'c1', 'c2', 'c3', 'c4']);
  });

  it('returns the first id for a repeated idempotency key of the same hook', async () => {
    const [first, again] = await Promise.all([store.enqueue(delivery('c1', 1, 'k1')), store.enqueue(delivery('c1', 2, 'k1'))]);
    expect(again).to.equal(first);
    expect(await store.enqueue(delivery('c1', 3, 'k1'))).to.equal(first);
    expect(await store.enqueue({ ...delivery('c1', 4, 'k1'), hook: 'post-delete-cluster' })).not.to.equal(first);
  });

  it('claims only the oldest pending delivery of each cluster, once per lease', async () => {
    const a1 = await store.enqueue(delivery('a', 1));
    const a2 = await store.enqueue(delivery('a', 2));
    const b1 = await store.enqueue(delivery('b', 1));
    const claimed = await store.claim('owner', 10, 10_000);
    expect(claimed.map((d) => d.id).sort()).to.deep.equal([a1, b1].sort());
    expect(await store.claim('other', 10, 10_000)).to.deep.equal([]);
    await store.recordAttempt(a1, 'owner', { attempt: 1, startedAt: Date.now(), durationMs: 1, statusCode: 200 }, { status: 'delivered' });
    expect((await store.claim('owner', 10, 10_000)).map((d) => d.id)).to.deep.equal([a2]);
  });

  it('keeps a later delivery waiting while an earlier one is retried, and frees it once that is dead', async () => {
    const a1 = await store.enqueue(delivery('a', 1));
    const a2 = await store.enqueue(delivery('a', 2));
    await store.claim('owner', 10, 10_000);
    const attempt = { attempt: 1, startedAt: Date.now(), durationMs: 1, error: 'HTTP 500' };
    await store.recordAttempt(a1, 'owner', attempt, { status: 'pending', nextAttemptAt: Date.now() + 60_000 });
    expect(await store.claim('owner', 10, 10_000)).to.deep.equal([]);
    await store.recordAttempt(a1, 'owner', { ...attempt, attempt: 2 }, { status: 'dead' });
    expect((await store.claim('owner', 10, 10_000)).map((d) => d.id)).to.deep.equal([a2]);
  });

  it('lets another owner take over an expired lease, and a released one at once', async () => {
    const a1 = await store.enqueue(delivery('a', 1));
    await store.claim('crashed', 10, 50);
    expect(await store.claim('survivor', 10, 10_000)).to.deep.equal([]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const [taken] = await store.claim('survivor', 10, 10_000);
    expect(taken?.id).to.equal(a1);
    await store.release('survivor');
    expect((await store.claim('third', 10, 10_000)).map((d) => d.id)).to.deep.equal([a1]);
  });

  it('purges delivered rows older than the retention', async () => {
    const a1 = await store.enqueue(delivery('a', 1));
    await store.enqueue(delivery('b', 1));
    await store.claim('owner', 10, 10_000);
    await store.recordAttempt(a1, 'owner', { attempt: 1, startedAt: Date.now(), durationMs: 1, statusCode: 200 }, { status: 'delivered' });
    expect(await store.purgeDelivered(Date.now() - 60_000)).to.equal(0);
    expect(await store.purgeDelivered(Date.now() + 1)).to.equal(1);
  });

  it('rejects enqueues once closed', async () => {
    await store.close();
    try {
      await store.enqueue(delivery('a', 1));
      expect.fail('enqueue after close must reject');
    } catch (error) {
      expect(error).to.be.instanceOf(StoreError);
    }
  });
});
