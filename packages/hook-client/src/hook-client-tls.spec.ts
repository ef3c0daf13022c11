import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { type CertificateAuthority, createCertificateAuthority } from '@ccx-hook/test-certificates';
import { HookError } from './errors.js';
import { HookClient, type HookTls } from './hook-client.js';

/** An integrator behind HTTPS with a certificate of `ca`; with `clientCa`, it requires a client certificate of that CA. */
async function httpsIntegrator(ca: CertificateAuthority, clientCa?: CertificateAuthority): Promise<{ url: string; server: Server }> {
  const { cert, key } = ca.issueServer('integrator');
  const server = createServer({ cert, key, ca: clientCa?.cert, requestCert: clientCa !== undefined, rejectUnauthorized: clientCa !== undefined }, (request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"approved":true}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `https://localhost:${(server.address() as AddressInfo).port}`, server };
}

const attempt = (tls: HookTls | undefined, url: string, hookName = 'pre-add-node') =>
  new HookClient({ tls }).send({ url: `${url}/${hookName}`, hookName, webhookId: 'msg_tls', attempt: 1, body: '{}', timeoutMs: 3_000 });

async function failure(promise: Promise<unknown>): Promise<HookError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(HookError);
    return error as HookError;
  }
  throw new Error('expected a HookError');
}

describe('HookClient over HTTPS', function () {
  this.timeout(20_000);
  let privateCa: CertificateAuthority;
  let otherCa: CertificateAuthority;
  let clientCa: CertificateAuthority;
  let integrator: { url: string; server: Server } | undefined;
  before(() => {
    privateCa = createCertificateAuthority('integrator');
    otherCa = createCertificateAuthority('other');
    clientCa = createCertificateAuthority('clients');
  });
  after(() => [privateCa, otherCa, clientCa].forEach((ca) => ca.remove()));
  afterEach(() => {
    integrator?.server.closeAllConnections();
    integrator?.server.close();
  });

  it('trusts an integrator\'s private CA only when it is configured, and says why it does not', async () => {
    integrator = await httpsIntegrator(privateCa);
    const untrusted = await failure(attempt(undefined, integrator.url));
    expect(untrusted.code).to.equal('ERR_HOOK_CONNECTION');
    expect(untrusted.message).to.match(/^TLS handshake failed: \w+: /);
    expect(untrusted.endpointDown).to.equal(true);
    expect((await attempt({ ca: privateCa.cert }, integrator.url)).statusCode).to.equal(200);
    expect((await failure(attempt({ ca: otherCa.cert }, integrator.url))).message).to.match(/^TLS handshake failed/);
  });

  it('trusts a pinned CA for its hook alone', async () => {
    integrator = await httpsIntegrator(privateCa);
    const tls = { pinnedCa: { 'pre-add-node': privateCa.cert } };
    expect((await attempt(tls, integrator.url, 'pre-add-node')).statusCode).to.equal(200);
    await failure(attempt(tls, integrator.url, 'pre-create-cluster'));
    // Pinned means only that CA: the extra CAs do not count for the hook.
    await failure(attempt({ ca: privateCa.cert, pinnedCa: { 'pre-add-node': otherCa.cert } }, integrator.url));
  });

  it('presents a client certificate to an integrator that requires one', async () => {
    integrator = await httpsIntegrator(privateCa, clientCa);
    const refused = await failure(attempt({ ca: privateCa.cert }, integrator.url));
    expect(refused.code).to.equal('ERR_HOOK_CONNECTION');
    const { cert, key } = clientCa.issueClient('ccx-hook-service');
    expect((await attempt({ ca: privateCa.cert, cert, key }, integrator.url)).statusCode).to.equal(200);
    const stranger = otherCa.issueClient('stranger');
    await failure(attempt({ ca: privateCa.cert, cert: stranger.cert, key: stranger.key }, integrator.url));
  });

  it('refuses unusable TLS material at construction and on reconfigure, keeping what it had', async () => {
    expect(() => new HookClient({ tls: { ca: 'not a certificate' } })).to.throw(/unusable TLS material/);
    const { cert } = clientCa.issueClient('lonely');
    expect(() => new HookClient({ tls: { cert } })).to.throw(/needs its key/);
    integrator = await httpsIntegrator(privateCa);
    const client = new HookClient({ tls: { ca: privateCa.cert } });
    expect(() => client.reconfigure({ tls: { ca: otherCa.key } })).to.throw(/unusable TLS material/);
    const request = { url: `${integrator.url}/pre-add-node`, hookName: 'pre-add-node', webhookId: 'msg_tls', attempt: 1, body: '{}', timeoutMs: 3_000 };
    expect((await client.send(request)).statusCode).to.equal(200);
    client.reconfigure({ tls: { ca: otherCa.cert } });
    await failure(client.send(request));
  });
});
