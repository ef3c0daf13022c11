import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { hookNames } from '@ccx-hook/hook-client';
import { type CertificateAuthority, createCertificateAuthority } from '@ccx-hook/test-certificates';
import { until } from '@ccx-hook/test-waits';
import { CliProcess, runCli, startService } from './cli-process.js';

const authId = 'PLANTED-AUTH-ID-7c1e';
const secretKey = Buffer.from('PLANTED-SECRET-OF-32-BYTES-7c1e!').toString('base64');
const secret = `whsec_${secretKey}`;
const badSecret = 'whsec_PLANTEDBADSECRET7c1e';
const user = 'planteduser7c1e';
const password = 'plantedpass7c1e';

/**
 * A whole scenario — every hook, failing attempts, bad input, bad configuration, test-client
 * errors, mock-hooks — with values planted where credentials go; then every byte that any
 * process printed is searched for them.
 */
describe('end to end: no credential in any output', function () {
  this.timeout(120_000);
  let dir: string;
  let ca: CertificateAuthority;
  const outputs: string[] = [];
  const processes: CliProcess[] = [];
  before(() => (ca = createCertificateAuthority('redaction')));
  after(() => ca.remove());
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ccx-e2e-redaction-'))));
  afterEach(async () => {
    for (const running of processes.splice(0)) {
      await running.stop('SIGKILL');
      outputs.push(...running.lines, ...running.stderr);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(args: string[], env: Record<string, string> = {}) {
    const result = await runCli(args, env);
    outputs.push(result.stdout, result.stderr);
    return result;
  }

  it('prints no auth_id, secret, URL password or TLS key anywhere', async () => {
    const tls = ca.issueServer('ccx-hook');
    const keyLines = readFileSync(tls.keyFile, 'utf8').split('\n').filter((line) => line !== '' && !line.startsWith('-----'));
    const record = join(dir, 'hooks.jsonl');
    const mock = new CliProcess(['mock-hooks', '--port', '0', '--secret', secret, '--fail-ratio', '0.3', '--record', record], {});
    processes.push(mock);
    const mockUrl = (await mock.waitFor(/listening on/)).replace(/^.*listening on /, '').trim();
    const store = `sqlite:${join(dir, 'd.db')}`;
    const { service, port } = await startService({
      CCX_HOOK_HOOKS_URL: mockUrl.replace('http://', `http://${user}:${password}@`),
      // Attempts at this one always fail (nothing listens there), until the delivery is dead.
      CCX_HOOK_HOOKS_POST_DELETE_CLUSTER_URL: `http://${user}:${password}@127.0.0.1:1/post-delete-cluster`,
      CCX_HOOK_HOOKS_SECRET: secret,
      CCX_HOOK_STORE_URL: store,
      CCX_HOOK_GRPC_TLS_CERT: tls.certFile,
      CCX_HOOK_GRPC_TLS_KEY: tls.keyFile,
      CCX_HOOK_DELIVERY_SCHEDULE: '100ms,100ms,100ms,100ms',
      CCX_HOOK_LOG_LEVEL: 'debug',
    });
    processes.push(service);
    const address = ['--address', `127.0.0.1:${port}`, '--ca', ca.certFile];

    // Every hook, with the session id where the request takes one (the others are usage errors).
    for (const hook of hookNames) {
      await run(['test-client', hook, JSON.stringify({ clusterId: 'c1', nodeCount: 1, authId }), ...address]);
      await run(['test-client', hook, JSON.stringify({ clusterId: 'c1' }), ...address]);
    }
    // Bad input.
    await run(['test-client', 'pre-add-node', `{"clusterId":"c1","authId":"${authId}",}`, ...address]);
    await run(['test-client', 'pre-add-node', JSON.stringify({ clusterId: 'c1', authId: authId.repeat(500) }), ...address]);
    await run(['test-client', 'pre-add-node', JSON.stringify({ clusterId: 'c1', authId: [authId] }), ...address]);
    // test-client errors: plaintext against TLS, a key without its certificate.
    await run(['test-client', 'pre-add-node', JSON.stringify({ clusterId: 'c1', authId }), '--address', `127.0.0.1:${port}`, '--timeout', '2s']);
    await run(['test-client', 'pre-add-node', '{"clusterId":"c1"}', ...address, '--key', tls.keyFile]);
    // What mock-hooks prints of bodies that are not JSON.
    for (const body of [`auth_id=${authId}&x=1`, `{"auth_id": "${authId}", broken`, `{'authId': '${authId}'}`]) {
      await fetch(`${mockUrl}/pre-add-node`, { method: 'POST', body }).then((response) => response.text());
    }
    // Bad configuration.
    const bad = { CCX_HOOK_STORE_URL: store };
    await run(['serve'], { ...bad, CCX_HOOK_HOOKS_URL: `ftp://${user}:${password}@example.com/x` });
    await run(['serve'], { ...bad, CCX_HOOK_HOOKS_URL: mockUrl, CCX_HOOK_HOOKS_SECRET: badSecret });
    await run(['serve'], { ...bad, CCX_HOOK_HOOKS_URL: mockUrl, CCX_HOOK_HOOKS_SECRET: `${secret},${badSecret}` });
    await run(['serve'], { CCX_HOOK_HOOKS_URL: mockUrl, CCX_HOOK_STORE_URL: `postgres://${user}:${password}@127.0.0.1:1/x` });
    await run(['serve'], { ...bad, CCX_HOOK_HOOKS_URL: mockUrl, CCX_HOOK_GRPC_TLS_CERT: tls.keyFile, CCX_HOOK_GRPC_TLS_KEY: tls.keyFile });
    await run(['mock-hooks', '--port', '0', '--secret', badSecret]);
    // The operator's view of the deliveries, once they are done.
    await until(async () => {
      const pending = await runCli(['deliveries', 'list', '--status', 'pending', '--json'], { CCX_HOOK_STORE_URL: store });
      return (JSON.parse(pending.stdout) as { deliveries: unknown[] }).deliveries.length === 0;
    }, 'no delivery pending', 10_000, 200);
    const listed = await run(['deliveries', 'list', '--json'], { CCX_HOOK_STORE_URL: store });
    for (const { id } of (JSON.parse(listed.stdout) as { deliveries: Array<{ id: string }> }).deliveries) {
      await run(['deliveries', 'show', id], { CCX_HOOK_STORE_URL: store });
    }
    service.signal('SIGTERM');
    mock.signal('SIGTERM');
    await Promise.all([service.exited, mock.exited]);

    // The planted values did flow: to the integrator, exact; into the printed output, redacted.
    const printed = [...outputs, ...mock.lines, ...mock.stderr, ...service.lines, ...service.stderr].join('\n');
    expect(readFileSync(record, 'utf8')).to.include(authId);
    expect(printed).to.include('[redacted]');
    expect(printed).to.include('delivery delivered').and.include('delivery dead after its last attempt').and.include('INVALID_ARGUMENT');
    for (const planted of [authId, secret, secretKey, badSecret, badSecret.slice(6), user, password, ...keyLines]) {
      const line = printed.split('\n').find((candidate) => candidate.includes(planted));
      expect(line, `"${planted}" was printed`).to.equal(undefined);
    }
  });
});
