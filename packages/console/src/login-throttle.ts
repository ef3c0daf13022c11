/** Failed logins a remote address may make in `windowMs` before it is throttled. */
const failuresAllowed = 5;
const windowMs = 60_000;
/** Remote addresses remembered at most: beyond it the oldest are forgotten (a bounded map). */
const remembered = 10_000;

/**
 * Throttles console logins per remote address: after 5 failures within a minute, further
 * attempts are refused until the oldest of them is a minute old. Only failures count.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Seconds until `remote` may try again; 0 when it may now. */
  waitSeconds(remote: string): number {
    const recent = this.recent(remote);
    if (recent.length < failuresAllowed) return 0;
    return Math.ceil((recent[0]! + windowMs - this.now()) / 1000);
  }

  /** Counts a failed login of `remote`; true when this failure makes it throttled. */
  failed(remote: string): boolean {
    const recent = this.recent(remote);
    recent.push(this.now());
    this.failures.delete(remote);
    this.failures.set(remote, recent);
    if (this.failures.size > remembered) this.failures.delete(this.failures.keys().next().value!);
    return recent.length === failuresAllowed;
  }

  private recent(remote: string): number[] {
    const since = this.now() - windowMs;
    return (this.failures.get(remote) ?? []).filter((at) => at > since);
  }
}
