import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Metadata } from '@grpc/grpc-js';
import pg from 'pg';
import { type HookServiceClient, PostAddNodeRequest, PreAddNodeRequest } from '@ccx-hook/proto';
import { createTestDatabase, postgresAvailable, TcpProxy, testPostgresUrl } from '@ccx-hook/test-postgres';
import { fixed, percentile, table } from './measure.js';
import { type ServiceProcess, startServiceProcess } from './service-process.js';

// Issue 23's acceptance 2, measured from outside: two replicas of `serve` on one PostgreSQL
// database behind a TCP proxy, 50 post- calls/s over 20 clusters and 5 pre- calls/s. First four
// rounds of terminated backends and one restart of PostgreSQL, then a black hole of 30 s. It
// restarts the machine's PostgreSQL server: run it on a machine of your own. Not a test.
if (!(await postgresAvailable('store outage run'))) process.exit(1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (text: string) => process.stderr.write(`${new Date().toISOString().slice(11, 23)} ${text}\n`);
const clusters = 20;
const storeTimeoutMs = 5_000;

// The integrator: records the order in which delivery ids first arrive.
const arrived: string[] = [];
const seen = new Set<string>();
const integrator = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    const id = String(request.headers['webhook-id']);
    if (request.url?.includes('/post-') && !seen.has(id)) {
      seen.add(id);
      arrived.push(id);
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"approved":true,"work_id":"w"}');
  });
});
await new Promise<void>((resolve) => integrator.listen(0, '127.0.0.1', resolve));
const integratorUrl = `http://127.0.0.1:${(integrator.address() as AddressInfo).port}`;

const database = await createTestDatabase();
const server = new URL(testPostgresUrl);
const proxy = await TcpProxy.start({ host: server.hostname, port: Number(server.port || 5432) });
const env = {
  CCX_HOOK_HOOKS_URL: integratorUrl,
  CCX_HOOK_STORE_URL: proxy.urlThrough(database.url),
  CCX_HOOK_DELIVERY_SCHEDULE: '200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms',
};
const replicas: ServiceProcess[] = [await startServiceProcess(env), await startServiceProcess(env)];

function unary(client: HookServiceClient, method: 'postAddNode' | 'preAddNode', request: object, key: string | undefined, timeoutMs: number) {
  const metadata = new Metadata();
  if (key) metadata.set('idempotency-key', key);
  return new Promise<{ deliveryId?: string }>((resolve, reject) => {
    const invoke = (client as unknown as Record<string, Function>)[method]!.bind(client);
    invoke(request, metadata, { deadline: Date.now() + timeoutMs }, (error: Error | null, reply: { deliveryId?: string }) => (error ? reject(error) : resolve(reply)));
  });
}

// Post- calls: each cluster sends its next call every 400 ms (20 clusters: 50/s), each to a
// replica in turn; a refused call is sent again with the same idempotency key, as CCX would.
const acknowledged = new Map<string, string[]>();
const refusals: { code: string; ms: number; at: number }[] = [];
const acknowledgedAt: number[] = [];
let sending = true;
let turn = 0;
const posts = Promise.all(Array.from({ length: clusters }, async (_, c) => {
  const ids: string[] = [];
  acknowledged.set(`c${c}`, ids);
  await sleep(c * 20);
  for (let n = 0; sending; n++) {
    for (;;) {
      const next = Date.now() + 400;
      const started = Date.now();
      try {
        const reply = await unary(replicas[turn++ % 2]!.client, 'postAddNode', PostAddNodeRequest.fromPartial({ clusterId: `c${c}`, nodeIds: [`n${n}`] }), `c${c}/${n}`, 10_000);
        ids.push(reply.deliveryId!);
        acknowledgedAt.push(Date.now());
        await sleep(Math.max(0, next - Date.now()));
        break;
      } catch (error) {
        refusals.push({ code: String((error as { code?: number }).code), ms: Date.now() - started, at: started });
        await sleep(Math.max(0, next - Date.now()));
        if (!sending) break;
      }
    }
  }
}));

// Pre- calls: 5 a second, 2 s deadline; each must be answered (by the integrator) before it.
const preLatencies: number[] = [];
let preFailures = 0;
const pres = (async () => {
  for (let n = 0; sending; n++) {
    const started = Date.now();
    void unary(replicas[n % 2]!.client, 'preAddNode', PreAddNodeRequest.fromPartial({ clusterId: 'pre', nodeCount: 1 }), undefined, 2_000).then(
      () => preLatencies.push(Date.now() - started),
      () => preFailures++,
    );
    await sleep(200);
  }
})();

const admin = async (sql: string, values?: unknown[]) => {
  const client = new pg.Client({ connectionString: testPostgresUrl });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows;
  } finally {
    await client.end();
  }
};
const readyz = async (replica: ServiceProcess) => (await fetch(`http://127.0.0.1:${replica.httpPort}/readyz`).catch(() => undefined))?.status;
const rssMb = (replica: ServiceProcess) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${replica.pid}/status`, 'utf8'))![1]) / 1024;

const rows: string[][] = [];
try {
  await sleep(5_000);
  const name = new URL(database.url).pathname.slice(1);
  for (let round = 1; round <= 4; round++) {
    const ended = await admin('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    log(`round ${round}: ${ended.length} backends terminated`);
    await sleep(3_000);
  }
  const cluster = readdirSync('/etc/postgresql')[0]!;
  log('restarting PostgreSQL');
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster, 'main', 'restart']);
  log('PostgreSQL is back');
  await sleep(5_000);
  const phase1 = refusals.length;

  const rssBefore = replicas.map(rssMb);
  log('black hole for 30 s');
  proxy.blackhole();
  const holed = Date.now();
  const notReadyAfter: (number | undefined)[] = [undefined, undefined];
  let rssMax = [...rssBefore];
  while (Date.now() - holed < 30_000) {
    for (const [index, replica] of replicas.entries()) {
      if (notReadyAfter[index] === undefined && (await readyz(replica)) === 503) notReadyAfter[index] = Date.now() - holed;
      rssMax = rssMax.map((value, i) => Math.max(value, rssMb(replicas[i]!)));
    }
    await sleep(100);
  }
  const duringHole = refusals.filter((refusal) => refusal.at >= holed);
  const afterTurned = duringHole.filter((refusal) => refusal.at >= holed + Math.max(...notReadyAfter.map((ms) => ms ?? 30_000)));
  proxy.resume();
  const resumed = Date.now();
  log('network back');
  let readyAgain: number | undefined;
  while (readyAgain === undefined && Date.now() - resumed < 30_000) {
    if ((await Promise.all(replicas.map(readyz))).every((status) => status === 200)) readyAgain = Date.now() - resumed;
    else await sleep(100);
  }
  await sleep(10_000);
  const firstAcknowledged = acknowledgedAt.find((at) => at >= resumed);
  sending = false;
  await posts;
  await pres;
  await sleep(2_100);

  const all = [...acknowledged.values()].flat();
  const deadline = Date.now() + 60_000;
  while (!all.every((id) => seen.has(id)) && Date.now() < deadline) await sleep(200);
  const position = new Map(arrived.map((id, index) => [id, index]));
  const outOfOrder = [...acknowledged.values()].filter((ids) => ids.some((id, i) => i > 0 && position.get(id)! < position.get(ids[i - 1]!)!)).length;
  const alive = replicas.map((replica) => { try { process.kill(replica.pid, 0); return true; } catch { return false; } });

  rows.push(
    ['both replicas alive at the end', String(alive.every(Boolean)), 'true'],
    ['acknowledged post- calls delivered', `${all.filter((id) => seen.has(id)).length} of ${all.length}`, 'all'],
    ['clusters delivered out of order', String(outOfOrder), '0'],
    ['refused post- calls in the terminations and the restart (all UNAVAILABLE)', `${phase1} (${refusals.slice(0, phase1).filter((r) => r.code !== '14').length} not UNAVAILABLE)`, '—'],
    ['pre- calls answered before their 2 s deadline', `${preLatencies.length} of ${preLatencies.length + preFailures} (p99 ${percentile(preLatencies, 99)} ms, max ${Math.max(...preLatencies)} ms)`, 'all'],
    ['black hole: /readyz 503 after', notReadyAfter.map((ms) => (ms === undefined ? 'never' : `${fixed(ms / 1000, 1)} s`)).join(', '), '≤ 5 s'],
    ['black hole: post- calls refused, slowest answer', `${duringHole.length}, ${Math.max(0, ...duringHole.map((r) => r.ms))} ms (${duringHole.filter((r) => r.code !== '14').length} not UNAVAILABLE)`, `≤ ${storeTimeoutMs} ms`],
    ['black hole: once not ready, slowest refusal', `${Math.max(0, ...afterTurned.map((r) => r.ms))} ms`, '≤ 1,000 ms'],
    ['black hole: RSS growth per replica', rssMax.map((max, i) => `${fixed(max - rssBefore[i]!, 1)} MB`).join(', '), '< 20 MB'],
    ['network back: both ready after', readyAgain === undefined ? 'never' : `${fixed(readyAgain / 1000, 1)} s`, '≤ 10 s'],
    ['network back: first post- call acknowledged after', firstAcknowledged === undefined ? 'never' : `${fixed((firstAcknowledged - resumed) / 1000, 1)} s`, '≤ 10 s'],
  );
} finally {
  sending = false;
  for (const replica of replicas) await replica.stop().catch(() => undefined);
  await proxy.close();
  await database.drop().catch(() => undefined);
  integrator.close();
  integrator.closeAllConnections();
}
process.stdout.write(`\nStore outage run, ${new Date().toISOString().slice(0, 10)}: two replicas, 50 post- calls/s over ${clusters} clusters, 5 pre- calls/s.\n\n${table(['what', 'measured', 'target'], rows)}\n`);
