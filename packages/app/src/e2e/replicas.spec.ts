import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { callHook } from '@ccx-hook/cli';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '@ccx-hook/test-postgres';
import { until } from '@ccx-hook/test-waits';
import { type CliProcess, startMockHooksProcess, startService } from './cli-process.js';

interface Recorded {
  received_at: string;
  headers: Record<string, string>;
  status: number;
}

const clusters = 50;
const perCluster = 40;
// Longer than the retry delay (100 ms): attempts of one delivery are at least this far apart
// only because each starts after the previous one was answered, not because of the schedule.
const latencyMs = 150;

describe('end to end: two replicas on one PostgreSQL database', function () {
  this.timeout(180_000);
  let database: TestDatabase | undefined;
  let dir: string;
  const processes: CliProcess[] = [];

  before(async function () {
    if (!(await postgresAvailable('end to end: two replicas on one PostgreSQL database'))) this.skip();
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'ccx-e2e-replicas-'));
  });
  after(async () => {
    for (const running of processes) await running.stop('SIGKILL');
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every acknowledged post- hook once a replica is killed, in order per cluster, never by both at once', async () => {
    const record = join(dir, 'hooks.jsonl');
    const receiver = await startMockHooksProcess(['--record', record, '--fail-ratio', '0.2', '--latency', `${latencyMs}ms`]);
    processes.push(receiver.mock);
    const env = {
      CCX_HOOK_HOOKS_URL: receiver.url,
      CCX_HOOK_STORE_URL: database!.url,
      CCX_HOOK_DELIVERY_TIMEOUT: '1s',
      // Ten attempts: with 20 % failures, a delivery going dead would take ten failures in a row.
      CCX_HOOK_DELIVERY_SCHEDULE: '100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms',
    };
    const replicas = [await startService(env), await startService(env)];
    processes.push(...replicas.map((replica) => replica.service));
    const alive = [true, true];

    // Each cluster's calls go one after another, each to a replica at random; a call that fails
    // (its replica was killed) is sent again to a live one with the same idempotency-key.
    let acknowledgedCount = 0;
    const acknowledged = new Map<string, string[]>();
    const send = async (cluster: string, n: number): Promise<string> => {
      for (;;) {
        const live = [0, 1].filter((index) => alive[index]);
        const index = live[Math.floor(Math.random() * live.length)]!;
        try {
          const response = await callHook({
            address: `127.0.0.1:${replicas[index]!.port}`,
            hook: 'post-add-node',
            json: JSON.stringify({ clusterId: cluster, nodeIds: [`node-${n}`] }),
            timeoutMs: 5_000,
            idempotencyKey: `${cluster}/${n}`,
          });
          return String(response.deliveryId);
        } catch (error) {
          if (alive[index]) throw error;
        }
      }
    };
    const sending = Promise.all(
      Array.from({ length: clusters }, async (_, c) => {
        const cluster = `cluster-${c}`;
        const ids: string[] = [];
        acknowledged.set(cluster, ids);
        for (let n = 0; n < perCluster; n++) {
          ids.push(await send(cluster, n));
          acknowledgedCount++;
        }
      }),
    );
    await until(() => acknowledgedCount >= (clusters * perCluster) / 2, 'half of the deliveries acknowledged', 60_000);
    alive[0] = false;
    await replicas[0]!.service.stop('SIGKILL');
    await sending;

    const all = [...acknowledged.values()].flat();
    expect(new Set(all).size).to.equal(clusters * perCluster);
    const recorded = (): Recorded[] =>
      readFileSync(record, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Recorded);
    await until(() => {
      const delivered = new Set(recorded().filter((hook) => hook.status === 200).map((hook) => hook.headers['webhook-id']));
      return all.every((id) => delivered.has(id));
    }, 'every acknowledged delivery arrives', 120_000, 200);

    const byArrival = recorded().sort((a, b) => Date.parse(a.received_at) - Date.parse(b.received_at));
    for (const [cluster, ids] of acknowledged) {
      const members = new Set(ids);
      const firstSeen = [...new Set(byArrival.map((hook) => hook.headers['webhook-id']!).filter((id) => members.has(id)))];
      expect(firstSeen, `order of ${cluster}`).to.deep.equal(ids);
    }
    // Attempts at one delivery never overlap: each starts after the previous one was answered.
    const attempts = new Map<string, number[]>();
    for (const hook of byArrival) {
      const id = hook.headers['webhook-id']!;
      attempts.set(id, [...(attempts.get(id) ?? []), Date.parse(hook.received_at)]);
    }
    for (const [id, times] of attempts) {
      for (let i = 1; i < times.length; i++) {
        expect(times[i]! - times[i - 1]!, `attempts ${i} and ${i + 1} of ${id}`).to.be.at.least(latencyMs - 1);
      }
    }
    expect(replicas[1]!.service.lines.filter((line) => line.includes('"level":"error"'))).to.deep.equal([]);
  });
});
