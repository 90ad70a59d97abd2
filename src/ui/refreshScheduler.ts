/**
 * Coalesces refresh requests (settings changes, file events, a timer) into one
 * refresh at a time: requests within the debounce window collapse into one, a
 * request during a running refresh queues exactly one more, and the periodic
 * timer (fcbackup.refreshIntervalSeconds) stops on dispose. No vscode.
 */
export interface SchedulerTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: SchedulerTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class RefreshScheduler {
  private debounceHandle: unknown;
  private intervalHandle: unknown;
  private intervalMs = 0;
  private running: Promise<void> | undefined;
  private queued = false;
  private disposed = false;

  constructor(
    private readonly refresh: () => Promise<void>,
    private readonly options: { debounceMs: number; timers?: SchedulerTimers; onError?: (err: unknown) => void; shouldTick?: () => boolean },
  ) {}

  private get timers(): SchedulerTimers {
    return this.options.timers ?? realTimers;
  }

  /** Ask for a refresh soon; several requests in a row give one refresh. */
  request(): void {
    if (this.disposed) return;
    if (this.debounceHandle !== undefined) this.timers.clearTimeout(this.debounceHandle);
    this.debounceHandle = this.timers.setTimeout(() => {
      this.debounceHandle = undefined;
      void this.runNow();
    }, this.options.debounceMs);
  }

  /**
   * Refresh now, or once more right after the refresh that is running. Resolves when the data is current.
   * A debounced request still waiting is answered by this refresh and dropped: otherwise it would
   * run a second refresh later, at a moment that depends on timing (e.g. in the middle of whatever
   * the caller does once this one resolved).
   */
  runNow(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.debounceHandle !== undefined) {
      this.timers.clearTimeout(this.debounceHandle);
      this.debounceHandle = undefined;
    }
    if (this.running) {
      // The running loop goes round once more before it resolves.
      this.queued = true;
      return this.running;
    }
    const run = async (): Promise<void> => {
      try {
        do {
          this.queued = false;
          try {
            await this.refresh();
          } catch (err) {
            this.options.onError?.(err);
          }
        } while (this.queued && !this.disposed);
      } finally {
        this.running = undefined;
      }
    };
    this.running = run();
    return this.running;
  }

  /** Refresh every `seconds` (0 turns the timer off). */
  setInterval(seconds: number): void {
    const ms = Number.isFinite(seconds) && seconds > 0 ? Math.max(1, seconds) * 1000 : 0;
    if (ms === this.intervalMs) return;
    this.intervalMs = ms;
    this.armInterval();
  }

  private armInterval(): void {
    if (this.intervalHandle !== undefined) this.timers.clearTimeout(this.intervalHandle);
    this.intervalHandle = undefined;
    if (this.intervalMs === 0 || this.disposed) return;
    this.intervalHandle = this.timers.setTimeout(() => {
      this.intervalHandle = undefined;
      if (this.options.shouldTick?.() ?? true) this.request();
      this.armInterval();
    }, this.intervalMs);
  }

  get intervalSeconds(): number {
    return this.intervalMs / 1000;
  }

  dispose(): void {
    this.disposed = true;
    if (this.debounceHandle !== undefined) this.timers.clearTimeout(this.debounceHandle);
    if (this.intervalHandle !== undefined) this.timers.clearTimeout(this.intervalHandle);
    this.debounceHandle = undefined;
    this.intervalHandle = undefined;
  }
}
