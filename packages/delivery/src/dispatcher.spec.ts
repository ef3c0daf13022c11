import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { HookClient, silentLogger } from '@ccx-hook/hook-client';
import { type MockAnswer, type MockHooks, type IncomingHook, startMockHooks } from '@ccx-hook/mock-hooks';
import { Dispatcher } from './dispatcher.js';
import { SqliteStore } from './sqlite-store.js';

const until = async (condition: () => boolean, timeoutMs = 5000) => {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('Dispatcher', () => {
  let dir: string;
  let store: SqliteStore;
  let receiver: MockHooks;
  let dispatcher: Dispatcher;

  async function start(respond: (hook: IncomingHook) => MockAnswer | undefined, schedule = [50, 50]) {
    receiver = await startMockHooks({ port: 0, respond });
    dispatcher = new Dispatcher({
      store,
      client: new HookClient(),
      logger: silentLogger,
      target: () => ({ url: `${receiver.url}/post-add-node`, timeoutMs: 1000 }),
      schedule,
      concurrency: 8,
      leaseMs: 5000,
      pollIntervalMs: 20,
    });
    dispatcher.start();
  }

  const enqueue = (clusterId: string, n: number) =>
    store.enqueue({ hook: 'post-add-node', clusterId, payload: JSON.stringify({ cluster_id: clusterId, n }) });
  const bodies = () => receiver.received.map((hook) => JSON.parse(hook.body) as { cluster_id: string; n: number });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ccx-dispatch-'));
    store = new SqliteStore(join(dir, 'deliveries.db'));
  });
  afterEach(async () => {
    await dispatcher.stop(1000);
    await receiver.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers with the delivery id as webhook-id', async () => {
    await start(() => undefined);
    const id = await enqueue('c1', 1);
    dispatcher.wake();
    await until(() => receiver.received.length === 1);
    expect(receiver.received[0]!.headers['webhook-id']).to.equal(id);
    expect(receiver.received[0]!.headers['ccx-hook-attempt']).to.equal('1');
    expect(receiver.received[0]!.body).to.equal('{"cluster_id":"c1","n":1}');
    await dispatcher.stop(1000);
    expect(await store.get(id)).to.include({ status: 'delivered', attempts: 1 });
  });

  it('retries with the same webhook-id and marks the delivery dead after the last attempt', async () => {
    await start(() => ({ status: 500 }));
    const id = await enqueue('c1', 1);
    await until(() => receiver.received.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.received).to.have.length(3);
    expect(receiver.received.map((hook) => hook.headers['webhook-id'])).to.deep.equal([id, id, id]);
    expect(receiver.received.map((hook) => hook.headers['ccx-hook-attempt'])).to.deep.equal(['1', '2', '3']);
    expect(await store.get(id)).to.include({ status: 'dead', attempts: 3 });
  });

  it('keeps per-cluster order while an earlier delivery is retried; other clusters do not wait', async () => {
    let failuresLeft = 2;
    await start((hook) => {
      const { cluster_id: cluster, n } = JSON.parse(hook.body) as { cluster_id: string; n: number };
      if (cluster === 'a' && n === 1 && failuresLeft-- > 0) return { status: 503 };
      return undefined;
    }, [300, 300, 300]);
    await enqueue('a', 1);
    await enqueue('a', 2);
    await enqueue('a', 3);
    await enqueue('b', 1);
    await until(() => bodies().filter((body) => body.cluster_id === 'a').length === 5);
    const a = bodies().filter((body) => body.cluster_id === 'a').map((body) => body.n);
    expect(a).to.deep.equal([1, 1, 1, 2, 3]);
    const bAt = receiver.received.find((hook) => hook.body.includes('"b"'))!.receivedAt;
    const aDoneAt = receiver.received.filter((hook) => hook.body.includes('"n":1') && hook.body.includes('"a"')).pop()!.receivedAt;
    expect(bAt).to.be.below(aDoneAt - 300);
  });

  it('waits as long as Retry-After asks when that is later than the schedule', async () => {
    await start((hook) => (hook.headers['ccx-hook-attempt'] === '1' ? { status: 429, headers: { 'retry-after': '1' } } : undefined));
    await enqueue('c1', 1);
    await until(() => receiver.received.length === 2);
    const [first, second] = receiver.received;
    expect(second!.receivedAt - first!.receivedAt).to.be.at.least(950);
  });
});
