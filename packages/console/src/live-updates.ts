import type { ServerResponse } from 'node:http';
import type { Html } from './html.js';

/** Renders the live parts of a view (element id → markup); undefined when the view is gone. */
export type ViewRenderer = (view: string) => Promise<Record<string, Html> | undefined>;

/** Who watches, and whether they still may. */
export interface Watcher {
  /** The viewer the stream counts against (a session, the bearer token, an address). */
  viewer: string;
  /** Checked on every tick: a stream whose viewer may no longer read (a session expired) ends. */
  mayRead: () => boolean;
}

/** Open streams at most, in all and per viewer: past them a new one is refused with 429. */
export const maxStreams = 200;
export const maxStreamsPerViewer = 10;

/**
 * Server-Sent Events for open pages. Every `intervalMs` each view that someone watches is
 * rendered once, however many watch it, and its fragments are pushed to them as an `update`
 * event; the page swaps them in. Nothing polls, and nothing is read while nobody watches.
 * Streams are capped (`maxStreams`, `maxStreamsPerViewer`), authorised on every tick, and
 * dropped when their client stops reading (an event not taken by the next tick).
 */
export class LiveUpdates {
  private readonly watchers = new Map<string, Map<ServerResponse, Watcher>>();
  private readonly perViewer = new Map<string, number>();
  private streams = 0;
  private timer: NodeJS.Timeout | undefined;
  private rendering = false;

  constructor(
    private readonly render: ViewRenderer,
    private readonly intervalMs: number,
  ) {}

  /** Makes `response` an event stream of `view` until the client goes away; false (nothing written) when the caps are reached. */
  watch(view: string, response: ServerResponse, watcher: Watcher): boolean {
    const mine = this.perViewer.get(watcher.viewer) ?? 0;
    if (this.streams >= maxStreams || mine >= maxStreamsPerViewer) return false;
    this.streams++;
    this.perViewer.set(watcher.viewer, mine + 1);
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    response.write(`retry: ${this.intervalMs}\n\n`);
    let watchers = this.watchers.get(view);
    if (!watchers) this.watchers.set(view, (watchers = new Map()));
    watchers.set(response, watcher);
    response.on('close', () => {
      watchers.delete(response);
      this.streams--;
      const left = this.perViewer.get(watcher.viewer)! - 1;
      if (left === 0) this.perViewer.delete(watcher.viewer);
      else this.perViewer.set(watcher.viewer, left);
      if (watchers.size === 0) this.watchers.delete(view);
      if (this.watchers.size === 0) this.stopTimer();
    });
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
    return true;
  }

  /** Ends every stream. */
  close(): void {
    this.stopTimer();
    for (const watchers of this.watchers.values()) for (const response of watchers.keys()) response.end();
    this.watchers.clear();
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    // A slow store skips ticks instead of piling renders up.
    if (this.rendering) return;
    this.rendering = true;
    try {
      await Promise.all([...this.watchers].map(async ([view, watchers]) => {
        for (const [response, watcher] of watchers) {
          // Not authorised any more, or the last event is still unread: the stream ends.
          if (!watcher.mayRead() || response.writableNeedDrain) response.destroy();
        }
        if (watchers.size === 0) return;
        const fragments = await this.render(view).catch(() => undefined);
        if (!fragments) return;
        const data = JSON.stringify(Object.fromEntries(Object.entries(fragments).map(([id, markup]) => [id, markup.value])));
        for (const response of watchers.keys()) response.write(`event: update\ndata: ${data}\n\n`);
      }));
    } finally {
      this.rendering = false;
    }
  }
}
