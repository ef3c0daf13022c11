import type { DeliveryStore } from './delivery-store.js';
import { StoreUrlError } from './errors.js';
import { SqliteStore } from './sqlite-store.js';

/**
 * Opens the store named by `store.url`: `sqlite:<path>` (the embedded default).
 * Throws `StoreUrlError` for any other scheme, `StoreError` when the store cannot be opened.
 */
export function openStore(url: string): DeliveryStore {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '') throw new StoreUrlError('a sqlite store URL needs a path, e.g. sqlite:./.data/deliveries.db');
    return new SqliteStore(path);
  }
  throw new StoreUrlError(`unsupported store URL scheme in "${url.split(':')[0]}:"; expected sqlite:<path>`);
}
