import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DeliveryStore } from '../delivery-store.js';
import { PostgresStore } from '../postgres-store.js';
import { SqliteStore } from '../sqlite-store.js';
import { createTestDatabase, postgresAvailable } from '@ccx-hook/test-postgres';

/** Where a suite keeps its stores: `open` gives a store on the same data each time. */
export interface StoreFixture {
  name: string;
  open(): Promise<DeliveryStore>;
  /** Empties the data between tests. */
  clear(): Promise<void>;
  destroy(): Promise<void>;
}

/** A directory with one SQLite file. */
export async function sqliteFixture(): Promise<StoreFixture> {
  let dir = mkdtempSync(join(tmpdir(), 'ccx-store-'));
  return {
    name: 'SQLite',
    open: () => SqliteStore.open(join(dir, 'deliveries.db')),
    async clear() {
      rmSync(dir, { recursive: true, force: true });
      dir = mkdtempSync(join(tmpdir(), 'ccx-store-'));
    },
    async destroy() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A database of its own on the test PostgreSQL server; undefined (and said) when there is none. */
export async function postgresFixture(suite: string): Promise<StoreFixture | undefined> {
  if (!(await postgresAvailable(suite))) return undefined;
  const database = await createTestDatabase();
  return {
    name: 'PostgreSQL',
    open: () => PostgresStore.open(database.url),
    async clear() {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      await client.query('TRUNCATE ccx_hook_deliveries, ccx_hook_attempts, ccx_hook_queue_heads').catch(() => undefined);
      await client.end();
    },
    destroy: () => database.drop(),
  };
}
