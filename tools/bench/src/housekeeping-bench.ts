import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, postgresAvailable } from '@ccx-hook/test-postgres';
import { fixed, median, percentile, printResults, table } from './measure.js';
import { seedBacklog } from './seed-backlog.js';
import { call, startServiceProcess } from './service-process.js';

// Housekeeping off the hot path (issue 23, DESIGN §5b): durable enqueues through `serve` with
// /metrics scraped 20 times a second, and while a large purge runs, each beside the same
// enqueues without, in the same run, alternating, three rounds. An argument (scrape or purge)
// runs one part only.
const rounds = 3;
const part = process.argv[2];
const runs = (name: string) => part === undefined || part === name;
const dir = mkdtempSync(join(tmpdir(), 'ccx-bench-housekeeping-'));
let fileCount = 0;
const cleanups: (() => Promise<void>)[] = [];
const withPostgres = await postgresAvailable('housekeeping benchmark on PostgreSQL');
const stores: [string, () => Promise<string>][] = [['SQLite', async () => `sqlite:${join(dir, `store-${fileCount++}.db`)}`]];
if (withPostgres) {
  stores.push(['PostgreSQL', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    return database.url;
  }]);
}
const rows: string[][] = [];
const header = ['measure', 'case', 'value', 'baseline (same run)', 'baseline value', 'ratio', 'target'];
const log = (text: string) => process.stderr.write(`${text}\n`);
const add = (row: string[]) => {
  rows.push(row);
  log(table(header, [row]));
};
const dayMs = 86_400_000;

/** Durable post-add-node calls at 64 in flight for `durationMs`: calls per second and latencies (ms). */
async function enqueues(client: Parameters<typeof call>[0], durationMs: number): Promise<{ rate: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (performance.now() < end) {
      const sent = performance.now();
      await call(client, 'postAddNode', { clusterId: `c${next++ % 100}`, nodeIds: ['n'] });
      latencies.push(performance.now() - sent);
    }
  }));
  return { rate: latencies.length / ((performance.now() - started) / 1000), latencies };
}

/**
 * Enqueues on a store of 1,000,000 delivered rows (within retention), the integrator down, with
 * or without a scraper at 20 /metrics a second beside them.
 */
async function scrapedRate(url: string, scraped: boolean): Promise<number> {
  await seedBacklog(url, { blocked: 0, spread: 0, clusters: 1, delivered: 1_000_000 });
  const service = await startServiceProcess({ CCX_HOOK_HOOKS_URL: 'http://127.0.0.1:1', CCX_HOOK_STORE_URL: url });
  let scraping = scraped;
  const scraper = (async () => {
    while (scraping) {
      const next = performance.now() + 50;
      await (await fetch(`http://127.0.0.1:${service.httpPort}/metrics`)).text();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
    }
  })();
  try {
    await enqueues(service.client, 1_000); // warm-up
    return (await enqueues(service.client, 8_000)).rate;
  } finally {
    scraping = false;
    await scraper;
    await service.stop();
  }
}

/**
 * Enqueue p99 over 10 s, from 11 s after start (the first purge is at 10 s), on a store with
 * 500,000 delivered rows past retention (purged meanwhile) or within it (nothing to purge).
 */
async function purgeP99(url: string, expired: boolean): Promise<{ p99: number; p50: number }> {
  await seedBacklog(url, { blocked: 0, spread: 0, clusters: 1, delivered: 500_000, deliveredAgoMs: expired ? 8 * dayMs : dayMs });
  const service = await startServiceProcess({ CCX_HOOK_HOOKS_URL: 'http://127.0.0.1:1', CCX_HOOK_STORE_URL: url });
  try {
    await new Promise((resolve) => setTimeout(resolve, 11_000 - (performance.now() - service.spawnedAt)));
    const { latencies } = await enqueues(service.client, 10_000);
    return { p99: percentile(latencies, 99), p50: percentile(latencies, 50) };
  } finally {
    await service.stop();
  }
}

try {
  for (const [name, url] of runs('scrape') ? stores : []) {
    const quiet: number[] = [];
    const scraped: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      log(`enqueues with and without /metrics scrapes, ${name}, round ${round}`);
      quiet.push(await scrapedRate(await url(), false));
      scraped.push(await scrapedRate(await url(), true));
    }
    add([`post-add-node calls/s at 64 in flight, ${name}, 1,000,000 rows`, '/metrics 20 times a second', fixed(median(scraped), 0), 'no scrapes', fixed(median(quiet), 0), fixed(median(scraped) / median(quiet)), '≥ 0.95']);
  }
  for (const [name, url] of runs('purge') ? stores : []) {
    const quiet: { p99: number; p50: number }[] = [];
    const purging: { p99: number; p50: number }[] = [];
    for (let round = 1; round <= rounds; round++) {
      log(`enqueue latency with and without a purge of 500,000 rows, ${name}, round ${round}`);
      quiet.push(await purgeP99(await url(), false));
      purging.push(await purgeP99(await url(), true));
    }
    const p99 = (results: { p99: number }[]) => median(results.map((result) => result.p99));
    const p50 = (results: { p50: number }[]) => median(results.map((result) => result.p50));
    add([`post-add-node p99 at 64 in flight, ${name}`, 'purging 500,000 delivered rows', `${fixed(p99(purging))} ms (p50 ${fixed(p50(purging))})`, 'nothing to purge', `${fixed(p99(quiet))} ms (p50 ${fixed(p50(quiet))})`, fixed(p99(purging) / p99(quiet)), '< 2']);
  }
} finally {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}

printResults('Housekeeping benchmark', rounds, header, rows, withPostgres);
