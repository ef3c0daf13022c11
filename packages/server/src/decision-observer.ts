/** Who made a pre- hook decision. */
export type DecisionMaker = 'integrator' | 'failure_policy' | 'hook_disabled';

/** One pre- hook decision: what was asked, what was answered, and how. Never holds `auth_id`. */
export interface DecisionRecord {
  /** When the answer was given, ms since the epoch. */
  at: number;
  hook: string;
  clusterId: string;
  approved: boolean;
  decidedBy: DecisionMaker;
  /** The integrator's (or the failure policy's) reason; empty when none was given. */
  reason: string;
  durationMs: number;
  /** HTTP attempts made (0 when none was: hook disabled, circuit open, no time left). */
  attempts: number;
  /** The `webhook-id` every attempt carried. */
  webhookId: string;
  /** Why the failure policy decided. */
  cause?: string;
  /** The hook runs in shadow mode: the caller was approved, whatever is recorded here. */
  shadow?: true;
}

/** Told about every pre- hook decision (for the console); it must not throw. */
export interface DecisionObserver {
  decided(record: DecisionRecord): void;
}
