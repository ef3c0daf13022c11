import type { ServerResponse } from 'node:http';
import type { Html } from './html.js';

/** Renders the live parts of a view (element id → markup); undefined when the view is gone. */
export type ViewRenderer = (view: string) => Promise<Record<string, Html> | undefined>;

/**
 * Server-Sent Events for open pages. Every `intervalMs` each view that someone watches is
 * rendered once, however many watch it, and its fragments are pushed to them as an `update`
 * event; the page swaps them in. Nothing polls, and nothing is read while nobody watches.
 */
export class LiveUpdates {
  private readonly watchers = new Map<string, Set<ServerResponse>>();
  private timer: NodeJS.Timeout | undefined;
  private rendering = false;

  constructor(
    private readonly render: ViewRenderer,
    private readonly intervalMs: number,
  ) {}

  /** Makes `response` an event stream of `view` until the client goes away. */
  watch(view: string, response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    response.write(`retry: ${this.intervalMs}\n\n`);
    let watchers = this.watchers.get(view);
    if (!watchers) this.watchers.set(view, (watchers = new Set()));
    watchers.add(response);
    response.on('close', () => {
      watchers.delete(response);
      if (watchers.size === 0) this.watchers.delete(view);
      if (this.watchers.size === 0) this.stopTimer();
    });
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
  }

  /** Ends every stream. */
  close(): void {
    this.stopTimer();
    for (const watchers of this.watchers.values()) for (const response of watchers) response.end();
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
        const fragments = await this.render(view).catch(() => undefined);
        if (!fragments) return;
        const data = JSON.stringify(Object.fromEntries(Object.entries(fragments).map(([id, markup]) => [id, markup.value])));
        for (const response of watchers) response.write(`event: update\ndata: ${data}\n\n`);
      }));
    } finally {
      this.rendering = false;
    }
  }
}
