import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { HookClient, type Logger, silentLogger } from '@ccx-hook/hook-client';
import { hostileReplies, http, type RawReply, startRawIntegrator } from '@ccx-hook/hostile-integrator';
import { type IncomingHook, type MockAnswer, type MockHooks, startMockHooks } from '@ccx-hook/mock-hooks';
import { sleep, until } from '@ccx-hook/test-waits';
import { BlockingSqliteStore } from './blocking-sqlite-store.js';
import { Dispatcher, type DeliveryTarget } from './dispatcher.js';
import { EndpointSignals } from './endpoint-signals.js';
import { SqliteStore } from './sqlite-store.js';

/** Blocks this thread (the dispatcher's) for `ms`, as a long GC pause or a starved CPU would. */
const stall = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describe('Dispatcher', () => {
  let dir: string;
  let path: string;
  let store: SqliteStore;
  let receiver: MockHooks;
  let dispatcher: Dispatcher;
  let endpoints: EndpointSignals | undefined;
  let errors: string[];
  let warnings: string[];
  let infos: string[];

  const logger: Logger = {
    ...silentLogger,
    info: (message: string, meta?: Record<string, unknown>) => infos.push(`${message} ${JSON.stringify(meta)}`),
    warn: (message: string, meta?: Record<string, unknown>) => warnings.push(`${message} ${JSON.stringify(meta)}`),
    error: (message: string, meta?: Record<string, unknown>) => errors.push(`${message} ${JSON.stringify(meta)}`),
  };

  type Options = {
    schedule?: number[];
    target?: (hook: string) => DeliveryTarget | undefined;
    leaseMs?: number;
    concurrency?: number;
    ratePerSecond?: number;
  };

  async function start(respond: (hook: IncomingHook) => MockAnswer | undefined, options: Options = {}) {
    receiver = await startMockHooks({ port: 0, respond });
    dispatcher = dispatcherFor(options);
    endpoints!.start();
    dispatcher.start();
  }

  /** A dispatcher (not started) that delivers to `receiver`. */
  function dispatcherFor(options: Options): Dispatcher {
    const target = options.target ?? ((hook) => ({ url: `${receiver.url}/${hook}`, timeoutMs: 10_000 }));
    endpoints = new EndpointSignals({ store, logger, url: (hook) => target(hook)?.url });
    return new Dispatcher({
      store,
      client: new HookClient(),
      logger,
      target,
      endpoints,
      schedule: options.schedule ?? [50, 50],
      concurrency: options.concurrency ?? 8,
      leaseMs: options.leaseMs ?? 30_000,
      pollIntervalMs: 20,
      ratePerSecond: options.ratePerSecond,
    });
  }

  /** Starts `receiver`; from its first request on, another connection holds the store's write lock (commit it to release). */
  async function lockOnFirstRequest(): Promise<Database.Database> {
    const lock = new Database(path);
    receiver = await startMockHooks({
      port: 0,
      respond: () => {
        if (!lock.inTransaction) lock.exec('BEGIN IMMEDIATE');
        return undefined;
      },
    });
    return lock;
  }

  const enqueue = (clusterId: string, n: number, hook = 'post-add-node') =>
    store.enqueue({ hook, clusterId, payload: JSON.stringify({ cluster_id: clusterId, n }) }).then(({ id }) => id);
  const bodies = () => receiver.received.map((hook) => JSON.parse(hook.body) as { cluster_id: string; n: number });

  beforeEach(async () => {
    errors = [];
    warnings = [];
    infos = [];
    dir = mkdtempSync(join(tmpdir(), 'ccx-dispatch-'));
    path = join(dir, 'deliveries.db');
    store = await SqliteStore.open(path);
  });
  afterEach(async () => {
    await dispatcher.stop(1000);
    await endpoints?.stop();
    await receiver.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers with the delivery id as webhook-id', async () => {
    await start(() => undefined);
    const id = await enqueue('c1', 1);
    dispatcher.wake();
    await until(() => receiver.received.length === 1, '1 hook received');
    expect(receiver.received[0]!.headers['webhook-id']).to.equal(id);
    expect(receiver.received[0]!.headers['ccx-hook-attempt']).to.equal('1');
    expect(receiver.received[0]!.body).to.equal('{"cluster_id":"c1","n":1}');
    await dispatcher.stop(1000);
    expect(await store.get(id)).to.include({ status: 'delivered', attempts: 1 });
    expect((await store.attempts(id)).map((attempt) => attempt.statusCode)).to.deep.equal([200]);
  });

  it('retries with the same webhook-id and ccx-hook-sequence, and marks the delivery dead after the last attempt', async () => {
    await start(() => ({ status: 500 }));
    const id = await enqueue('c1', 1);
    await until(async () => (await store.get(id))?.status === 'dead', 'the delivery is dead');
    expect(receiver.received).to.have.length(3);
    expect(receiver.received.map((hook) => hook.headers['webhook-id'])).to.deep.equal([id, id, id]);
    expect(receiver.received.map((hook) => hook.headers['ccx-hook-attempt'])).to.deep.equal(['1', '2', '3']);
    const sequence = String((await store.get(id))!.sequence);
    expect(receiver.received.map((hook) => hook.headers['ccx-hook-sequence']), 'the same ccx-hook-sequence on every attempt').to.deep.equal([sequence, sequence, sequence]);
    expect(await store.get(id)).to.include({ status: 'dead', attempts: 3 });
  });

  it('keeps per-cluster order while an earlier delivery is retried; other clusters do not wait', async () => {
    let failuresLeft = 2;
    await start(
      (hook) => {
        const { cluster_id: cluster, n } = JSON.parse(hook.body) as { cluster_id: string; n: number };
        if (cluster === 'a' && n === 1 && failuresLeft-- > 0) return { status: 503 };
        return undefined;
      },
      { schedule: [300, 300, 300] },
    );
    await enqueue('a', 1);
    await enqueue('a', 2);
    await enqueue('a', 3);
    await enqueue('b', 1);
    await until(() => bodies().filter((body) => body.cluster_id === 'a').length === 5, 'the five deliveries of cluster a received');
    const a = bodies().filter((body) => body.cluster_id === 'a').map((body) => body.n);
    expect(a).to.deep.equal([1, 1, 1, 2, 3]);
    const bAt = receiver.received.find((hook) => hook.body.includes('"b"'))!.receivedAt;
    const aDoneAt = receiver.received.filter((hook) => hook.body.includes('"n":1') && hook.body.includes('"a"')).pop()!.receivedAt;
    expect(bAt).to.be.below(aDoneAt - 300);
  });

  it('waits as long as Retry-After asks when that is later than the schedule', async () => {
    await start((hook) => (hook.headers['ccx-hook-attempt'] === '1' ? { status: 429, headers: { 'retry-after': '1' } } : undefined), {
      schedule: [50, 2000],
    });
    await enqueue('c1', 1);
    await until(() => receiver.received.length === 2, '2 hooks received');
    const [first, second] = receiver.received;
    expect(second!.receivedAt - first!.receivedAt).to.be.at.least(950);
  });

  it('caps Retry-After at the longest step of the schedule', async () => {
    await start(
      (hook) => (hook.headers['ccx-hook-attempt'] === '1' ? { status: 503, headers: { 'retry-after': '999999999' } } : undefined),
      { schedule: [50, 300] },
    );
    const id = await enqueue('c1', 1);
    await until(() => receiver.received.length === 2, '2 hooks received');
    const [first, second] = receiver.received;
    expect(second!.receivedAt - first!.receivedAt).to.be.below(1_000);
    await until(async () => (await store.get(id))?.status === 'delivered', 'the delivery is delivered');
    expect(errors).to.deep.equal([]);
  });

  it('stops sending to an endpoint that answered 410, keeps its deliveries pending, and delivers them in order once resumed', async () => {
    let gone = true;
    await start((hook) => (hook.hook === 'post-add-node' && gone ? { status: 410 } : undefined), { schedule: [50] });
    const ids = [];
    for (let n = 1; n <= 3; n++) ids.push(await enqueue('a', n), await enqueue(`c${n}`, n));
    await enqueue('r', 1, 'post-remove-node');
    await until(() => receiver.received.some((hook) => hook.hook === 'post-remove-node'), 'the other hook delivered');
    await until(async () => (await store.endpoints()).length === 1, 'the endpoint marked gone in the store');
    await sleep(300); // claims go on meanwhile: the behaviour
    const sent = receiver.received.filter((hook) => hook.hook === 'post-add-node');
    expect(sent.length, 'one attempt per slot in flight at the first 410, none after').to.be.within(1, 4);
    expect(sent.every((hook) => hook.status === 410)).to.equal(true);
    for (const id of ids) expect((await store.get(id))!.status, 'none is dead').to.equal('pending');
    expect(errors.filter((line) => line.startsWith('endpoint gone')), 'one error line').to.have.length(1);
    gone = false;
    expect(await store.resume('post-add-node')).to.equal(true);
    await until(async () => (await store.count({ status: 'delivered' })) === 7, 'everything delivered after the resume');
    const a = receiver.received.filter((hook) => hook.status === 200 && hook.body.includes('"a"')).map((hook) => JSON.parse(hook.body).n);
    expect(a, 'cluster order').to.deep.equal([1, 2, 3]);
  });

  it('pauses every delivery to an endpoint that answered 429 with Retry-After, not only the one that got it', async () => {
    let pausedAt = 0;
    await start((hook) => {
      if (hook.hook !== 'post-add-node' || pausedAt > 0) return undefined;
      pausedAt = Date.now();
      return { status: 429, headers: { 'retry-after': '1' } };
    }, { schedule: [50, 5_000], concurrency: 1 });
    for (let n = 1; n <= 5; n++) await enqueue(`c${n}`, n);
    await enqueue('r', 1, 'post-remove-node');
    await until(async () => (await store.count({ status: 'delivered' })) === 6, 'everything delivered');
    const after = receiver.received.filter((hook) => hook.hook === 'post-add-node' && hook.status === 200);
    expect(Math.min(...after.map((hook) => hook.receivedAt)) - pausedAt, 'no attempt to it during the pause').to.be.at.least(950);
    const other = receiver.received.find((hook) => hook.hook === 'post-remove-node')!;
    expect(other.receivedAt - pausedAt, 'another endpoint is not paused').to.be.below(900);
  });

  it('keeps to the rate limit, one attempt per slot', async () => {
    await start(() => undefined, { ratePerSecond: 20, concurrency: 8 });
    for (let n = 0; n < 30; n++) await enqueue(`c${n}`, n);
    await until(() => receiver.received.length === 30, '30 hooks received');
    const times = receiver.received.map((hook) => hook.receivedAt).sort((a, b) => a - b);
    // 20 per second: 30 slots span 1.45 s.
    expect(times.at(-1)! - times[0]!).to.be.at.least(1_350);
    for (let i = 0; i + 21 < times.length; i++) expect(times[i + 21]! - times[i]!, `attempts ${i} to ${i + 21} in one second`).to.be.at.least(1_000);
  });

  it('counts a 2xx with a body over 64 KiB as delivered', async () => {
    await start(() => ({ status: 200, body: 'x'.repeat(200 * 1024) }));
    const id = await enqueue('c1', 1);
    await until(async () => (await store.get(id))?.status === 'delivered', 'the delivery is delivered');
    expect(await store.get(id)).to.include({ status: 'delivered', attempts: 1 });
    expect(receiver.received).to.have.length(1);
  });

  it('makes a delivery of a disabled hook dead at once, so that later ones of its cluster go out', async () => {
    await start(() => undefined, {
      schedule: [60_000],
      target: (hook) => (hook === 'post-add-node' ? undefined : { url: `${receiver.url}/${hook}`, timeoutMs: 1000 }),
    });
    const disabled = await enqueue('c1', 1, 'post-add-node');
    await enqueue('c1', 2, 'post-delete-cluster');
    await until(() => receiver.received.length === 1, '1 hook received');
    expect(receiver.received[0]!.hook).to.equal('post-delete-cluster');
    expect(await store.get(disabled)).to.include({ status: 'dead', lastError: 'hook disabled' });
  });

  it('stops waiting for a claim in flight and releases what it claimed', async () => {
    const id = await enqueue('c1', 1);
    await start(() => undefined);
    // start() polls at the next turn: the claim is then on its way to the store.
    await new Promise((resolve) => setImmediate(resolve));
    await dispatcher.stop(1000);
    await sleep(100); // a window after the stop in which nothing may be sent: the behaviour
    expect(receiver.received).to.have.length(0);
    expect((await store.claim(10, 10_000)).map((delivery) => delivery.id)).to.deep.equal([id]);
  });

  it('aborts attempts at the end of the grace period and releases their leases', async () => {
    let arrived = false;
    await start(() => {
      arrived = true;
      return { status: 200, delayMs: 5_000 };
    });
    const id = await enqueue('c1', 1);
    await until(() => arrived, 'the attempt reaches the integrator');
    const started = Date.now();
    await dispatcher.stop(300);
    expect(Date.now() - started).to.be.below(2_000);
    expect((await store.claim(10, 10_000)).map((delivery) => delivery.id)).to.deep.equal([id]);
    expect(await store.attempts(id)).to.deep.equal([], 'an aborted attempt does not count');
  });

  it('keeps running when resolving a target throws, and still stops', async () => {
    await start(() => undefined, {
      target: () => {
        throw new Error('bad target');
      },
    });
    const id = await enqueue('c1', 1);
    await until(() => errors.some((line) => line.includes('bad target')), 'the bad target logged');
    await dispatcher.stop(1000);
    // Nothing recorded, and due again at once: its lease was released, not left to run out.
    expect(await store.get(id)).to.include({ status: 'pending', attempts: 0 });
    expect((await store.claim(10, 10_000)).map((delivery) => delivery.id)).to.deep.equal([id]);
  });

  it('takes the next delivery while a record commits, and stops only once every record has committed', async () => {
    // Another process holds the store's write lock from the first request on: records wait for
    // it (and so does every later call of the store's worker); a second store reads meanwhile.
    const reader = await SqliteStore.open(path);
    const lock = await lockOnFirstRequest();
    dispatcher = dispatcherFor({ schedule: [50], concurrency: 1 });
    const first = await enqueue('c1', 1);
    const second = await enqueue('c2', 1);
    dispatcher.start();
    try {
      // One attempt at a time, yet the second request goes out while the first record waits.
      await until(() => receiver.received.length === 2, '2 hooks received while the store is locked');
      expect((await reader.get(first))!.status).to.equal('pending');
      const stopping = dispatcher.stop(1000);
      setTimeout(() => lock.exec('COMMIT'), 300); // the store stays locked 300 ms into the stop: the behaviour
      await stopping;
    } finally {
      if (lock.inTransaction) lock.exec('COMMIT');
      lock.close();
      await reader.close();
    }
    expect((await store.get(first))!.status).to.equal('delivered');
    expect((await store.get(second))!.status).to.equal('delivered');
    expect(await store.claim(10, 10_000)).to.deep.equal([], 'no lease was released under a pending record');
    expect(receiver.received).to.have.length(2);
  });

  it('keeps the lease of an attempt whose record the store refused, and records it again: one request in all', async () => {
    // The store's file is moved away while the request is out, so the store refuses to write
    // (it never writes into a file that is not at its path), and is put back once that was said.
    const away = `${path}.away`;
    receiver = await startMockHooks({
      port: 0,
      respond: () => {
        renameSync(path, away);
        return undefined;
      },
    });
    dispatcher = dispatcherFor({ leaseMs: 600 });
    const id = await enqueue('c1', 1);
    dispatcher.start();
    await until(() => errors.some((line) => line.startsWith('cannot record a delivery attempt; trying again')), 'the refused record logged', 5_000);
    renameSync(away, path);
    await until(async () => (await store.get(id))?.status === 'delivered', 'the attempt recorded once the file is back', 5_000);
    expect(await store.get(id)).to.include({ status: 'delivered', attempts: 1 });
    expect(receiver.received, 'held while the store refused, never attempted again').to.have.length(1);
    expect(errors.filter((line) => line.startsWith('cannot record')), 'said once').to.have.length(1);
  });

  it('extends the lease of an attempt that outlasts it, so no one else takes the delivery', async () => {
    await start(() => ({ status: 200, delayMs: 700 }), { leaseMs: 300 });
    const id = await enqueue('c1', 1);
    await sleep(450); // past the 300 ms lease, within the attempt: the behaviour
    expect(await store.claim(10, 10_000)).to.deep.equal([], 'the lease was extended');
    await until(async () => (await store.get(id))?.status === 'delivered', 'the delivery is delivered');
    expect(receiver.received).to.have.length(1);
  });

  it('claims ahead: a slot that frees up starts the next delivery without waiting for a claim', async () => {
    // From the first request on, another process holds the store's write lock: no claim can
    // return until it is released.
    const lock = await lockOnFirstRequest();
    dispatcher = dispatcherFor({ schedule: [50], concurrency: 2 });
    await Promise.all(['c1', 'c2', 'c3', 'c4'].map((cluster) => enqueue(cluster, 1)));
    dispatcher.start();
    try {
      // Two slots; the third and fourth deliveries go out as slots free up, on the first claim.
      await until(() => receiver.received.length === 4, 'all four sent while no claim can return');
    } finally {
      lock.exec('COMMIT');
      lock.close();
    }
  });

  it('keeps the leases of claimed deliveries that wait for a slot, and releases them on stop', async () => {
    await start(() => ({ status: 200, delayMs: 700 }), { leaseMs: 300, concurrency: 1 });
    const first = await enqueue('c1', 1);
    const second = await enqueue('c2', 1);
    await sleep(450); // past the 300 ms lease, within the first attempt: the behaviour
    expect(await store.claim(10, 10_000)).to.deep.equal([], 'both leases were extended');
    await dispatcher.stop(1000);
    expect(await store.get(first)).to.include({ status: 'delivered' });
    expect((await store.claim(10, 10_000)).map((delivery) => delivery.id)).to.deep.equal([second], 'released, not attempted');
  });

  it('does not make a waiting attempt whose lease was taken over while it stalled', async () => {
    let other: BlockingSqliteStore | undefined;
    let takenOver: string[] = [];
    const arrived: string[] = [];
    receiver = await startMockHooks({
      port: 0,
      respond: (hook) => {
        arrived.push((JSON.parse(hook.body) as { cluster_id: string }).cluster_id);
        if (!other) {
          // The first request stalls this process past the 300 ms lease; meanwhile another
          // replica (the store's own synchronous half, on the same file) claims what expired.
          stall(450);
          other = new BlockingSqliteStore(path);
          takenOver = other.claim(10, 60_000, 'other-replica').map((delivery) => delivery.clusterId);
        }
        return { status: 200, delayMs: 200 };
      },
    });
    dispatcher = dispatcherFor({ schedule: [50], concurrency: 1, leaseMs: 300 });
    await enqueue('c1', 1);
    await enqueue('c2', 1);
    dispatcher.start();
    try {
      await until(() => warnings.filter((line) => line.startsWith('delivery lease lost')).length === 2, 'both leases reported lost');
      // The running attempt is aborted, which frees its slot: a waiting delivery would start now.
      await until(() => infos.some((line) => line.startsWith('delivery attempt aborted')), 'the running attempt aborted');
      await dispatcher.stop(1000);
      expect(takenOver).to.have.members(['c1', 'c2']);
      expect(arrived, 'the waiting delivery was not attempted').to.deep.equal(['c1']);
    } finally {
      other?.close();
    }
  });

  // DESIGN §3: any 2xx to a post- hook delivers, whatever its body; only pre- hooks read theirs.
  const replies: Array<[string, RawReply]> = [
    ['an endless', hostileReplies.find((hostile) => hostile.name === 'endless chunked body')!.reply],
    ['a gzip', http(200, gzipSync(Buffer.from('{"ok":true}')), { 'content-encoding': 'gzip' })],
    ['a Latin-1', http(200, Buffer.from('re\u00e7u', 'latin1'), { 'content-type': 'text/plain; charset=iso-8859-1' })],
    ['a binary', http(200, Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3]), { 'content-type': 'application/octet-stream' })],
    ['a huge', http(200, Buffer.alloc(5 * 1024 * 1024, 0xff))],
  ];
  for (const [kind, reply] of replies) {
    it(`counts a 2xx with ${kind} body as delivered at the first attempt, reading no further than 64 KiB`, async () => {
      const integrator = await startRawIntegrator(reply);
      try {
        await start(() => undefined, { target: (hook) => ({ url: `${integrator.url}/${hook}`, timeoutMs: 5_000 }) });
        const id = await enqueue('c1', 1);
        await until(async () => (await store.get(id))?.status === 'delivered', 'the delivery is delivered');
        expect(await store.get(id)).to.include({ status: 'delivered', attempts: 1 });
        expect(integrator.requests).to.equal(1);
      } finally {
        await integrator.close();
      }
    });
  }

  for (const name of ['101 switching protocols, then silence', 'body drips a byte every 100 ms', 'accepts the request and never answers']) {
    it(`does not let "${name}" hold a slot: the attempt ends by its timeout and is retried`, async () => {
      const integrator = await startRawIntegrator(hostileReplies.find((hostile) => hostile.name === name)!.reply);
      try {
        await start(() => undefined, { target: (hook) => ({ url: `${integrator.url}/${hook}`, timeoutMs: 300 }) });
        const id = await enqueue('c1', 1);
        await until(async () => (await store.get(id))?.status === 'dead', 'the delivery is dead after its three attempts', 5_000);
        const delivery = await store.get(id);
        expect(delivery).to.include({ status: 'dead', attempts: 3 });
        const attempts = await store.attempts(id);
        expect(attempts.every((attempt) => attempt.durationMs < 1_000), JSON.stringify(attempts)).to.equal(true);
      } finally {
        await integrator.close();
      }
    });
  }
});
