import type { AttemptObserver, AttemptResult } from '@ccx-hook/hook-client';

/** Attempts that ended in one minute, by result. */
export interface MinuteCounts {
  /** The minute's start, ms since the epoch. */
  minute: number;
  counts: Partial<Record<AttemptResult, number>>;
}

const minuteMs = 60_000;
/** Minutes kept: the console plots the last hour. */
export const historyMinutes = 60;

/**
 * Attempts per minute by result over the last hour, in this process (pre- hooks and post-
 * hook deliveries alike), for the console's plot. Memory is bounded: one small map per minute.
 */
export class AttemptHistory implements AttemptObserver {
  private readonly minutes = new Map<number, Partial<Record<AttemptResult, number>>>();

  constructor(private readonly now: () => number = Date.now) {}

  attempted(_hookName: string, result: AttemptResult): void {
    const minute = Math.floor(this.now() / minuteMs) * minuteMs;
    let counts = this.minutes.get(minute);
    if (!counts) {
      counts = {};
      this.minutes.set(minute, counts);
      for (const old of this.minutes.keys()) if (old <= minute - historyMinutes * minuteMs) this.minutes.delete(old);
    }
    counts[result] = (counts[result] ?? 0) + 1;
  }

  /** The last `historyMinutes` minutes, oldest first, the current one last; quiet minutes have no counts. */
  lastHour(): MinuteCounts[] {
    const current = Math.floor(this.now() / minuteMs) * minuteMs;
    return Array.from({ length: historyMinutes }, (_, index) => {
      const minute = current - (historyMinutes - 1 - index) * minuteMs;
      return { minute, counts: { ...this.minutes.get(minute) } };
    });
  }
}
