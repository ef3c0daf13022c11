import type { AbortSource } from '@ccx-hook/hook-client';

/**
 * Aborts a call's integrator requests when the call is cancelled: an `AbortSource` for one
 * call, without the `AbortController` (an EventTarget) that made up about 5 % of a pre- call's
 * CPU time. Its listeners run once, in the order they were added.
 */
export class CallCancellation implements AbortSource {
  aborted = false;
  private listeners: (() => void)[] = [];

  /** Aborts: runs the listeners added so far (none on a second abort). */
  readonly abort = (): void => {
    this.aborted = true;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  };

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const index = this.listeners.indexOf(listener);
    if (index !== -1) this.listeners.splice(index, 1);
  }
}
