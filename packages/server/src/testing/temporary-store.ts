import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '@ccx-hook/delivery';

/** A real SQLite store in a directory of its own; `remove` closes it and deletes the directory. */
export async function temporaryStore(): Promise<{ store: SqliteStore; remove(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'ccx-server-store-'));
  const store = await SqliteStore.open(join(dir, 'deliveries.db'));
  return {
    store,
    async remove() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
