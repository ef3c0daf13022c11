/**
 * `npm run bench:shadow` (issue 24, acceptance 3): pre-add-node latency in shadow mode against
 * enforce, measured in the same run, alternating, three rounds, for an integrator that rejects
 * everything and for one that is down. Shadow asks exactly as enforce does, so its p99 should
 * stay within 10 % of enforce's. Loopback only; about two minutes. Not part of `npm test`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedLoop, openLoop } from './load.js';
import { fixed, median, percentile, printResults } from './measure.js';
import { call, startServiceProcess } from './service-process.js';

const rounds = 3;
const warmUpMs = 2_000;
const windowMs = 6_000;
const perSecond = 100;
const modes = ['enforce', 'shadow'] as const;

/** An integrator that rejects every hook at once. */
async function startRejecting(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"approved":false,"reason":"over quota"}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
}

/** p50 and p99 of paced pre-add-node calls to a service in `mode` whose hooks go to `url`. */
async function measure(url: string, mode: (typeof modes)[number]): Promise<{ p50: number; p99: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'ccx-bench-shadow-'));
  const service = await startServiceProcess({
    CCX_HOOK_HOOKS_URL: url,
    CCX_HOOK_HOOKS_PRE_ADD_NODE_MODE: mode,
    CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'deliveries.db')}`,
  });
  try {
    const pre = () => call(service.client, 'preAddNode', { clusterId: 'c1', nodeCount: 1, authId: 'session' });
    await closedLoop(pre, 16, warmUpMs);
    const latencies = await openLoop(pre, perSecond, windowMs);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rejecting = await startRejecting();
const integrators = [
  ['rejects everything', rejecting.url],
  ['is down (connection refused)', 'http://127.0.0.1:1'],
] as const;
const results = new Map<string, number[]>();
const record = (key: string, value: number) => results.set(key, [...(results.get(key) ?? []), value]);
try {
  for (let round = 0; round < rounds; round++) {
    for (const [name, url] of integrators) {
      // The opener alternates, so neither mode always runs on a machine the other warmed.
      for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
        const { p50, p99 } = await measure(url, mode);
        record(`${name} ${mode} p50`, p50);
        record(`${name} ${mode} p99`, p99);
        process.stderr.write(`round ${round + 1}, integrator ${name}, ${mode}: p50 ${fixed(p50)} ms, p99 ${fixed(p99)} ms\n`);
      }
    }
  }
} finally {
  await rejecting.close();
}
const of = (key: string) => median(results.get(key)!);
printResults(
  `Shadow mode against enforce, pre-add-node at ${perSecond} calls/s`,
  rounds,
  ['integrator', 'enforce p50 (ms)', 'shadow p50 (ms)', 'enforce p99 (ms)', 'shadow p99 (ms)', 'p99 shadow / enforce', 'target'],
  integrators.map(([name]) => [
    name,
    fixed(of(`${name} enforce p50`)),
    fixed(of(`${name} shadow p50`)),
    fixed(of(`${name} enforce p99`)),
    fixed(of(`${name} shadow p99`)),
    fixed(of(`${name} shadow p99`) / of(`${name} enforce p99`)),
    '≤ 1.10',
  ]),
  true,
);
