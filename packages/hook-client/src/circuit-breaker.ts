/** Options of `CircuitBreaker`. */
export interface CircuitBreakerOptions {
  /** Consecutive failed attempts that open the circuit. Default 5. */
  threshold?: number;
  /** How long an open circuit fails fast before one trial attempt, in ms. Default 30 s. */
  cooldownMs?: number;
}

/** What `admit` allows: go ahead; go ahead with the one trial attempt; or fail fast. */
export type Admission = 'closed' | 'trial' | 'open';

interface Circuit {
  failures: number;
  openedAt: number | null;
  trialInFlight: boolean;
}

/**
 * A circuit breaker per key (an integrator's URL origin), on the monotonic clock: after
 * `threshold` consecutive failed attempts it opens and attempts fail fast for `cooldownMs`,
 * then one trial attempt is let through; a success closes the circuit, a failed trial opens it
 * for another cool-down, and a trial that ends without a verdict (aborted, a 4xx) frees the
 * next trial.
 */
export class CircuitBreaker {
  private readonly circuits = new Map<string, Circuit>();
  private readonly threshold: number;
  private readonly cooldownMs: number;

  constructor(options: CircuitBreakerOptions = {}) {
    this.threshold = options.threshold ?? 5;
    this.cooldownMs = options.cooldownMs ?? 30_000;
  }

  /** Whether an attempt at `key` may go ahead now. */
  admit(key: string, now: number = performance.now()): Admission {
    const circuit = this.circuits.get(key);
    if (!circuit || circuit.openedAt === null) return 'closed';
    if (now - circuit.openedAt < this.cooldownMs || circuit.trialInFlight) return 'open';
    circuit.trialInFlight = true;
    return 'trial';
  }

  /** Whether the circuit of `key` is open: failing fast, or letting a trial through. */
  isOpen(key: string): boolean {
    return (this.circuits.get(key)?.openedAt ?? null) !== null;
  }

  /** Records an attempt that got a 2xx: the circuit closes. */
  succeeded(key: string): void {
    this.circuits.delete(key);
  }

  /** Records an attempt that showed the endpoint down: the circuit opens at the threshold, or again after a failed trial. */
  failed(key: string, now: number = performance.now()): void {
    const circuit = this.circuits.get(key) ?? { failures: 0, openedAt: null, trialInFlight: false };
    circuit.failures += 1;
    if (circuit.trialInFlight || circuit.failures >= this.threshold) circuit.openedAt = now;
    circuit.trialInFlight = false;
    this.circuits.set(key, circuit);
  }

  /** Records an attempt that says nothing about the endpoint (aborted, a 4xx): a trial in flight ends. */
  released(key: string): void {
    const circuit = this.circuits.get(key);
    if (circuit) circuit.trialInFlight = false;
  }
}
