import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the PostgreSQL tests use: `TEST_POSTGRES_URL`, or the local one with trust auth. */
export const testPostgresUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Whether a missing PostgreSQL fails the run (`TEST_POSTGRES_REQUIRED=1`, set by CI) instead of skipping. */
const required = process.env.TEST_POSTGRES_REQUIRED === '1';

let reachable: Promise<boolean> | undefined;
const skipped = new Set<string>();

/**
 * Resolves true when PostgreSQL answers. When it does not: throws if it is required, else
 * prints once which suite is skipped and resolves false.
 */
export async function postgresAvailable(suite: string): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: testPostgresUrl, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.end();
      return true;
    } catch {
      return false;
    }
  })();
  if (await reachable) return true;
  if (required) throw new Error(`PostgreSQL is required (TEST_POSTGRES_REQUIRED=1) but ${testPostgresUrl} is unreachable`);
  if (!skipped.has(suite)) {
    skipped.add(suite);
    process.stderr.write(`SKIPPED (no PostgreSQL at ${testPostgresUrl}): ${suite}\n`);
  }
  return false;
}

/** A database of its own for one suite; `drop()` removes it (closing what still uses it). */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty database on the test server. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `ccx_hook_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: testPostgresUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(testPostgresUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
