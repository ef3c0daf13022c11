import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { expect } from 'chai';
import { SqliteStore } from '@ccx-hook/delivery';
import { type AttemptResult, hookNames, type Logger } from '@ccx-hook/hook-client';
import { type IncomingHook, type MockAnswer, type MockHooks, startMockHooks } from '@ccx-hook/mock-hooks';
import { until } from '@ccx-hook/test-waits';
import { DeliveryThread, type DeliverySettings, type LogLevel } from './delivery-thread.js';
import { Liveness } from './liveness.js';

describe('DeliveryThread', () => {
  let dir: string;
  let path: string;
  let store: SqliteStore;
  let receiver: MockHooks;
  let thread: DeliveryThread;
  let lines: string[];
  let attempts: [string, AttemptResult][];
  const logger: Logger = {
    error: (message, meta) => lines.push(`error ${message} ${JSON.stringify(meta)}`),
    warn: (message, meta) => lines.push(`warn ${message} ${JSON.stringify(meta)}`),
    info: (message, meta) => lines.push(`info ${message} ${JSON.stringify(meta)}`),
    debug: (message, meta) => lines.push(`debug ${message} ${JSON.stringify(meta)}`),
  };

  /** A thread delivering post- hooks from the store at `path` to `receiver` (started). */
  async function start(respond: (hook: IncomingHook) => MockAnswer | undefined, options: { logLevels?: LogLevel[]; storePath?: string } = {}) {
    receiver = await startMockHooks({ port: 0, respond });
    const hooks = Object.fromEntries(hookNames.map((name) => [name, { url: `${receiver.url}/${name}`, failurePolicy: 'fail-closed', timeoutMs: 5_000 }]));
    const settings: DeliverySettings = {
      storeUrl: `sqlite:${options.storePath ?? path}`,
      storeTimeoutMs: 5_000,
      hooks: hooks as DeliverySettings['hooks'],
      delivery: { timeoutMs: 5_000, concurrency: 4, retentionMs: 86_400_000, stallTimeoutMs: 60_000, schedule: [50] },
      credentials: { secrets: [], signingKeys: [] },
      userAgent: 'ccx-hook-service/test',
      logLevels: options.logLevels ?? ['error', 'warn', 'info', 'debug'],
    };
    thread = new DeliveryThread(settings, logger, { attempted: (hook, result) => attempts.push([hook, result]) });
    thread.start();
  }

  const enqueue = async (count: number) => {
    for (let n = 0; n < count; n++) await store.enqueue({ hook: 'post-add-node', clusterId: 'c1', payload: JSON.stringify({ n }) });
    thread.wake();
  };

  beforeEach(async () => {
    lines = [];
    attempts = [];
    dir = mkdtempSync(join(tmpdir(), 'ccx-delivery-thread-'));
    path = join(dir, 'deliveries.db');
    store = await SqliteStore.open(path);
  });
  afterEach(async () => {
    await thread.stop(0);
    await receiver.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers what this thread enqueues, in order, and reports its attempts, log lines and progress here', async () => {
    await start(() => undefined);
    const progressAtStart = thread.lastProgressAt;
    await enqueue(3);
    await until(() => receiver.received.length === 3, 'three deliveries');
    expect(receiver.received.map((hook) => JSON.parse(hook.body).n)).to.deep.equal([0, 1, 2]);
    await until(() => attempts.length === 3 && lines.filter((line) => line.startsWith('info delivery delivered')).length === 3, 'three attempts and log lines reported');
    expect(attempts).to.deep.equal([['post-add-node', '2xx'], ['post-add-node', '2xx'], ['post-add-node', '2xx']]);
    // The dispatcher's own figure (its records), not the one this side starts with.
    await until(() => thread.lastProgressAt > progressAtStart, 'progress reported');
    expect(thread.failure).to.equal(undefined);
  });

  it('sends no log line of a level the service does not write', async () => {
    await start(() => ({ status: 500 }), { logLevels: ['error'] });
    await enqueue(1);
    // Two attempts (schedule [50]): a warning for the first, an error for the last.
    await until(() => lines.some((line) => line.startsWith('error delivery dead after its last attempt')), 'the delivery dead');
    expect(lines.filter((line) => !line.startsWith('error '))).to.deep.equal([]);
  });

  it('lets an attempt in flight finish within the grace period of stop, and records it', async () => {
    let arrived = false;
    await start(() => {
      arrived = true;
      return { status: 204, delayMs: 300 };
    });
    await enqueue(1);
    await until(() => arrived, 'the attempt under way');
    await thread.stop(5_000);
    expect(await store.count({ status: 'delivered' })).to.equal(1);
    expect(lines.some((line) => line.startsWith('info delivery delivered'))).to.equal(true);
  });

  it('signs with the credentials it is handed while it runs (SIGHUP)', async () => {
    await start(() => undefined);
    await enqueue(1);
    await until(() => receiver.received.length === 1, 'the first delivery, unsigned');
    thread.reconfigure({ secrets: [`whsec_${Buffer.from('delivery-thread-secret-32-bytes!').toString('base64')}`], signingKeys: [] });
    await enqueue(1);
    await until(() => receiver.received.length === 2, 'the second delivery');
    expect(receiver.received[0]!.headers['webhook-signature']).to.equal(undefined);
    expect(receiver.received[1]!.headers['webhook-signature']).to.match(/^v1,/);
  });

  it('opens its store once it can, when it could not at first, and delivers then', async () => {
    // The store that opened on the main thread a moment ago fails now: here, its folder is not there yet.
    const later = join(dir, 'later');
    await start(() => undefined, { storePath: join(later, 'deliveries.db') });
    await until(() => lines.some((line) => line.startsWith('error the delivery thread cannot open the store')), 'the failed open logged');
    mkdirSync(later);
    await store.close();
    store = await SqliteStore.open(join(later, 'deliveries.db'));
    await enqueue(1);
    await until(() => receiver.received.length === 1, 'the delivery', 5_000);
    expect(lines.filter((line) => line.startsWith('error the delivery thread cannot open the store'))).to.have.length(1);
    expect(thread.failure).to.equal(undefined);
  });

  it('runs at a lower priority than the thread that answers calls (Linux: nice 10)', async () => {
    // The nice value of each of this process's threads, the main one first.
    const nices = () => readdirSync('/proc/self/task').map((task) => Number(readFileSync(`/proc/self/task/${task}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]));
    const mainThread = Number(readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1]!.split(' ')[16]);
    expect(mainThread).to.equal(0);
    await start(() => undefined);
    await enqueue(1);
    await until(() => receiver.received.length === 1, 'the delivery');
    // The delivery thread, and the SQLite worker it started.
    expect(nices().filter((nice) => nice === 10)).to.have.length(2);
  });

  it('fails liveness, saying why, once its thread stops unasked', async () => {
    await start(() => undefined);
    // The worker thread ends as a crash would end it: nobody asked it to stop.
    await (thread as unknown as { worker: Worker }).worker.terminate();
    await until(() => thread.failure !== undefined, 'the failure noticed');
    expect(thread.failure).to.match(/^delivery stopped: its worker thread exited/);
    expect(lines.filter((line) => line.startsWith('error post- hooks are not delivered until the process restarts'))).to.have.length(1);
    const liveness = new Liveness({ store, delivery: thread, stallTimeoutMs: 60_000, logger }, 10);
    liveness.start();
    await until(() => !liveness.alive, 'liveness fails');
    liveness.stop();
    expect(lines.some((line) => line.startsWith('error not alive: a restart is needed') && line.includes('delivery stopped'))).to.equal(true);
  });
});
