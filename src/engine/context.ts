/**
 * What every engine operation receives: a logger (each step and API outcome goes
 * there), a progress reporter and a cancellation signal. The worker wires these to
 * JSON-RPC notifications and $/cancelRequest; tests pass their own.
 */
import type { LogLevel } from './model';

export interface Logger {
  log(level: LogLevel, message: string): void;
}

export interface OperationContext {
  logger: Logger;
  /** Report the current step; `fraction` (0..1) when the step knows how far it is. */
  progress(step: string, fraction?: number): void;
  signal: AbortSignal;
  /**
   * The point of no return (src/worker/commitGuard.ts): an operation that must be finished once
   * begun — a restore — calls this right before its first change (a service stopped, a file
   * written). From then on `signal` no longer aborts: a cancel is answered with what is happening,
   * and the engine process stays until the operation has completed or rolled back, whatever its
   * client does. `what` completes "cannot be cancelled any more: …". Throws CancelledError when the
   * operation was cancelled before (nothing has changed yet). Absent outside the engine process.
   */
  pointOfNoReturn?(what: string): void;
}

export const silentLogger: Logger = { log: () => undefined };

/** Resolves after `ms`, or as soon as `signal` aborts (the caller then sees the signal aborted). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function makeContext(partial: Partial<OperationContext> = {}): OperationContext {
  return {
    logger: partial.logger ?? silentLogger,
    progress: partial.progress ?? (() => undefined),
    signal: partial.signal ?? new AbortController().signal,
  };
}
