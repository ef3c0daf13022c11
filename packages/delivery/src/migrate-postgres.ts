import type pg from 'pg';
import { postgresMigrations } from './postgres-migrations.js';

/** Any constant works, as long as every replica uses the same one. */
const migrationLock = 0x0cc0_400c;

/**
 * Applies the migrations that have not run yet, each in its own transaction. A session
 * advisory lock makes replicas that start at once take turns: the second finds the work done.
 * `client` is the caller's, connected, with an `'error'` listener of its own.
 */
export async function migratePostgres(client: pg.Client): Promise<void> {
  try {
    await client.query('SELECT pg_advisory_lock($1)', [migrationLock]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS ccx_hook_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM ccx_hook_migrations');
    const version = rows[0]?.version ?? 0;
    // A replica of an older release must not work on a schema it does not know (after an upgrade).
    if (version > postgresMigrations.length) {
      throw new Error(`the database has schema version ${version}, newer than this release (${postgresMigrations.length}) knows`);
    }
    for (let step = version; step < postgresMigrations.length; step++) {
      await client.query('BEGIN');
      try {
        await client.query(postgresMigrations[step]!);
        await client.query('INSERT INTO ccx_hook_migrations (version) VALUES ($1)', [step + 1]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [migrationLock]).catch(() => undefined);
  }
}
