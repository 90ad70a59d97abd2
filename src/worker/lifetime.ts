/**
 * When the engine process ends.
 *
 * The engine serves one client (the extension host or the CLI) over the IPC channel.
 * When that client goes away — it disposed the engine, it crashed or was killed, the
 * channel closed, or the engine got SIGINT or SIGHUP — every running request is
 * cancelled and the process exits as soon as none is running. A request past its
 * point of no return (a restore that has started changing the cluster; see
 * commitGuard.ts) declines the cancel and runs to its end first, so a restore always
 * completes or rolls back whatever happens to its client. An idle engine exits at once.
 *
 * A native call that never returns blocks all of this; the watchdog (watchdog.ts)
 * covers that case from another thread, using `committedCount` to know whether a
 * committed restore is in progress.
 */
import { CommitGuard, type CommitGuardHooks } from './commitGuard';

export interface EngineLifetimeOptions {
  /** Ends the process (process.exit in the engine; tests pass their own). */
  exit(code: number): void;
  /** How many running requests are past their point of no return, whenever that changes. */
  onCommittedCount?(count: number): void;
}

export class EngineLifetime {
  private readonly options: EngineLifetimeOptions;
  private readonly running = new Set<CommitGuard>();
  private leavingBecause: string | undefined;
  private exited = false;

  constructor(options: EngineLifetimeOptions) {
    this.options = options;
  }

  /** Why the engine is leaving (its client went away), or undefined while it serves one. */
  get leaving(): string | undefined {
    return this.leavingBecause;
  }

  /** Requests running now that are past their point of no return. */
  get committedCount(): number {
    let count = 0;
    for (const guard of this.running) if (guard.committed) count++;
    return count;
  }

  /** A request starts: its guard, already cancelled when the client is gone. */
  begin(operation: string, hooks: CommitGuardHooks): CommitGuard {
    const guard = new CommitGuard(operation, {
      committed: (what) => {
        hooks.committed(what);
        this.options.onCommittedCount?.(this.committedCount);
      },
      declined: (message) => hooks.declined(message),
    });
    this.running.add(guard);
    if (this.leavingBecause !== undefined) guard.cancel(this.leavingBecause);
    return guard;
  }

  /** A request ended (answered, failed or cancelled). */
  end(guard: CommitGuard): void {
    if (!this.running.delete(guard)) return;
    if (guard.committed) this.options.onCommittedCount?.(this.committedCount);
    this.exitIfIdle();
  }

  /** The client is gone (`reason` says how): cancel what can be cancelled, exit once nothing runs. */
  clientGone(reason: string): void {
    if (this.leavingBecause === undefined) {
      this.leavingBecause = reason;
      for (const guard of [...this.running]) guard.cancel(reason);
    }
    this.exitIfIdle();
  }

  private exitIfIdle(): void {
    if (this.leavingBecause === undefined || this.running.size > 0 || this.exited) return;
    this.exited = true;
    this.options.exit(0);
  }
}
