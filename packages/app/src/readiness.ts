import type { DeliveryStore } from '@ccx-hook/delivery';
import type { Logger } from '@ccx-hook/hook-client';

/**
 * One readiness for `/readyz` and gRPC health (DESIGN §10, §5b): ready while the store passes
 * its check (reachable and writable) and the service is not stopping. A check starts every
 * `intervalMs` (four times as often while the store fails, so that recovery is seen soon); one
 * still unanswered when the next is due has failed, so a hung store turns readiness within two
 * intervals. Each change goes to `onChange` and the log.
 */
export class Readiness {
  private storeReady = true;
  private stopped = false;
  private checking = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Pick<DeliveryStore, 'check'>,
    private readonly logger: Logger,
    private readonly onChange: (ready: boolean) => void,
    private readonly intervalMs = 2_000,
  ) {}

  /** Whether the service is ready for calls now. */
  get ready(): boolean {
    return this.storeReady && !this.stopped;
  }

  /** Whether the store passed its last check: while it has not, post- calls are refused at once. */
  get storeUsable(): boolean {
    return this.storeReady;
  }

  /** Starts checking. */
  start(): void {
    this.timer = setTimeout(() => this.tick(), this.intervalMs);
  }

  /** Not ready from now on (shutting down). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.onChange(false);
  }

  private tick(): void {
    if (this.checking) {
      this.set(false, `the store did not answer its check within ${this.intervalMs} ms`);
    } else {
      this.checking = true;
      this.store.check().then(
        () => this.set(true),
        (error: Error) => this.set(false, error.message),
      ).finally(() => (this.checking = false));
    }
    this.timer = setTimeout(() => this.tick(), this.storeReady ? this.intervalMs : this.intervalMs / 4);
  }

  private set(ready: boolean, cause?: string): void {
    if (this.stopped || ready === this.storeReady) return;
    this.storeReady = ready;
    if (ready) this.logger.info('ready again: the store takes writes');
    else this.logger.error('not ready: the store cannot take writes', { cause });
    this.onChange(ready);
  }
}
