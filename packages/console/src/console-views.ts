import type { BlockedCluster, DeliveryStatus, DeliveryStore, EndpointState, RetryResult, StoreStats } from '@ccx-hook/delivery';
import { hookNames, type Logger, preHookNames } from '@ccx-hook/hook-client';
import { limits } from '@ccx-hook/mapping';
import type { AttemptHistory } from './attempt-history.js';
import type { Operator } from './console-auth.js';
import type { DecisionLog } from './decision-log.js';
import { ConsoleRequestError } from './errors.js';
import type { Html } from './html.js';
import { decisionsPage, type DecisionsQuery } from './pages/decisions-page.js';
import { deliveriesPage, postHookNames, sinceChoices } from './pages/deliveries-page.js';
import { deliveryPage, deliverySections } from './pages/delivery-page.js';
import type { Viewer } from './pages/layout.js';
import { type Overview, overviewPage, overviewSections } from './pages/overview-page.js';
import { confirmRetryPage, jobPage, jobSection } from './pages/retry-pages.js';
import { queryParameter } from './request-parts.js';
import type { RetryJobs, RetryScope } from './retry-jobs.js';

/** What the views read. */
export interface ViewSources {
  store: DeliveryStore;
  decisions: DecisionLog;
  attempts: AttemptHistory;
  circuits: () => Array<{ endpoint: string; open: boolean }>;
  endpoints: () => EndpointState[];
  jobs: RetryJobs;
  logger: Logger;
}

const pageSize = 50;
const blockedLimit = 20;
/** The overview counts each state up to this many, so that it costs a bounded read at any size. */
const countLimit = 100_000;
const dayMs = 86_400_000;
/** The overview's figures from the store are this fresh at most. */
const overviewReadMs = 2_000;
const clusterRule = { pattern: new RegExp(`^.{1,${limits.string}}$`, 'su'), expected: `a cluster id of at most ${limits.string} characters` };
const idRule = /^[\w-]{1,128}$/;
const retryResults: readonly RetryResult[] = ['queued', 'due-now', 'unchanged', 'not-found'];

/**
 * The console's pages and actions over the store, the decision log and the attempt history:
 * parses each request's parameters (a bad one is a 400 naming it), reads, renders.
 */
export class ConsoleViews {
  private storeRead: { at: number; read: Promise<readonly [StoreStats, number, BlockedCluster[]]> } | undefined;

  constructor(private readonly sources: ViewSources) {}

  /** The page at `url`; rejects with `ConsoleRequestError` (400, 404) or the store's error. */
  async page(url: URL, viewer: Viewer): Promise<Html> {
    const { store, decisions, jobs } = this.sources;
    const query = url.searchParams;
    const path = url.pathname;
    if (path === '/') return overviewPage(viewer, await this.overview());
    if (path === '/deliveries') {
      const state = queryParameter(query, 'state', { allowed: ['pending', 'delivered', 'dead'] }) as DeliveryStatus | undefined;
      const hook = queryParameter(query, 'hook', { allowed: postHookNames });
      const cluster = queryParameter(query, 'cluster', clusterRule);
      const since = queryParameter(query, 'since', { allowed: Object.keys(sinceChoices) });
      const after = queryParameter(query, 'after', { pattern: /^\d{1,19}$/, expected: 'the "Older" link of a page' });
      const page = await store.list({
        limit: pageSize,
        ...(state && { status: state }),
        ...(hook && { hook }),
        ...(cluster && { clusterId: cluster }),
        ...(since && { newerThanMs: sinceChoices[since] }),
        ...(after && { after }),
      });
      return deliveriesPage(viewer, { state, hook, cluster, since, after }, page);
    }
    const delivery = /^\/deliveries\/([^/]+)$/.exec(path);
    if (delivery) {
      const id = decodeURIComponent(delivery[1]!);
      const found = idRule.test(id) ? await store.get(id) : undefined;
      if (!found) throw new ConsoleRequestError(404, `no delivery ${id}`);
      const retried = queryParameter(query, 'retried', { allowed: retryResults }) as RetryResult | undefined;
      return deliveryPage(viewer, found, await store.attempts(id), retried);
    }
    if (path === '/decisions') {
      const filter: DecisionsQuery = {
        hook: queryParameter(query, 'hook', { allowed: preHookNames }),
        cluster: queryParameter(query, 'cluster', clusterRule),
        outcome: queryParameter(query, 'outcome', { allowed: ['approved', 'rejected'] }) as DecisionsQuery['outcome'],
        by: queryParameter(query, 'by', { allowed: ['integrator', 'failure_policy', 'hook_disabled'] }) as DecisionsQuery['by'],
      };
      const found = decisions.list(
        {
          ...(filter.hook && { hook: filter.hook }),
          ...(filter.cluster && { clusterId: filter.cluster }),
          ...(filter.outcome && { approved: filter.outcome === 'approved' }),
          ...(filter.by && { decidedBy: filter.by }),
        },
        pageSize * 4,
      );
      return decisionsPage(viewer, filter, found, decisions.capacity);
    }
    if (path === '/retry-dead') {
      const scope = retryScope(query);
      return confirmRetryPage(viewer, scope, await store.count({ ...scope, status: 'dead' }));
    }
    const job = /^\/jobs\/([\w-]+)$/.exec(path);
    if (job) {
      const found = jobs.get(job[1]!);
      if (!found) throw new ConsoleRequestError(404, 'no such retry job (only the last 20 are kept)');
      return jobPage(viewer, found);
    }
    throw new ConsoleRequestError(404, `no page ${path}`);
  }

  /** Does the action at `path` for `operator` (already allowed) and resolves with where to go next. */
  async act(path: string, form: URLSearchParams, operator: Operator, remote: string): Promise<string> {
    const { store, jobs, logger } = this.sources;
    const retryOne = /^\/deliveries\/([\w-]{1,128})\/retry$/.exec(path);
    if (retryOne) {
      const id = retryOne[1]!;
      const [result] = await store.retry([id]);
      logger.info('console: retry', { operator: operator.name, remote_address: remote, delivery_id: id, result });
      return `/deliveries/${id}?retried=${result}`;
    }
    if (path === '/retry-dead') {
      const job = await jobs.start(retryScope(form), operator.name, remote);
      return `/jobs/${job.id}`;
    }
    const resume = /^\/endpoints\/([a-z-]{1,64})\/resume$/.exec(path);
    if (resume && (hookNames as readonly string[]).includes(resume[1]!)) {
      const hook = resume[1]!;
      const resumed = await store.resume(hook);
      logger.info('console: endpoint resumed', { operator: operator.name, remote_address: remote, hook, resumed });
      return '/';
    }
    throw new ConsoleRequestError(404, `no action ${path}`);
  }

  /** Checks a live view's name (`overview`, `delivery:<id>`, `job:<id>`); rejects with a 400 otherwise. */
  liveView(view: string): string {
    if (view === 'overview' || /^(delivery|job):[\w-]{1,128}$/.test(view)) return view;
    throw new ConsoleRequestError(400, 'bad query parameter view: expected overview, delivery:<id> or job:<id>');
  }

  /** Whether a live view (checked by `liveView`) shows something that exists: a stream of nothing is refused. */
  async exists(view: string): Promise<boolean> {
    if (view === 'overview') return true;
    const [kind, id] = view.split(':') as [string, string];
    return kind === 'job' ? this.sources.jobs.get(id) !== undefined : (await this.sources.store.get(id)) !== undefined;
  }

  /** The live fragments of a view, or undefined when it is gone. */
  async live(view: string): Promise<Record<string, Html> | undefined> {
    if (view === 'overview') return overviewSections(await this.overview());
    const [kind, id] = view.split(':') as [string, string];
    if (kind === 'job') {
      const job = this.sources.jobs.get(id);
      return job && { 'job-progress': jobSection(job) };
    }
    const delivery = await this.sources.store.get(id);
    return delivery && deliverySections(delivery, await this.sources.store.attempts(id));
  }

  private async overview(): Promise<Overview> {
    const { store, attempts, circuits, endpoints } = this.sources;
    // The store's part is read at most every `overviewReadMs`, however many pages and streams
    // ask (DESIGN §5b); a read that failed is not kept.
    if (!this.storeRead || Date.now() - this.storeRead.at >= overviewReadMs) {
      const read = Promise.all([
        store.stats(countLimit),
        store.count({ status: 'dead', updatedWithinMs: dayMs }),
        store.blocked(blockedLimit),
      ] as const);
      this.storeRead = { at: Date.now(), read };
      read.catch(() => {
        if (this.storeRead?.read === read) this.storeRead = undefined;
      });
    }
    const [stats, deadLastDay, blocked] = await this.storeRead.read;
    return { stats, countLimit, deadLastDay, blocked, blockedLimit, minutes: attempts.lastHour(), circuits: circuits(), endpoints: endpoints() };
  }
}

/** A bulk retry's scope from `hook` and `cluster` parameters (query or form). */
function retryScope(parameters: URLSearchParams): RetryScope {
  const hook = queryParameter(parameters, 'hook', { allowed: postHookNames });
  const clusterId = queryParameter(parameters, 'cluster', clusterRule);
  return { ...(hook && { hook }), ...(clusterId && { clusterId }) };
}
