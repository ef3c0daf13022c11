import type { DeliveryStore } from '@ccx-hook/delivery';
import { type HookName, isHookName, isPreHook } from '@ccx-hook/hook-client';
import type { DeliveriesOutput, NamedStore } from './deliveries-command.js';
import { CommandError, UsageError } from './errors.js';
import { table, time } from './format-table.js';

/** Each hook's endpoint as the configuration has it: the URL (none: disabled) and the rate limit of post- hooks. */
export interface ConfiguredEndpoints {
  hooks: Array<{ hook: HookName; url?: string }>;
  /** `delivery.rate_limit`, attempts per second; undefined when off. */
  ratePerSecond?: number;
}

/**
 * Runs `endpoints list | resume` on `store` (DESIGN §5a): what every replica honours of what
 * the endpoints said. Throws `UsageError` for a bad hook name, `CommandError` when there is
 * nothing to resume.
 */
export async function runEndpoints(
  subcommand: string,
  positionals: string[],
  options: { json?: boolean },
  { store, name }: NamedStore,
  configured: ConfiguredEndpoints,
  output: DeliveriesOutput,
): Promise<void> {
  if (output.terminal && !options.json) output.stdout(`store: ${name}`);
  if (subcommand === 'resume') return resume(positionals[0]!, store, output);
  return list(options, { store, name }, configured, output);
}

async function list(options: { json?: boolean }, { store, name }: NamedStore, configured: ConfiguredEndpoints, output: DeliveriesOutput): Promise<void> {
  const states = new Map((await store.endpoints()).map((state) => [state.hook, state]));
  const rows = await Promise.all(configured.hooks.filter(({ url }) => url).map(async ({ hook, url }) => {
    const state = states.get(hook);
    // Gone for another URL is not gone: the service resumes it at its next read.
    const gone = state?.gone && state.gone.url === url ? state.gone : undefined;
    const post = !isPreHook(hook);
    return {
      hook,
      endpoint: new URL(url!).origin,
      state: gone ? 'gone' : state?.pausedForMs ? 'paused' : 'ok',
      goneSince: gone ? time(gone.since) : undefined,
      pausedUntil: state?.pausedForMs ? time(Date.now() + state.pausedForMs) : undefined,
      rateLimit: post ? configured.ratePerSecond : undefined,
      pending: post ? await store.count({ status: 'pending', hook }) : undefined,
    };
  }));
  if (options.json) {
    output.stdout(JSON.stringify({ store: name, endpoints: rows }, null, 2));
    return;
  }
  if (rows.length === 0) {
    output.stdout('no hook has a URL (hooks.url)');
    return;
  }
  output.stdout(table(
    ['HOOK', 'ENDPOINT', 'STATE', 'RATE LIMIT', 'PENDING'],
    rows.map((row) => [
      row.hook,
      row.endpoint,
      row.goneSince ? `gone since ${row.goneSince}` : row.pausedUntil ? `paused until ${row.pausedUntil}` : 'ok',
      row.pending === undefined ? '' : row.rateLimit === undefined ? 'off' : `${row.rateLimit}/s`,
      row.pending === undefined ? '' : String(row.pending),
    ]),
  ));
}

async function resume(hook: string, store: DeliveryStore, output: DeliveriesOutput): Promise<void> {
  if (!isHookName(hook)) throw new UsageError(`unknown hook "${hook}"; expected a hook name, e.g. post-add-node`);
  if (!(await store.resume(hook))) throw new CommandError(`nothing to resume: the endpoint of ${hook} is neither gone nor paused`);
  output.stdout(`${hook}: resumed; every replica sends to it again within a second`);
}
