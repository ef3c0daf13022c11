import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { callHook } from '@ccx-hook/cli';
import { createTestDatabase, postgresAvailable, TcpProxy, type TestDatabase, testPostgresUrl } from '@ccx-hook/test-postgres';
import { sleep, until } from '@ccx-hook/test-waits';
import { type CliProcess, startMockHooksProcess, startService } from './cli-process.js';



const readyz = async (port: number) => (await fetch(`http://127.0.0.1:${port}/readyz`)).status;

/** Runs `sql` on the test database directly (not through the proxy). */
async function admin<T extends pg.QueryResultRow>(url: string, sql: string, values?: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/**
 * The service's side of the faults: what it acknowledged, per cluster in call order, and the
 * calls it refused. Every refusal must be UNAVAILABLE (the caller retries), never anything else.
 */
class PostCalls {
  readonly acknowledged = new Map<string, string[]>();
  readonly refused: string[] = [];

  constructor(private readonly port: () => number) {}

  /** Sends call `n` of `cluster` until it is acknowledged (the same idempotency key each time, as a caller should). */
  async sendUntilAcknowledged(cluster: string, n: number): Promise<void> {
    while (!(await this.send(cluster, n))) await sleep(100); // a caller backs off between retries: the behaviour
  }

  /** One post- call; true when acknowledged. */
  async send(cluster: string, n: number, timeoutMs = 10_000): Promise<boolean> {
    const started = Date.now();
    try {
      const response = await callHook({
        address: `127.0.0.1:${this.port()}`,
        hook: 'post-add-node',
        json: JSON.stringify({ clusterId: cluster, nodeIds: [`node-${n}`] }),
        timeoutMs,
        idempotencyKey: `${cluster}/${n}`,
      });
      const ids = this.acknowledged.get(cluster) ?? [];
      ids.push(String(response.deliveryId));
      this.acknowledged.set(cluster, ids);
      return true;
    } catch (error) {
      const message = (error as Error).message;
      expect(message, 'a refused post- call').to.match(/UNAVAILABLE/);
      this.refused.push(`${Date.now() - started} ms: ${message}`);
      return false;
    }
  }

  /** Resolves once every acknowledged delivery reached the receiver, and checks their order per cluster. */
  async delivered(record: string, timeoutMs: number): Promise<void> {
    const all = [...this.acknowledged.values()].flat();
    const recorded = () =>
      readFileSync(record, 'utf8').trim().split('\n').filter(Boolean)
        .map((line) => JSON.parse(line) as { received_at: string; headers: Record<string, string>; status: number });
    await until(() => {
      const arrived = new Set(recorded().filter((hook) => hook.status === 200).map((hook) => hook.headers['webhook-id']));
      return all.every((id) => arrived.has(id));
    }, `${all.length} acknowledged deliveries delivered`, timeoutMs);
    const byArrival = recorded().sort((a, b) => Date.parse(a.received_at) - Date.parse(b.received_at));
    for (const [cluster, ids] of this.acknowledged) {
      const members = new Set(ids);
      const firstSeen = [...new Set(byArrival.map((hook) => hook.headers['webhook-id']!).filter((id) => members.has(id)))];
      expect(firstSeen, `order of ${cluster}`).to.deep.equal(ids);
    }
  }
}

/** A pre- call that must be answered by the integrator well before its 2 s deadline, whatever the store does. */
async function preCallAnswered(port: number): Promise<void> {
  const started = Date.now();
  const response = await callHook({ address: `127.0.0.1:${port}`, hook: 'pre-add-node', json: '{"clusterId":"pre"}', timeoutMs: 2_000 });
  expect(response).to.include({ approved: true, decidedBy: 'DECIDED_BY_INTEGRATOR' });
  expect(Date.now() - started).to.be.below(1_500);
}

describe('end to end: when PostgreSQL fails, the service does not', function () {
  this.timeout(60_000);
  let database: TestDatabase | undefined;
  let proxy: TcpProxy | undefined;
  let dir: string;
  const processes: CliProcess[] = [];

  before(async function () {
    if (!(await postgresAvailable('end to end: when PostgreSQL fails, the service does not'))) this.skip();
  });
  beforeEach(async () => {
    database = await createTestDatabase();
    const server = new URL(testPostgresUrl);
    proxy = await TcpProxy.start({ host: server.hostname, port: Number(server.port || 5432) });
    dir = mkdtempSync(join(tmpdir(), 'ccx-e2e-store-faults-'));
  });
  afterEach(async () => {
    for (const running of processes.splice(0)) await running.stop('SIGKILL');
    await proxy?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** mock-hooks recording to a file, and the service on the database through the proxy. */
  async function start(env: Record<string, string> = {}) {
    const record = join(dir, 'hooks.jsonl');
    const receiver = await startMockHooksProcess(['--record', record]);
    processes.push(receiver.mock);
    const started = await startService({
      CCX_HOOK_HOOKS_URL: receiver.url,
      CCX_HOOK_STORE_URL: proxy!.urlThrough(database!.url),
      CCX_HOOK_DELIVERY_SCHEDULE: '100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms,100ms',
      ...env,
    });
    processes.push(started.service);
    return { ...started, record };
  }

  it('lives through a connection that ends inside a transaction, answers UNAVAILABLE, and carries on', async () => {
    const { service, port, record } = await start();
    const calls = new PostCalls(() => port);
    expect(await calls.send('c1', 0)).to.equal(true);

    // Hold cluster c1's queue lock, so that the next enqueue waits inside its transaction, on a
    // connection checked out of the pool; then end that connection under it.
    const locker = new pg.Client({ connectionString: database!.url });
    await locker.connect();
    await locker.query("SELECT pg_advisory_lock(hashtextextended('cluster:c1', 0))");
    const blocked = calls.send('c1', 1);
    await until(async () => (await admin(database!.url, "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).length > 0, 'the enqueue waits for the lock', 5_000);
    proxy!.cut();
    expect(await blocked).to.equal(false);
    await locker.end();
    expect(service.running, 'the service lives').to.equal(true);

    await preCallAnswered(port);
    for (let n = 2; n < 5; n++) expect(await calls.send('c1', n)).to.equal(true);
    await calls.delivered(record, 10_000);
    expect(calls.refused).to.have.length(1);
    expect(service.lines.some((line) => /Connection terminated/.test(line))).to.equal(true);
  });

  it('lives through rounds of terminated backends under load, losing nothing and keeping order', async () => {
    const { service, port, record } = await start();
    const calls = new PostCalls(() => port);
    let sending = true;
    const senders = 10;
    const load = Promise.all(Array.from({ length: senders }, async (_, c) => {
      for (let n = 0; sending; n++) await calls.sendUntilAcknowledged(`c${c}`, n);
    }));
    const preCalls: Promise<void>[] = [];
    // Each round of faults comes once the service has acknowledged more calls since the last one:
    // more than were in flight when that one ended its connections (their commits may have come
    // just before it), so that some went through connections the service made since.
    const progress = async (what: string) => {
      const before = [...calls.acknowledged.values()].flat().length;
      await until(() => [...calls.acknowledged.values()].flat().length >= before + 2 * senders, what, 15_000);
    };
    for (let round = 0; round < 4; round++) {
      await progress(`calls acknowledged before round ${round + 1}`);
      // Every connection of the service: enqueues, claims, records and extensions in flight among them.
      const ended = await admin<{ ended: boolean }>(testPostgresUrl,
        'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [new URL(database!.url).pathname.slice(1)]);
      expect(ended.length, `connections ended in round ${round + 1}`).to.be.above(0);
      preCalls.push(preCallAnswered(port));
    }
    await progress('calls acknowledged after the last round');
    sending = false;
    await load;
    await Promise.all(preCalls);
    expect(service.running, 'the service lives').to.equal(true);
    expect([...calls.acknowledged.values()].flat().length).to.be.above(40);
    await calls.delivered(record, 20_000);
  });

  it('turns not ready while the database is read-only, refuses post- calls at once, and recovers by itself', async () => {
    const { service, port, httpPort, record } = await start();
    const calls = new PostCalls(() => port);
    const name = new URL(database!.url).pathname.slice(1);
    expect(await calls.send('c1', 0)).to.equal(true);
    // As after a failover to a standby: sessions that start now cannot write.
    await admin(testPostgresUrl, `ALTER DATABASE ${name} SET default_transaction_read_only = on`);
    await admin(testPostgresUrl, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    await until(async () => (await readyz(httpPort)) === 503, 'readiness 503', 5_000);
    const started = Date.now();
    expect(await calls.send('c1', 1)).to.equal(false);
    expect(Date.now() - started, 'refused at once').to.be.below(1_000);
    await preCallAnswered(port);

    await admin(testPostgresUrl, `ALTER DATABASE ${name} RESET default_transaction_read_only`);
    await until(async () => (await readyz(httpPort)) === 200, 'readiness 200 again', 10_000);
    await calls.sendUntilAcknowledged('c1', 1);
    await calls.delivered(record, 10_000);
    expect(service.running).to.equal(true);
  });

  it('turns not ready on a black-holed connection, answers post- calls UNAVAILABLE within store.timeout, and recovers', async () => {
    const { service, port, httpPort, record } = await start({ CCX_HOOK_STORE_TIMEOUT: '2s' });
    const calls = new PostCalls(() => port);
    expect(await calls.send('c1', 0)).to.equal(true);
    proxy!.blackhole();
    const holed = Date.now();
    // Calls keep coming throughout, as a control plane's would; each is answered in time.
    let sending = true;
    const during = (async () => {
      for (let n = 1; sending; n++) {
        const started = Date.now();
        expect(await calls.send(`c${n}`, 0, 10_000), 'a post- call during the outage').to.equal(false);
        expect(Date.now() - started, 'refused within store.timeout').to.be.below(2_500);
      }
    })();
    await until(async () => (await readyz(httpPort)) === 503, 'readiness 503 within 5 s', 5_000);
    expect(Date.now() - holed).to.be.below(5_000);
    await preCallAnswered(port);
    const started = Date.now();
    expect(await calls.send('c1', 1)).to.equal(false);
    expect(Date.now() - started, 'once not ready, refused within 1 s').to.be.below(1_000);
    sending = false;
    await during;

    proxy!.resume();
    const resumed = Date.now();
    await until(async () => (await readyz(httpPort)) === 200, 'readiness 200 within 10 s', 10_000);
    await calls.sendUntilAcknowledged('c1', 1);
    expect(Date.now() - resumed, 'recovered within 10 s').to.be.below(10_000);
    await calls.delivered(record, 10_000);
    expect(service.running).to.equal(true);
  });

  it('answers /metrics from memory: scrapes cost the store nothing', async () => {
    const { httpPort } = await start();
    // What the service asks of PostgreSQL, counted at the proxy as it goes (the database's own
    // statistics reach pg_stat_database up to seconds late): its background work (polls,
    // checks, figures) over two seconds, then over the same time or longer with 200 scrapes.
    const idleMs = 2_000;
    const idleStart = proxy!.bytesToServer;
    await sleep(idleMs); // the window measured (behaviour, not synchronisation)
    const idle = proxy!.bytesToServer - idleStart;
    const scrapedStart = proxy!.bytesToServer;
    const scraping = Date.now();
    for (let n = 0; n < 200; n++) expect((await fetch(`http://127.0.0.1:${httpPort}/metrics`)).status).to.equal(200);
    await sleep(Math.max(0, idleMs - (Date.now() - scraping))); // the same window with scrapes
    const scrapedMs = Date.now() - scraping;
    const scraped = proxy!.bytesToServer - scrapedStart;
    // The background goes on for as long as the scrapes take (longer than 2 s on a slow
    // machine). Measured: 4.2–6.8 KB in 2 s either way; one store query a scrape, 87 KB.
    const background = (idle * scrapedMs) / idleMs;
    expect(scraped, `${scraped} bytes to the store in ${scrapedMs} ms with 200 scrapes, ${idle} in ${idleMs} ms without`).to.be.below(background + 4_000);
  });
});
