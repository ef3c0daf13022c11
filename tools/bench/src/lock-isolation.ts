import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { percentile } from './measure.js';
import { call, startServiceProcess } from './service-process.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3');
const preAddNode = { clusterId: 'c1', cloud: 'aws', nodeCount: 1, instanceType: 'small', authId: 'session' };

/** Another process that holds the SQLite write lock of `path` until it is killed. */
async function holdWriteLock(path: string): Promise<ChildProcess> {
  const script = `const D = require(process.env.BETTER_SQLITE3); const db = new D(process.env.STORE);
    db.exec('BEGIN IMMEDIATE'); console.log('locked'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], {
    env: { ...process.env, BETTER_SQLITE3: betterSqlite3, STORE: path },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
  return child;
}

/**
 * pre-add-node latency (p50, p99 in ms, `calls` calls one at a time) through `serve` with a
 * SQLite store, while post- hooks are being sent at a modest rate; with `locked`, another process holds the
 * store's write lock the whole time (so every enqueue waits, and pre- hooks must not).
 */
export async function preHookLatency(storePath: string, integratorUrl: string, locked: boolean, calls = 1000) {
  const service = await startServiceProcess({ CCX_HOOK_HOOKS_URL: integratorUrl, CCX_HOOK_STORE_URL: `sqlite:${storePath}` });
  const holder = locked ? await holdWriteLock(storePath) : undefined;
  let sending = true;
  const posts = Array.from({ length: 4 }, async () => {
    for (let n = 0; sending; n++) {
      // About 150 post- hooks a second in both phases; under the lock they wait for it (and
      // fail after the busy timeout): that is the point.
      await call(service.client, 'postAddNode', { clusterId: `p${n % 50}`, nodeIds: ['n1'] }).catch(() => undefined);
      await sleep(25);
    }
  });
  const times: number[] = [];
  try {
    for (let n = 0; n < 100; n++) await call(service.client, 'preAddNode', preAddNode); // warm-up
    for (let n = 0; n < calls; n++) {
      const started = performance.now();
      await call(service.client, 'preAddNode', preAddNode);
      times.push(performance.now() - started);
    }
  } finally {
    sending = false;
    holder?.kill('SIGKILL');
    await Promise.all(posts);
    await service.stop();
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}
