import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { defaultGrpcLimits } from '@ccx-hook/server';
import { serveDefaults } from './config-schema.js';
import { ConfigError } from './errors.js';
import { loadConfig } from './load-config.js';

describe('loadConfig', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ccx-config-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const load = (env: Record<string, string> = {}, flags: Record<string, string> = {}, configFile?: string) =>
    loadConfig({ env, flags, configFile, defaults: serveDefaults });

  it('has the defaults of DESIGN §4, §5 and §9', () => {
    const config = load();
    expect(config.grpcAddress).to.equal('0.0.0.0:50051');
    expect(config.preHooks).to.deep.equal({
      budgetMs: 10_000,
      attempts: 3,
      deadlineMarginMs: 100,
      rejectionMessage: 'The request could not be checked with the provider. Please try again later.',
    });
    expect(config.breaker).to.deep.equal({ threshold: 5, cooldownMs: 30_000 });
    expect(config.hooks['pre-add-node']).to.deep.equal({ url: undefined, failurePolicy: 'fail-closed', mode: 'enforce', timeoutMs: 5000 });
    expect(config.hooks['post-add-node'].timeoutMs).to.equal(15_000);
    expect(config.delivery.schedule).to.deep.equal([5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 504e5, 72e6, 864e5]);
    expect(config.delivery.retentionMs).to.equal(7 * 86_400_000);
    expect(config.delivery.stallTimeoutMs).to.equal(300_000);
    expect(config.storeTimeoutMs).to.equal(5_000);
    expect(config.grpcLimits, 'the server\'s own defaults').to.deep.equal(defaultGrpcLimits);
    expect(config.log).to.deep.equal({ level: 'info', format: 'json' });
  });

  it('takes the file, then the environment, then flags', () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ hooks: { url: 'http://file', timeout: '1s', budget: '2s' }, log: { level: 'debug' } }));
    const config = load({ CCX_HOOK_HOOKS_TIMEOUT: '1500ms', CCX_HOOK_HOOKS_BUDGET: '3s' }, { 'hooks-budget': '4s' }, file);
    expect(config.hooks['pre-create-cluster'].url).to.equal('http://file/pre-create-cluster');
    expect(config.hooks['pre-create-cluster'].timeoutMs).to.equal(1500);
    expect(config.preHooks.budgetMs).to.equal(4000);
    expect(config.log.level).to.equal('debug');
  });

  it('reads the file named by CCX_HOOK_CONFIG', () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ delivery: { schedule: '1s,2m' } }));
    expect(load({ CCX_HOOK_CONFIG: file }).delivery.schedule).to.deep.equal([1000, 120_000]);
  });

  it('gives each hook its own URL, policy, timeout or none', () => {
    const config = load({
      CCX_HOOK_HOOKS_URL: 'https://billing.example/ccx/',
      CCX_HOOK_HOOKS_PRE_ADD_NODE_URL: 'https://quota.example/check',
      CCX_HOOK_HOOKS_PRE_ADD_NODE_FAILURE_POLICY: 'fail-open',
      CCX_HOOK_HOOKS_POST_DELETE_CLUSTER_ENABLED: 'false',
      CCX_HOOK_HOOKS_POST_ADD_NODE_TIMEOUT: '2s',
    });
    expect(config.hooks['pre-create-cluster'].url).to.equal('https://billing.example/ccx/pre-create-cluster');
    expect(config.hooks['pre-add-node']).to.deep.equal({ url: 'https://quota.example/check', failurePolicy: 'fail-open', mode: 'enforce', timeoutMs: 5000 });
    expect(config.hooks['post-delete-cluster'].url).to.equal(undefined);
    expect(config.hooks['post-add-node'].timeoutMs).to.equal(2000);
  });

  it('puts a pre- hook that can reject in shadow mode, and refuses a mode that is not one', () => {
    const config = load({ CCX_HOOK_HOOKS_URL: 'https://billing.example/ccx', CCX_HOOK_HOOKS_PRE_CREATE_CLUSTER_MODE: 'shadow' });
    expect([config.hooks['pre-create-cluster'].mode, config.hooks['pre-add-node'].mode, config.hooks['pre-remove-node'].mode]).to.deep.equal([
      'shadow',
      'enforce',
      undefined,
    ]);
    expect(() => load({ CCX_HOOK_HOOKS_PRE_ADD_NODE_MODE: 'watch' })).to.throw(ConfigError, 'hooks.pre-add-node.mode');
  });

  it('reads secrets from hooks.secret and hooks.secret_file', () => {
    const a = `whsec_${Buffer.from('a'.repeat(24)).toString('base64')}`;
    const b = `whsec_${Buffer.from('b'.repeat(24)).toString('base64')}`;
    const file = join(dir, 'secrets');
    writeFileSync(file, `${b}\n`);
    expect(load({ CCX_HOOK_HOOKS_SECRET: a, CCX_HOOK_HOOKS_SECRET_FILE: file }).credentials.secrets).to.deep.equal([a, b]);
  });

  it('throws ConfigError for an unknown flag', () => {
    expect(() => load({}, { 'hooks-bugdet': '1s' })).to.throw(ConfigError, 'unknown flag --hooks-bugdet');
  });

  const error = (run: () => unknown) => {
    try {
      run();
    } catch (failure) {
      expect(failure).to.be.instanceOf(ConfigError);
      return (failure as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('takes booleans as true or false in any case, and refuses anything else naming the key', () => {
    expect(load({ CCX_HOOK_HOOKS_PRE_ADD_NODE_ENABLED: 'FALSE', CCX_HOOK_HOOKS_URL: 'http://x' }).hooks['pre-add-node'].url).to.equal(undefined);
    expect(load({ CCX_HOOK_HOOKS_PRE_ADD_NODE_ENABLED: 'True', CCX_HOOK_HOOKS_URL: 'http://x' }).hooks['pre-add-node'].url).to.equal('http://x/pre-add-node');
    for (const value of ['no', '0', 'off', 'maybe', '']) {
      expect(error(() => load({ CCX_HOOK_HOOKS_PRE_ADD_NODE_ENABLED: value })), value).to.include('hooks.pre-add-node.enabled').and.include('true or false');
    }
  });

  it('refuses durations of zero where time must pass, and beyond 24 days', () => {
    expect(error(() => load({ CCX_HOOK_HOOKS_TIMEOUT: '0' }))).to.include('hooks.timeout');
    expect(error(() => load({ CCX_HOOK_DELIVERY_TIMEOUT: '0s' }))).to.include('delivery.timeout');
    expect(error(() => load({ CCX_HOOK_STORE_TIMEOUT: '0s' }))).to.include('store.timeout');
    expect(error(() => load({ CCX_HOOK_HOOKS_PRE_ADD_NODE_TIMEOUT: '0ms' }))).to.include('hooks.pre-add-node.timeout');
    expect(error(() => load({ CCX_HOOK_HOOKS_BUDGET: '25d' }))).to.include('hooks.budget').and.include('24 days');
    expect(error(() => load({ CCX_HOOK_DELIVERY_SCHEDULE: '5s,30d' }))).to.include('delivery.schedule');
    expect(load({ CCX_HOOK_HOOKS_DEADLINE_MARGIN: '0' }).preHooks.deadlineMarginMs).to.equal(0);
  });

  it('refuses a hook URL with a query or a fragment', () => {
    expect(error(() => load({ CCX_HOOK_HOOKS_URL: 'https://billing.example/ccx?key=1' }))).to.include('hooks.url').and.include('query');
    expect(error(() => load({ CCX_HOOK_HOOKS_POST_ADD_NODE_URL: 'https://billing.example/x#y' }))).to.include('hooks.post-add-node.url');
  });

  it('keeps the console off by default, and refuses it off loopback without a token or with a short one', () => {
    expect(load().console).to.deep.equal({ address: undefined, token: undefined, decisions: 1000 });
    expect(load({ CCX_HOOK_CONSOLE_ADDRESS: '127.0.0.1:9465' }).console.address).to.equal('127.0.0.1:9465');
    const token = 'x'.repeat(24);
    expect(load({ CCX_HOOK_CONSOLE_ADDRESS: '0.0.0.0:9465', CCX_HOOK_CONSOLE_TOKEN: token }).console.token).to.equal(token);
    expect(error(() => load({ CCX_HOOK_CONSOLE_ADDRESS: '0.0.0.0:9465' }))).to.equal(
      'invalid configuration: console.token (CCX_HOOK_CONSOLE_TOKEN): required when console.address "0.0.0.0:9465" is not loopback',
    );
    const short = error(() => load({ CCX_HOOK_CONSOLE_TOKEN: 'short-secret' }));
    expect(short).to.equal('invalid configuration: console.token (CCX_HOOK_CONSOLE_TOKEN): must be at least 24 characters');
    expect(error(() => load({ CCX_HOOK_CONSOLE_ADDRESS: 'everywhere' }))).to.include('console.address').and.include('host:port');
  });

  it('ignores the variables Kubernetes injects for a Service named ccx-hook, and no others', () => {
    const injected = {
      CCX_HOOK_SERVICE_HOST: '10.0.0.1',
      CCX_HOOK_SERVICE_PORT: '50051',
      CCX_HOOK_SERVICE_PORT_GRPC: '50051',
      CCX_HOOK_PORT: 'tcp://10.0.0.1:50051',
      CCX_HOOK_PORT_50051_TCP: 'tcp://10.0.0.1:50051',
      CCX_HOOK_PORT_50051_TCP_PROTO: 'tcp',
      CCX_HOOK_PORT_50051_TCP_PORT: '50051',
      CCX_HOOK_PORT_50051_TCP_ADDR: '10.0.0.1',
    };
    expect(load(injected).grpcAddress).to.equal('0.0.0.0:50051');
    expect(error(() => load({ CCX_HOOK_SERVICE_HOSTS: 'x' }))).to.include('CCX_HOOK_SERVICE_HOSTS');
  });

  it('refuses a placeholder secret (the old Kubernetes template\'s, an example\'s), naming its position only', () => {
    const text = (words: string) => `whsec_${Buffer.from(words).toString('base64')}`;
    for (const placeholder of ['REPLACE-ME-WITH-32-RANDOM-BYTES!', 'change-me-change-me-change-me!!', 'an-example-secret-of-32-bytes-xx']) {
      const message = error(() => load({ CCX_HOOK_HOOKS_SECRET: `${text('a-real-enough-secret-of-32-bytes')},${text(placeholder)}` }));
      expect(message, placeholder).to.include('hooks.secret').and.include('secret 2 is a placeholder').and.include('openssl rand');
      expect(message).not.to.include(text(placeholder));
    }
    expect(load({ CCX_HOOK_HOOKS_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}` }).credentials.secrets).to.have.length(1);
  });

  it('names the nearest known variable for a mistyped one, and none for a name far from all', () => {
    expect(error(() => load({ CCX_HOOK_HOOKS_ULR: 'http://x' }))).to.equal(
      'invalid configuration: unknown environment variable CCX_HOOK_HOOKS_ULR; did you mean CCX_HOOK_HOOKS_URL?',
    );
    expect(error(() => load({ CCX_HOOK_STORE_URI: 'x' }))).to.include('did you mean CCX_HOOK_STORE_URL?');
    expect(error(() => load({ CCX_HOOK_HOOK_SECRET: 'x' }))).to.include('did you mean CCX_HOOK_HOOKS_SECRET?');
    expect(error(() => load({ CCX_HOOK_DELIVERY_CONCURENCY: '4' }))).to.include('did you mean CCX_HOOK_DELIVERY_CONCURRENCY?');
    expect(error(() => load({ CCX_HOOK_SOMETHING_ELSE: 'x' }))).to.equal('invalid configuration: unknown environment variable CCX_HOOK_SOMETHING_ELSE');
  });

  it('refuses dotted keys in a config file, naming them, and files that are not small regular files', () => {
    const file = join(dir, 'dotted.json');
    writeFileSync(file, JSON.stringify({ hooks: { 'pre-add-node': { url: 'http://x/p' } }, 'grpc.address': '127.0.0.1:1' }));
    expect(error(() => load({}, {}, file))).to.include('"grpc.address"').and.include('nested');
    const big = join(dir, 'big.json');
    writeFileSync(big, `{"log":{"level":"info"}}${' '.repeat(1024 * 1024)}`);
    expect(error(() => load({}, {}, big))).to.include('1 MiB');
    expect(error(() => load({}, {}, '/dev/zero'))).to.include('not a regular file');
    expect(error(() => load({}, {}, dir))).to.include('not a regular file');
    expect(error(() => load({ CCX_HOOK_HOOKS_SECRET_FILE: '/dev/zero' }))).to.include('hooks.secret_file').and.include('not a regular file');
    expect(error(() => load({ CCX_HOOK_HOOKS_SECRET_FILE: big }))).to.include('hooks.secret_file').and.include('1 MiB');
  });
});
