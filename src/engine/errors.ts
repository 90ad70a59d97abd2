/**
 * Errors of the engine's policy (as opposed to a failing Windows call, which is a
 * NativeError from src/native). Each has a stable code the UI and CLI can act on
 * and a message that says what happened and what to do.
 */
import type { RestoreFailure } from '../wire/restore';

export type EngineErrorCode =
  | 'NOT_WINDOWS'
  | 'NOT_ELEVATED'
  | 'NOT_CLUSTER_NODE'
  | 'WRITER_NOT_FOUND'
  | 'WRITER_FAILED'
  | 'NOT_LOCAL_NODE'
  | 'BUSY'
  | 'CANCELLED'
  | 'TIMEOUT'
  | 'INVALID_SET'
  | 'WRONG_CLUSTER'
  | 'NODES_RUNNING'
  | 'NODE_UNREACHABLE'
  | 'BAD_ARGUMENT'
  | 'RESTORE_FAILED'
  /** A restore's journal is on disk: it must be finished (fcbackup recover) first. */
  | 'RESTORE_PENDING'
  /** The restored node cannot reach quorum alone and force quorum was not consented to (clusterFormation.ts). */
  | 'QUORUM_NOT_REACHED'
  | 'SCENARIO';

export class EngineError extends Error {
  readonly code: EngineErrorCode;
  /** A failed restore: what its roll-back did (sent to the client with the error). */
  restore?: RestoreFailure;
  constructor(code: EngineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
    this.code = code;
  }
}

export class CancelledError extends EngineError {
  constructor(what = 'The operation') {
    super('CANCELLED', `${what} was cancelled.`);
  }
}

export function throwIfCancelled(signal: AbortSignal, what?: string): void {
  if (signal.aborted) throw new CancelledError(what);
}

/** The message of whatever was thrown, for a log line or another error's message. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
