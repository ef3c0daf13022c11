/**
 * The production install, as an operator or an integrator does it outside this repository:
 * packs every public package, runs the README's mock-hooks CI script in an empty folder (it
 * installs the tarballs with production dependencies only; no registry access to our own
 * packages is needed), then from that folder
 * runs `mock-hooks --port 0` and `serve`, probes `/readyz`, calls a pre- and a post- hook with
 * `test-client`, sends a hook with `@ccx-hook/hook-client` imported from the folder, lists the
 * services through server reflection, and stops both processes with SIGTERM. Exits 1 at the first step that fails.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packTarballs } from './pack-tarballs.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const secret = `whsec_${Buffer.from('production-install-check-secret!').toString('base64')}`;
const work = mkdtempSync(join(tmpdir(), 'ccx-production-install-'));
const folder = join(work, 'app');
const running: ChildProcess[] = [];

/** A process whose output lines are kept. */
class Running {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    running.push(child);
    let rest = '';
    const collect = (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop()!;
      this.lines.push(...parts);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    this.exited = new Promise((resolve) => child.on('close', resolve));
  }

  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.find((candidate) => pattern.test(candidate));
      if (line) return line;
      if (this.child.exitCode !== null || Date.now() > deadline) throw new Error(`no line matching ${pattern}; output:\n${this.lines.join('\n')}`);
      await sleep(50);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The service's own variables only: nothing of the caller's CCX_HOOK_* leaks in. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CCX_HOOK_') && !name.startsWith('npm_')));
  return { ...base, ...extra };
}

function installed(args: string[], extra?: Record<string, string>): Running {
  return new Running(spawn(join(folder, 'node_modules/.bin/ccx-hook-service'), args, { cwd: folder, env: env(extra), stdio: ['ignore', 'pipe', 'pipe'] }));
}

async function step<T>(name: string, run: () => Promise<T> | T): Promise<T> {
  const started = performance.now();
  const result = await run();
  console.log(`ok  ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}

async function check(): Promise<void> {
  const tarballs = join(work, 'tarballs');
  mkdirSync(folder);
  // The store's directory, which serve does not make.
  mkdirSync(join(work, 'data'));
  await step('pack the public packages (npm run pack)', () => packTarballs(root, tarballs));
  await step("the README's mock-hooks CI script as pasted: installs the nine tarballs, starts and stops mock-hooks", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const script = /<!-- example: mock-hooks-ci -->\n```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    if (!script) throw new Error('README.md has no mock-hooks-ci example');
    cpSync(tarballs, join(folder, 'tarballs'), { recursive: true });
    execFileSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: folder, env: env(), stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 });
    if (!/^mock-hooks listening on http:\/\/127\.0\.0\.1:\d+$/m.test(readFileSync(join(folder, 'mock.log'), 'utf8'))) throw new Error('mock.log has no listening line');
  });
  const mock = installed(['mock-hooks', '--port', '0', '--secret', secret]);
  const url = (await step('mock-hooks --port 0', () => mock.waitFor(/mock-hooks listening on/))).replace(/^.*listening on /, '').trim();
  const service = installed(['serve'], {
    CCX_HOOK_HOOKS_URL: url,
    CCX_HOOK_HOOKS_SECRET: secret,
    CCX_HOOK_GRPC_ADDRESS: '127.0.0.1:0',
    CCX_HOOK_HTTP_ADDRESS: '127.0.0.1:0',
    CCX_HOOK_STORE_URL: `sqlite:${join(work, 'data', 'deliveries.db')}`,
  });
  const listening = JSON.parse(await step('serve', () => service.waitFor(/ccx-hook-service listening/))) as { port: number; http_port: number };
  await step('/readyz answers 200', async () => {
    for (let tries = 0; ; tries++) {
      const status = await fetch(`http://127.0.0.1:${listening.http_port}/readyz`).then((response) => response.status, () => 0);
      if (status === 200) return;
      if (tries > 50) throw new Error(`/readyz answered ${status}`);
      await sleep(100);
    }
  });
  await step('test-client pre-add-node is approved by the integrator', async () => {
    const client = installed(['test-client', 'pre-add-node', '{"clusterId":"c1","nodeCount":1}', '--address', `127.0.0.1:${listening.port}`]);
    const code = await client.exited;
    const output = client.lines.join('\n');
    const answer = code === 0 ? (JSON.parse(output) as { approved?: boolean; decidedBy?: string }) : {};
    if (answer.approved !== true || answer.decidedBy !== 'DECIDED_BY_INTEGRATOR') throw new Error(`test-client printed:\n${output}`);
    await mock.waitFor(/^pre-add-node -> 200 .* signed$/);
  });
  await step('test-client post-add-node is delivered', async () => {
    const client = installed(['test-client', 'post-add-node', '{"clusterId":"c1","nodeIds":["n1"]}', '--address', `127.0.0.1:${listening.port}`]);
    if ((await client.exited) !== 0) throw new Error(`test-client failed:\n${client.lines.join('\n')}`);
    await mock.waitFor(/^post-add-node -> 200 .* signed$/);
  });
  await step('@ccx-hook/hook-client imported from the folder sends a signed hook', async () => {
    const script = `import { HookClient, newWebhookId } from '@ccx-hook/hook-client';
      const reply = await new HookClient({ secrets: [process.env.SECRET] }).send({
        url: process.env.URL + '/post-delete-cluster', hookName: 'post-delete-cluster', webhookId: newWebhookId(),
        attempt: 1, timeoutMs: 5000, body: JSON.stringify({ cluster_id: 'c2', succeeded: true }),
      });
      console.log('status', reply.statusCode);`;
    writeFileSync(join(folder, 'send-one.mjs'), script);
    const sender = new Running(spawn(process.execPath, ['send-one.mjs'], { cwd: folder, env: env({ SECRET: secret, URL: url }), stdio: ['ignore', 'pipe', 'pipe'] }));
    await sender.waitFor(/^status 200$/);
    await mock.waitFor(/^post-delete-cluster -> 200 .* signed$/);
  });
  await step('server reflection lists the services (@grpc/reflection loaded from the folder at the first call)', async () => {
    const script = `import { createRequire } from 'node:module';
      import { credentials, loadPackageDefinition } from '@grpc/grpc-js';
      import { loadSync } from '@grpc/proto-loader';
      const proto = createRequire(import.meta.url).resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');
      const { ServerReflection } = loadPackageDefinition(loadSync(proto)).grpc.reflection.v1;
      const call = new ServerReflection(process.env.ADDRESS, credentials.createInsecure()).serverReflectionInfo();
      call.on('data', (reply) => { console.log('services', reply.listServicesResponse.service.map((service) => service.name).sort().join(' ')); process.exit(0); });
      call.on('error', (error) => { console.log('error', error.message); process.exit(1); });
      call.write({ listServices: '' });`;
    writeFileSync(join(folder, 'list-services.mjs'), script);
    const lister = new Running(spawn(process.execPath, ['list-services.mjs'], { cwd: folder, env: env({ ADDRESS: `127.0.0.1:${listening.port}` }), stdio: ['ignore', 'pipe', 'pipe'] }));
    await lister.waitFor(/^services .*ccx\.hook\.v1\.HookService grpc\.health\.v1\.Health/);
  });
  await step('SIGTERM stops both with exit status 0', async () => {
    service.child.kill('SIGTERM');
    mock.child.kill('SIGTERM');
    const codes = await Promise.all([service.exited, mock.exited]);
    if (codes.some((code) => code !== 0)) throw new Error(`exit statuses ${codes.join(', ')}`);
  });
}

try {
  await check();
  console.log(`production install: every step passed (in ${work})`);
  rmSync(work, { recursive: true, force: true });
} catch (error) {
  console.error(`production install FAILED: ${(error as Error).message} (files kept in ${work})`);
  for (const child of running) child.kill('SIGKILL');
  process.exitCode = 1;
}
