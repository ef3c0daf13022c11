import { Worker } from 'node:worker_threads';
import type { AttemptObserver, AttemptResult, HookCredentials, Logger } from '@ccx-hook/hook-client';
import type { ServiceConfig } from './service-config.js';

/** What the delivery thread is started with (structured-cloned into it). */
export interface DeliverySettings {
  storeUrl: string;
  storeTimeoutMs: number;
  hooks: ServiceConfig['hooks'];
  delivery: ServiceConfig['delivery'];
  credentials: HookCredentials;
  userAgent: string;
  /** The log levels the service writes: the thread sends no line of another. */
  logLevels: LogLevel[];
}

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** A message to the delivery thread. */
export type ToDeliveryThread =
  | { type: 'wake' }
  | { type: 'credentials'; credentials: HookCredentials }
  | { type: 'stop'; graceMs: number };

/** A message from the delivery thread: what it did since its last report, or that it failed or stopped. */
export type FromDeliveryThread =
  | { type: 'report'; attempts: [string, AttemptResult, number][]; logs: [LogLevel, string, Record<string, unknown> | undefined][]; progressAt: number; storeAlive: boolean }
  | { type: 'failed'; error: string }
  | { type: 'stopped' };

/**
 * The post- hooks' dispatcher and its HTTP client, in a worker thread of their own with their
 * own store connection (DESIGN §5c): deliveries never hold up a decision on the gRPC loop.
 * This side hands it wake-ups and credentials, writes its log lines, tells `observer` of its
 * attempts (metrics, the console's history) and keeps when it last made progress (liveness).
 * A thread that stops unasked is not restarted: `failure` says why, and liveness asks for a
 * restart of the process.
 */
export class DeliveryThread {
  private worker: Worker | undefined;
  private exited: Promise<void> = Promise.resolve();
  private progressAt = Date.now();
  private storeAlive = true;
  private stopping: Promise<void> | undefined;
  private stopped: (() => void) | undefined;
  private wakeScheduled = false;
  private failed: string | undefined;

  constructor(
    private readonly settings: DeliverySettings,
    private readonly logger: Logger,
    private readonly observer: AttemptObserver,
  ) {}

  /** Starts the thread; it opens its store and starts delivering on its own, without holding up the caller. */
  start(): void {
    const worker = new Worker(new URL('./delivery-worker.js', import.meta.url), { workerData: this.settings });
    worker.on('message', (message: FromDeliveryThread) => this.receive(message));
    worker.on('error', (error) => this.fail(error.message));
    this.exited = new Promise((resolve) => worker.once('exit', (code) => {
      this.fail(`its worker thread exited with code ${code}`);
      this.stopped?.();
      resolve();
    }));
    this.worker = worker;
  }

  /** When the dispatcher last made progress (ms since the epoch), as it last reported. */
  get lastProgressAt(): number {
    return this.progressAt;
  }

  /** Why delivery stopped for good (the thread failed, or its store cannot be used until a restart); undefined while it works. */
  get failure(): string | undefined {
    return this.failed ?? (this.storeAlive ? undefined : 'the delivery thread\'s store cannot be used until the process restarts');
  }

  /** Tells the dispatcher that something was enqueued; many calls in one turn make one message. */
  wake(): void {
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.post({ type: 'wake' });
    });
  }

  /** New secrets, signing keys or TLS material for the deliveries that start from now on (SIGHUP; checked by the caller). */
  reconfigure(credentials: HookCredentials): void {
    this.post({ type: 'credentials', credentials });
  }

  /** Stops the dispatcher (once, however often called) with `graceMs` for attempts in flight, closes its store, and ends the thread. */
  stop(graceMs: number): Promise<void> {
    this.stopping ??= this.end(graceMs);
    return this.stopping;
  }

  private async end(graceMs: number): Promise<void> {
    if (!this.worker) return;
    if (this.failed === undefined) {
      const stopped = new Promise<void>((resolve) => (this.stopped = resolve));
      this.post({ type: 'stop', graceMs });
      await stopped;
    }
    await this.worker.terminate();
    await this.exited;
  }

  private post(message: ToDeliveryThread): void {
    if (this.failed === undefined) this.worker?.postMessage(message);
  }

  private receive(message: FromDeliveryThread): void {
    if (message.type === 'report') {
      for (const [hook, result, durationMs] of message.attempts) this.observer.attempted(hook, result, durationMs);
      for (const [level, text, fields] of message.logs) this.logger[level](text, fields);
      this.progressAt = message.progressAt;
      this.storeAlive = message.storeAlive;
    } else if (message.type === 'failed') {
      this.fail(message.error);
    } else {
      this.stopped?.();
    }
  }

  private fail(reason: string): void {
    if (this.stopping !== undefined || this.failed !== undefined) return;
    this.failed = `delivery stopped: ${reason}`;
    this.logger.error('post- hooks are not delivered until the process restarts', { error: this.failed });
  }
}
