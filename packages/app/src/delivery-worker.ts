// The delivery thread's entry (DeliveryThread starts it): the dispatcher, its HTTP client and a
// store connection of their own, reporting to the main thread once per turn of this thread's loop.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { type DeliveryStore, Dispatcher, EndpointSignals, openStore } from '@ccx-hook/delivery';
import { HookClient, type Logger } from '@ccx-hook/hook-client';
import type { DeliverySettings, FromDeliveryThread, LogLevel, ToDeliveryThread } from './delivery-thread.js';

const settings = workerData as DeliverySettings;
const port = parentPort!;

/** What happened since the last report; sent at the end of the turn in which it began. */
let report: Extract<FromDeliveryThread, { type: 'report' }> | undefined;
let dispatcher: Dispatcher | undefined;
let storeAlive = () => true;

function pending(): NonNullable<typeof report> {
  if (!report) {
    report = { type: 'report', attempts: [], logs: [], progressAt: 0, storeAlive: true };
    setImmediate(flush);
  }
  return report;
}

function flush(): void {
  if (!report) return;
  report.progressAt = dispatcher?.lastProgressAt ?? Date.now();
  report.storeAlive = storeAlive();
  port.postMessage(report);
  report = undefined;
}

const logged = (level: LogLevel) => settings.logLevels.includes(level)
  ? (message: string, fields?: Record<string, unknown>) => void pending().logs.push([level, message, fields])
  : () => {};
const logger: Logger = { error: logged('error'), warn: logged('warn'), info: logged('info'), debug: logged('debug') };

/** Progress is reported at least this often, with or without attempts (liveness watches it). */
const progressEveryMs = 1_000;

/** Set once the main thread asked the thread to stop. */
let stopping = false;

/**
 * Opens the store, as the main thread did a moment ago; while it fails (the store went down
 * since), tries again every `reopenMs`, reporting progress meanwhile: an outage is readiness's
 * business (DESIGN §5b). Resolves with undefined when asked to stop first.
 */
async function openWhileRunning(): Promise<DeliveryStore | undefined> {
  for (let tries = 1; !stopping; tries++) {
    try {
      return await openStore(settings.storeUrl, { timeoutMs: settings.storeTimeoutMs, logger });
    } catch (error) {
      if (tries === 1) logger.error('the delivery thread cannot open the store; trying again every second', { error: (error as Error).message });
      await new Promise((resolve) => setTimeout(resolve, reopenMs));
    }
  }
  return undefined;
}
const reopenMs = 1_000;

async function start() {
  const store = await openWhileRunning();
  if (!store) return undefined;
  if (stopping) {
    await store.close();
    return undefined;
  }
  storeAlive = () => store.alive();
  const hooks = settings.hooks as Record<string, DeliverySettings['hooks'][keyof DeliverySettings['hooks']] | undefined>;
  const endpoints = new EndpointSignals({ store, logger, url: (hook) => hooks[hook]?.url });
  const client = new HookClient({
    ...credentials,
    userAgent: settings.userAgent,
    observer: { attempted: (hook, result, durationMs) => void pending().attempts.push([hook, result, durationMs]) },
  });
  const postTimeouts = Object.entries(hooks).filter(([name]) => name.startsWith('post-')).map(([, hook]) => hook!.timeoutMs);
  const { delivery } = settings;
  const running = new Dispatcher({
    store,
    client,
    logger,
    target: (hook) => {
      const url = hooks[hook]?.url;
      return url ? { url, timeoutMs: hooks[hook]!.timeoutMs } : undefined;
    },
    endpoints,
    ratePerSecond: delivery.ratePerSecond,
    schedule: delivery.schedule,
    concurrency: delivery.concurrency,
    // Running attempts extend their leases, so this is how soon a dead replica's work is taken over.
    leaseMs: Math.max(...postTimeouts) + 5_000,
    retentionMs: delivery.retentionMs,
  });
  endpoints.start();
  running.start();
  dispatcher = running;
  return { store, endpoints, client, dispatcher: running };
}

/**
 * Deliveries yield the CPU to decisions: on Linux a thread has a nice value of its own, and this
 * one (with the SQLite worker it starts, which inherits it) takes `niceness`. libuv's thread
 * pool, which the main thread started while it loaded its modules, keeps the process's. Elsewhere
 * the thread keeps the process's priority.
 */
function yieldToDecisions(): void {
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), niceness);
  } catch {
    // Not Linux: no per-thread priority.
  }
}
const niceness = 10;

yieldToDecisions();
const progress = setInterval(() => pending(), progressEveryMs);
/** The latest credentials: those handed over while the store was being opened, too. */
let credentials = settings.credentials;
const started = start().catch(
  (error: Error) => {
    port.postMessage({ type: 'failed', error: error.message } satisfies FromDeliveryThread);
    return undefined;
  },
);

port.on('message', (message: ToDeliveryThread) => {
  if (message.type === 'wake') dispatcher?.wake();
  else if (message.type === 'credentials') {
    credentials = message.credentials;
    void started.then((parts) => parts?.client.reconfigure(credentials));
  } else void stop(message.graceMs);
});

async function stop(graceMs: number): Promise<void> {
  stopping = true;
  const parts = await started;
  clearInterval(progress);
  if (parts) {
    await parts.dispatcher.stop(graceMs);
    await parts.endpoints.stop();
    await parts.store.close();
  }
  flush();
  port.postMessage({ type: 'stopped' } satisfies FromDeliveryThread);
}
