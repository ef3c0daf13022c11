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
  Lease,
  LeasedAttempt,
  NewAttempt,
  NewDelivery,
  RetryResult,
  StoreStats,
} from './delivery-store.js';
import { newWebhookId } from '@ccx-hook/hook-client';
import { StoreError } from './errors.js';
import { GroupCommit } from './group-commit.js';
import type { SqliteOutbox } from './sqlite-outbox.js';
import type { WorkerRequest, WorkerResponse } from './sqlite-worker.js';

type Method = keyof SqliteOutbox;
type Call<M extends Method> = SqliteOutbox[M] extends (...args: infer A) => infer R ? { args: A; result: R } : never;

/**
 * The embedded outbox: one SQLite file in WAL mode with `synchronous=FULL`, so a commit
 * survives a crash of the process or the machine. The connection lives in a worker thread, so
 * another process holding the write lock or a slow fsync delays deliveries, never the caller's
 * event loop. Enqueues, and attempt records, are committed in groups: while one group
 * commits, the next gathers; none resolves before its commit. Open it with `SqliteStore.open`.
 */
export class SqliteStore implements DeliveryStore {
  private readonly calls = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  private nextId = 1;
  private readonly groups = new GroupCommit<NewDelivery & { id: string }, string>((group) => this.call('enqueue', group));
  /** Attempts end side by side (16 in flight by default): their records share commits too. */
  private readonly records = new GroupCommit<LeasedAttempt, boolean>((group) => this.call('recordAttempts', group), 'attempt');
  private closed = false;
  private failure: StoreError | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (response: WorkerResponse) => {
      const call = this.calls.get(response.id);
      if (!call) return;
      this.calls.delete(response.id);
      if ('error' in response) call.reject(new StoreError(`store failed: ${response.error}`));
      else call.resolve(response.result);
    });
    const fail = (reason: string) => {
      this.failure = new StoreError(this.closed ? 'store is closed' : `store worker stopped: ${reason}`);
      for (const call of this.calls.values()) call.reject(this.failure);
      this.calls.clear();
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`exit code ${code}`));
  }

  /**
   * Opens (and creates or migrates) the store at `path`. Rejects with `StoreError` when the
   * file cannot be opened.
   */
  static open(path: string): Promise<SqliteStore> {
    // Through the package's `./sqlite-worker` export, so that it is found from the app's bundle too.
    const worker = new Worker(createRequire(import.meta.url).resolve('@ccx-hook/delivery/sqlite-worker'), { workerData: path });
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(new StoreError(`cannot open SQLite store ${path}: ${error.message}`, { cause: error }));
      worker.once('error', onError);
      worker.once('message', (response: WorkerResponse) => {
        worker.off('error', onError);
        if ('error' in response) {
          reject(new StoreError(`cannot open SQLite store ${path}: ${response.error}`));
          return;
        }
        resolve(new SqliteStore(worker));
      });
    });
  }

  enqueue(delivery: NewDelivery): Promise<string> {
    if (this.closed) return Promise.reject(new StoreError('store is closed'));
    // The id is made here, so that the worker thread starts without the hook client's modules.
    // Object.assign: in Node 20 `{ ...o, key }` costs a hidden class per object (µs a key).
    return this.groups.add(Object.assign({}, delivery, { id: newWebhookId() }));
  }

  claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    return this.call('claim', limit, leaseMs);
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

  purgeDelivered(olderThanMs: number): Promise<number> {
    return this.call('purgeDelivered', olderThanMs);
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
    if (!this.failure) await this.call('close');
    await this.worker.terminate();
  }

  private call<M extends Method>(method: M, ...args: Call<M>['args']): Promise<Call<M>['result']> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, method, args } satisfies WorkerRequest);
    });
  }
}
