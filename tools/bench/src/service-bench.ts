/**
 * `npm run bench` (issue 9): the service against a bare baseline measured in the same run,
 * alternating, three rounds; prints a table of medians and ratios (Markdown, for
 * docs/BENCHMARKS.md). Loopback only; a few minutes. Not part of `npm test`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { toPayload } from '@ccx-hook/mapping';
import { PreAddNodeRequest } from '@ccx-hook/proto';
import { createTestDatabase, postgresAvailable } from '@ccx-hook/test-postgres';
import { startBaseline } from './baseline-process.js';
import { type Integrator, startIntegrator } from './integrator.js';
import { closedLoop, cpuTimeMs, machineCpu, openLoop, peakRssMb } from './load.js';
import { fixed, median, percentile, table } from './measure.js';
import { createMemoryCgroup, type MemoryCgroup } from './memory-cgroup.js';
import { runRawSender } from './raw-sender-process.js';
import { seedBacklog } from './seed-backlog.js';
import { call, type ServiceProcess, startServiceProcess } from './service-process.js';

const rounds = 3;
// An argument (pre, post, drain or startup) runs that part only: a quicker look after a change.
const part = process.argv[2];
const runs = (name: string) => part === undefined || part === name;
const windowMs = 3_000;
// Load before each measuring window: CPU per call falls for about 5 s after a process starts
// under load while V8 optimises the call path (the service's and the bare server's alike), and
// a long-running process is what the rows describe.
const warmUpMs = 5_000;
const drainWindowMs = 10_000;
/** Row 1's windows per process and round, alternating between the service and the bare server. */
const passThroughPairs = 4;
/** Row 7's starts per store and round (the part `startup`), each of the service and of the bare server. */
const startups = 5;
/** Load before each of row 1's windows. */
const primeMs = 500;
const backlog = { blocked: 0, spread: 100_000, clusters: 1_000 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (text: string) => process.stderr.write(`${text}\n`);
const dir = mkdtempSync(join(tmpdir(), 'ccx-service-bench-'));
let files = 0;
const sqliteUrl = () => `sqlite:${join(dir, `store-${files++}.db`)}`;
const withPostgres = await postgresAvailable('service benchmark on PostgreSQL');
const drops: (() => Promise<void>)[] = [];
/** The memory limit of deploy/kubernetes/deployment.yaml: rows 4 and 6 are measured under it too, where this machine allows. */
const cgroup = runs('drain') ? createMemoryCgroup(512) : undefined;
if (runs('drain') && !cgroup) log('no memory cgroup can be made here (it needs root): rows 4 and 6 are measured without a memory limit only');
const postgresUrl = async () => {
  const database = await createTestDatabase();
  drops.push(() => database.drop());
  return database.url;
};

/** Every figure of every round, by name. */
const samples = new Map<string, number[]>();
const record = (name: string, value: number) => samples.set(name, [...(samples.get(name) ?? []), value]);
const med = (name: string) => median(samples.get(name) ?? []);
/**
 * Row 5's latencies of every round, by name: its p99s are taken over the whole run's calls (900,
 * so the ninth slowest), not per round. A round's p99 of 300 calls is its third slowest, which
 * moved 7–36 ms with nothing else changed on this machine, more than the row's target allows.
 */
const pooled = new Map<string, number[]>();
const pool = (name: string, latencies: number[]) => pooled.set(name, [...(pooled.get(name) ?? []), ...latencies]);
const p99 = (name: string) => percentile(pooled.get(name) ?? [], 99);

const preRequest = { clusterId: 'c1', nodeCount: 1 };
/** What the service POSTs for `preRequest`: the bare server sends the same. */
const preBody = JSON.stringify(toPayload('pre-add-node', PreAddNodeRequest.fromPartial(preRequest)));
const pre = (client: ServiceProcess['client']) => () => call(client, 'preAddNode', preRequest);
let postCount = 0;
const post = (client: ServiceProcess['client']) => () => call(client, 'postAddNode', { clusterId: `c${postCount++ % 200}`, nodeIds: ['n1'] });

async function withService<T>(env: Record<string, string>, work: (service: ServiceProcess) => Promise<T>, inCgroup?: MemoryCgroup): Promise<T> {
  const service = await startServiceProcess(env, inCgroup);
  try {
    return await work(service);
  } finally {
    await service.stop();
  }
}

async function withBare<T>(integrator: Integrator, work: (bare: { client: ServiceProcess['client']; pid: number }) => Promise<T>): Promise<T> {
  const bare = await startBaseline('bare-server.js', [integrator.url, preBody]);
  try {
    return await work(bare);
  } finally {
    await bare.stop();
  }
}

/**
 * Rows 1, 2 and 5: pre- hooks through `serve` and through the bare server, both running. Row 1
 * alternates windows between the two (`serviceFirst` says which opens), so that each pair sees
 * the same machine: the ratio is taken per pair.
 */
async function preHooks(integrator: Integrator, serviceFirst: boolean) {
  await withService({ CCX_HOOK_HOOKS_URL: integrator.url, CCX_HOOK_STORE_URL: sqliteUrl() }, (service) =>
    withBare(integrator, async (bare) => {
      const servers: [string, { client: ServiceProcess['client']; pid: number }][] = [['service', service], ['bare', bare]];
      if (!serviceFirst) servers.reverse();
      for (const [, { client }] of servers) await closedLoop(pre(client), 64, warmUpMs);
      for (let pair = 0; pair < passThroughPairs; pair++) {
        const window: Record<string, { rate: number; cpu: number }> = {};
        for (const [name, server] of pair % 2 === 0 ? servers : [...servers].reverse()) window[name] = await passThrough(server);
        for (const [name, { rate, cpu }] of Object.entries(window)) {
          record(`pre rate ${name}`, rate);
          record(`pre cpu ${name}`, cpu);
        }
        record('pre rate ratio', window.service!.rate / window.bare!.rate);
        record('pre cpu ratio', window.service!.cpu / window.bare!.cpu);
        log(`  row 1, pair ${pair + 1}: ${fixed(window.service!.rate, 0)} against ${fixed(window.bare!.rate, 0)} calls/s (${fixed(window.service!.rate / window.bare!.rate, 3)}), ` +
          `${fixed(window.service!.cpu, 0)} against ${fixed(window.bare!.cpu, 0)} µs a call (${fixed(window.service!.cpu / window.bare!.cpu, 3)})`);
      }
      // The bare server's first: after row 5 the service's dispatcher still delivers what it queued.
      await latencies('bare', bare);
      await latencies('service', service);
      // Row 5's target, in this round's calls alone (the table's is of the whole run's).
      const roundRise = (name: string) => samples.get(`pre p99 under post load ${name}`)!.at(-1)! / samples.get(`pre p99 alone ${name}`)!.at(-1)!;
      log(`  row 5, this round: the service's p99 rose ${fixed(roundRise('service'))}×, the bare server's ${fixed(roundRise('bare'))}× (${fixed(roundRise('service') / roundRise('bare'))})`);
    }),
  );
}

/** Row 1 for one window: calls per second at 64 in flight and the CPU time of the process per call. */
async function passThrough(server: { client: ServiceProcess['client']; pid: number }): Promise<{ rate: number; cpu: number }> {
  // The process was idle while the other one was measured.
  await closedLoop(pre(server.client), 64, primeMs);
  return measureWindow(server, pre);
}

/**
 * One window of `call` at 64 in flight: calls per second, and what one call costs the process
 * whatever else runs on the machine, its CPU time per call.
 */
async function measureWindow({ client, pid }: { client: ServiceProcess['client']; pid: number }, call: typeof pre): Promise<{ rate: number; cpu: number }> {
  const cpuBefore = await cpuTimeMs(pid);
  const { rate, latencies } = await closedLoop(call(client), 64, windowMs);
  return { rate, cpu: ((await cpuTimeMs(pid)) - cpuBefore) * 1000 / latencies.length };
}

/** Rows 2 and 5 for one server. */
async function latencies(name: string, { client }: { client: ServiceProcess['client'] }) {
  const single = (await closedLoop(pre(client), 1, windowMs)).latencies;
  record(`pre p50 1 ${name}`, percentile(single, 50));
  record(`pre p99 1 ${name}`, percentile(single, 99));
  const paced = await openLoop(pre(client), 200, windowMs);
  record(`pre p50 200 ${name}`, percentile(paced, 50));
  record(`pre p99 200 ${name}`, percentile(paced, 99));
  // Row 5: paced pre- hooks alone, then while post- hooks come at full rate (the service
  // stores and delivers them; the bare server answers them at once). Alone first: afterwards
  // the service's dispatcher is still delivering what the load queued.
  const alone = await openLoop(pre(client), 100, windowMs);
  pool(`pre alone ${name}`, alone);
  record(`pre p99 alone ${name}`, percentile(alone, 99));
  const [underLoad] = await Promise.all([openLoop(pre(client), 100, windowMs), closedLoop(post(client), 64, windowMs)]);
  pool(`pre under post load ${name}`, underLoad);
  record(`pre p99 under post load ${name}`, percentile(underLoad, 99));
}

/**
 * Row 3: durable post- enqueue while the dispatcher delivers, against a trivial unary handler;
 * and the same with nothing to deliver (the integrator down), to tell the enqueue's own cost
 * from the deliveries' share of the machine. Each service window is paired with a window of
 * the bare server (running all along, idle meanwhile) just before it, or just after it when
 * `bareFirst` is false; the ratios are taken per pair, as row 1's: the machine's speed moves
 * by a third within minutes, more than the rows' differences.
 */
async function postEnqueue(integrator: Integrator, stores: [string, () => Promise<string> | string][], bareFirst: boolean) {
  await withBare(integrator, async (bare) => {
    await closedLoop(post(bare.client), 64, warmUpMs);
    for (const [name, url] of stores) {
      for (const [run, hooksUrl] of [['', integrator.url], [' idle', 'http://127.0.0.1:1']]) {
        const row = `${name}${run}`;
        const bareWindow = async () => {
          // The bare server was idle while the service was measured.
          await closedLoop(post(bare.client), 64, primeMs);
          const { rate, cpu } = await measureWindow(bare, post);
          record(`post rate bare ${row}`, rate);
          record(`post cpu bare ${row}`, cpu);
        };
        if (bareFirst) await bareWindow();
        await withService({ CCX_HOOK_HOOKS_URL: hooksUrl!, CCX_HOOK_STORE_URL: await url() }, async (service) => {
          await closedLoop(post(service.client), 64, warmUpMs);
          const before = integrator.received();
          const { rate, cpu } = await measureWindow(service, post);
          record(`post rate ${row}`, rate);
          record(`post cpu ${row}`, cpu);
          // How much of the machine the deliveries got meanwhile.
          record(`post delivered ${row}`, (integrator.received() - before) / (windowMs / 1000));
        });
        if (!bareFirst) await bareWindow();
        const last = (key: string) => samples.get(key)!.at(-1)!;
        record(`post rate ratio ${row}`, last(`post rate ${row}`) / last(`post rate bare ${row}`));
        record(`post cpu ratio ${row}`, last(`post cpu ${row}`) / last(`post cpu bare ${row}`));
        log(`  row 3, ${row}: ${fixed(last(`post rate ${row}`), 0)} against ${fixed(last(`post rate bare ${row}`), 0)} calls/s (${fixed(last(`post rate ratio ${row}`), 3)})`);
      }
    }
  });
}

/**
 * Row 7 alone (the part `startup`): with the backlog on disk, `serve` and the bare server
 * started in turn, `startups` times each, from spawn to the first answered call. The backlog is
 * seeded once per store: a start that finds it due begins delivering it, so each start after
 * the first finds a little less (a few thousand of 100,000).
 */
async function startup(integrator: Integrator, stores: [string, () => Promise<string> | string][]) {
  for (const [name, url] of stores) {
    const storeUrl = await url();
    await seedBacklog(storeUrl, backlog);
    for (let start = 0; start < startups; start++) {
      const service = await startServiceProcess({ CCX_HOOK_HOOKS_URL: integrator.url, CCX_HOOK_STORE_URL: storeUrl });
      await pre(service.client)();
      record(`startup ${name}`, performance.now() - service.spawnedAt);
      await service.stop();
      await startBare(integrator);
    }
  }
}
/** Row 7's baseline: the bare server (grpc-js and got only) from spawn to its first answered call. */
async function startBare(integrator: Integrator) {
  const spawned = performance.now();
  const bare = await startBaseline('bare-server.js', [integrator.url, preBody]);
  await pre(bare.client)();
  record('startup bare', performance.now() - spawned);
  await bare.stop();
}

/** Rows 4, 6 and 7: a 100,000 backlog drained; RSS holding it and draining it; start-up with it on disk. */
async function drain(integrator: Integrator, stores: [string, () => Promise<string> | string][]) {
  for (const [name, url] of stores) {
    for (const replicas of name === 'PostgreSQL' ? [1, 2] : [1]) {
      const storeUrl = await url();
      await seedBacklog(storeUrl, backlog);
      const env = { CCX_HOOK_HOOKS_URL: integrator.url, CCX_HOOK_STORE_URL: storeUrl };
      const services = await Promise.all(Array.from({ length: replicas }, () => startServiceProcess(env)));
      try {
        if (replicas === 1) {
          await pre(services[0]!.client)();
          record(`startup ${name}`, performance.now() - services[0]!.spawnedAt);
        }
        const { rate, cpuUs, machineBusy } = await drainWindow(integrator, services[0]!.pid);
        record(`drain ${name} x${replicas}`, rate);
        if (replicas === 1) {
          record(`drain cpu ${name}`, cpuUs);
          record(`drain machine busy ${name}`, machineBusy);
          record(`rss draining ${name}`, await peakRssMb(services[0]!.pid));
        }
      } finally {
        await Promise.all(services.map((service) => service.stop()));
      }
    }
  }
  record('rss holding', await holdingRss());
  await startBare(integrator);
  // The baseline: the same POSTs from a process of their own, as many at a time as the dispatcher's default.
  const raw = await runRawSender(`${integrator.url}/post-add-node`, 16, drainWindowMs);
  record('drain raw got', raw.rate);
  record('drain cpu raw got', raw.cpuUsPerRequest);
  record('rss raw got', raw.peakRssMb);
  if (!cgroup) return;
  // The same on SQLite, and its baseline, in a memory cgroup with the deployment's limit.
  const storeUrl = sqliteUrl();
  await seedBacklog(storeUrl, backlog);
  await withService({ CCX_HOOK_HOOKS_URL: integrator.url, CCX_HOOK_STORE_URL: storeUrl }, async (service) => {
    await pre(service.client)();
    record('drain SQLite cgroup', (await drainWindow(integrator, service.pid)).rate);
    record('rss draining SQLite cgroup', await peakRssMb(service.pid));
  }, cgroup);
  record('rss holding cgroup', await holdingRss(cgroup));
  const rawInCgroup = await runRawSender(`${integrator.url}/post-add-node`, 16, drainWindowMs, cgroup);
  record('drain raw got cgroup', rawInCgroup.rate);
  record('rss raw got cgroup', rawInCgroup.peakRssMb);
}

/**
 * Deliveries the integrator gets per second over the drain window, after 2 s of warm-up; what
 * one delivery costs the process `pid` meanwhile (CPU time; the database's share is not in it);
 * and the share of the whole machine's CPU that was busy (every process, and time the
 * hypervisor gave to others), which bounds what more replicas could add on this machine.
 */
async function drainWindow(integrator: Integrator, pid: number): Promise<{ rate: number; cpuUs: number; machineBusy: number }> {
  await sleep(2_000);
  const before = integrator.received();
  const cpuBefore = await cpuTimeMs(pid);
  const machineBefore = await machineCpu();
  await sleep(drainWindowMs);
  const delivered = integrator.received() - before;
  const machine = await machineCpu();
  return {
    rate: delivered / (drainWindowMs / 1000),
    cpuUs: (((await cpuTimeMs(pid)) - cpuBefore) * 1000) / delivered,
    machineBusy: (machine.busy - machineBefore.busy) / (machine.total - machineBefore.total),
  };
}

/**
 * Peak RSS of a service holding the backlog while post- hooks come, the integrator down: nothing
 * is due, nothing is delivered. As long as the drain's window: in a 3 s window the peak depended
 * on whether V8's first mark-compact fell in it (a process's old generation grows until then).
 */
async function holdingRss(inCgroup?: MemoryCgroup): Promise<number> {
  const holding = sqliteUrl();
  await seedBacklog(holding, { ...backlog, headsDueInMs: 300_000 });
  return withService({ CCX_HOOK_HOOKS_URL: 'http://127.0.0.1:1', CCX_HOOK_STORE_URL: holding }, async (service) => {
    await closedLoop(post(service.client), 16, drainWindowMs);
    return peakRssMb(service.pid);
  }, inCgroup);
}

const integrator = await startIntegrator();
try {
  const stores: [string, () => Promise<string> | string][] = [['SQLite', sqliteUrl]];
  if (withPostgres) stores.push(['PostgreSQL', postgresUrl]);
  for (let round = 1; round <= rounds; round++) {
    if (runs('pre')) {
      log(`round ${round} of ${rounds}: pre- hooks`);
      await preHooks(integrator, round % 2 === 1);
    }
    if (runs('post')) {
      log(`round ${round} of ${rounds}: post- enqueue`);
      await postEnqueue(integrator, round % 2 === 1 ? stores : [...stores].reverse(), round % 2 === 1);
    }
    if (runs('drain')) {
      log(`round ${round} of ${rounds}: drain`);
      await drain(integrator, stores);
    }
    if (part === 'startup') {
      log(`round ${round} of ${rounds}: start-up`);
      await startup(integrator, stores);
    }
  }
} finally {
  await integrator.close();
  for (const drop of drops) await drop().catch(() => undefined);
  cgroup?.remove();
  rmSync(dir, { recursive: true, force: true });
}

const ms = (value: number) => `${fixed(value)} ms`;
const signedMs = (value: number) => `${value < 0 ? '-' : '+'}${ms(Math.abs(value))}`;
const ratio = (a: string, b: string) => fixed(med(a) / med(b));
/** Row 5: how much a server's p99 over the run rose under post- load. */
const rise = (name: string) => p99(`pre under post load ${name}`) / p99(`pre alone ${name}`);
const rows: string[][] = [
  ...(samples.has('pre rate service') ? [
  ['1', 'pre- hook calls/s, 64 in flight', fixed(med('pre rate service'), 0), `bare grpc-js + got: ${fixed(med('pre rate bare'), 0)}`, fixed(med('pre rate ratio')), '≥ 0.95'],
  ['1', 'CPU time of the process per pre- call, 64 in flight', `${fixed(med('pre cpu service'), 0)} µs`, `bare grpc-js + got: ${fixed(med('pre cpu bare'), 0)} µs`, fixed(med('pre cpu ratio')), '—'],
  ['2', 'pre- hook p50 / p99, 1 in flight', `${ms(med('pre p50 1 service'))} / ${ms(med('pre p99 1 service'))}`, `${ms(med('pre p50 1 bare'))} / ${ms(med('pre p99 1 bare'))}`, `p50 ${signedMs(med('pre p50 1 service') - med('pre p50 1 bare'))}`, 'p50 + ≤ 0.3 ms'],
  ['2', 'pre- hook p50 / p99 at 200/s', `${ms(med('pre p50 200 service'))} / ${ms(med('pre p99 200 service'))}`, `${ms(med('pre p50 200 bare'))} / ${ms(med('pre p99 200 bare'))}`, `p50 ${signedMs(med('pre p50 200 service') - med('pre p50 200 bare'))}`, 'p50 + ≤ 0.3 ms'],
  ] : []),
  ...['SQLite', 'PostgreSQL'].filter((name) => samples.has(`post rate ${name}`)).map((name) => [
    '3', `durable post- calls/s, 64 in flight, delivering, ${name}`, `${fixed(med(`post rate ${name}`), 0)} (${fixed(med(`post delivered ${name}`), 0)} delivered/s)`, `trivial grpc-js unary: ${fixed(med(`post rate bare ${name}`), 0)}`, fixed(med(`post rate ratio ${name}`)), '≥ 0.6',
  ]),
  ...['SQLite', 'PostgreSQL'].filter((name) => samples.has(`post rate ${name} idle`)).map((name) => [
    '3', `durable post- calls/s, 64 in flight, nothing delivered (integrator down), ${name}`, `${fixed(med(`post rate ${name} idle`), 0)} (${fixed(med(`post delivered ${name} idle`), 0)} delivered/s)`, `trivial grpc-js unary: ${fixed(med(`post rate bare ${name} idle`), 0)}`, fixed(med(`post rate ratio ${name} idle`)), '≥ 0.8',
  ]),
  ...['SQLite', 'PostgreSQL'].filter((name) => samples.has(`post cpu ${name} idle`)).map((name) => [
    '3', `CPU time of the process per durable post- call, nothing delivered, ${name}`, `${fixed(med(`post cpu ${name} idle`), 0)} µs`, `trivial grpc-js unary: ${fixed(med(`post cpu bare ${name} idle`), 0)} µs`, fixed(med(`post cpu ratio ${name} idle`)), '—',
  ]),
  ...['SQLite', 'PostgreSQL'].filter((name) => samples.has(`drain ${name} x1`)).map((name) => [
    '4', `drain of a 100,000 backlog, deliveries/s, ${name}`, fixed(med(`drain ${name} x1`), 0), `raw got POSTs, 16 at a time, own process: ${fixed(med('drain raw got'), 0)}`, ratio(`drain ${name} x1`, 'drain raw got'), '≥ 0.5',
  ]),
  ...['SQLite', 'PostgreSQL'].filter((name) => samples.has(`drain cpu ${name}`)).map((name) => [
    '4', `CPU time of the process per delivery, draining, ${name}`, `${fixed(med(`drain cpu ${name}`), 0)} µs`, `raw got POSTs' own process: ${fixed(med('drain cpu raw got'), 0)} µs`, ratio(`drain cpu ${name}`, 'drain cpu raw got'), '—',
  ]),
  ...(samples.has('drain SQLite cgroup')
    ? [['4', `drain of a 100,000 backlog, deliveries/s, SQLite, both in a ${cgroup!.limitMb} MiB memory cgroup`, fixed(med('drain SQLite cgroup'), 0), `raw got POSTs, 16 at a time, own process: ${fixed(med('drain raw got cgroup'), 0)}`, ratio('drain SQLite cgroup', 'drain raw got cgroup'), '≥ 0.5']]
    : []),
  ...(samples.has('drain PostgreSQL x2')
    ? [
      ['4', 'drain, two PostgreSQL replicas', fixed(med('drain PostgreSQL x2'), 0), `one replica: ${fixed(med('drain PostgreSQL x1'), 0)}`, ratio('drain PostgreSQL x2', 'drain PostgreSQL x1'), '≥ 1.6'],
      ['4', 'machine CPU busy, one PostgreSQL replica draining; ratio: 1 / busy, the most replicas could reach', `${fixed(med('drain machine busy PostgreSQL') * 100, 0)} %`, '—', fixed(1 / med('drain machine busy PostgreSQL')), '≥ 1.6'],
    ]
    : []),
  ...(pooled.has('pre alone service') ? [
    ['5', 'pre- hook p99 at 100/s while post- hooks run at full rate (64 in flight)', ms(p99('pre under post load service')), `alone: ${ms(p99('pre alone service'))}`, fixed(rise('service')), '—'],
    ['5', 'the same through the bare grpc-js + got server (post- calls answered at once)', ms(p99('pre under post load bare')), `alone: ${ms(p99('pre alone bare'))}`, fixed(rise('bare')), '—'],
    ['5', 'the service\'s rise against the bare server\'s', '—', '—', fixed(rise('service') / rise('bare')), '≤ 1.25'],
  ] : []),
  ...(samples.has('rss holding') ? [['6', 'peak RSS holding 100,000 pending (SQLite)', `${fixed(med('rss holding'), 0)} MB`, '—', '—', '≤ 150 MB']] : []),
  ...['SQLite', 'PostgreSQL'].filter((name) => samples.has(`rss draining ${name}`)).map((name) => ['6', `peak RSS draining 100,000, ${name}`, `${fixed(med(`rss draining ${name}`), 0)} MB`, `raw got POSTs' own process: ${fixed(med('rss raw got'), 0)} MB`, ratio(`rss draining ${name}`, 'rss raw got'), '≤ 150 MB']),
  ...(samples.has('rss holding cgroup') ? [
    ['6', `peak RSS holding 100,000 pending (SQLite), in a ${cgroup!.limitMb} MiB memory cgroup`, `${fixed(med('rss holding cgroup'), 0)} MB`, '—', '—', '≤ 150 MB'],
    ['6', `peak RSS draining 100,000, SQLite, both in a ${cgroup!.limitMb} MiB memory cgroup`, `${fixed(med('rss draining SQLite cgroup'), 0)} MB`, `raw got POSTs' own process: ${fixed(med('rss raw got cgroup'), 0)} MB`, ratio('rss draining SQLite cgroup', 'rss raw got cgroup'), '≤ 150 MB'],
  ] : []),
  ...['SQLite', 'PostgreSQL'].filter((name) => samples.has(`startup ${name}`)).map((name) => ['7', `start-up to the first answered call, 100,000 pending, ${name}`, `${fixed(med(`startup ${name}`) / 1000)} s`, `bare grpc-js + got: ${fixed(med('startup bare') / 1000)} s`, ratio(`startup ${name}`, 'startup bare'), '≤ 0.4 s or ≤ 1.2×']),
];
/** How the rows whose ratios are not ratios of medians take them: of pairs of windows, or of the whole run's calls. */
const pairedRows = [
  ...(runs('pre') ? [`row 1's ratios: of the ${rounds * passThroughPairs} pairs of windows`] : []),
  ...(runs('post') ? [`row 3's: of each row's ${rounds} pairs`] : []),
  ...(runs('pre') ? [`row 5's p99s: of the run's ${pooled.get('pre alone service')?.length} calls each`] : []),
];
process.stdout.write(
  `\nService benchmark, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; medians of ${rounds} alternating rounds` +
    `${pairedRows.length > 0 ? ` (${pairedRows.join('; ')})` : ''}.\n\n` +
    `${table(['#', 'measure', 'service', 'baseline (same run)', 'ratio', 'target'], rows)}\n`,
);
