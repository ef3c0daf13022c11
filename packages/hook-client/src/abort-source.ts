/**
 * What aborts an attempt or the wait between attempts: an `AbortSignal`, or any object with
 * its `aborted` flag and its `abort` listeners. A server that aborts on its own events (a call
 * cancelled) can pass something cheaper than an `AbortController` per request.
 */
export interface AbortSource {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options: { once: true }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
