import { rateHorizonMs } from './delivery-store.js';

/**
 * How many slots of a rate limit a claim may take when its first free slot is `startInMs` from
 * now: those that begin within `rateHorizonMs`, `1000 / ratePerSecond` ms apart, at most `limit`.
 */
export function slotsAhead(startInMs: number, ratePerSecond: number, limit: number): number {
  if (startInMs > rateHorizonMs) return 0;
  return Math.min(limit, Math.floor(((rateHorizonMs - startInMs) * ratePerSecond) / 1000) + 1);
}

/** The wait before the `index`-th slot (0 first) of a claim whose first slot is `startInMs` from now. */
export const slotStart = (startInMs: number, ratePerSecond: number, index: number) => startInMs + (index * 1000) / ratePerSecond;
