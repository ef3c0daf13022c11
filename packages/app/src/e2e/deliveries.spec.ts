import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { callHook } from '@ccx-hook/cli';
import { openStore } from '@ccx-hook/delivery';
import { startRawIntegrator } from '@ccx-hook/hostile-integrator';
import { until } from '@ccx-hook/test-waits';
import { type CliProcess, startMockHooksProcess, startService } from './cli-process.js';

interface Recorded {
  headers: Record<string, string>;
  body: string;
  status: number;
}
describe('end to end: durable post- hooks', function () {
  this.timeout(60_000);
  let dir: string;
  let record: string;
  let processes: CliProcess[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ccx-e2e-deliveries-'));
    record = join(dir, 'hooks.jsonl');
    processes = [];
  });
  afterEach(async () => {
    for (const running of processes) await running.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const recorded = (): Recorded[] => {
    try {
      return readFileSync(record, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Recorded);
    } catch {
      return [];
    }
  };

  async function service(hooksUrl: string, env: Record<string, string> = {}) {
    const started = await startService({
      CCX_HOOK_HOOKS_URL: hooksUrl,
      CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'deliveries.db')}`,
      ...env,
    });
    processes.push(started.service);
    return { process: started.service, address: `127.0.0.1:${started.port}` };
  }

  const postAddNode = (address: string, clusterId: string, n: number) =>
    callHook({
      address,
      hook: 'post-add-node',
      json: JSON.stringify({ clusterId, nodeIds: [`node-${n}`] }),
      timeoutMs: 5000,
    }).then((response) => String(response.deliveryId));

  it('retries with the same webhook-id and a counting attempt, then marks the delivery dead', async () => {
    const receiver = await startMockHooksProcess(['--record', record, '--fail-ratio', '1']);
    processes.push(receiver.mock);
    const { address } = await service(receiver.url, { CCX_HOOK_DELIVERY_SCHEDULE: '100ms,100ms' });
    const id = await postAddNode(address, 'c1', 1);
    const store = await openStore(`sqlite:${join(dir, 'deliveries.db')}`);
    try {
      await until(async () => (await store.get(id))?.status === 'dead', 'the delivery is dead', 10_000);
      expect(await store.get(id)).to.include({ status: 'dead', attempts: 3 });
    } finally {
      await store.close();
    }
    // Dead is recorded after the third attempt's reply: no fourth attempt can follow it.
    const attempts = recorded();
    expect(attempts).to.have.length(3);
    expect(attempts.map((hook) => hook.headers['webhook-id'])).to.deep.equal([id, id, id]);
    expect(attempts.map((hook) => hook.headers['ccx-hook-attempt'])).to.deep.equal(['1', '2', '3']);
    expect(attempts.map((hook) => hook.status)).to.deep.equal([500, 500, 500]);
  });

  it('shuts down within one grace period while a call and a delivery attempt are both in flight', async () => {
    // An integrator that reads every request and never answers.
    const silent = await startRawIntegrator(() => undefined);
    const { process: running, address } = await service(silent.url, {
      CCX_HOOK_SHUTDOWN_GRACE: '2s',
      CCX_HOOK_DELIVERY_TIMEOUT: '30s',
      CCX_HOOK_HOOKS_TIMEOUT: '30s',
      CCX_HOOK_HOOKS_BUDGET: '30s',
    });
    await postAddNode(address, 'c1', 1);
    const preCall = callHook({ address, hook: 'pre-add-node', json: '{"clusterId":"c1","nodeCount":1}', timeoutMs: 30_000 }).catch(
      () => undefined,
    );
    await until(() => silent.requests >= 2, 'the pre- call and the delivery attempt both reach the integrator');
    const started = Date.now();
    expect(await running.stop('SIGTERM')).to.equal(0);
    // The server's and the dispatcher's grace periods run side by side, not one after the other.
    expect(Date.now() - started).to.be.within(1_900, 3_500);
    await preCall;
    await silent.close();
  });

  it('loses no acknowledged delivery when the service is killed with SIGKILL, and keeps per-cluster order', async () => {
    const receiver = await startMockHooksProcess(['--record', record, '--latency', '150ms']);
    processes.push(receiver.mock);
    const env = { CCX_HOOK_DELIVERY_CONCURRENCY: '4', CCX_HOOK_DELIVERY_TIMEOUT: '1s', CCX_HOOK_DELIVERY_SCHEDULE: '200ms' };
    const first = await service(receiver.url, env);
    const clusters = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const acknowledged = new Map<string, string[]>();
    await Promise.all(
      clusters.map(async (cluster) => {
        const ids: string[] = [];
        for (let n = 0; n < 5; n++) ids.push(await postAddNode(first.address, cluster, n));
        acknowledged.set(cluster, ids);
      }),
    );
    const all = [...acknowledged.values()].flat();
    expect(new Set(all).size).to.equal(40);

    await until(() => recorded().length >= 2, 'two hooks recorded', 10_000);
    await first.process.stop('SIGKILL');
    const deliveredBeforeCrash = new Set(recorded().map((hook) => hook.headers['webhook-id'])).size;
    expect(deliveredBeforeCrash, 'some deliveries were still pending at the crash').to.be.below(40);

    await service(receiver.url, env);
    const delivered = () => new Set(recorded().filter((hook) => hook.status === 200).map((hook) => hook.headers['webhook-id']));
    await until(() => all.every((id) => delivered().has(id)), 'every acknowledged delivery delivered', 30_000);

    for (const [cluster, ids] of acknowledged) {
      const firstSeen = [...new Set(recorded().map((hook) => hook.headers['webhook-id']!))].filter((id) => ids.includes(id));
      expect(firstSeen, `order of cluster ${cluster}`).to.deep.equal(ids);
    }
  });
});
