import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Client, Metadata, type ServiceError } from '@grpc/grpc-js';
import { expect } from 'chai';
import { callHook } from '@ccx-hook/cli';
import { http, startRawIntegrator } from '@ccx-hook/hostile-integrator';
import { until } from '@ccx-hook/test-waits';
import { type CliProcess, startMockHooksProcess, startService } from './cli-process.js';

const betterSqlite3 = createRequire(createRequire(import.meta.url).resolve('@ccx-hook/delivery')).resolve('better-sqlite3');

/** `grpc.health.v1.Health/Check` for the whole server, with the messages encoded by hand: 1 SERVING, 2 NOT_SERVING. */
function grpcHealth(port: number): Promise<number> {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise<number>((resolve, reject) =>
    client.makeUnaryRequest(
      '/grpc.health.v1.Health/Check',
      (request: Buffer) => request,
      (reply: Buffer) => (reply.length === 0 ? 0 : reply[1]!),
      Buffer.alloc(0),
      new Metadata(),
      { deadline: Date.now() + 2_000 },
      (error: ServiceError | null, status?: number) => (error ? reject(error) : resolve(status!)),
    ),
  ).finally(() => client.close());
}

const readyz = async (port: number) => (await fetch(`http://127.0.0.1:${port}/readyz`)).status;


describe('end to end: readiness (/readyz and gRPC health)', function () {
  this.timeout(60_000);
  let dir: string;
  const processes: CliProcess[] = [];
  let holder: ChildProcess | undefined;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ccx-e2e-ready-'))));
  afterEach(async () => {
    holder?.kill('SIGKILL');
    for (const running of processes.splice(0)) await running.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('goes not ready while the store cannot take writes, and back once it can', async () => {
    const receiver = await startMockHooksProcess();
    processes.push(receiver.mock);
    const store = join(dir, 'deliveries.db');
    const { service, port, httpPort } = await startService({ CCX_HOOK_HOOKS_URL: receiver.url, CCX_HOOK_STORE_URL: `sqlite:${store}` });
    processes.push(service);
    expect(await readyz(httpPort)).to.equal(200);
    expect((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status).to.equal(200);
    expect(await grpcHealth(port)).to.equal(1);

    // Another process holds the store's write lock: post- calls could not be stored.
    const script = `const D = require(process.env.BETTER_SQLITE3); const db = new D(process.env.STORE);
      db.exec('BEGIN IMMEDIATE'); console.log('locked'); setInterval(() => {}, 1000);`;
    holder = spawn(process.execPath, ['-e', script], { env: { ...process.env, BETTER_SQLITE3: betterSqlite3, STORE: store }, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => holder!.stdout!.once('data', resolve));
    await until(async () => (await readyz(httpPort)) === 503, '/readyz answers 503', 15_000);
    expect(await grpcHealth(port)).to.equal(2);

    holder.kill('SIGKILL');
    await until(async () => (await readyz(httpPort)) === 200, '/readyz answers 200', 15_000);
    expect(await grpcHealth(port)).to.equal(1);
  });

  it('is not ready while it shuts down', async () => {
    const slow = await startRawIntegrator((socket) => setTimeout(() => http(200, '{"approved":true}')(socket), 3_000)); // its latency: the behaviour
    const { service, port, httpPort } = await startService({
      CCX_HOOK_HOOKS_URL: slow.url,
      CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'deliveries.db')}`,
      CCX_HOOK_SHUTDOWN_GRACE: '10s',
    });
    processes.push(service);
    const inFlight = callHook({ address: `127.0.0.1:${port}`, hook: 'pre-add-node', json: '{"clusterId":"c1"}', timeoutMs: 10_000 });
    await until(() => slow.requests === 1, 'the call reaches the integrator');
    const exited = service.stop('SIGTERM');
    await until(async () => (await readyz(httpPort)) === 503, '/readyz answers 503 while shutting down', 2_000);
    expect(await inFlight).to.include({ approved: true });
    expect(await exited).to.equal(0);
    await slow.close();
  });
});
