import { rate, startServiceProcess } from './service-process.js';
import { seedBacklog } from './seed-backlog.js';

/**
 * 100,000 pending over 100 clusters, as an integrator outage leaves them: every head has
 * failed already and waits for its next attempt (5 minutes away).
 */
const outage = { blocked: 0, spread: 100_000, clusters: 100, headsDueInMs: 300_000 };

/**
 * Durable post-add-node calls per second at 64 in flight through `serve`, with the integrator
 * down (connection refused), from a store that is empty or holds the outage backlog. The calls
 * go to the clusters of the backlog, so each joins the back of a queue of 1,000 or more.
 */
export async function enqueueRate(storeUrl: string, withBacklog: boolean, durationMs = 5_000): Promise<number> {
  if (withBacklog) await seedBacklog(storeUrl, outage);
  const service = await startServiceProcess({ CCX_HOOK_HOOKS_URL: 'http://127.0.0.1:1', CCX_HOOK_STORE_URL: storeUrl });
  try {
    const request = (n: number) => ({ clusterId: `c${n % outage.clusters}`, nodeIds: [`n${n}`] });
    await rate(service.client, 'postAddNode', request, 64, 1_000); // warm-up
    return await rate(service.client, 'postAddNode', request, 64, durationMs);
  } finally {
    await service.stop();
  }
}
