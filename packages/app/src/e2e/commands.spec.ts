import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { expect } from 'chai';
import { until } from '@ccx-hook/test-waits';
import { cleanEnv, CliProcess, runCli, startMockHooksProcess, startService, workspaceRoot } from './cli-process.js';

// Loaded proto services are untyped.
type Loaded = Record<string, any>;
const reflectionProto = createRequire(import.meta.url).resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');

const secret = `whsec_${Buffer.from('commands-test-secret-of-32-bytes').toString('base64')}`;

/** The process failed with exactly one line on stderr and nothing that looks like a stack trace. */
function expectOneLine(result: { stderr: string }, ...fragments: string[]) {
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).to.have.length(1);
  expect(lines[0]).to.match(/^ccx-hook-service: /);
  for (const fragment of fragments) expect(lines[0]).to.include(fragment);
  expect(result.stderr).not.to.match(/\n\s+at /);
}

describe('end to end: commands, configuration and errors', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ccx-e2e-commands-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const serveEnv = () => ({ CCX_HOOK_HOOKS_URL: 'http://127.0.0.1:8080', CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'd.db')}` });

  it('exits 1 with one line naming the key, its variable and the value for a bad duration', async () => {
    const result = await runCli(['serve'], { ...serveEnv(), CCX_HOOK_HOOKS_TIMEOUT: 'soon' });
    expect(result.code).to.equal(1);
    expectOneLine(result, 'hooks.timeout', 'CCX_HOOK_HOOKS_TIMEOUT', '"soon"');
  });

  for (const [variable, value, key] of [
    ['CCX_HOOK_HOOKS_PRE_ADD_NODE_FAILURE_POLICY', 'fail-maybe', 'hooks.pre-add-node.failure_policy'],
    ['CCX_HOOK_DELIVERY_SCHEDULE', '5s,later', 'delivery.schedule'],
    ['CCX_HOOK_GRPC_ADDRESS', 'nowhere', 'grpc.address'],
    ['CCX_HOOK_HOOKS_URL', 'ftp://billing', 'hooks.url'],
    ['CCX_HOOK_STORE_URL', 'mysql://db', 'store.url'],
    ['CCX_HOOK_LOG_FORMAT', 'xml', 'log.format'],
    ['CCX_HOOK_DELIVERY_CONCURRENCY', '0', 'delivery.concurrency'],
  ]) {
    it(`exits 1 naming ${key} for ${variable}=${value}`, async () => {
      const result = await runCli(['serve'], { ...serveEnv(), [variable!]: value! });
      expect(result.code).to.equal(1);
      expectOneLine(result, key!);
    });
  }

  it('exits 1 naming store.url when the store cannot be opened, though the gRPC server started beside it', async () => {
    const result = await runCli(['serve'], { ...serveEnv(), CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'missing', 'd.db')}` });
    expect(result.code).to.equal(1);
    expectOneLine(result, 'cannot open the store (store.url)', 'missing');
  });

  it('names an unknown CCX_HOOK_ variable instead of ignoring it', async () => {
    const result = await runCli(['serve'], { ...serveEnv(), CCX_HOOK_HOOKS_ULR: 'http://x' });
    expect(result.code).to.equal(1);
    expectOneLine(result, 'CCX_HOOK_HOOKS_ULR');
  });

  it('names a bad secret without printing it', async () => {
    const result = await runCli(['serve'], { ...serveEnv(), CCX_HOOK_HOOKS_SECRET: `${secret},not-a-secret` });
    expect(result.code).to.equal(1);
    expectOneLine(result, 'hooks.secret', 'secret 2');
    expect(result.stderr).not.to.include('not-a-secret');
  });

  it('names an unknown key and a bad value in the config file', async () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ hooks: { url: 'http://127.0.0.1:8080', budjet: '1s' } }));
    const unknown = await runCli(['serve', '--config', file], { CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'd.db')}` });
    expect(unknown.code).to.equal(1);
    expectOneLine(unknown, 'hooks.budjet');
    writeFileSync(file, JSON.stringify({ hooks: { url: 'http://127.0.0.1:8080', budget: 'long' } }));
    const bad = await runCli(['serve'], { CCX_HOOK_CONFIG: file, CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'd.db')}` });
    expect(bad.code).to.equal(1);
    expectOneLine(bad, 'hooks.budget', '"long"');
  });

  it('exits 1 with one line when the gRPC or the HTTP port is in use', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(taken.address() as AddressInfo).port}`;
    try {
      const grpc = await runCli(['serve', '--grpc-address', address, '--http-address', '127.0.0.1:0'], serveEnv());
      expect(grpc.code).to.equal(1);
      expectOneLine(grpc, `cannot listen on ${address} (grpc.address): listen EADDRINUSE`);
      expect(grpc.stderr).not.to.include('resolved errors');
      expect(grpc.stdout).to.equal('');
      const http = await runCli(['serve', '--grpc-address', '127.0.0.1:0', '--http-address', address], serveEnv());
      expect(http.code).to.equal(1);
      expectOneLine(http, `cannot listen on ${address} (http.address)`);
    } finally {
      taken.close();
    }
  });

  it('keeps local-server listening on loopback only, whatever its target', async () => {
    const result = await runCli(['local-server', 'myserver', '--grpc-address', '0.0.0.0:0', '--store-url', `sqlite:${join(dir, 'd.db')}`]);
    expect(result.code).to.equal(1);
    expectOneLine(result, 'local-server listens on loopback only; grpc.address is "0.0.0.0:0"');
  });

  it('refuses to serve when no hook has a URL', async () => {
    const result = await runCli(['serve'], { CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'd.db')}` });
    expect(result.code).to.equal(1);
    expectOneLine(result, 'hooks.url');
  });

  it('exits 2 for usage errors', async () => {
    for (const args of [
      ['serve', '--bogus'],
      ['frobnicate'],
      ['test-client', 'add_node'],
      ['test-client', 'add_cluster', '{}'],
      ['test-client', 'add_node', '{"clusterId":"c1"}', '--timeout', '1x'],
      ['mock-hooks', '--fail-ratio', '2'],
      ['mock-hooks', '--port', '80000'],
      ['mock-hooks', '--port', 'http'],
      ['mock-hooks', '--latency', 'slow'],
      ['test-client', 'add_node', '{"clusterId":"c1","nodeCount":-1}'],
      ['test-client', 'add_node', '{"clusterId":5}'],
      ['local-server', 'http://my server'],
      ['mock-hooks', '--secret', 'NOT-A-WHSEC'],
      ['mock-hooks', '--secret', `whsec_${Buffer.from('only-16-bytes!!!').toString('base64')}`],
    ]) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).to.equal(2);
      expectOneLine(result);
    }
  });

  it('prints help for the program and every command', async () => {
    const program = await runCli(['--help']);
    expect(program.code).to.equal(0);
    for (const command of ['serve', 'local-server', 'mock-hooks', 'test-client']) {
      expect(program.stdout).to.include(command);
      const help = await runCli([command, '--help']);
      expect(help.code).to.equal(0);
      expect(help.stdout).to.match(new RegExp(`^Usage: ccx-hook-service ${command}`));
    }
    expect((await runCli(['serve', '--help'])).stdout).to.include('--hooks-pre-add-node-failure-policy');
    const local = (await runCli(['local-server', '--help'])).stdout;
    expect(local, 'local-server\'s own defaults').to.include('(default 127.0.0.1:50051)').and.include('(default 127.0.0.1:9464)');
    expect(local).to.include('(default sqlite:./.data/local-deliveries.db)').and.include('(default pretty)');
    expect(local).not.to.include('0.0.0.0').and.not.include('--hooks-url ');
  });

  it('lets test-client run with stray CCX_HOOK_ variables in the shell', async () => {
    const result = await runCli(['test-client', 'pre-add-node', '{"clusterId":"1"}', '--timeout', '1s'], {
      CCX_HOOK_FOO: '1',
      CCX_HOOK_HOOKS_TIMEOUT: 'bogus',
      CCX_HOOK_GRPC_ADDRESS: '127.0.0.1:1',
    });
    expectOneLine(result, 'UNAVAILABLE', '127.0.0.1:1');
    expect(result.stderr).not.to.include('Resolution note');
  });

  it('exits 1 with the gRPC status when test-client cannot reach the service', async () => {
    const result = await runCli(['test-client', 'pre-add-node', '{"clusterId":"1"}', '--address', '127.0.0.1:1', '--timeout', '2s']);
    expect(result.code).to.equal(1);
    expectOneLine(result, 'UNAVAILABLE');
  });

  describe('against a running service', () => {
    let processes: CliProcess[] = [];
    afterEach(async () => {
      for (const running of processes) await running.stop();
      processes = [];
    });

    it('takes configuration from flags over the environment, and test-client shows INVALID_ARGUMENT', async () => {
      const receiver = await startMockHooksProcess(['--reject', 'over quota']);
      processes.push(receiver.mock);
      // The environment names a dead integrator; the flag wins.
      const service = new CliProcess(['serve', '--hooks-url', receiver.url, '--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'], {
        CCX_HOOK_HOOKS_URL: 'http://127.0.0.1:1',
        CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'd.db')}`,
      });
      processes.push(service);
      const port = (JSON.parse(await service.waitFor(/listening/)) as { port: number }).port;
      const address = ['--address', `127.0.0.1:${port}`];
      const rejected = await runCli(['test-client', 'PreCreateCluster', '{"clusterId":"c1","authId":"a"}', ...address]);
      expect(rejected.code).to.equal(0);
      expect(JSON.parse(rejected.stdout)).to.deep.include({ approved: false, reason: 'over quota', decidedBy: 'DECIDED_BY_INTEGRATOR' });
      const invalid = await runCli(['test-client', 'pre_add_node', '{"clusterId":""}', ...address]);
      expect(invalid.code).to.equal(1);
      expectOneLine(invalid, 'INVALID_ARGUMENT', 'cluster_id');
    });

    it('runs local-server against a bare port with readable logs, naming the target', async () => {
      const receiver = await startMockHooksProcess();
      processes.push(receiver.mock);
      const target = receiver.url.replace('http://127.0.0.1:', '');
      const local = new CliProcess(['local-server', target, '--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'], {}, dir);
      processes.push(local);
      const line = await local.waitFor(/ccx-hook-service listening/);
      expect(line).to.match(/^\d\d:\d\d:\d\d\.\d{3} info /);
      expect(line).to.include(receiver.url).and.include('signed=false');
      const port = /port=(\d+)/.exec(line)![1];
      const result = await runCli(['test-client', 'create_cluster', '{"clusterId":"c9"}', '--address', `127.0.0.1:${port}`]);
      expect(JSON.parse(result.stdout)).to.deep.include({ approved: true, decidedBy: 'DECIDED_BY_INTEGRATOR' });
      await local.waitFor(/pre- hook decided by the integrator/);
    });

    it('runs local-server against another host, saying in its start line that hooks leave this machine', async () => {
      const local = new CliProcess(['local-server', 'myserver:9000', '--grpc-address', '127.0.0.1:0', '--http-address', '127.0.0.1:0'], {}, dir);
      processes.push(local);
      const line = await local.waitFor(/ccx-hook-service listening/);
      expect(line).to.include('target=http://myserver:9000').and.include('target_is=not on this machine: hooks leave it');
      expect(line).to.include('address=127.0.0.1:0');
    });

    it('warns at start when hooks are unsigned, and only then', async () => {
      const unsigned = await startService(serveEnv());
      const signed = await startService({ ...serveEnv(), CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'e.db')}`, CCX_HOOK_HOOKS_SECRET: secret });
      await unsigned.service.stop('SIGTERM');
      await signed.service.stop('SIGTERM');
      const warnings = (lines: string[]) => lines.filter((line) => line.includes('hooks are unsigned'));
      expect(warnings(unsigned.service.lines)).to.have.length(1);
      expect(warnings(signed.service.lines)).to.have.length(0);
      expect(signed.service.lines.find((line) => line.includes('listening'))).to.include('"signed":true');
    });

    it('answers server reflection, as grpcurl uses it, from the bundle the bin runs', async () => {
      const { service, port } = await startService(serveEnv());
      processes.push(service);
      const reflection = (loadPackageDefinition(loadSync(reflectionProto)) as Loaded).grpc.reflection.v1.ServerReflection;
      const client = new reflection(`127.0.0.1:${port}`, credentials.createInsecure());
      const ask = (request: object) =>
        new Promise<Loaded>((resolve, reject) => {
          const call = client.serverReflectionInfo();
          call.on('data', (response: Loaded) => {
            resolve(response);
            call.end();
          });
          call.on('error', reject);
          call.write(request);
        });
      const services = (await ask({ listServices: '' })).listServicesResponse.service.map((entry: { name: string }) => entry.name);
      const files = (await ask({ fileContainingSymbol: 'ccx.hook.v1.HookService' })).fileDescriptorResponse.fileDescriptorProto as Buffer[];
      client.close();
      expect(services).to.include.members(['ccx.hook.v1.HookService', 'grpc.health.v1.Health']);
      expect(Buffer.concat(files).toString('latin1')).to.include('PreAddNodeRequest');
    });

    it('stops mock-hooks started by npx when npx is killed (kill $!)', async () => {
      const npx = spawn('npx', ['ccx-hook-service', 'mock-hooks', '--port', '0'], { cwd: workspaceRoot, env: cleanEnv({}), stdio: ['ignore', 'pipe', 'ignore'] });
      const url = await new Promise<string>((resolve) => {
        let out = '';
        npx.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening on (\S+)/.exec(out);
          if (match) resolve(match[1]!);
        });
      });
      npx.kill('SIGTERM');
      const listening = () => fetch(`${url}/post-add-node`, { method: 'POST', body: '{}' }).then(() => true, () => false);
      await until(async () => !(await listening()), 'mock-hooks stops listening once npx is gone', 5_000, 100);
    });

    it('stops gracefully on SIGTERM with exit status 0', async () => {
      const { service } = await startService(serveEnv());
      expect(await service.stop('SIGTERM')).to.equal(0);
      expect(service.lines.join('\n')).to.include('"message":"stopped"');
    });
  });
});
