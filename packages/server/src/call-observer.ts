/**
 * How a call ended: the decision of a pre- hook (and who made it), a queued post- hook, a
 * disabled hook, or the error status. A small fixed set, so that it can be a metric label.
 */
export type CallOutcome =
  | 'approved'
  | 'rejected'
  | 'failure_policy_approved'
  | 'failure_policy_rejected'
  | 'shadow_approved'
  | 'shadow_rejected'
  | 'shadow_failed'
  | 'disabled'
  | 'queued'
  | 'invalid'
  | 'unavailable'
  | 'internal';

/** Told about every call the HookService answers (for metrics); it must not throw. */
export interface CallObserver {
  called(hook: string, outcome: CallOutcome): void;
}
