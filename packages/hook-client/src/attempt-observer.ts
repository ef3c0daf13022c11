/**
 * How one attempt ended: the class of the HTTP status when one arrived, otherwise why none
 * did. A small fixed set, so that it can be a metric label.
 */
export type AttemptResult = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'timeout' | 'connection_error' | 'aborted';

/** Told about every attempt `HookClient` makes (for metrics); it must not throw. */
export interface AttemptObserver {
  attempted(hookName: string, result: AttemptResult, durationMs: number): void;
}
