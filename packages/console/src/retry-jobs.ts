import { randomUUID } from 'node:crypto';
import type { DeliveryFilter, DeliveryStore } from '@ccx-hook/delivery';
import type { Logger } from '@ccx-hook/hook-client';

/** Which dead deliveries a bulk retry covers. */
export type RetryScope = Pick<DeliveryFilter, 'hook' | 'clusterId'>;

/** A bulk retry of dead deliveries, running or done. */
export interface RetryJob {
  id: string;
  scope: RetryScope;
  /** Who started it. */
  operator: string;
  /** Dead deliveries in scope when it started. */
  total: number;
  /** Queued again so far (may pass `total` when more died meanwhile). */
  done: number;
  finished: boolean;
  /** Why it stopped early, if it did. */
  error?: string;
}

/** Deliveries queued again per store call: each call is one short transaction. */
const batch = 500;
/** Finished jobs kept for their progress page. */
const keptJobs = 20;

/**
 * Bulk retries started from the console, run in the background in batches so that a million
 * dead deliveries neither hold one long transaction nor block the page; progress is read with
 * `get`. Each start and end is an audit log line naming the operator.
 */
export class RetryJobs {
  private readonly jobs = new Map<string, RetryJob>();

  constructor(
    private readonly store: Pick<DeliveryStore, 'count' | 'retryDead'>,
    private readonly logger: Logger,
  ) {}

  /** Counts what is in scope and starts queueing it again; resolves with the job. Rejects when the store cannot count. */
  async start(scope: RetryScope, operator: string, remote: string): Promise<RetryJob> {
    const total = await this.store.count({ ...scope, status: 'dead' });
    const job: RetryJob = { id: randomUUID(), scope, operator, total, done: 0, finished: false };
    this.jobs.set(job.id, job);
    for (const id of [...this.jobs.keys()].slice(0, Math.max(0, this.jobs.size - keptJobs))) this.jobs.delete(id);
    this.logger.info('console: retry of dead deliveries started', { operator, remote_address: remote, job: job.id, ...scopeFields(scope), dead: total });
    void this.run(job);
    return job;
  }

  /** The job with this id, while it is kept. */
  get(id: string): RetryJob | undefined {
    return this.jobs.get(id);
  }

  private async run(job: RetryJob): Promise<void> {
    try {
      for (;;) {
        const queued = await this.store.retryDead(job.scope, batch);
        job.done += queued;
        if (queued < batch) break;
      }
    } catch (error) {
      job.error = (error as Error).message;
    }
    job.finished = true;
    const fields = { operator: job.operator, job: job.id, ...scopeFields(job.scope), queued: job.done };
    if (job.error) this.logger.warn('console: retry of dead deliveries stopped', { ...fields, error: job.error });
    else this.logger.info('console: retry of dead deliveries finished', fields);
  }
}

function scopeFields(scope: RetryScope): Record<string, string> {
  return { ...(scope.hook ? { hook: scope.hook } : {}), ...(scope.clusterId ? { cluster_id: scope.clusterId } : {}) };
}
