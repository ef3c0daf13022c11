/**
 * Resolves after `ms`. Only for time that is itself the behaviour under test (a measurement
 * window, a client's pacing, an integrator's latency): to wait for something, use `until`.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
