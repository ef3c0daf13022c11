import { StoreError } from './errors.js';

interface Waiter<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Commits items in groups: the first item starts a commit at the next turn of the event loop;
 * items that arrive while a commit runs form the next group. So an idle store answers at
 * once and a busy one makes fewer, larger commits. No item resolves before its group's commit.
 */
export class GroupCommit<T, R> {
  private gathering: Waiter<T, R>[] = [];
  private running: Promise<void> | undefined;

  /**
   * `commit` must resolve with one result per item, in order, or reject for the whole group;
   * `what` names an item in the `StoreError` of a failed group ("cannot store <what>").
   */
  constructor(
    private readonly commit: (items: T[]) => Promise<R[]>,
    private readonly what = 'delivery',
  ) {}

  /** Resolves with the item's result once its group is committed. */
  add(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.gathering.push({ item, resolve, reject });
      this.running ??= new Promise<void>((started) => setImmediate(started)).then(() => this.commitGroups());
    });
  }

  /** Resolves once everything added so far is committed (or failed). */
  async drain(): Promise<void> {
    await this.running;
  }

  private async commitGroups(): Promise<void> {
    while (this.gathering.length > 0) {
      const group = this.gathering;
      this.gathering = [];
      try {
        const results = await this.commit(group.map((waiter) => waiter.item));
        group.forEach((waiter, index) => waiter.resolve(results[index]!));
      } catch (error) {
        const failure = error instanceof StoreError ? error : new StoreError(`cannot store ${this.what}: ${(error as Error).message}`, { cause: error });
        for (const waiter of group) waiter.reject(failure);
      }
    }
    this.running = undefined;
  }
}
