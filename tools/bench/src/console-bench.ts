import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { AttemptHistory, DecisionLog, startConsole } from '@ccx-hook/console';
import { openStore } from '@ccx-hook/delivery';
import { silentLogger } from '@ccx-hook/hook-client';
import { createTestDatabase, postgresAvailable } from '@ccx-hook/test-postgres';
import { fixed, median, percentile, table, timed } from './measure.js';
import { seedHistory } from './seed-history.js';

// The console benchmark of issue 10: each page is rendered over HTTP from a store holding
// 1,000,000 deliveries and, as the baseline in the same run, from one holding 1,000 of the same
// shape; alternating, three rounds of 10 requests each. The target is the large store's
// median under 300 ms.
const large = Number(process.argv[2] ?? 1_000_000);
const small = 1_000;
const rounds = 3;
const requestsPerRound = 10;
const pages = [
  ['overview', '/'],
  ['list: dead of one hook', '/deliveries?state=dead&hook=post-add-node'],
  ['list: one cluster', '/deliveries?cluster=p7'],
  ['list: dead in the last 24 h', '/deliveries?state=dead&since=24h'],
  ['list: third page, any state', '/deliveries?after=LAST'],
  ['delivery detail', '/deliveries/msg_h50'],
] as const;
const log = (text: string) => process.stderr.write(`${text}\n`);
const dir = mkdtempSync(join(tmpdir(), 'ccx-bench-console-'));
const cleanups: (() => Promise<void>)[] = [];

async function consoleOn(url: string) {
  const store = await openStore(url);
  const running = await startConsole({
    address: '127.0.0.1:0',
    store,
    decisions: new DecisionLog(1_000),
    attempts: new AttemptHistory(),
    circuits: () => [],
    endpoints: () => [],
    logger: silentLogger,
  });
  const base = `http://127.0.0.1:${running.port}`;
  // "Older" twice from the newest page: the cursor of the third page.
  let third = '/deliveries';
  for (let n = 0; n < 2; n++) third = /href="([^"]+)" id="next-page"/.exec(await (await fetch(`${base}${third}`)).text())![1]!.replace(/&amp;/g, '&');
  return {
    get: async (path: string) => {
      const response = await fetch(`${base}${path.replace('/deliveries?after=LAST', third)}`);
      if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status}`);
      await response.text();
    },
    close: async () => {
      await running.close();
      await store.close();
    },
  };
}

const rows: string[][] = [];
try {
  const stores: Array<[string, (size: number) => Promise<string>]> = [['SQLite', async (size) => `sqlite:${join(dir, `history-${size}.db`)}`]];
  if (await postgresAvailable('console benchmark on PostgreSQL')) {
    stores.push(['PostgreSQL', async () => {
      const database = await createTestDatabase();
      cleanups.push(() => database.drop());
      return database.url;
    }]);
  }
  for (const [name, urlFor] of stores) {
    const consoles = [];
    for (const size of [large, small]) {
      const url = await urlFor(size);
      const seeded = await timed(() => seedHistory(url, size));
      log(`${name}: seeded ${size} deliveries in ${fixed(seeded / 1000, 1)} s`);
      consoles.push(await consoleOn(url));
    }
    const [big, baseline] = consoles as [Awaited<ReturnType<typeof consoleOn>>, Awaited<ReturnType<typeof consoleOn>>];
    const times = new Map<string, { big: number[]; small: number[] }>(pages.map(([page]) => [page, { big: [], small: [] }]));
    for (let round = 0; round < rounds; round++) {
      for (const [page, path] of pages) {
        for (let n = 0; n < requestsPerRound; n++) {
          times.get(page)!.big.push(await timed(() => big.get(path)));
          times.get(page)!.small.push(await timed(() => baseline.get(path)));
        }
      }
    }
    for (const [page] of pages) {
      const { big: large_, small: small_ } = times.get(page)!;
      const value = median(large_);
      rows.push([name, page, `${fixed(value, 1)} ms`, `${fixed(percentile(large_, 95), 1)} ms`, `${fixed(median(small_), 1)} ms`, fixed(value / median(small_)), value < 300 ? 'met' : 'MISSED']);
    }
    await big.close();
    await baseline.close();
  }
  const header = ['store', `page (${large.toLocaleString('en-US')} deliveries)`, 'median', 'p95', `baseline: ${small.toLocaleString('en-US')} deliveries`, 'ratio', '< 300 ms'];
  console.log(`\nConsole pages, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}\n`);
  console.log(table(header, rows));
} finally {
  for (const cleanup of cleanups) await cleanup();
  rmSync(dir, { recursive: true, force: true });
}
