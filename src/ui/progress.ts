/**
 * Long operations run under a cancellable progress notification; the engine's
 * progress notifications (one step at a time) are routed to the operation that is
 * running, and Cancel aborts the engine request.
 */
import vscode = require('vscode');
import type { ProgressParams } from '../protocol';

export interface OperationProgress {
  signal: AbortSignal;
  /** The steps reported so far (logged, and kept for the command's result). */
  steps: string[];
}

export class ProgressRouter {
  private readonly active = new Set<(p: ProgressParams) => void>();
  /** The running operations by title, with what their Cancel button does. */
  private readonly running = new Map<AbortController, string>();

  /** Called with every engine progress notification. */
  dispatch(params: ProgressParams): void {
    for (const listener of this.active) listener(params);
  }

  run<T>(title: string, task: (operation: OperationProgress) => Promise<T>): Thenable<T> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const cancel = token.onCancellationRequested(() => abort.abort());
        this.running.set(abort, title);
        const steps: string[] = [];
        let reported = 0;
        const listener = (p: ProgressParams): void => {
          if (steps[steps.length - 1] !== p.step) steps.push(p.step);
          // withProgress adds up increments; turn the engine's fraction into one.
          let increment: number | undefined;
          if (p.fraction !== undefined && Number.isFinite(p.fraction)) {
            const percent = Math.max(0, Math.min(100, p.fraction * 100));
            if (percent > reported) {
              increment = percent - reported;
              reported = percent;
            }
          }
          progress.report({ message: p.step, increment });
        };
        this.active.add(listener);
        try {
          return await task({ signal: abort.signal, steps });
        } finally {
          this.active.delete(listener);
          this.running.delete(abort);
          cancel.dispose();
        }
      },
    );
  }

  /** Titles of the operations running now. */
  titles(): string[] {
    return [...this.running.values()];
  }

  /** What pressing Cancel on every running progress notification does; returns how many were cancelled. */
  cancelAll(): number {
    const controllers = [...this.running.keys()];
    for (const c of controllers) c.abort();
    return controllers.length;
  }
}
