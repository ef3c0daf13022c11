import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type DeliveryStore, EndpointSignals, SqliteStore } from '@ccx-hook/delivery';
import type { Logger } from '@ccx-hook/hook-client';
import { until } from '@ccx-hook/test-waits';
import { AttemptHistory } from './attempt-history.js';
import { ConsoleAuth, sessionCookie } from './console-auth.js';
import { DecisionLog } from './decision-log.js';
import { maxStreamsPerViewer } from './live-updates.js';
import { type RunningConsole, startConsole } from './start-console.js';

const token = 'a-console-token-of-the-tests';
const failed = { attempt: 1, durationMs: 4, statusCode: 500, error: 'integrator answered HTTP 500' };

/** A GET with the `Host` header given, as a page that rebinds its own name to this address sends it. */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { headers: { host } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** One HTTP request that does not follow redirects (the tests check them). */
function fetchRaw(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return fetch(url, { redirect: 'manual', ...init });
}

describe('startConsole', function () {
  let dir: string;
  let store: DeliveryStore;
  let running: RunningConsole | undefined;
  let logged: Array<{ message: string; meta?: Record<string, unknown> }>;
  const logger: Logger = {
    error: (message, meta) => logged.push({ message, meta }),
    warn: (message, meta) => logged.push({ message, meta }),
    info: (message, meta) => logged.push({ message, meta }),
    debug: () => {},
  };

  let signals: EndpointSignals;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccx-console-'));
    store = await SqliteStore.open(join(dir, 'deliveries.db'));
    signals = new EndpointSignals({ store, logger, url: () => 'http://integrator.example/hooks?key=secret' });
    signals.start();
    logged = [];
  });
  afterEach(async () => {
    await signals.stop();
    await running?.close();
    running = undefined;
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (address: string, withToken: boolean, hosts?: string[], liveIntervalMs = 50) => {
    const decisions = new DecisionLog(10);
    running = await startConsole({
      address,
      ...(withToken && { token }),
      ...(hosts && { hosts }),
      store,
      decisions,
      attempts: new AttemptHistory(),
      circuits: () => [{ endpoint: 'http://integrator.example', open: true }],
      endpoints: () => signals.list(),
      logger,
      liveIntervalMs,
    });
    return { base: `http://127.0.0.1:${running.port}`, decisions };
  };
  const deadDelivery = async (clusterId: string, payload: object = { cluster_id: clusterId }) => {
    const { id } = await store.enqueue({ hook: 'post-add-node', clusterId, payload: JSON.stringify(payload) });
    const [claimed] = (await store.claim(100, 10_000)).filter((delivery) => delivery.id === id);
    await store.recordAttempt(claimed!.lease, failed, { status: 'dead' });
    return id;
  };

  it('offers "Retry all dead" only where it can act: something dead, a token, and a viewer who may use it', async () => {
    const retryAll = /href="\/retry-dead[^"]*">Retry all dead/;
    const readOnly = await start('127.0.0.1:0', false);
    expect(await (await fetch(`${readOnly.base}/`)).text()).not.to.match(retryAll).and.not.to.include('Log in to retry all dead');
    await deadDelivery('c-1');
    const noToken = await (await fetch(`${readOnly.base}/`)).text();
    expect(noToken, 'without console.token nobody can retry').not.to.match(retryAll).and.not.to.include('Log in to retry all dead');
    await running!.close();
    const withToken = await start('127.0.0.1:0', true);
    const bearer = { headers: { authorization: `Bearer ${token}` } };
    expect(await (await fetch(`${withToken.base}/`, bearer)).text()).to.match(retryAll);
    expect(await (await fetch(`${withToken.base}/`)).text(), 'not logged in').to.include('href="/login">Log in to retry all dead');
    expect(await (await fetch(`${withToken.base}/deliveries?state=dead&cluster=c-1`, bearer)).text()).to.match(/href="\/retry-dead\?cluster=c-1">Retry all dead of cluster c-1/);
    expect(await (await fetch(`${withToken.base}/deliveries?state=dead&cluster=c-2`, bearer)).text(), 'none dead there').not.to.match(retryAll);
  });

  it('writes every time with its zone', async () => {
    const { base } = await start('127.0.0.1:0', false);
    const id = await deadDelivery('c-1');
    const page = await (await fetch(`${base}/deliveries/${id}`)).text();
    expect(page).to.match(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    expect(page).not.to.match(/\d\d:\d\d:\d\d</);
  });

  it('on loopback, shows pages without the token but refuses every action', async () => {
    const id = await deadDelivery('c1');
    const { base } = await start('127.0.0.1:0', false);
    const overview = await fetchRaw(`${base}/`);
    expect(overview.status).to.equal(200);
    expect(overview.headers.get('content-security-policy')).to.contain("script-src 'self'");
    const page = await overview.text();
    expect(page).to.match(/id="dead-count">1</);
    expect(page).to.contain('open: pre- hooks fail fast');
    expect(await (await fetchRaw(`${base}/deliveries/${id}`)).text()).to.contain('integrator answered HTTP 500');
    const retry = await fetchRaw(`${base}/deliveries/${id}/retry`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'csrf=anything',
    });
    expect(retry.status).to.equal(403);
    expect((await store.get(id))!.status).to.equal('dead');
  });

  it('off loopback, refuses readers without the token, and accepts the bearer token or a login session', async () => {
    await deadDelivery('c1');
    // 0.0.0.0 is not loopback: the token is needed to read too.
    const { base } = await start('0.0.0.0:0', true);
    const anonymous = await fetchRaw(`${base}/deliveries`);
    expect(anonymous.status).to.equal(401);
    expect(await anonymous.text()).not.to.contain('c1');
    expect((await fetchRaw(`${base}/events?view=overview`)).status).to.equal(401);
    expect((await fetchRaw(`${base}/`, { headers: { authorization: 'Bearer wrong-token' } })).status).to.equal(401);
    expect((await fetchRaw(`${base}/`, { headers: { authorization: `Bearer ${token}` } })).status).to.equal(200);

    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const wrong = await fetchRaw(`${base}/login`, { method: 'POST', headers: form, body: 'name=Mallory&token=guess' });
    expect(wrong.status).to.equal(401);
    const login = await fetchRaw(`${base}/login`, { method: 'POST', headers: form, body: `name=Bob&token=${token}&next=%2Fdeliveries` });
    expect(login.status).to.equal(303);
    expect(login.headers.get('location')).to.equal('/deliveries');
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).to.contain('HttpOnly').and.contain('SameSite=Strict');
    const session = cookie.split(';')[0]!;
    expect((await fetchRaw(`${base}/`, { headers: { cookie: session } })).status).to.equal(200);
    const [name, expires, nonce, mac] = session.split('=')[1]!.split('.');
    const forged = `${session.split('=')[0]}=${Buffer.from('Admin').toString('base64url')}.${expires}.${nonce}.${mac}`;
    expect((await fetchRaw(`${base}/`, { headers: { cookie: forged } })).status).to.equal(401, 'a session whose name was changed');
    expect(name).to.equal(Buffer.from('Bob').toString('base64url'));
    expect(logged.map((line) => line.message)).to.include.members(['console: login failed', 'console: login']);
  });

  it('answers only to its own host names, so that DNS rebinding cannot read it', async () => {
    await deadDelivery('c-secret');
    const { base } = await start('127.0.0.1:0', true);
    const port = new URL(base).port;
    const rebound = await getWithHost(`${base}/deliveries`, `evil.example:${port}`);
    expect(rebound.status).to.equal(421);
    expect(rebound.body).not.to.contain('c-secret');
    expect(rebound.body).to.contain('console.hosts');
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      expect((await getWithHost(`${base}/deliveries`, host)).status, host).to.equal(200);
    }
    await running!.close();
    const named = await start('127.0.0.1:0', true, ['console.example']);
    const namedPort = new URL(named.base).port;
    expect((await getWithHost(`${named.base}/deliveries`, `console.example:${namedPort}`)).status).to.equal(200);
    expect((await getWithHost(`${named.base}/deliveries`, `127.0.0.1:${namedPort}`)).status, 'only the names given').to.equal(421);
  });

  it('sends a login back only to a path of its own: no other site, no control characters', async () => {
    const { base } = await start('127.0.0.1:0', true);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    for (const next of ['/\t/evil.example/x', '/\n/evil.example/x', '//evil.example/x', '/\\evil.example', 'https://evil.example/', '/%09/evil.example']) {
      const login = await fetchRaw(`${base}/login`, { method: 'POST', headers: form, body: `token=${token}&next=${encodeURIComponent(next)}` });
      expect(login.status, JSON.stringify(next)).to.equal(303);
      expect(login.headers.get('location'), JSON.stringify(next)).to.be.oneOf(['/', '/%09/evil.example']);
    }
    const page = await fetchRaw(`${base}/login?next=${encodeURIComponent('/\n/x')}`);
    expect(page.status).to.equal(200);
    const kept = await fetchRaw(`${base}/login`, { method: 'POST', headers: form, body: `token=${token}&next=${encodeURIComponent('/deliveries?state=dead')}` });
    expect(kept.headers.get('location')).to.equal('/deliveries?state=dead');
  });

  it('throttles logins per remote address after five failures a minute, with one audit line for the burst', async () => {
    const { base } = await start('127.0.0.1:0', true);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const attempt = (guess: string) => fetchRaw(`${base}/login`, { method: 'POST', headers: form, body: `token=${guess}` });
    for (let n = 0; n < 5; n++) expect((await attempt(`guess-${n}`)).status).to.equal(401);
    const throttled = await attempt('guess-5');
    expect(throttled.status).to.equal(429);
    expect(Number(throttled.headers.get('retry-after'))).to.be.within(1, 60);
    expect((await attempt(token)).status, 'even the right token waits').to.equal(429);
    for (let n = 0; n < 20; n++) await attempt('more');
    expect(logged.filter((line) => line.message === 'console: login failed')).to.have.length(4);
    expect(logged.filter((line) => line.message === 'console: logins throttled after repeated failures')).to.have.length(1);
    expect((await fetchRaw(`${base}/`, { headers: { authorization: `Bearer ${token}` } })).status, 'the bearer token is not a login').to.equal(200);
  });

  it('retries for a session only with its CSRF token and from its own origin, and logs who did it', async () => {
    const id = await deadDelivery('c1');
    const { base } = await start('127.0.0.1:0', true);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const login = await fetchRaw(`${base}/login`, { method: 'POST', headers: form, body: `name=Carol&token=${token}` });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const detail = await (await fetchRaw(`${base}/deliveries/${id}`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(detail)![1]!;
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetchRaw(`${base}/deliveries/${id}/retry`, { method: 'POST', headers: { ...form, cookie, ...headers }, body });
    expect((await post('')).status).to.equal(403);
    expect((await post(`csrf=${csrf}`, { origin: 'http://evil.example' })).status).to.equal(403);
    expect((await store.get(id))!.status).to.equal('dead');
    const done = await post(`csrf=${encodeURIComponent(csrf)}`, { origin: base });
    expect(done.status).to.equal(303);
    expect(done.headers.get('location')).to.equal(`/deliveries/${id}?retried=queued`);
    expect((await store.get(id))!.status).to.equal('pending');
    expect(logged.find((line) => line.message === 'console: retry')?.meta).to.include({ operator: 'Carol', delivery_id: id, result: 'queued' });
  });

  it('shows a gone endpoint on the overview and resumes it for a session with its CSRF token, logging who did it', async () => {
    const { base } = await start('127.0.0.1:0', true);
    await store.markGone('post-add-node', 'http://integrator.example/hooks?key=secret');
    await until(() => signals.isGone('post-add-node'), 'the replica knows the endpoint is gone');
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const login = await fetchRaw(`${base}/login`, { method: 'POST', headers: form, body: `name=Dave&token=${token}` });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const overview = await (await fetchRaw(`${base}/`, { headers: { cookie } })).text();
    expect(overview).to.match(/post-add-node<\/td>\s*<td class="bad">gone since \d{4}-.* \(http:\/\/integrator.example answered 410\)/);
    expect(overview, 'the URL\'s query is not shown').not.to.include('secret');
    expect(overview).to.include('action="/endpoints/post-add-node/resume"');
    const csrf = /name="csrf" value="([^"]+)"/.exec(overview)![1]!;
    const resume = (body: string) => fetchRaw(`${base}/endpoints/post-add-node/resume`, { method: 'POST', headers: { ...form, cookie, origin: base }, body });
    expect((await resume('')).status, 'no CSRF token').to.equal(403);
    expect(await store.endpoints()).to.have.length(1);
    const done = await resume(`csrf=${encodeURIComponent(csrf)}`);
    expect(done.status).to.equal(303);
    expect(await store.endpoints()).to.deep.equal([]);
    expect(logged.find((line) => line.message === 'console: endpoint resumed')?.meta).to.include({ operator: 'Dave', hook: 'post-add-node', resumed: true });
    await until(() => !signals.isGone('post-add-node'), 'the replica reads the resume');
    expect(await (await fetchRaw(`${base}/`, { headers: { cookie } })).text()).not.to.include('endpoints-table');
  });

  it('lets a bearer client retry all dead deliveries of a cluster without a CSRF token, and reports progress', async () => {
    for (let n = 0; n < 3; n++) await deadDelivery('c1');
    const other = await deadDelivery('c2');
    const { base } = await start('127.0.0.1:0', true);
    const started = await fetchRaw(`${base}/retry-dead`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${token}` },
      body: 'cluster=c1',
    });
    expect(started.status).to.equal(303);
    const job = started.headers.get('location')!;
    expect(job).to.match(/^\/jobs\//);
    let page = '';
    for (let tries = 0; tries < 50 && !page.includes('done'); tries++) {
      page = await (await fetchRaw(`${base}${job}`, { headers: { authorization: `Bearer ${token}` } })).text();
    }
    expect(page).to.contain('3 of 3 queued again — done');
    expect(await store.count({ status: 'dead' })).to.equal(1);
    expect((await store.get(other))!.status).to.equal('dead');
    expect(logged.find((line) => line.message === 'console: retry of dead deliveries finished')?.meta).to.include({ operator: 'bearer token', cluster_id: 'c1', queued: 3 });
  });

  it('escapes what it shows, redacts auth_id in bodies, and names a bad query parameter', async () => {
    const id = await deadDelivery('<script>alert(1)</script>', { cluster_id: 'x', auth_id: 'users-session-token' });
    const { base } = await start('127.0.0.1:0', false);
    const list = await (await fetchRaw(`${base}/deliveries`)).text();
    expect(list).not.to.contain('<script>alert(1)');
    expect(list).to.contain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const detail = await (await fetchRaw(`${base}/deliveries/${id}`)).text();
    expect(detail).not.to.contain('users-session-token');
    expect(detail).to.contain('[redacted]');
    const bad = await fetchRaw(`${base}/deliveries?state=gone`);
    expect(bad.status).to.equal(400);
    expect(await bad.text()).to.contain('bad query parameter state: expected one of pending, delivered, dead');
    expect((await fetchRaw(`${base}/deliveries/msg_unknown`)).status).to.equal(404);
    expect((await fetchRaw(`${base}/nothing-here`)).status).to.equal(404);
  });

  it('pushes the overview\'s live parts to an open page over Server-Sent Events', async () => {
    await deadDelivery('c1');
    const { base } = await start('127.0.0.1:0', false);
    const event = await new Promise<string>((resolve, reject) => {
      const request = httpRequest(`${base}/events?view=overview`, (response) => {
        expect(response.headers['content-type']).to.equal('text/event-stream');
        let text = '';
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const complete = /event: update\ndata: (.*)\n\n/.exec(text);
          if (complete) {
            request.destroy();
            resolve(complete[1]!);
          }
        });
      });
      request.on('error', reject);
      request.end();
    });
    const fragments = JSON.parse(event) as Record<string, string>;
    expect(Object.keys(fragments)).to.have.members(['delivery-stats', 'attempts', 'circuits', 'blocked']);
    expect(fragments['delivery-stats']).to.match(/id="dead-count">1</);
  });

  it('caps live streams per viewer, and refuses one of a delivery that does not exist', async () => {
    const id = await deadDelivery('c1');
    // No tick while the test runs: the streams it holds open are never read, and a tick would drop them.
    const { base } = await start('127.0.0.1:0', false, undefined, 60_000);
    expect((await fetchRaw(`${base}/events?view=delivery:msg_unknown`)).status).to.equal(404);
    const open: AbortController[] = [];
    try {
      for (let n = 0; n < maxStreamsPerViewer; n++) {
        const controller = new AbortController();
        open.push(controller);
        expect((await fetch(`${base}/events?view=delivery:${id}`, { signal: controller.signal })).status, `stream ${n + 1}`).to.equal(200);
      }
      const refused = await fetchRaw(`${base}/events?view=overview`);
      expect(refused.status).to.equal(429);
      expect(await refused.text()).to.contain('too many live streams');
      open.pop()!.abort();
      await until(async () => {
        const attempt = new AbortController();
        const { status } = await fetch(`${base}/events?view=overview`, { signal: attempt.signal });
        attempt.abort();
        return status === 200;
      }, 'one closed, one may open');
    } finally {
      for (const controller of open) controller.abort();
    }
  });

  it('drops live streams whose clients stop reading, which frees their places', async () => {
    // A dead delivery whose last error is 1 MB: each event of its view is that large.
    const { id } = await store.enqueue({ hook: 'post-add-node', clusterId: 'big', payload: '{}' });
    const [claimed] = (await store.claim(100, 10_000)).filter((delivery) => delivery.id === id);
    await store.recordAttempt(claimed!.lease, { ...failed, error: 'x'.repeat(1_000_000) }, { status: 'dead' });
    // Ticks a second apart: all ten streams are open before the first unread event can drop one.
    const { base } = await start('127.0.0.1:0', false, undefined, 1_000);
    const port = Number(new URL(base).port);
    const readers = await Promise.all(
      Array.from({ length: maxStreamsPerViewer }, () => {
        const socket = connect(port, '127.0.0.1');
        socket.on('error', () => undefined);
        socket.write(`GET /events?view=delivery:${id} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
        // The stream's head is read, and then nothing more.
        return new Promise<Socket>((resolve) => socket.once('data', () => resolve(socket.pause())));
      }),
    );
    const probe = async () => {
      const controller = new AbortController();
      const { status } = await fetch(`${base}/events?view=overview`, { signal: controller.signal });
      controller.abort();
      return status;
    };
    try {
      expect(await probe(), 'the ten streams hold every place').to.equal(429);
      await until(async () => (await probe()) === 200, 'a place freed by a dropped stream');
    } finally {
      for (const socket of readers) socket.destroy();
    }
  });

  it('ends a live stream once its session expires: streams are authorised on every tick', async () => {
    const { base } = await start('0.0.0.0:0', true);
    // A real session of this token, minted 12 h minus 1.5 s ago: it expires 1.5 s from now.
    const session = new ConsoleAuth(token, false, () => Date.now() - 12 * 3_600_000 + 1_500).login(token, 'Eve')!;
    const response = await fetch(`${base}/events?view=overview`, { headers: { cookie: `${sessionCookie}=${session.cookie}` } });
    expect(response.status).to.equal(200);
    const reader = response.body!.getReader();
    let ended = false;
    void (async () => {
      while (!(await reader.read()).done);
    })().catch(() => undefined).finally(() => (ended = true));
    await until(() => ended, 'the stream ends after its session expired', 5_000);
  });

  it('refuses to start off loopback without a token', async () => {
    const error = await startConsole({
      address: '0.0.0.0:0',
      store,
      decisions: new DecisionLog(1),
      attempts: new AttemptHistory(),
      circuits: () => [],
      endpoints: () => [],
      logger,
    }).then(
      () => undefined,
      (failure: Error) => failure,
    );
    expect(error?.message).to.equal('a console off loopback needs a token');
  });
});
