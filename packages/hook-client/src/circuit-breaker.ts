/** Options of `CircuitBreaker`. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. Default 5. */
  threshold?: number;
  /** How long an open circuit fails fast before one trial call, in ms. Default 30 s. */
  cooldownMs?: number;
}

interface Circuit {
  failures: number;
  openedAt: number | null;
  trialInFlight: boolean;
}

/**
 * A circuit breaker per key (an integrator's URL origin): after `threshold` consecutive
 * failures calls fail fast for `cooldownMs`, then one trial call is let through; a success
 * closes the circuit, a failed trial opens it for another cool-down.
 */
export class CircuitBreaker {
  private readonly circuits = new Map<string, Circuit>();
  private readonly threshold: number;
  private readonly cooldownMs: number;

  constructor(options: CircuitBreakerOptions = {}) {
    this.threshold = options.threshold ?? 5;
    this.cooldownMs = options.cooldownMs ?? 30_000;
  }

  /** Whether a call to `key` may go ahead now; false while the circuit is open. */
  allow(key: string, now: number = Date.now()): boolean {
    const circuit = this.circuits.get(key);
    if (!circuit || circuit.openedAt === null) return true;
    if (now - circuit.openedAt < this.cooldownMs || circuit.trialInFlight) return false;
    circuit.trialInFlight = true;
    return true;
  }

  /** Records a successful call: the circuit closes. */
  succeeded(key: string): void {
    this.circuits.delete(key);
  }

  /** Records a failed call: the circuit opens at the threshold, or again after a failed trial. */
  failed(key: string, now: number = Date.now()): void {
    const circuit = this.circuits.get(key) ?? { failures: 0, openedAt: null, trialInFlight: false };
    circuit.failures += 1;
    if (circuit.trialInFlight || circuit.failures >= this.threshold) circuit.openedAt = now;
    circuit.trialInFlight = false;
    this.circuits.set(key, circuit);
  }
}
