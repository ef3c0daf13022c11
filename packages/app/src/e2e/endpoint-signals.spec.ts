import { expect } from 'chai';
import { callHook } from '@ccx-hook/cli';
import { type IncomingHook, type MockAnswer, type MockHooks, startMockHooks } from '@ccx-hook/mock-hooks';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '@ccx-hook/test-postgres';
import { sleep, until } from '@ccx-hook/test-waits';
import { type CliProcess, runCli, startService } from './cli-process.js';

/** How soon every replica knows what one of them heard (EndpointSignals reads the store every 250 ms), with room for a busy machine. */
const propagationMs = 500;

describe('end to end: an endpoint\'s signals honoured by two replicas on one PostgreSQL database', function () {
  this.timeout(240_000);
  let database: TestDatabase | undefined;
  let receiver: MockHooks | undefined;
  let replicas: Array<{ service: CliProcess; port: number; httpPort: number }> = [];

  before(async function () {
    if (!(await postgresAvailable('end to end: endpoint signals'))) this.skip();
  });
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    for (const replica of replicas) await replica.service.stop('SIGTERM');
    replicas = [];
    await receiver?.close();
    await database?.drop();
  });

  async function startReplicas(respond: (hook: IncomingHook) => MockAnswer | undefined, env: Record<string, string> = {}) {
    receiver = await startMockHooks({ port: 0, respond });
    const config = { CCX_HOOK_HOOKS_URL: receiver.url, CCX_HOOK_STORE_URL: database!.url, CCX_HOOK_DELIVERY_SCHEDULE: '100ms,100ms,100ms', ...env };
    replicas = [await startService(config), await startService(config)];
  }

  /** Sends `perCluster` post-add-node calls for each of `clusters` clusters, each cluster's in order, to alternating replicas. */
  async function enqueue(clusters: number, perCluster: number): Promise<Map<string, string[]>> {
    const acknowledged = new Map<string, string[]>();
    await Promise.all(Array.from({ length: clusters }, async (_, c) => {
      const ids: string[] = [];
      acknowledged.set(`cluster-${c}`, ids);
      for (let n = 0; n < perCluster; n++) {
        const response = await callHook({
          address: `127.0.0.1:${replicas[(c + n) % 2]!.port}`,
          hook: 'post-add-node',
          json: JSON.stringify({ clusterId: `cluster-${c}`, nodeIds: [`node-${n}`] }),
          timeoutMs: 10_000,
        });
        ids.push(String(response.deliveryId));
      }
    }));
    return acknowledged;
  }

  const addNode = () => receiver!.received.filter((hook) => hook.hook === 'post-add-node');
  const cli = (args: string[]) => runCli(args, { CCX_HOOK_STORE_URL: database!.url, CCX_HOOK_HOOKS_URL: receiver!.url });

  it('sends nothing more to an endpoint that answered 410, kills none of its deliveries, and delivers them all in order once resumed', async () => {
    let gone = true;
    await startReplicas((hook) => (gone && (hook.hook === 'post-add-node' || hook.hook === 'pre-add-node') ? { status: 410 } : undefined), {
      CCX_HOOK_DELIVERY_CONCURRENCY: '2',
    });
    const acknowledged = await enqueue(10, 5);
    await until(() => addNode().length > 0, 'the first 410');
    const firstGone = addNode()[0]!.receivedAt;
    await sleep(3_000); // both replicas claim again and again meanwhile: the behaviour
    const sent = addNode();
    expect(sent.every((hook) => hook.status === 410)).to.equal(true);
    expect(sent.filter((hook) => hook.receivedAt > firstGone + propagationMs), 'none once every replica knows').to.deep.equal([]);
    expect(sent.length, 'at most the attempts in flight or claimed when it answered').to.be.at.most(2 * 2 * 2);

    const listed = await cli(['endpoints', 'list', '--json']);
    const rows = (JSON.parse(listed.stdout) as { endpoints: Array<{ hook: string; state: string; pending?: number }> }).endpoints;
    expect(rows.find((row) => row.hook === 'post-add-node')).to.include({ state: 'gone', pending: 50 });
    expect(rows.find((row) => row.hook === 'post-remove-node')).to.include({ state: 'ok', pending: 0 });
    const dead = await cli(['deliveries', 'list', '--status', 'dead', '--json']);
    expect(JSON.parse(dead.stdout).deliveries, 'none is dead').to.deep.equal([]);
    const metrics = await (await fetch(`http://127.0.0.1:${replicas[1]!.httpPort}/metrics`)).text();
    expect(metrics).to.match(/^ccx_hook_endpoint_gone\{hook="post-add-node"\} 1$/m);
    expect(replicas.flatMap((replica) => replica.service.lines.filter((line) => line.includes('endpoint gone'))), 'one error line').to.have.length(1);

    // A pre- hook whose endpoint answers 410: the failure policy decides, and no replica asks it again.
    const preAddNode = (replica: number) => callHook({
      address: `127.0.0.1:${replicas[replica]!.port}`,
      hook: 'pre-add-node',
      json: JSON.stringify({ clusterId: 'cluster-0', nodeCount: 1 }),
      timeoutMs: 5_000,
    });
    expect(await preAddNode(0)).to.include({ decidedBy: 'DECIDED_BY_FAILURE_POLICY' });
    await sleep(propagationMs); // the other replica reads the store: the behaviour
    expect(await preAddNode(1)).to.include({ decidedBy: 'DECIDED_BY_FAILURE_POLICY' });
    expect(receiver!.received.filter((hook) => hook.hook === 'pre-add-node'), 'asked once').to.have.length(1);

    gone = false;
    const resumed = await cli(['endpoints', 'resume', 'post-add-node']);
    expect(resumed.code, resumed.stderr).to.equal(0);
    const all = [...acknowledged.values()].flat();
    await until(() => {
      const delivered = new Set(addNode().filter((hook) => hook.status === 200).map((hook) => hook.headers['webhook-id']));
      return all.every((id) => delivered.has(id));
    }, 'every delivery arrives after the resume', 30_000, 100);
    for (const [cluster, ids] of acknowledged) {
      const order = addNode().filter((hook) => hook.status === 200 && ids.includes(hook.headers['webhook-id']!)).map((hook) => hook.headers['webhook-id']);
      expect(order, `order of ${cluster}`).to.deep.equal(ids);
    }
    const again = await cli(['endpoints', 'resume', 'post-add-node']);
    expect([again.code, again.stderr.trim()]).to.deep.equal([1, 'ccx-hook-service: nothing to resume: the endpoint of post-add-node is neither gone nor paused']);
  });

  it('sends nothing to an endpoint for the Retry-After of its 429, from either replica', async () => {
    let pausedAt = 0;
    await startReplicas((hook) => {
      if (hook.hook !== 'post-add-node' || pausedAt > 0) return undefined;
      pausedAt = Date.now();
      return { status: 429, headers: { 'retry-after': '5' } };
    }, { CCX_HOOK_DELIVERY_CONCURRENCY: '2', CCX_HOOK_DELIVERY_SCHEDULE: '100ms,10s' });
    await enqueue(20, 2);
    await until(() => addNode().filter((hook) => hook.status === 200).length === 40, 'every delivery arrives', 30_000, 100);
    const after = addNode().filter((hook) => hook.receivedAt > pausedAt + propagationMs);
    expect(Math.min(...after.map((hook) => hook.receivedAt)) - pausedAt, 'the first attempt after the pause').to.be.at.least(4_900);
    expect(addNode().filter((hook) => hook.receivedAt > pausedAt && hook.receivedAt <= pausedAt + propagationMs).length, 'at most those in flight or claimed').to.be.at.most(2 * 2 * 2);
  });

  it('keeps to delivery.rate_limit with two replicas draining 5,000 deliveries: no 10-second window above 55 per second', async () => {
    await startReplicas(() => undefined, { CCX_HOOK_DELIVERY_RATE_LIMIT: '50' });
    await enqueue(100, 50);
    await until(() => addNode().length >= 5_000, '5,000 deliveries arrive', 200_000, 500);
    // When each attempt was sent (webhook-timestamp, whole seconds, the replica's clock): the
    // pace the replicas kept, not when this busy test process got round to reading a request.
    const perSecond = new Map<number, number>();
    for (const hook of addNode()) {
      const second = Number(hook.headers['webhook-timestamp']);
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    }
    const seconds = [...perSecond.keys()];
    let most = 0;
    for (let first = Math.min(...seconds); first + 10 <= Math.max(...seconds) + 1; first++) {
      let count = 0;
      for (let second = first; second < first + 10; second++) count += perSecond.get(second) ?? 0;
      most = Math.max(most, count);
    }
    expect(most / 10, 'the busiest 10 s, per second').to.be.at.most(55);
    expect(most / 10, 'and the limit is used').to.be.at.least(45);
  });
});
