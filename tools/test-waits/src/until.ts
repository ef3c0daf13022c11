/**
 * Resolves once `condition` holds, checking it every `intervalMs`; rejects naming `what` when it
 * still does not hold after `timeoutMs`. For tests: a wait on the thing itself, not on time.
 */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000, intervalMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
