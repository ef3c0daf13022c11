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

/**
 * Commits items in groups: the first item starts a commit at the next turn of the event loop;
 * items that arrive while a commit runs form the next group. So an idle store answers at
 * once and a busy one makes fewer, larger commits. No item resolves before its group's commit.
 */
export class GroupCommit<T, R> {
  private gathering: Waiter<T, R>[] = [];
  private running: Promise<void> | undefined;
  private waitingItems = 0;
  private waitingBytes = 0;

  /**
   * `commit` must resolve with one result per item, in order, or reject for the whole group;
   * `what` names an item in the `StoreError` of a failed group ("cannot store <what>").
   */
  constructor(
    private readonly commit: (items: T[]) => Promise<R[]>,
    private readonly limits: GroupCommitLimits<T>,
    private readonly what = 'delivery',
  ) {}

  /** Resolves with the item's result once its group is committed. */
  add(item: T): Promise<R> {
    const { timeoutMs, maxItems, maxBytes, sizeOf } = this.limits;
    const size = sizeOf(item);
    if (this.waitingItems + 1 > maxItems || this.waitingBytes + size > maxBytes) {
      return Promise.reject(new StoreError(`cannot store ${this.what}: ${this.waitingItems} waiting for the store already`));
    }
    this.waitingItems++;
    this.waitingBytes += size;
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

  private async commitGroups(): Promise<void> {
    while (this.gathering.length > 0) {
      const group = this.gathering;
      this.gathering = [];
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
