import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { callHook } from '@ccx-hook/cli';
import type { HookName } from '@ccx-hook/hook-client';
import { until } from '@ccx-hook/test-waits';
import { type CliProcess, startService } from './cli-process.js';


/** An integrator with a script: what it answers depends on the hook and the cluster. */
async function scriptedIntegrator(): Promise<{ url: string; server: Server }> {
  const seen = new Map<string, number>();
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const hook = String(request.headers['ccx-hook-name']);
      const cluster = String((JSON.parse(body) as { cluster_id: string }).cluster_id);
      const count = (seen.get(`${hook}/${cluster}`) ?? 0) + 1;
      seen.set(`${hook}/${cluster}`, count);
      const reply = (status: number, json: object) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      if (cluster === 'down' || cluster === 'dead') reply(500, {});
      else if (cluster === 'retried' && count === 1) reply(503, {});
      else if (hook.startsWith('pre-')) reply(200, cluster === 'no' ? { approved: false, reason: 'over quota' } : { approved: true });
      else reply(200, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** The samples of the exposition: `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    values.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return values;
}

describe('end to end: /metrics after a scripted run', function () {
  this.timeout(60_000);
  let dir: string;
  let service: CliProcess | undefined;
  let integrator: Server | undefined;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ccx-e2e-metrics-'))));
  afterEach(async () => {
    await service?.stop('SIGKILL');
    integrator?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts calls by outcome, attempts by result, and deliveries by state', async () => {
    const scripted = await scriptedIntegrator();
    integrator = scripted.server;
    const started = await startService({
      CCX_HOOK_HOOKS_URL: scripted.url,
      CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'deliveries.db')}`,
      CCX_HOOK_HOOKS_ATTEMPTS: '2',
      CCX_HOOK_HOOKS_PRE_DELETE_CLUSTER_ENABLED: 'false',
      CCX_HOOK_DELIVERY_SCHEDULE: '200ms',
    });
    service = started.service;
    const call = (hook: HookName, json: object) =>
      callHook({ address: `127.0.0.1:${started.port}`, hook, json: JSON.stringify(json), timeoutMs: 10_000 });
    await call('pre-add-node', { clusterId: 'ok', nodeCount: 1 });
    await call('pre-add-node', { clusterId: 'ok', nodeCount: 2 });
    await call('pre-create-cluster', { clusterId: 'no' });
    expect(await call('pre-add-node', { clusterId: 'down', nodeCount: 1 })).to.include({ approved: false, decidedBy: 'DECIDED_BY_FAILURE_POLICY' });
    await call('pre-delete-cluster', { clusterId: 'any' });
    await call('post-add-node', { clusterId: 'retried' });
    await call('post-delete-cluster', { clusterId: 'dead' });
    await call('post-create-cluster', {}).then(() => expect.fail('a post- hook without cluster_id was accepted'), () => {});

    const scrape = async () => samples(await (await fetch(`http://127.0.0.1:${started.httpPort}/metrics`)).text());
    let metrics = await scrape();
    // The store's figures are read in the background every 5 s: wait for a read after both deliveries ended.
    await until(async () => {
      metrics = await scrape();
      return ['pending', 'delivered', 'dead'].map((state) => metrics.get(`ccx_hook_deliveries{state="${state}"}`)).join() === '0,1,1';
    }, 'the store\'s figures after both deliveries ended', 15_000, 100);
    const expected: Record<string, number> = {
      'ccx_hook_calls_total{hook="pre-add-node",outcome="approved"}': 2,
      'ccx_hook_calls_total{hook="pre-create-cluster",outcome="rejected"}': 1,
      'ccx_hook_calls_total{hook="pre-add-node",outcome="failure_policy_rejected"}': 1,
      'ccx_hook_calls_total{hook="pre-delete-cluster",outcome="disabled"}': 1,
      'ccx_hook_calls_total{hook="post-add-node",outcome="queued"}': 1,
      'ccx_hook_calls_total{hook="post-delete-cluster",outcome="queued"}': 1,
      'ccx_hook_calls_total{hook="post-create-cluster",outcome="invalid"}': 1,
      'ccx_hook_attempts_total{hook="pre-add-node",result="2xx"}': 2,
      'ccx_hook_attempts_total{hook="pre-create-cluster",result="2xx"}': 1,
      'ccx_hook_attempts_total{hook="pre-add-node",result="5xx"}': 2,
      'ccx_hook_attempts_total{hook="post-add-node",result="5xx"}': 1,
      'ccx_hook_attempts_total{hook="post-add-node",result="2xx"}': 1,
      'ccx_hook_attempts_total{hook="post-delete-cluster",result="5xx"}': 2,
      'ccx_hook_attempt_duration_seconds_count{hook="pre-add-node"}': 4,
      'ccx_hook_deliveries{state="pending"}': 0,
      'ccx_hook_deliveries{state="delivered"}': 1,
      'ccx_hook_deliveries{state="dead"}': 1,
      'ccx_hook_oldest_pending_delivery_age_seconds': 0,
      [`ccx_hook_circuit_open{endpoint="${scripted.url}"}`]: 0,
    };
    expect(Object.fromEntries(Object.keys(expected).map((name) => [name, metrics.get(name)]))).to.deep.equal(expected);
    const names = [...metrics.keys()].map((sample) => sample.replace(/\{.*$/, ''));
    expect(names.filter((name) => name.startsWith('ccx_hook_calls_total')).length).to.equal(7, 'no other outcome was counted');
    expect(names).to.include.members(['process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds']);
    const progress = metrics.get('ccx_hook_dispatcher_last_progress_timestamp_seconds')!;
    expect(Date.now() / 1000 - progress, 'the dispatcher made progress in the last few seconds').to.be.within(0, 5);
  });
});
