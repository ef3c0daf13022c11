import type { Delivery, DeliveryFilter, DeliveryStatus, DeliveryStore } from '@ccx-hook/delivery';
import { CommandError, UsageError } from './errors.js';
import { table, time } from './format-table.js';
import { parseDuration } from './parse-duration.js';

/** Parsed options of a `deliveries` subcommand. */
export interface DeliveriesOptions {
  status?: string;
  hook?: string;
  cluster?: string;
  olderThan?: string;
  limit?: string;
  after?: string;
  json?: boolean;
  dead?: boolean;
  deliveredBefore?: string;
}

/**
 * Where `deliveries` writes: `progress` is true when stderr is a terminal (a bar instead of
 * lines), `terminal` when stdout is one (the store's name comes first).
 */
export interface DeliveriesOutput {
  stdout(text: string): void;
  stderr(text: string): void;
  progress: boolean;
  terminal: boolean;
}

/** The store a command works on, and its name for people (the URL without a password). */
export interface NamedStore {
  store: DeliveryStore;
  name: string;
}

const statuses: readonly DeliveryStatus[] = ['pending', 'delivered', 'dead'];
const retryBatch = 500;

/**
 * Runs `deliveries list | show | retry | purge` on `store`. Throws `UsageError` for bad
 * options, `CommandError` when the work fails (unknown id, nothing to do). Which store was read
 * is never left to guess: the first line on a terminal, a `store` field in `--json`.
 */
export async function runDeliveries(
  subcommand: string,
  positionals: string[],
  options: DeliveriesOptions,
  { store, name }: NamedStore,
  output: DeliveriesOutput,
): Promise<void> {
  if (output.terminal && !options.json) output.stdout(`store: ${name}`);
  switch (subcommand) {
    case 'list':
      return list(options, { store, name }, output);
    case 'show':
      return show(positionals[0]!, options, { store, name }, output);
    case 'retry':
      return retry(positionals, options, store, output);
    case 'purge':
      return purge(options, store, output);
  }
}

async function list(options: DeliveriesOptions, { store, name }: NamedStore, output: DeliveriesOutput): Promise<void> {
  const limit = options.limit === undefined ? 50 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError(`--limit must be 1 to 10000, got "${options.limit}"`);
  const page = await store.list({ ...filter(options), limit, after: options.after });
  if (options.json) {
    output.stdout(JSON.stringify({ store: name, ...page }, null, 2));
    return;
  }
  const rows = page.deliveries.map((d) => [
    d.id,
    d.status,
    d.hook,
    d.clusterId,
    String(d.attempts),
    time(d.createdAt),
    d.status === 'pending' ? time(d.nextAttemptAt) : '',
    d.lastError ?? '',
  ]);
  output.stdout(table(['ID', 'STATUS', 'HOOK', 'CLUSTER', 'ATTEMPTS', 'CREATED', 'NEXT ATTEMPT', 'LAST ERROR'], rows));
  if (page.next) output.stdout(`more: --after ${page.next}`);
}

async function show(id: string, options: DeliveriesOptions, { store, name }: NamedStore, output: DeliveriesOutput): Promise<void> {
  const delivery = await store.get(id);
  if (!delivery) throw new CommandError(`no delivery ${id}`);
  const attempts = await store.attempts(id);
  const payload = redactedPayload(delivery);
  if (options.json) {
    output.stdout(JSON.stringify({ store: name, ...delivery, payload, attempts }, null, 2));
    return;
  }
  output.stdout(
    [
      `id:            ${delivery.id}`,
      `status:        ${delivery.status}`,
      `hook:          ${delivery.hook}`,
      `cluster:       ${delivery.clusterId}`,
      `created:       ${time(delivery.createdAt)}`,
      delivery.status === 'pending' ? `next attempt:  ${time(delivery.nextAttemptAt)}` : `${delivery.status}:`.padEnd(15) + time(delivery.updatedAt),
      `payload:       ${JSON.stringify(payload)}`,
      '',
      attempts.length === 0
        ? 'no attempts yet'
        : table(
            ['ATTEMPT', 'ENDED', 'DURATION', 'RESULT'],
            attempts.map((a) => [String(a.attempt), time(a.endedAt), `${a.durationMs}ms`, a.error ?? `HTTP ${a.statusCode}`]),
          ),
    ].join('\n'),
  );
}

async function retry(ids: string[], options: DeliveriesOptions, store: DeliveryStore, output: DeliveriesOutput): Promise<void> {
  if (options.dead) {
    if (ids.length > 0) throw new UsageError('deliveries retry: give ids or --dead, not both');
    return retryDead(options, store, output);
  }
  if (options.hook !== undefined || options.cluster !== undefined) throw new UsageError('--hook and --cluster go with --dead');
  if (ids.length === 0) throw new UsageError('usage: deliveries retry <id…> | --dead [--hook <hook>] [--cluster <id>]');
  const results = await store.retry(ids);
  const missing = ids.filter((_, index) => results[index] === 'not-found');
  ids.forEach((id, index) => {
    const result = results[index]!;
    if (result !== 'not-found') output.stdout(`${id}: ${describeRetry[result]}`);
  });
  if (missing.length > 0) throw new CommandError(`no delivery ${missing.join(', ')}`);
}

const describeRetry = {
  queued: 'queued again',
  'due-now': 'due now',
  unchanged: 'unchanged (delivered, or an attempt is running)',
} as const;

async function retryDead(options: DeliveriesOptions, store: DeliveryStore, output: DeliveriesOutput): Promise<void> {
  const scope = { hook: options.hook, clusterId: options.cluster };
  const total = await store.count({ ...scope, status: 'dead' });
  const bar = output.progress ? await progressBar() : undefined;
  bar?.start(total, 0);
  let done = 0;
  for (;;) {
    const count = await store.retryDead(scope, retryBatch);
    if (count === 0) break;
    done += count;
    if (bar) bar.update(Math.min(done, total));
    else output.stderr(`retried ${done}/${total}`);
  }
  bar?.stop();
  output.stdout(`queued ${deliveries(done)} again`);
}

/** A progress bar on stderr. cli-progress is loaded here only, so that `serve` starts without it. */
async function progressBar() {
  const { default: cliProgress } = await import('cli-progress');
  return new cliProgress.SingleBar({ stream: process.stderr }, cliProgress.Presets.shades_classic);
}

const purgeBatch = 1000;

async function purge(options: DeliveriesOptions, store: DeliveryStore, output: DeliveriesOutput): Promise<void> {
  if (options.deliveredBefore === undefined) throw new UsageError('usage: deliveries purge --delivered-before <age>, e.g. 7d');
  const olderThanMs = duration('delivered-before', options.deliveredBefore);
  // In batches, so that a service running on the same store is never held up for long.
  let purged = 0;
  for (;;) {
    const count = await store.purgeDelivered(olderThanMs, purgeBatch);
    purged += count;
    if (count < purgeBatch) break;
  }
  output.stdout(`purged ${deliveries(purged)}`);
}

function filter(options: DeliveriesOptions): DeliveryFilter {
  if (options.status !== undefined && !statuses.includes(options.status as DeliveryStatus)) {
    throw new UsageError(`--status must be one of ${statuses.join(', ')}, got "${options.status}"`);
  }
  return {
    status: options.status as DeliveryStatus | undefined,
    hook: options.hook,
    clusterId: options.cluster,
    olderThanMs: options.olderThan === undefined ? undefined : duration('older-than', options.olderThan),
  };
}

function duration(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`--${flag} must be a duration like 30m, 2h or 7d, got "${text}"`);
  return ms;
}

/** The payload as JSON, with any `auth_id` redacted (post- bodies carry none, but a credential never prints). */
function redactedPayload(delivery: Delivery): unknown {
  try {
    const payload = JSON.parse(delivery.payload) as Record<string, unknown>;
    return 'auth_id' in payload ? { ...payload, auth_id: '[redacted]' } : payload;
  } catch {
    return '[not JSON]';
  }
}

const deliveries = (count: number) => `${count} ${count === 1 ? 'delivery' : 'deliveries'}`;
