import type { Logger } from '@ccx-hook/hook-client';
import type { DeliveryStore, EndpointState } from './delivery-store.js';

/** How often the endpoints' state is read from the store, in ms: how soon a replica learns what another one heard. */
const refreshMs = 250;

/** What is known of one endpoint; `pausedUntil` on this process's clock. */
interface Known {
  gone?: EndpointState['gone'];
  pausedUntil?: number;
}

/** Options of `EndpointSignals`. */
export interface EndpointSignalsOptions {
  store: Pick<DeliveryStore, 'endpoints' | 'markGone' | 'pause' | 'resume'>;
  logger: Logger;
  /** The hook's URL in this replica's configuration; undefined when the hook is disabled. */
  url: (hook: string) => string | undefined;
}

/**
 * What endpoints said (DESIGN §5a) as this replica knows it: what the store holds, read every
 * `refreshMs` (so what another replica heard applies here within that), and what this replica
 * heard itself, at once. The store stays the authority: claims skip gone and paused endpoints
 * there. An endpoint marked gone for a URL this replica no longer uses is resumed (its URL
 * changed in the configuration).
 */
export class EndpointSignals {
  private states = new Map<string, Known>();
  /** Counts this replica's own updates, and which hook each last changed: a read that began before one does not undo it. */
  private updates = 0;
  private readonly updatedAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly options: EndpointSignalsOptions) {}

  /** Reads the store now and then every `refreshMs` (a read that fails leaves what is known). */
  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), refreshMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.refreshing;
  }

  /** True when the hook's endpoint is gone for the URL it has now. */
  isGone(hook: string): boolean {
    const gone = this.states.get(hook)?.gone;
    return gone !== undefined && gone.url === this.options.url(hook);
  }

  /** True while a Retry-After pauses the hook's post- deliveries. */
  isPaused(hook: string): boolean {
    const pausedUntil = this.states.get(hook)?.pausedUntil;
    return pausedUntil !== undefined && pausedUntil > Date.now();
  }

  /** Every endpoint that is gone for its URL or paused, as last known (for metrics, the console and the log). */
  list(): EndpointState[] {
    const now = Date.now();
    return [...this.states.entries()].flatMap(([hook, { gone, pausedUntil }]) => {
      const state: EndpointState = { hook };
      if (gone && this.isGone(hook)) state.gone = gone;
      if (pausedUntil !== undefined && pausedUntil > now) state.pausedForMs = pausedUntil - now;
      return state.gone || state.pausedForMs ? [state] : [];
    });
  }

  /**
   * The endpoint at `url` answered 410: gone here at once, and in the store for every replica.
   * The replica that marks it logs it (once, whichever replica heard it first).
   */
  async gone(hook: string, url: string): Promise<void> {
    this.update(hook, { gone: { since: Date.now(), url } });
    try {
      if (await this.options.store.markGone(hook, url)) {
        this.options.logger.error('endpoint gone: it answered 410, so nothing more is sent to it until an operator resumes it (endpoints resume) or its URL changes', { hook, endpoint: new URL(url).origin });
      }
    } catch (error) {
      this.options.logger.error('cannot mark an endpoint gone in the store; this replica holds it meanwhile', { hook, error: (error as Error).message });
    }
  }

  /** The endpoint asked for a pause of `delayMs` (Retry-After): here at once, and in the store for every replica. */
  async pause(hook: string, delayMs: number): Promise<void> {
    const pausedUntil = Math.max(Date.now() + delayMs, this.states.get(hook)?.pausedUntil ?? 0);
    this.update(hook, { pausedUntil });
    this.options.logger.warn('endpoint paused: it asked for a pause (Retry-After)', { hook, paused_for_ms: Math.round(delayMs) });
    try {
      await this.options.store.pause(hook, delayMs);
    } catch (error) {
      this.options.logger.error('cannot pause an endpoint in the store; this replica holds the pause meanwhile', { hook, error: (error as Error).message });
    }
  }

  private update(hook: string, change: Known): void {
    this.states.set(hook, Object.assign({}, this.states.get(hook), change));
    this.updatedAt.set(hook, ++this.updates);
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.read().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async read(): Promise<void> {
    const { store, logger, url } = this.options;
    const began = this.updates;
    let read: EndpointState[];
    try {
      read = await store.endpoints();
    } catch {
      // The store's outage is readiness's to report; what this replica knows holds meanwhile.
      return;
    }
    const now = Date.now();
    const states = new Map<string, Known>(read.map((state) => [state.hook, {
      gone: state.gone,
      pausedUntil: state.pausedForMs === undefined ? undefined : now + state.pausedForMs,
    }]));
    for (const [hook, update] of this.updatedAt) {
      if (update > began) states.set(hook, this.states.get(hook)!);
      else this.updatedAt.delete(hook);
    }
    this.states = states;
    for (const state of read) {
      const current = url(state.hook);
      if (!state.gone || current === undefined || current === state.gone.url) continue;
      try {
        if (await store.resume(state.hook)) logger.info('endpoint no longer gone: its URL changed', { hook: state.hook, endpoint: new URL(current).origin });
      } catch {
        // Tried again at the next read.
      }
    }
  }
}
