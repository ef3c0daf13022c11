/**
 * How long the current turn of the event loop has been running. A call handled late in a long
 * turn (hundreds of calls arriving at once) has waited that long already, unseen: its gRPC
 * deadline was computed when its frames were read, not when they arrived.
 */
export class LoopStall {
  private lastTick = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly resolutionMs = 10) {
    this.timer = setInterval(() => (this.lastTick = performance.now()), resolutionMs);
    this.timer.unref();
  }

  /** Milliseconds since the event loop last ran its timers, less the timer's own period. */
  now(): number {
    return Math.max(0, performance.now() - this.lastTick - this.resolutionMs);
  }

  /** Stops measuring. */
  stop(): void {
    clearInterval(this.timer);
  }
}
