import type { DeliveryStore } from '@ccx-hook/delivery';
import type { Logger } from '@ccx-hook/hook-client';

/**
 * One readiness for `/readyz` and gRPC health (DESIGN §10): ready while the store passes its
 * check (reachable and writable) and the service is not stopping. Checks every `intervalMs`,
 * one check at a time, and reports each change to `onChange` and the log.
 */
export class Readiness {
  private isReady = true;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: DeliveryStore,
    private readonly logger: Logger,
    private readonly onChange: (ready: boolean) => void,
    private readonly intervalMs = 2_000,
  ) {}

  /** Whether the service is ready for calls now. */
  get ready(): boolean {
    return this.isReady && !this.stopped;
  }

  /** Starts checking. */
  start(): void {
    this.timer = setTimeout(() => void this.check(), this.intervalMs);
  }

  /** Not ready from now on (shutting down). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.onChange(false);
  }

  private async check(): Promise<void> {
    let ready = true;
    let cause: string | undefined;
    try {
      await this.store.check();
    } catch (error) {
      ready = false;
      cause = (error as Error).message;
    }
    if (this.stopped) return;
    if (ready !== this.isReady) {
      this.isReady = ready;
      if (ready) this.logger.info('ready again: the store takes writes');
      else this.logger.error('not ready: the store cannot take writes', { cause });
      this.onChange(ready);
    }
    this.timer = setTimeout(() => void this.check(), this.intervalMs);
  }
}
