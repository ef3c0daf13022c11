import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { defaultStoreOptions } from './default-store-options.js';
import type { DeliveryStore, StoreOptions } from './delivery-store.js';
import { StoreError, StoreUrlError } from './errors.js';
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';

/**
 * Opens the store named by `store.url`: `sqlite:<path>` (the embedded default) or
 * `postgres://…` / `postgresql://…`. Rejects with `StoreUrlError` for any other URL or a store
 * that would not be durable (`sqlite::memory:`), `StoreError` when the store cannot be opened.
 * A missing SQLite file is created, a missing directory is not (a mistyped path is an error,
 * not a new empty store somewhere).
 * `options` default to a 5 s time limit and a silent logger.
 */
export async function openStore(url: string, options: StoreOptions = defaultStoreOptions): Promise<DeliveryStore> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '') throw new StoreUrlError('a sqlite store URL needs a path, e.g. sqlite:./.data/deliveries.db');
    if (path === ':memory:' || path.startsWith('file:') || path.includes('mode=memory')) {
      throw new StoreUrlError(`store.url "${url}" is not durable; give a file path, e.g. sqlite:./.data/deliveries.db`);
    }
    if (!existsSync(dirname(path))) throw new StoreError(`no directory ${dirname(path)} for the SQLite store ${path}: create it first`);
    return SqliteStore.open(path, options);
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return PostgresStore.open(url, options);
  throw new StoreUrlError(
    `unsupported store URL scheme in "${url.split(':')[0]}:"; expected sqlite:<path> or postgres://…`,
  );
}
