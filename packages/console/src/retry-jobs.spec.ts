import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SqliteStore } from '@ccx-hook/delivery';
import { silentLogger } from '@ccx-hook/hook-client';
import { until } from '@ccx-hook/test-waits';
import { RetryJobs } from './retry-jobs.js';

describe('RetryJobs', () => {
  it('queues every dead delivery in scope again, batch after batch, and counts them', async function () {
    this.timeout(30_000);
    const dir = mkdtempSync(join(tmpdir(), 'ccx-console-jobs-'));
    const store = await SqliteStore.open(join(dir, 'deliveries.db'));
    try {
      // More than two batches of 500, each in a cluster of its own (so each is a queue head).
      const dead = 1_101;
      await Promise.all(Array.from({ length: dead }, (_, n) => store.enqueue({ hook: 'post-add-node', clusterId: `c${n}`, payload: '{}' })));
      const claimed = await store.claim(dead, 60_000);
      await Promise.all(claimed.map(({ lease }) => store.recordAttempt(lease, { attempt: 1, durationMs: 1, error: 'down' }, { status: 'dead' })));
      const jobs = new RetryJobs(store, silentLogger);
      const job = await jobs.start({}, 'Frank', '127.0.0.1');
      expect(job.total).to.equal(dead);
      await until(() => jobs.get(job.id)!.finished, 'the retry job finishes');
      expect(jobs.get(job.id)).to.include({ done: dead, finished: true }).and.not.have.property('error');
      expect(await store.count({ status: 'dead' })).to.equal(0);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
