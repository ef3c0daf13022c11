import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, postgresAvailable } from '@ccx-hook/test-postgres';
import { claimCost, large, small } from './claim-cost.js';
import { enqueueRate } from './enqueue-backlog.js';
import { startIntegrator } from './integrator.js';
import { preHookLatency } from './lock-isolation.js';
import { fixed, median, printResults, table } from './measure.js';

// The outbox benchmark of issue 5: every figure is compared with a baseline measured in the same
// run, alternating, three rounds; the table shows medians and their ratio. An argument (claim,
// lock or enqueue) runs one part only.
const rounds = 3;
const part = process.argv[2];
const runs = (name: string) => part === undefined || part === name;
const dir = mkdtempSync(join(tmpdir(), 'ccx-bench-'));
let fileCount = 0;
const sqliteUrl = () => `sqlite:${join(dir, `store-${fileCount++}.db`)}`;
const withPostgres = await postgresAvailable('outbox benchmark on PostgreSQL');
const postgresUrl = async () => {
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  return database.url;
};
const cleanups: (() => Promise<void>)[] = [];
const rows: string[][] = [];
const header = ['measure', 'case', 'value', 'baseline (same run)', 'baseline value', 'ratio', 'target'];
const log = (text: string) => process.stderr.write(`${text}\n`);
const add = (row: string[]) => {
  rows.push(row);
  log(table(header, [row]));
};

try {
  const stores: [string, () => Promise<string> | string][] = [['SQLite', sqliteUrl]];
  if (withPostgres) stores.push(['PostgreSQL', postgresUrl]);

  for (const [name, url] of runs('claim') ? stores : []) {
    const few: number[] = [];
    const many: number[] = [];
    const manyP99: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      log(`claim cost, ${name}, round ${round}`);
      few.push((await claimCost(await url(), small)).median);
      const result = await claimCost(await url(), large);
      many.push(result.median);
      manyP99.push(result.p99);
    }
    add([`claim of 16 heads, ${name}`, '1,000,000 pending', `${fixed(median(many))} ms (p99 ${fixed(median(manyP99))})`, '100 pending', `${fixed(median(few))} ms`, fixed(median(many) / median(few)), '≤ 2']);
  }

  const integrator = await startIntegrator();
  const free: number[] = [];
  const locked: number[] = [];
  const freeP50: number[] = [];
  const lockedP50: number[] = [];
  for (let round = 1; runs('lock') && round <= rounds; round++) {
    log(`pre- hook latency under another writer's lock, round ${round}`);
    const a = await preHookLatency(join(dir, `lock-${round}-a.db`), integrator.url, false);
    const b = await preHookLatency(join(dir, `lock-${round}-b.db`), integrator.url, true);
    free.push(a.p99);
    freeP50.push(a.p50);
    locked.push(b.p99);
    lockedP50.push(b.p50);
  }
  await integrator.close();
  if (runs('lock')) add(['pre-add-node p99, SQLite', 'write lock held by another process', `${fixed(median(locked))} ms (p50 ${fixed(median(lockedP50))})`, 'no lock', `${fixed(median(free))} ms (p50 ${fixed(median(freeP50))})`, fixed(median(locked) / median(free)), '≤ 1.2']);

  for (const [name, url] of runs('enqueue') ? stores : []) {
    const empty: number[] = [];
    const backlog: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      log(`durable enqueue with the integrator down, ${name}, round ${round}`);
      empty.push(await enqueueRate(await url(), false));
      backlog.push(await enqueueRate(await url(), true));
    }
    add([`post-add-node calls/s at 64 in flight, integrator down, ${name}`, '100,000 queued, heads in backoff', fixed(median(backlog), 0), 'empty store', fixed(median(empty), 0), fixed(median(backlog) / median(empty)), '≥ 1 (noise ±10 %)']);
  }
} finally {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}

printResults('Outbox benchmark', rounds, header, rows, withPostgres);
