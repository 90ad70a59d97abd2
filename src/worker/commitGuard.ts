/**
 * The cancellation of one request, split at its point of no return.
 *
 * Before the operation has changed anything, a cancel (the client's $/cancelRequest,
 * or the client going away) aborts `signal` and the operation stops cleanly. An
 * operation that must be finished once begun — a restore, from its first service
 * stopped or file touched — calls `ctx.pointOfNoReturn(what)` right before that first
 * change. From then on `signal` never aborts: a cancel is answered with what is
 * happening and when it ends (the `cancelDeclined` notification, a log line, and
 * `cancelDeclined` in the request's result), the operation completes or rolls back,
 * and the engine process stays until it has (src/worker/lifetime.ts).
 */
import { CancelledError } from '../engine/errors';

export interface CommitGuardHooks {
  /** The operation passed its point of no return (tell the client; keep the process). */
  committed(what: string): void;
  /** A cancel arrived after the point of no return; `message` says what goes on. */
  declined(message: string): void;
}

export class CommitGuard {
  readonly operation: string;
  private readonly controller = new AbortController();
  private readonly hooks: CommitGuardHooks;
  private pointReached: string | undefined;
  private declinedMessage: string | undefined;
  private step: string | undefined;

  constructor(operation: string, hooks: CommitGuardHooks) {
    this.operation = operation;
    this.hooks = hooks;
  }

  /** What the operation sees: aborted by a cancel only before its point of no return. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Whether the operation has passed its point of no return. */
  get committed(): boolean {
    return this.pointReached !== undefined;
  }

  /** The answer given to a cancel that was not honoured, if one was. */
  get cancelDeclined(): string | undefined {
    return this.declinedMessage;
  }

  /** The operation's latest progress step (for the answer to a late cancel). */
  noteStep(step: string): void {
    this.step = step;
  }

  /**
   * Called by the operation right before its first change (idempotent: the first description stays).
   * Throws CancelledError when a cancel came first: nothing has changed yet, so the operation stops cleanly.
   */
  pointOfNoReturn(what: string): void {
    if (this.pointReached !== undefined) return;
    if (this.controller.signal.aborted) throw new CancelledError(`The ${this.operation}`);
    this.pointReached = what;
    this.hooks.committed(what);
  }

  /** A cancel: honoured before the point of no return, answered with what goes on after it. */
  cancel(why: string): void {
    if (this.pointReached === undefined) {
      this.controller.abort();
      return;
    }
    const now = this.step ? ` It is now at "${this.step}".` : '';
    const message = `${why}, but the ${this.operation} cannot be cancelled any more: ${this.pointReached}.${now} The engine finishes it — ` +
      'it completes, or rolls back if a step fails — and it ends once every cluster service it stopped runs again (each service ' +
      'start or stop is waited for at most the service timeout, 5 minutes by default). Its result is reported when it ends.';
    this.declinedMessage = message;
    this.hooks.declined(message);
  }
}
