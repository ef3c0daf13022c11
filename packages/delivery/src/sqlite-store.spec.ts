import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { sleep, until } from '@ccx-hook/test-waits';
import { StoreError, StoreUrlError } from './errors.js';
import { openStore } from './open-store.js';
import { sqliteMigrations } from './sqlite-migrations.js';
import { SqliteStore } from './sqlite-store.js';

const delivery = (clusterId: string, n: number) => ({
  hook: 'post-add-node',
  clusterId,
  payload: JSON.stringify({ cluster_id: clusterId, n }),
});
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

/**
 * Ends every worker thread of this process from outside its code, as a crash of the thread
 * would: through the inspector, each is told to exit.
 */
async function killWorkerThreads(): Promise<void> {
  const session = new Session();
  session.connect();
  const post = (method: string, params: object) =>
    new Promise<void>((resolve, reject) => session.post(method, params, (error) => (error ? reject(error) : resolve())));
  // The workers running now are attached before enable answers; none started later is touched.
  const running: string[] = [];
  session.on('NodeWorker.attachedToWorker', ({ params }) => running.push(params.sessionId));
  await post('NodeWorker.enable', { waitForDebuggerOnStart: false });
  const exit = JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression: 'process.exit(70)' } });
  await Promise.all(running.map((sessionId) => post('NodeWorker.sendMessageToWorker', { sessionId, message: exit })));
  await post('NodeWorker.disable', {});
  session.disconnect();
}

/** A logger that keeps its lines, for a store's own reports. */
function keptLogger(lines: string[]) {
  const keep = (level: string) => (message: string) => lines.push(`${level} ${message}`);
  return { error: keep('error'), warn: keep('warn'), info: keep('info'), debug: keep('debug') };
}


describe('SqliteStore (SQLite only)', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ccx-sqlite-'));
    path = join(dir, 'deliveries.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses stores that are not durable', async () => {
    for (const url of ['sqlite::memory:', 'sqlite:file::memory:?cache=shared', 'sqlite:']) {
      expect(await failure(openStore(url)), url).to.be.instanceOf(StoreUrlError);
    }
  });

  it('fails enqueues, instead of acknowledging them, once its file is deleted or replaced', async () => {
    const store = await SqliteStore.open(path);
    try {
      await store.enqueue(delivery('a', 1));
      rmSync(path);
      expect(await failure(store.enqueue(delivery('a', 2)))).to.be.instanceOf(StoreError);
      writeFileSync(join(dir, 'other.db'), '');
      renameSync(join(dir, 'other.db'), path);
      const error = await failure(store.enqueue(delivery('a', 3)));
      expect(error).to.be.instanceOf(StoreError);
      expect((error as Error).message).to.match(/replaced/);
    } finally {
      await store.close();
    }
  });

  it('fails its check once the file is deleted, and while another process holds the write lock', async function () {
    this.timeout(15_000);
    const store = await SqliteStore.open(path);
    const other = new Database(path);
    try {
      await store.check();
      other.exec('BEGIN IMMEDIATE');
      expect(await failure(store.check()), 'locked for longer than the busy timeout').to.be.instanceOf(StoreError);
      other.exec('ROLLBACK');
      await store.check();
      rmSync(path);
      expect(await failure(store.check())).to.be.instanceOf(StoreError);
    } finally {
      other.close();
      await store.close();
    }
  });

  it('keeps the event loop free while another process holds the write lock', async () => {
    const store = await SqliteStore.open(path);
    const other = new Database(path);
    try {
      other.exec('BEGIN IMMEDIATE');
      const delay = monitorEventLoopDelay({ resolution: 5 });
      delay.enable();
      let stored = false;
      const enqueued = store.enqueue(delivery('a', 1)).then(() => (stored = true));
      await sleep(300); // the window measured while the lock is held: the behaviour
      delay.disable();
      expect(stored, 'not acknowledged while the lock is held').to.equal(false);
      expect(delay.max / 1e6, 'longest event-loop stall, ms').to.be.below(100);
      other.exec('COMMIT');
      await enqueued;
      expect(stored).to.equal(true);
    } finally {
      other.close();
      await store.close();
    }
  });

  it('refuses to open a file whose schema is newer than this release knows', async () => {
    await (await SqliteStore.open(path)).close();
    const newer = new Database(path);
    newer.pragma(`user_version = ${sqliteMigrations.length + 1}`);
    newer.close();
    const refused = await failure(SqliteStore.open(path));
    expect(refused).to.be.instanceOf(StoreError);
    expect((refused as Error).message).to.match(new RegExp(`schema version ${sqliteMigrations.length + 1}, newer than this release \\(${sqliteMigrations.length}\\)`));
  });

  it('migrates a file of the first release and keeps its queue order', async () => {
    const v1 = new Database(path);
    v1.exec(sqliteMigrations[0]!);
    const insert = v1.prepare(
      `INSERT INTO deliveries (id, hook, cluster_id, payload, status, attempts, next_attempt_at, lease_owner, lease_until, created_at, updated_at)
       VALUES (?, 'post-add-node', ?, '{}', ?, ?, 0, ?, ?, 0, 0)`,
    );
    insert.run('msg_a1', 'a', 'delivered', 1, null, null);
    insert.run('msg_a2', 'a', 'pending', 2, 'dispatcher-old', 99);
    insert.run('msg_a3', 'a', 'pending', 0, null, null);
    insert.run('msg_b1', 'b', 'pending', 0, null, null);
    v1.prepare("INSERT INTO attempts VALUES ('msg_a1', 1, 0, 5, 200, NULL)").run();
    v1.close();
    const store = await SqliteStore.open(path);
    try {
      const claimed = await store.claim(10, 10_000);
      expect(claimed.map((d) => d.id).sort()).to.deep.equal(['msg_a2', 'msg_b1']);
      expect(claimed.find((d) => d.id === 'msg_a2')!.attempts).to.equal(2);
      expect(await store.attempts('msg_a1')).to.deep.equal([{ attempt: 1, endedAt: 5, durationMs: 5, statusCode: 200 }]);
    } finally {
      await store.close();
    }
  });

  it('restarts a worker thread that dies, on the same file, losing nothing committed', async () => {
    const lines: string[] = [];
    const store = await SqliteStore.open(path, { timeoutMs: 5_000, logger: keptLogger(lines) });
    try {
      const before = (await Promise.all([store.enqueue(delivery('a', 1)), store.enqueue(delivery('b', 1))])).map(({ id }) => id);
      await killWorkerThreads();
      await until(() => lines.some((line) => /worker thread stopped/.test(line)), 'the worker thread stopped line');
      // A call while it restarts waits for the new worker, or fails with StoreError; it never hangs.
      const during = await store.enqueue(delivery('a', 2)).then(({ id }) => id, (error: unknown) => error);
      if (typeof during !== 'string') expect(during).to.be.instanceOf(StoreError);
      await until(() => lines.some((line) => /worker thread is back/.test(line)), 'the worker thread is back line');
      const { id: after } = await store.enqueue(delivery('a', 3));
      expect(store.alive()).to.equal(true);
      for (const id of [...before, after]) expect(await store.get(id), id).to.include({ status: 'pending' });
      expect((await store.claim(10, 10_000)).map((d) => d.id).sort()).to.deep.equal([...before].sort());
      expect(lines.filter((line) => line.startsWith('error'))).to.have.length(1);
    } finally {
      await store.close();
    }
  });

  it('stays failed, and says so, when its file is gone by the time the worker is restarted', async () => {
    const lines: string[] = [];
    const store = await SqliteStore.open(path, { timeoutMs: 5_000, logger: keptLogger(lines) });
    try {
      await store.enqueue(delivery('a', 1));
      rmSync(path);
      await killWorkerThreads();
      await until(() => !store.alive(), 'the store is no longer alive');
      const error = await failure(store.enqueue(delivery('a', 2)));
      expect(error).to.be.instanceOf(StoreError);
      expect((error as Error).message).to.match(/cannot be restarted: .*deleted/);
      expect(lines).to.include('error the SQLite store cannot be used until the process restarts');
      expect(existsSync(path), 'no new, empty store in its place').to.equal(false);
    } finally {
      await store.close();
    }
  });
});
