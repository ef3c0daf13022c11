import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type {
  AttemptOutcome,
  AttemptRecord,
  BlockedCluster,
  ClaimedDelivery,
  Delivery,
  DeliveryFilter,
  DeliveryPage,
  DeliveryQuery,
  DeliveryStore,
  EndpointState,
  Enqueued,
  Lease,
  LeasedAttempt,
  NewAttempt,
  NewDelivery,
  RetryResult,
  StoreOptions,
  StoreStats,
} from './delivery-store.js';
import { defaultStoreOptions } from './default-store-options.js';
import { newWebhookId } from '@ccx-hook/hook-client';
import { StoreError } from './errors.js';
import { attemptLimits, deliveryLimits, GroupCommit } from './group-commit.js';
import type { BlockingSqliteStore } from './blocking-sqlite-store.js';
import type { WorkerRequest, WorkerResponse } from './sqlite-worker.js';

type Method = keyof BlockingSqliteStore;
type Call<M extends Method> = BlockingSqliteStore[M] extends (...args: infer A) => infer R ? { args: A; result: R } : never;

/**
 * The embedded outbox: one SQLite file in WAL mode with `synchronous=FULL`, so a commit
 * survives a crash of the process or the machine. The connection lives in a worker thread, so
 * another process holding the write lock or a slow fsync delays deliveries, never the caller's
 * event loop. Enqueues, and attempt records, are committed in groups: while one group
 * commits, the next gathers; none resolves before its commit.
 *
 * Every call has `timeoutMs`. A worker thread that dies fails the calls it held and is
 * restarted in place, on the same file only (one deleted or replaced meanwhile is not
 * recreated); if that fails the store stays failed and `alive()` says so. Open it with
 * `SqliteStore.open`.
 */
export class SqliteStore implements DeliveryStore {
  private readonly calls = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void; timer: NodeJS.Timeout }>();
  private nextId = 1;
  private readonly groups: GroupCommit<NewDelivery & { id: string }, Enqueued>;
  /** Attempts end side by side (16 in flight by default): their records share commits too. */
  private readonly records: GroupCommit<LeasedAttempt, boolean>;
  private closed = false;
  /** Set while the worker is being restarted. */
  private restarting: Promise<void> | undefined;
  /** Set for good when the worker could not be restarted. */
  private failure: StoreError | undefined;

  private constructor(
    private worker: Worker,
    private readonly file: OpenedFile,
    private readonly options: StoreOptions,
  ) {
    this.groups = new GroupCommit((group) => this.call('enqueue', group), deliveryLimits(options.timeoutMs), { waves: true });
    this.records = new GroupCommit((group) => this.call('recordAttempts', group), attemptLimits(options.timeoutMs), { what: 'attempt' });
    this.watch(worker);
  }

  /**
   * Opens (and creates or migrates) the store at `path`. Rejects with `StoreError` when the
   * file cannot be opened.
   */
  static async open(path: string, options: StoreOptions = defaultStoreOptions): Promise<SqliteStore> {
    const { worker, file } = await startWorker({ path });
    return new SqliteStore(worker, file, options);
  }

  /** False once the worker thread died and could not be restarted: only a restart of the process can help. */
  alive(): boolean {
    return this.failure === undefined;
  }

  enqueue(delivery: NewDelivery): Promise<Enqueued> {
    if (this.closed) return Promise.reject(new StoreError('store is closed'));
    // The id is made here, so that the worker thread starts without the hook client's modules.
    // Object.assign, not a spread: docs/BENCHMARKS.md, "Tricks kept in the code".
    return this.groups.add(Object.assign({}, delivery, { id: newWebhookId() }));
  }

  claim(limit: number, leaseMs: number, token = randomUUID(), ratePerSecond?: number): Promise<ClaimedDelivery[]> {
    return this.call('claim', limit, leaseMs, token, ratePerSecond);
  }

  endpoints(): Promise<EndpointState[]> {
    return this.call('endpoints');
  }

  markGone(hook: string, url: string): Promise<boolean> {
    return this.call('markGone', hook, url);
  }

  pause(hook: string, delayMs: number): Promise<void> {
    return this.call('pause', hook, delayMs);
  }

  resume(hook: string): Promise<boolean> {
    return this.call('resume', hook);
  }

  releaseClaims(tokens: readonly string[]): Promise<void> {
    return this.call('releaseClaims', [...tokens]);
  }

  recordAttempt(lease: Lease, attempt: NewAttempt, outcome: AttemptOutcome): Promise<boolean> {
    if (this.closed) return Promise.reject(new StoreError('store is closed'));
    return this.records.add({ lease, attempt, outcome });
  }

  extend(leases: readonly Lease[], leaseMs: number): Promise<Lease[]> {
    return this.call('extend', [...leases], leaseMs);
  }

  release(leases: readonly Lease[]): Promise<void> {
    return this.call('release', [...leases]);
  }

  get(id: string): Promise<Delivery | undefined> {
    return this.call('get', id);
  }

  attempts(id: string): Promise<AttemptRecord[]> {
    return this.call('attempts', id);
  }

  list(query: DeliveryQuery): Promise<DeliveryPage> {
    return this.call('list', query);
  }

  count(filter: DeliveryFilter): Promise<number> {
    return this.call('count', filter);
  }

  blocked(limit: number): Promise<BlockedCluster[]> {
    return this.call('blocked', limit);
  }

  retry(ids: readonly string[]): Promise<RetryResult[]> {
    return this.call('retry', [...ids]);
  }

  retryDead(filter: Omit<DeliveryFilter, 'status'>, limit: number): Promise<number> {
    return this.call('retryDead', filter, limit);
  }

  purgeDelivered(olderThanMs: number, limit: number): Promise<number> {
    return this.call('purgeDelivered', olderThanMs, limit);
  }

  purgeKeys(olderThanMs: number, limit: number): Promise<number> {
    return this.call('purgeKeys', olderThanMs, limit);
  }

  stats(countLimit?: number): Promise<StoreStats> {
    return this.call('stats', countLimit);
  }

  check(): Promise<void> {
    return this.call('check');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.groups.drain(), this.records.drain()]);
    await this.restarting;
    if (!this.failure) await this.call('close').catch(() => undefined);
    await this.worker.terminate();
  }

  private call<M extends Method>(method: M, ...args: Call<M>['args']): Promise<Call<M>['result']> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.calls.delete(id);
        reject(new StoreError(`the store did not answer within ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      this.calls.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      const post = () => this.worker.postMessage({ id, method, args } satisfies WorkerRequest);
      if (this.restarting) void this.restarting.then(() => this.calls.has(id) && post());
      else post();
    });
  }

  /** Answers calls from the worker's messages; when it stops unasked, fails what it held and starts another. */
  private watch(worker: Worker): void {
    worker.on('message', (response: WorkerResponse) => {
      const call = this.calls.get(response.id);
      if (!call) return;
      this.calls.delete(response.id);
      clearTimeout(call.timer);
      if ('error' in response) call.reject(new StoreError(`store failed: ${response.error}`));
      else call.resolve(response.result);
    });
    let stopped = false;
    const onStop = (reason: string) => {
      if (stopped) return;
      stopped = true;
      const failure = new StoreError(this.closed ? 'store is closed' : `store worker stopped: ${reason}`);
      for (const call of this.calls.values()) {
        clearTimeout(call.timer);
        call.reject(failure);
      }
      this.calls.clear();
      if (!this.closed) this.restart(reason);
    };
    worker.on('error', (error) => onStop(error.message));
    worker.on('exit', (code) => onStop(`exit code ${code}`));
  }

  private restart(reason: string): void {
    const { logger } = this.options;
    logger.error('the SQLite store\'s worker thread stopped; starting another', { reason });
    this.restarting = startWorker(this.file).then(
      ({ worker }) => {
        this.restarting = undefined;
        this.worker = worker;
        this.watch(worker);
        logger.info('the SQLite store\'s worker thread is back');
      },
      (error: Error) => {
        this.restarting = undefined;
        this.failure = new StoreError(`store worker stopped and cannot be restarted: ${error.message}`, { cause: error });
        logger.error('the SQLite store cannot be used until the process restarts', { error: this.failure.message });
      },
    );
  }
}

/** The file a store opened, which a restarted worker must find at its path. */
interface OpenedFile {
  path: string;
  dev?: number;
  ino?: number;
}

/**
 * Starts a worker thread on the store file: creates and migrates it, or, given its identity
 * (a restart), opens only that very file. Resolves once the file is open.
 */
function startWorker(file: OpenedFile): Promise<{ worker: Worker; file: OpenedFile }> {
  // Through the package's `./sqlite-worker` export, so that it is found from the app's bundle too.
  const worker = new Worker(createRequire(import.meta.url).resolve('@ccx-hook/delivery/sqlite-worker'), { workerData: file });
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(new StoreError(`cannot open SQLite store ${file.path}: ${error.message}`, { cause: error }));
    // A worker that ends before it answers (it crashed while opening) fails the open too.
    const onExit = (code: number) => reject(new StoreError(`cannot open SQLite store ${file.path}: its worker thread stopped (exit code ${code})`));
    worker.once('error', onError);
    worker.once('exit', onExit);
    worker.once('message', (response: WorkerResponse) => {
      worker.off('error', onError);
      worker.off('exit', onExit);
      if ('error' in response) {
        reject(new StoreError(`cannot open SQLite store ${file.path}: ${response.error}`));
        return;
      }
      resolve({ worker, file: response.result as OpenedFile });
    });
  });
}
