import { openStore } from '@ccx-hook/delivery';
import { median, percentile, timed } from './measure.js';
import { type Backlog, seedBacklog } from './seed-backlog.js';

/** Backlogs of the claim benchmark: about 100 and about 1,000,000 pending, one blocked cluster in each. */
export const small: Backlog = { blocked: 50, spread: 50, clusters: 25 };
export const large: Backlog = { blocked: 500_000, spread: 500_000, clusters: 5_000 };

/**
 * Claims 16 queue heads and releases them, `rounds` times, from a store seeded with
 * `backlog`; resolves with the median and p99 of one claim, in ms.
 */
export async function claimCost(url: string, backlog: Backlog, rounds = 300): Promise<{ median: number; p99: number }> {
  await seedBacklog(url, backlog);
  const store = await openStore(url);
  const times: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      let claimed: Awaited<ReturnType<typeof store.claim>> = [];
      times.push(await timed(async () => (claimed = await store.claim(16, 60_000))));
      if (claimed.length !== 16) throw new Error(`claimed ${claimed.length}, expected 16`);
      await store.release(claimed.map((delivery) => delivery.lease));
    }
  } finally {
    await store.close();
  }
  return { median: median(times), p99: percentile(times, 99) };
}
