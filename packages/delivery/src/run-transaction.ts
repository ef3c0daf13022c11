import type pg from 'pg';
import { errorCode } from '@ccx-hook/hook-client';
import { StoreError } from './errors.js';

/**
 * Runs `work` in a transaction on a client checked out of `pool`, within `timeoutMs` in all.
 *
 * While a client is checked out, pg-pool listens for none of its errors, and node-postgres
 * emits `'error'` when the connection ends: with no listener that would end the process. So
 * the client has a listener for as long as it is out. A client whose transaction failed in any
 * way is destroyed on release, never handed out again. Rejects with `StoreError`; when COMMIT
 * itself failed the transaction's outcome is unknown, and the caller's too (DESIGN §5b).
 */
export async function runTransaction<T>(pool: pg.Pool, timeoutMs: number, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const started = Date.now();
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw new StoreError(`store failed: ${(error as Error).message}`, { cause: error });
  }
  let broken: Error | undefined;
  const onError = (error: Error) => (broken ??= error);
  client.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      broken ??= new Error(`no answer within ${timeoutMs} ms`);
      reject(broken);
    }, Math.max(0, timeoutMs - (Date.now() - started)));
  });
  try {
    const result = await Promise.race([
      (async () => {
        await client.query('BEGIN');
        const value = await work(client);
        await client.query('COMMIT');
        return value;
      })(),
      expired,
    ]);
    release(client, onError, broken);
    return result;
  } catch (error) {
    // The connection is given up whatever the error: a timeout or a lost connection leaves its
    // state unknown, and one that a read-only database refused stays read-only. Closing it rolls
    // the transaction back.
    broken ??= error as Error;
    release(client, onError, broken);
    throw errorCode(error) === 'ERR_STORE' ? error : new StoreError(`store failed: ${(error as Error).message}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Gives the client back; one that failed is destroyed. The listener stays on a destroyed
 * client, whose socket may still report its end after the pool let it go.
 */
function release(client: pg.PoolClient, onError: (error: Error) => void, broken: Error | undefined): void {
  if (broken) {
    client.release(broken);
    return;
  }
  client.off('error', onError);
  client.release();
}
