import { errorCode } from '@ccx-hook/hook-client';
import { StoreError } from './errors.js';

interface Waiter<T, R> {
  item: T;
  size: number;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout;
}

/** The bounds of a `GroupCommit` (DESIGN §5b: nothing in memory grows with an outage). */
export interface GroupCommitLimits<T> {
  /**
   * An item not committed this many ms after `add` is rejected with `StoreError`: dropped, if
   * its group has not started; otherwise its outcome is unknown to the caller.
   */
  timeoutMs: number;
  /** Items waiting (gathering or committing) at most: past it `add` rejects at once. */
  maxItems: number;
  /** Bytes waiting at most, as `sizeOf` counts them: past it `add` rejects at once. */
  maxBytes: number;
  sizeOf: (item: T) => number;
}

/** How a `GroupCommit` names its items and sizes its groups. */
export interface GroupCommitOptions {
  /** Names an item in the `StoreError` of a failed group ("cannot store <what>"). Default: delivery. */
  what?: string;
  /**
   * A commit takes at most half (rounded up) of the most items that waited at once lately (this
   * second or the one before), so that callers who wait for their answer before sending again
   * are answered in two waves: the first wave's callers send their next items while the second
   * wave commits, instead of every caller waiting on one commit in lock step and the store
   * idle while they send (docs/BENCHMARKS.md, row 3). One caller at a time still commits at
   * once, alone. Default: false (a commit takes everything that waits).
   */
  waves?: boolean;
}

/** The span over which `waves` remembers the most items that waited at once (the peak of this span or the one before counts). */
const peakSpanMs = 1_000;

/**
 * Commits items in groups, one commit at a time: the first item starts a commit at the next turn
 * of the event loop; items that arrive while a commit runs wait for the next. So an idle store
 * answers at once and a busy one makes fewer, larger commits. No item resolves before its
 * group's commit.
 */
export class GroupCommit<T, R> {
  private gathering: Waiter<T, R>[] = [];
  private running: Promise<void> | undefined;
  private waitingItems = 0;
  private waitingBytes = 0;
  /** With `waves`: the most items waiting at once in the current span, in the one before, and when the current one began. */
  private peak = 0;
  private previousPeak = 0;
  private peakSince = 0;
  private readonly what: string;
  private readonly waves: boolean;

  /** `commit` must resolve with one result per item, in order, or reject for the whole group. */
  constructor(
    private readonly commit: (items: T[]) => Promise<R[]>,
    private readonly limits: GroupCommitLimits<T>,
    { what = 'delivery', waves = false }: GroupCommitOptions = {},
  ) {
    this.what = what;
    this.waves = waves;
  }

  /** Resolves with the item's result once its group is committed. */
  add(item: T): Promise<R> {
    const { timeoutMs, maxItems, maxBytes, sizeOf } = this.limits;
    const size = sizeOf(item);
    if (this.waitingItems + 1 > maxItems || this.waitingBytes + size > maxBytes) {
      return Promise.reject(new StoreError(`cannot store ${this.what}: ${this.waitingItems} waiting for the store already`));
    }
    this.waitingItems++;
    this.waitingBytes += size;
    if (this.waves) this.notePeak();
    return new Promise((resolve, reject) => {
      const waiter: Waiter<T, R> = { item, size, resolve, reject, timer: undefined! };
      waiter.timer = setTimeout(() => this.expire(waiter), timeoutMs);
      this.gathering.push(waiter);
      this.running ??= new Promise<void>((started) => setImmediate(started)).then(() => this.commitGroups());
    });
  }

  /** Resolves once everything added so far is committed (or failed). */
  async drain(): Promise<void> {
    await this.running;
  }

  private expire(waiter: Waiter<T, R>): void {
    const gathered = this.gathering.indexOf(waiter);
    if (gathered >= 0) {
      this.gathering.splice(gathered, 1);
      this.left(waiter);
    }
    waiter.reject(new StoreError(`cannot store ${this.what}: the store did not answer within ${this.limits.timeoutMs} ms`));
  }

  private left(waiter: Waiter<T, R>): void {
    clearTimeout(waiter.timer);
    this.waitingItems--;
    this.waitingBytes -= waiter.size;
  }

  private notePeak(): void {
    const now = performance.now();
    if (now - this.peakSince >= peakSpanMs) {
      this.previousPeak = this.peak;
      this.peak = 0;
      this.peakSince = now;
    }
    this.peak = Math.max(this.peak, this.waitingItems);
  }

  private async commitGroups(): Promise<void> {
    while (this.gathering.length > 0) {
      const size = this.waves ? Math.ceil(Math.max(this.peak, this.previousPeak) / 2) : this.gathering.length;
      const group = this.gathering.splice(0, size);
      try {
        const results = await this.commit(group.map((waiter) => waiter.item));
        group.forEach((waiter, index) => waiter.resolve(results[index]!));
      } catch (error) {
        const failure = errorCode(error) === 'ERR_STORE' ? error : new StoreError(`cannot store ${this.what}: ${(error as Error).message}`, { cause: error });
        for (const waiter of group) waiter.reject(failure);
      }
      for (const waiter of group) this.left(waiter);
    }
    this.running = undefined;
  }
}

/** Bounds of the enqueues waiting for a commit: 10,000 calls or 32 MiB of payloads. */
export function deliveryLimits<T extends { payload: string }>(timeoutMs: number): GroupCommitLimits<T> {
  return { timeoutMs, maxItems: 10_000, maxBytes: 32 * 1024 * 1024, sizeOf: (delivery) => delivery.payload.length };
}

/** Bounds of the attempt records waiting for a commit (small, and as many as attempts in flight). */
export function attemptLimits<T>(timeoutMs: number): GroupCommitLimits<T> {
  return { timeoutMs, maxItems: 10_000, maxBytes: Infinity, sizeOf: () => 0 };
}
