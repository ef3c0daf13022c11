/**
 * The wait before the attempt after attempt number `attempt` (1-based), in ms: the schedule's
 * entry with ±10 % jitter, or the integrator's `Retry-After` when that is later — but never
 * longer than the schedule's longest step, so a hostile `Retry-After` cannot park a delivery
 * (and its cluster) for years. Undefined when `attempt` was the last one.
 */
export function nextAttemptDelay(
  schedule: readonly number[],
  attempt: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number | undefined {
  const base = schedule[attempt - 1];
  if (base === undefined) return undefined;
  const jittered = Math.round(base * (0.9 + 0.2 * random()));
  const asked = Math.min(retryAfterMs ?? 0, Math.max(...schedule));
  return Math.max(jittered, asked);
}
