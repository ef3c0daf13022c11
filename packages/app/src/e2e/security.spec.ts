import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, loadPackageDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { expect } from 'chai';
import { generateSigningKey } from '@ccx-hook/hook-client';
import { protoPath } from '@ccx-hook/proto';
import { type CertificateAuthority, createCertificateAuthority } from '@ccx-hook/test-certificates';
import { bin, cleanEnv, type CliProcess, runCli, startMockHooksProcess, startService } from './cli-process.js';

/** `pre-add-node` through a client built from the .proto alone (not this project's code), over TLS. */
function independentCall(port: number, ca: string, cert?: { cert: string; key: string }): Promise<Record<string, unknown>> {
  const definition = loadPackageDefinition(loadSync(protoPath, { keepCase: true })) as any;
  const tls = credentials.createSsl(Buffer.from(ca), cert ? Buffer.from(cert.key) : null, cert ? Buffer.from(cert.cert) : null);
  const client = new definition.ccx.hook.v1.HookService(`localhost:${port}`, tls);
  return new Promise<Record<string, unknown>>((resolve, reject) =>
    client.PreAddNode({ cluster_id: 'c-independent', node_count: 1 }, { deadline: Date.now() + 5_000 }, (error: ServiceError | null, reply: Record<string, unknown>) =>
      error ? reject(error) : resolve(reply),
    ),
  ).finally(() => client.close());
}

describe('end to end: security', function () {
  this.timeout(60_000);
  let dir: string;
  let serverCa: CertificateAuthority;
  let clientCa: CertificateAuthority;
  let otherCa: CertificateAuthority;
  const processes: CliProcess[] = [];
  before(() => {
    serverCa = createCertificateAuthority('server');
    clientCa = createCertificateAuthority('client');
    otherCa = createCertificateAuthority('other');
  });
  after(() => [serverCa, clientCa, otherCa].forEach((ca) => ca.remove()));
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ccx-e2e-security-'))));
  afterEach(async () => {
    for (const running of processes.splice(0)) await running.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(env: Record<string, string>) {
    const receiver = await startMockHooksProcess();
    processes.push(receiver.mock);
    const started = await startService({ CCX_HOOK_HOOKS_URL: receiver.url, CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'd.db')}`, ...env });
    processes.push(started.service);
    return started;
  }

  const testClient = (port: number, ...flags: string[]) =>
    runCli(['test-client', 'pre-add-node', '{"clusterId":"c1","nodeCount":1}', '--address', `127.0.0.1:${port}`, '--timeout', '5s', ...flags]);

  it('serves gRPC over TLS to test-client and to an independent client, and refuses plaintext', async () => {
    const server = serverCa.issueServer('ccx-hook');
    const { service, port } = await serve({ CCX_HOOK_GRPC_TLS_CERT: server.certFile, CCX_HOOK_GRPC_TLS_KEY: server.keyFile });
    expect(service.lines.find((line) => line.includes('listening'))).to.include('"tls":"server"');
    const ok = await testClient(port, '--ca', serverCa.certFile);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(JSON.parse(ok.stdout)).to.include({ approved: true, decidedBy: 'DECIDED_BY_INTEGRATOR' });
    expect((await testClient(port, '--ca', serverCa.certFile, '--server-name', 'localhost')).code).to.equal(0);
    expect(await independentCall(port, serverCa.cert)).to.include({ approved: true });

    const plaintext = await testClient(port);
    expect(plaintext.code).to.equal(1);
    expect(plaintext.stderr).to.include('UNAVAILABLE');
    const untrusted = await testClient(port, '--ca', otherCa.certFile);
    expect(untrusted.code).to.equal(1);
  });

  it('requires a client certificate of grpc.tls.client_ca (mutual TLS)', async () => {
    const server = serverCa.issueServer('ccx-hook');
    const { port } = await serve({
      CCX_HOOK_GRPC_TLS_CERT: server.certFile,
      CCX_HOOK_GRPC_TLS_KEY: server.keyFile,
      CCX_HOOK_GRPC_TLS_CLIENT_CA: clientCa.certFile,
    });
    const control = clientCa.issueClient('control-plane');
    const withCert = await testClient(port, '--ca', serverCa.certFile, '--cert', control.certFile, '--key', control.keyFile);
    expect(withCert.code, withCert.stderr).to.equal(0);
    expect(await independentCall(port, serverCa.cert, control)).to.include({ approved: true });

    expect((await testClient(port, '--ca', serverCa.certFile)).code, 'no client certificate').to.equal(1);
    const stranger = otherCa.issueClient('stranger');
    expect((await testClient(port, '--ca', serverCa.certFile, '--cert', stranger.certFile, '--key', stranger.keyFile)).code, 'another CA').to.equal(1);
    await independentCall(port, serverCa.cert).then(() => expect.fail('a client without a certificate was served'), () => {});
    expect((await testClient(port)).code, 'plaintext').to.equal(1);
  });

  it('picks up a new certificate on SIGHUP without a restart, and keeps the old one when the new one is unusable', async () => {
    const first = serverCa.issueServer('first');
    const certFile = join(dir, 'tls.crt');
    const keyFile = join(dir, 'tls.key');
    copyFileSync(first.certFile, certFile);
    copyFileSync(first.keyFile, keyFile);
    const { service, port } = await serve({ CCX_HOOK_GRPC_TLS_CERT: certFile, CCX_HOOK_GRPC_TLS_KEY: keyFile });
    expect((await testClient(port, '--ca', serverCa.certFile)).code).to.equal(0);

    writeFileSync(keyFile, 'not a key');
    service.signal('SIGHUP');
    await service.waitFor(/credentials not reloaded/);
    expect((await testClient(port, '--ca', serverCa.certFile)).code, 'the old certificate stays').to.equal(0);

    const renewed = otherCa.issueServer('renewed');
    copyFileSync(renewed.certFile, certFile);
    copyFileSync(renewed.keyFile, keyFile);
    service.signal('SIGHUP');
    await service.waitFor(/credentials reloaded/);
    const next = await testClient(port, '--ca', otherCa.certFile);
    expect(next.code, next.stderr).to.equal(0);
    expect((await testClient(port, '--ca', serverCa.certFile)).code, 'the old certificate is gone').to.equal(1);
    expect(service.lines.filter((line) => line.includes('listening'))).to.have.length(1);
  });

  it('calls an integrator behind HTTPS with a private CA and a required client certificate', async () => {
    const integratorCert = otherCa.issueServer('integrator');
    const https: Server = createServer(
      { cert: integratorCert.cert, key: integratorCert.key, ca: clientCa.cert, requestCert: true, rejectUnauthorized: true },
      (request, response) => {
        request.resume();
        request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"approved":true,"work_id":"w-https"}'));
      },
    );
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://localhost:${(https.address() as AddressInfo).port}`;
      const client = clientCa.issueClient('ccx-hook-service');
      const store = (name: string) => `sqlite:${join(dir, `${name}.db`)}`;
      const trusted = await startService({
        CCX_HOOK_HOOKS_URL: url,
        CCX_HOOK_STORE_URL: store('trusted'),
        CCX_HOOK_HOOKS_TLS_CA: otherCa.certFile,
        CCX_HOOK_HOOKS_TLS_CERT: client.certFile,
        CCX_HOOK_HOOKS_TLS_KEY: client.keyFile,
      });
      processes.push(trusted.service);
      const approved = await testClient(trusted.port);
      expect(JSON.parse(approved.stdout)).to.include({ approved: true, workId: 'w-https', decidedBy: 'DECIDED_BY_INTEGRATOR' });

      const untrusted = await startService({ CCX_HOOK_HOOKS_URL: url, CCX_HOOK_STORE_URL: store('untrusted'), CCX_HOOK_HOOKS_ATTEMPTS: '1' });
      processes.push(untrusted.service);
      const refused = await testClient(untrusted.port);
      expect(JSON.parse(refused.stdout)).to.include({ approved: false, decidedBy: 'DECIDED_BY_FAILURE_POLICY' });
      expect(await untrusted.service.waitFor(/failure policy decided/)).to.match(/TLS handshake failed: \w+/);
    } finally {
      https.closeAllConnections();
      https.close();
    }
  });

  it('rotates the hook secret: hooks.secret_file is read again on SIGHUP, and both secrets sign meanwhile', async () => {
    const [oldSecret, newSecret] = ['old-secret-of-thirty-two-bytes!!', 'new-secret-of-thirty-two-bytes!!'].map((key) => `whsec_${Buffer.from(key).toString('base64')}`);
    const secretFile = join(dir, 'hook-secret');
    writeFileSync(secretFile, `${oldSecret}\n`);
    // The integrator has moved on to the new secret already.
    const receiver = await startMockHooksProcess(['--secret', newSecret]);
    processes.push(receiver.mock);
    const { service, port, httpPort } = await startService({
      CCX_HOOK_HOOKS_URL: receiver.url,
      CCX_HOOK_HOOKS_SECRET_FILE: secretFile,
      CCX_HOOK_HOOKS_ATTEMPTS: '1',
      CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'd.db')}`,
    });
    processes.push(service);
    const decidedBy = async () => (JSON.parse((await testClient(port)).stdout) as { decidedBy: string }).decidedBy;
    expect(await decidedBy(), 'signed with the old secret only').to.equal('DECIDED_BY_FAILURE_POLICY');
    writeFileSync(secretFile, `${oldSecret}\n${newSecret}\n`);
    service.signal('SIGHUP');
    await service.waitFor(/credentials reloaded.*"secret_count":2/);
    expect(await decidedBy(), 'signed with both').to.equal('DECIDED_BY_INTEGRATOR');
    writeFileSync(secretFile, 'whsec_short');
    service.signal('SIGHUP');
    await service.waitFor(/credentials not reloaded/);
    expect(await decidedBy(), 'a bad file changes nothing').to.equal('DECIDED_BY_INTEGRATOR');
    // Emptied (a secret manager's non-atomic rewrite, a slip): signing must not quietly stop.
    writeFileSync(secretFile, '');
    service.signal('SIGHUP');
    await service.waitFor(/"level":"error","message":"credentials not reloaded.*holds no secret/);
    expect(await decidedBy(), 'an empty file changes nothing').to.equal('DECIDED_BY_INTEGRATOR');
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    expect(metrics).to.match(/^ccx_hook_signing_credentials 2$/m);
  });

  it('signs with v1a: keys generate and keys public make a pair; mock-hooks verifies with the public key, and a wrong one gets 401', async () => {
    const generated = await runCli(['keys', 'generate']);
    expect(generated.code).to.equal(0);
    const signingKey = /whsk_\S+/.exec(generated.stdout)![0];
    const publicKey = /whpk_\S+/.exec(generated.stdout)![0];
    const keysPublic = (input: string) => spawnSync(process.execPath, [bin, 'keys', 'public'], { input, env: cleanEnv({}), encoding: 'utf8' });
    expect(keysPublic(`${signingKey}\n`).stdout.trim()).to.equal(publicKey);
    const refused = keysPublic('whsk_bm90LWEta2V5\n');
    expect([refused.status, refused.stderr.trim().split('\n').length]).to.deep.equal([1, 1]);
    expect(refused.stderr).to.include('keys public: stdin: a signing key must be').and.not.include('bm90LWEta2V5');

    const other = generateSigningKey();
    for (const [verifyingKey, decidedBy] of [[publicKey, 'DECIDED_BY_INTEGRATOR'], [other.publicKey, 'DECIDED_BY_FAILURE_POLICY']] as const) {
      const receiver = await startMockHooksProcess(['--public-key', verifyingKey]);
      processes.push(receiver.mock);
      const { service, port } = await startService({
        CCX_HOOK_HOOKS_URL: receiver.url,
        CCX_HOOK_HOOKS_SIGNING_KEY: signingKey,
        CCX_HOOK_HOOKS_ATTEMPTS: '1',
        CCX_HOOK_STORE_URL: `sqlite:${join(dir, `${decidedBy}.db`)}`,
      });
      processes.push(service);
      const answer = JSON.parse((await testClient(port)).stdout) as { decidedBy: string };
      expect(answer.decidedBy, `verified with ${verifyingKey === publicKey ? 'its' : 'another'} public key`).to.equal(decidedBy);
      if (verifyingKey !== publicKey) expect(receiver.mock.lines.join('\n')).to.include('401');
    }
  });

  it('refuses a signing key that is not one at start, naming the key and never its value', async () => {
    const started = await runCli(['serve'], { CCX_HOOK_HOOKS_URL: 'http://127.0.0.1:1', CCX_HOOK_HOOKS_SIGNING_KEY: 'whsk_bm90LWEta2V5', CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'd.db')}` });
    expect(started.code).to.equal(1);
    expect(started.stderr.trim().split('\n')).to.have.length(1);
    expect(started.stderr).to.include('hooks.signing_key (CCX_HOOK_HOOKS_SIGNING_KEY): key 1: a signing key must be').and.not.include('bm90LWEta2V5');
  });

  it('refuses to start with a secrets file that holds no secret, naming the key', async () => {
    const secretFile = join(dir, 'hook-secret');
    writeFileSync(secretFile, '\n \n');
    const started = await runCli(['serve'], { CCX_HOOK_HOOKS_URL: 'http://127.0.0.1:1', CCX_HOOK_HOOKS_SECRET_FILE: secretFile, CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'd.db')}` });
    expect(started.code).to.equal(1);
    expect(started.stderr.trim().split('\n')).to.have.length(1);
    expect(started.stderr).to.include('hooks.secret_file').and.include('holds no secret');
  });

  it('refuses unusable TLS files at start with one line naming the key', async () => {
    const server = serverCa.issueServer('ccx-hook');
    const env = { CCX_HOOK_HOOKS_URL: 'http://127.0.0.1:1', CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'd.db')}` };
    const swapped = await runCli(['serve'], { ...env, CCX_HOOK_GRPC_TLS_CERT: server.keyFile, CCX_HOOK_GRPC_TLS_KEY: server.certFile });
    expect(swapped.code).to.equal(1);
    expect(swapped.stderr.trim().split('\n')).to.have.length(1);
    expect(swapped.stderr).to.include('grpc.tls');
    const keyBody = readFileSync(server.keyFile, 'utf8').split('\n')[1]!;
    expect(swapped.stderr).not.to.include(keyBody);
    const alone = await runCli(['serve'], { ...env, CCX_HOOK_GRPC_TLS_CERT: server.certFile });
    expect(alone.stderr).to.include('grpc.tls.cert and grpc.tls.key');
    const device = await runCli(['serve'], { ...env, CCX_HOOK_HOOKS_TLS_CA: '/dev/zero' });
    expect(device.stderr).to.include('hooks.tls.ca').and.include('not a regular file');
    const noCa = await runCli(['serve'], { ...env, CCX_HOOK_HOOKS_TLS_CA: server.keyFile });
    expect(noCa.stderr).to.include('hooks.tls').and.include('no PEM certificate');
  });
});
