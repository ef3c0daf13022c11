import { parentPort, workerData } from 'node:worker_threads';
import { BlockingSqliteStore } from './blocking-sqlite-store.js';

/** A call from `SqliteStore` to the store in this thread. */
export interface WorkerRequest {
  id: number;
  method: keyof BlockingSqliteStore;
  args: unknown[];
}

/** The answer to one request, or the outcome of opening the store (id 0: the file's path, dev and ino). */
export type WorkerResponse = { id: number; result: unknown } | { id: number; error: string };

// The store's worker thread: it owns the SQLite connection, so that waiting for a lock or an
// fsync never blocks the service's event loop.
const port = parentPort!;
let store: BlockingSqliteStore;
try {
  const { path, dev, ino } = workerData as { path: string; dev?: number; ino?: number };
  store = new BlockingSqliteStore(path, dev === undefined || ino === undefined ? undefined : { dev, ino });
  port.postMessage({ id: 0, result: { path, ...store.inode } } satisfies WorkerResponse);
} catch (error) {
  port.postMessage({ id: 0, error: (error as Error).message } satisfies WorkerResponse);
  process.exit(1);
}

port.on('message', ({ id, method, args }: WorkerRequest) => {
  try {
    const result = (store[method] as (...a: unknown[]) => unknown).apply(store, args);
    port.postMessage({ id, result } satisfies WorkerResponse);
  } catch (error) {
    port.postMessage({ id, error: (error as Error).message } satisfies WorkerResponse);
  }
  if (method === 'close') port.close();
});
