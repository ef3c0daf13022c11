/**
 * `npm run bench:floor`: row 1 of the service benchmark against its floor. The bare server,
 * `serve`, the floor server (`floor-server.ts`: the contract's per-call work, flat) and the bare
 * server with got set up as the service sets it up run side by side; each round measures a
 * window of each, in a rotating order, and the ratios to the bare server are taken per round.
 * Prints a table of medians. Loopback only; about 4 minutes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { toPayload } from '@ccx-hook/mapping';
import { PreAddNodeRequest } from '@ccx-hook/proto';
import { startBaseline } from './baseline-process.js';
import { startIntegrator } from './integrator.js';
import { closedLoop, cpuTimeMs } from './load.js';
import { fixed, median, table } from './measure.js';
import { call, type ServiceProcess, startServiceProcess } from './service-process.js';

const rounds = 12;
const windowMs = 3_000;
/** Load on each process before the first round: V8 optimises the call path for about 5 s. */
const warmUpMs = 5_000;
/** Load before each window: the process was idle while the others were measured. */
const primeMs = 500;
const inFlight = 64;

const preRequest = { clusterId: 'c1', nodeCount: 1 };
const preBody = JSON.stringify(toPayload('pre-add-node', PreAddNodeRequest.fromPartial(preRequest)));
const dir = mkdtempSync(join(tmpdir(), 'ccx-floor-bench-'));
const integrator = await startIntegrator();
const servers: [string, { client: ServiceProcess['client']; pid: number; stop(): Promise<void> }][] = [
  ['bare grpc-js + got', await startBaseline('bare-server.js', [integrator.url, preBody])],
  ['serve', await startServiceProcess({ CCX_HOOK_HOOKS_URL: integrator.url, CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'store.db')}` })],
  ['floor: the contract\'s work, flat', await startBaseline('floor-server.js', [integrator.url])],
  ['bare, got tuned as in the service', await startBaseline('bare-server.js', [integrator.url, preBody, 'empty-cache-options'])],
];
const pre = (client: ServiceProcess['client']) => () => call(client, 'preAddNode', preRequest);
const figures = new Map(servers.map(([name]) => [name, { rate: [] as number[], cpu: [] as number[], rateRatio: [] as number[], cpuRatio: [] as number[] }]));
try {
  for (const [, { client }] of servers) await closedLoop(pre(client), inFlight, warmUpMs);
  for (let round = 0; round < rounds; round++) {
    const order = servers.map((_, index) => servers[(index + round) % servers.length]!);
    const window = new Map<string, { rate: number; cpu: number }>();
    for (const [name, { client, pid }] of order) {
      await closedLoop(pre(client), inFlight, primeMs);
      const cpuBefore = await cpuTimeMs(pid);
      const { rate, latencies } = await closedLoop(pre(client), inFlight, windowMs);
      window.set(name, { rate, cpu: ((await cpuTimeMs(pid)) - cpuBefore) * 1000 / latencies.length });
    }
    const bare = window.get(servers[0]![0])!;
    for (const [name, { rate, cpu }] of window) {
      const figure = figures.get(name)!;
      figure.rate.push(rate);
      figure.cpu.push(cpu);
      figure.rateRatio.push(rate / bare.rate);
      figure.cpuRatio.push(cpu / bare.cpu);
    }
    process.stderr.write(`round ${round + 1} of ${rounds}: ${[...window].map(([name, { rate, cpu }]) => `${name.split(':')[0]} ${fixed(rate, 0)}/s ${fixed(cpu, 0)} µs`).join(', ')}\n`);
  }
} finally {
  for (const [, server] of servers) await server.stop();
  await integrator.close();
  rmSync(dir, { recursive: true, force: true });
}

process.stdout.write(
  `Row 1 against its floor, ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model.split(' ').slice(0, 2).join(' ')}), ` +
    `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; medians of ${rounds} rounds, ${inFlight} pre-add-node calls in flight.\n\n` +
    table(
      ['server', 'calls/s', 'CPU a call', 'calls/s against bare', 'CPU a call against bare'],
      [...figures].map(([name, figure]) => [
        name,
        fixed(median(figure.rate), 0),
        `${fixed(median(figure.cpu), 0)} µs`,
        fixed(median(figure.rateRatio)),
        fixed(median(figure.cpuRatio)),
      ]),
    ) +
    '\n',
);
