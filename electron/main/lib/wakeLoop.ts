/**
 * A background look that runs one at a time, on demand or after a wait: `wake()` looks now, or
 * right after the look in progress (never two at once); each look resolves with how long to sleep
 * before the next one (null: until woken; 0: again at once). `stop()` cancels the sleep and waits
 * for the look in progress. The outbox worker and the campaign pacer both run on it.
 */
export class WakeLoop {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private looking: Promise<void> | null = null;
  private again = false;

  /**
   * @param look one look; resolves with the sleep before the next one.
   * @param failed a look that threw: log what may be logged, and say how long to sleep before trying again.
   */
  constructor(
    private readonly look: () => Promise<number | null>,
    private readonly failed: (error: unknown) => number | null,
  ) {}

  /** Started and not stopped. */
  get active(): boolean {
    return this.running;
  }

  start(): void {
    this.running = true;
    this.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancelSleep();
    await this.looking;
  }

  wake(): void {
    if (!this.running) return;
    this.cancelSleep();
    if (this.looking !== null) {
      this.again = true;
      return;
    }
    this.looking = this.look()
      .catch((error: unknown) => this.failed(error))
      .then((wait) => this.sleep(wait))
      .finally(() => {
        this.looking = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private sleep(waitMs: number | null): void {
    if (!this.running || waitMs === null) return;
    if (waitMs <= 0) {
      this.again = true;
      return;
    }
    this.timer = setTimeout(() => this.wake(), waitMs);
    this.timer.unref?.();
  }

  private cancelSleep(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
