import type { DeliveryStore, StoreStats } from '@ccx-hook/delivery';
import type { Logger } from '@ccx-hook/hook-client';

/** Each state is counted up to this many (a bounded read, however large the store). */
export const figuresCountLimit = 100_000;
/** The first read after start, in ms. */
const firstReadMs = 1_000;

/**
 * The store's figures for `/metrics` (DESIGN §5b): read in the background every `intervalMs`,
 * one read at a time, and served from memory, so that a scrape costs the store nothing however
 * often it comes. Counts stop at `figuresCountLimit`.
 */
export class StoreFigures {
  private current: StoreStats | undefined;
  private reading = false;
  private failing = false;
  private first: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Pick<DeliveryStore, 'stats'>,
    private readonly logger: Logger,
    private readonly intervalMs = 5_000,
  ) {}

  /** The figures of the last read that succeeded; undefined before the first. */
  get latest(): StoreStats | undefined {
    return this.current;
  }

  /**
   * Reads `firstReadMs` from now, then every `intervalMs`: counting a large backlog is not
   * among the work before a starting service answers its first calls (DESIGN §5c).
   */
  start(): void {
    this.first = setTimeout(() => void this.read(), firstReadMs);
    this.timer = setInterval(() => void this.read(), this.intervalMs);
  }

  /** Stops reading. */
  stop(): void {
    clearTimeout(this.first);
    clearInterval(this.timer);
  }

  private async read(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      this.current = await this.store.stats(figuresCountLimit);
      this.failing = false;
    } catch (error) {
      // Once per failing spell: readiness reports the store itself.
      if (!this.failing) this.logger.warn('metrics: cannot read the store; its figures keep their last values', { error: (error as Error).message });
      this.failing = true;
    } finally {
      this.reading = false;
    }
  }
}
