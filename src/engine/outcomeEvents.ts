/**
 * Where each operation's outcome becomes one Event Log entry (src/engine/eventLog.ts): the
 * engine process's request handlers wrap the operation in these, at the point where its result
 * goes back to the client — so every way of starting it (VS Code, the CLI, a scheduled task)
 * writes the same event, and the operations themselves stay unaware of the Event Log.
 */
import type { BackupResult, VerifyResult } from '../wire/model';
import type { RecoverResult, RestoreParams, RestoreResult } from '../wire/restore';
import type { OperationContext } from './context';
import { CancelledError, EngineError } from './errors';
import { reasonOf, writeEvent, type EventName } from './eventLog';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A cancellation: a CancelledError, or an EngineError with its code (a cancelled --copy-to says the set was kept). */
function isCancellation(err: unknown): boolean {
  return err instanceof CancelledError || (err instanceof EngineError && err.code === 'CANCELLED');
}

/**
 * Backup succeeded (100), succeeded but retention — here or in the copy folder — needs
 * attention (101), or failed (102); and, with --copy-to, a copy that failed (103) beside
 * the set's own event (the set was made and kept). A cancel writes nothing.
 */
export async function backupWithEvent<R extends BackupResult>(params: unknown, ctx: OperationContext, run: () => Promise<R>): Promise<R> {
  const reason = reasonOf(params);
  let result: R;
  try {
    result = await run();
  } catch (err) {
    if (!isCancellation(err)) writeEvent('backupFailed', `The backup of the cluster configuration failed: ${messageOf(err)}`, ctx.logger, reason);
    throw err;
  }
  const what = `The ${result.kind} backup of cluster ${result.cluster} on node ${result.node} succeeded: ${result.path} (${result.files.length} file(s)).`;
  const retention = [...(result.retentionProblems ?? []), ...(result.copy?.retentionProblems ?? [])];
  if (retention.length > 0) {
    writeEvent('backupSucceededWithWarnings', `${what}\r\nRetention needs attention:\r\n${retention.join('\r\n')}`, ctx.logger, reason);
  } else {
    writeEvent('backupSucceeded', what, ctx.logger, reason);
  }
  const copy = result.copy;
  if (copy && copy.error !== null) {
    writeEvent('backupCopyFailed',
      `The backup set ${result.path} was made and is kept, but copying it to the copy folder ${copy.destination} failed: ${copy.error}`,
      ctx.logger, reason);
  }
  return result;
}

/** Verify failed (200): one event naming the set and every problem. An intact set writes nothing. */
export function verifyEvent(result: VerifyResult, ctx: OperationContext): void {
  if (result.ok) return;
  writeEvent('verifyFailed', `The backup set ${result.path} failed verification (${result.problems.length} problem(s)):\r\n${result.problems.join('\r\n')}`, ctx.logger);
}

/** RestoreResult.outcome → its event; an outcome this table does not know is reported as not in effect (check it). */
const RESTORE_OUTCOME_EVENTS: Readonly<Record<string, EventName>> = {
  completed: 'restoreCompleted',
  notInEffect: 'restoreNotInEffect',
  rebootRequired: 'restoreRebootRequired',
  rolledBack: 'restoreRolledBack',
};

function restoreWhat(params: Pick<RestoreParams, 'set' | 'authoritative'>): string {
  return `The ${params.authoritative ? 'authoritative' : 'node'} restore of ${params.set}`;
}

/**
 * Restore started (300) when the restore reaches its point of no return (its first change),
 * then completed (301), reboot required (303) or not in effect (304) from its outcome; a
 * failure after the start rolled back (302), one before it changed nothing (305).
 */
export async function restoreWithEvents(params: RestoreParams, ctx: OperationContext,
  run: (ctx: OperationContext) => Promise<RestoreResult>): Promise<RestoreResult> {
  const reason = reasonOf(params);
  let started = false;
  const watched: OperationContext = {
    ...ctx,
    pointOfNoReturn(what) {
      ctx.pointOfNoReturn?.(what);
      if (!started) {
        started = true;
        writeEvent('restoreStarted', `${restoreWhat(params)} started: ${what}.`, ctx.logger, reason);
      }
    },
  };
  let result: RestoreResult;
  try {
    result = await run(watched);
  } catch (err) {
    if (started) writeEvent('restoreRolledBack', `${restoreWhat(params)} failed and was rolled back: ${messageOf(err)}`, ctx.logger, reason);
    else if (!(err instanceof CancelledError)) writeEvent('restoreFailed', `${restoreWhat(params)} failed before any change: ${messageOf(err)}`, ctx.logger, reason);
    throw err;
  }
  const outcome: string = result.outcome;
  const name = RESTORE_OUTCOME_EVENTS[outcome] ?? 'restoreNotInEffect';
  const problems = result.problems.length > 0 ? `\r\n${result.problems.join('\r\n')}` : '';
  writeEvent(name, `${restoreWhat(params)} ended: ${outcome}.${problems}`, ctx.logger, reason);
  return result;
}

/** Finishing an interrupted restore (`recover`): completed (301) or rolled back (302). Nothing to finish writes nothing. */
export async function recoverWithEvent(ctx: OperationContext, run: () => Promise<RecoverResult>): Promise<RecoverResult> {
  const result = await run();
  if (result.outcome === null) return result;
  const name: EventName = result.outcome === 'completed' ? 'restoreCompleted' : 'restoreRolledBack';
  const problems = result.problems.length > 0 ? `\r\n${result.problems.join('\r\n')}` : '';
  writeEvent(name, `An interrupted restore was finished: ${result.outcome}.${problems}`, ctx.logger);
  return result;
}
