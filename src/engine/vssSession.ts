/**
 * The one owner of what the backup and the restore share about a VSS session: the COM
 * session and the call trace, the wait for an asynchronous VSS operation (one timeout and
 * cancellation policy), the writer-status check, the Cluster Database writer lookup, and
 * where the cluster database lives (%SystemRoot%\Cluster, with the environment the writer's
 * file descriptors are expanded in).
 *
 * Asynchronous operations are polled with IVssAsync::QueryStatus — never a blocking Wait on
 * the event loop — so cancellation can call IVssAsync::Cancel ("IVssAsync::Cancel",
 * learn.microsoft.com/windows/win32/api/vsbackup/nf-vsbackup-ivssasync-cancel).
 */
import { describeHresult, sameGuid, setComTrace, type Guid } from '../native/com';
import { formatHresult, hresultName } from '../native/errors';
import { comCallLogLevel } from './comCallLogLevel';
import { getSystemWindowsDirectory } from '../native/kernel32';
import { disableComExceptionHandling, withComSession } from '../native/ole32';
import type { VssAsync } from '../native/vssAsync';
import type { VssBackupComponents } from '../native/vssBackupComponents';
import { CLUSTER_DATABASE_WRITER_ID, CLUSTER_DATABASE_WRITER_NAME, isWriterFailedState, writerStateName } from '../native/vssTypes';
import type { VssExamineWriterMetadata, WriterIdentity } from '../native/vssWriterMetadata';
import { sleep, type OperationContext } from './context';
import { CancelledError, EngineError, errorMessage } from './errors';
import { joinPath, pathStyle, volumeOf } from './paths';

/** The ClusDb folder's name below the Windows directory. */
export const CLUSDB_FOLDER_NAME = 'Cluster';

/** %SystemRoot%\Cluster as this machine (or the simulator) reports its Windows directory. */
export function clusDbFolder(): string {
  const windowsDir = getSystemWindowsDirectory();
  return joinPath(pathStyle(windowsDir), windowsDir, CLUSDB_FOLDER_NAME);
}

/** %SystemRoot%/%windir% (and %SystemDrive%) as the machine defines them, over the process environment. */
export function windowsEnvironment(): Record<string, string | undefined> {
  const windowsDir = getSystemWindowsDirectory();
  const env: Record<string, string | undefined> = { ...process.env, SystemRoot: windowsDir, windir: windowsDir };
  if (pathStyle(windowsDir) === 'windows') env.SystemDrive = volumeOf(windowsDir).replace(/\\$/, '');
  return env;
}

/** How long and how often an asynchronous VSS operation is polled. */
export interface VssWaitPolicy {
  /** Delay between IVssAsync::QueryStatus polls: starts at `min`, doubles up to `max` (ms). */
  poll: { min: number; max: number };
  /** Longest wait for one operation (ms): VSS operations can take minutes on a busy server. */
  timeoutMs: number;
}

export const DEFAULT_VSS_WAIT: VssWaitPolicy = { poll: { min: 20, max: 500 }, timeoutMs: 15 * 60_000 };

/**
 * Runs `use` in a COM session with every VSS call and its HRESULT in the log (the status
 * polls only at debug level), and uninitialises afterwards. Before `use`, the COM runtime's
 * handling of fatal exceptions is turned off (COMGLB_EXCEPTION_DONOT_HANDLE), as Microsoft's
 * "Security Considerations for Requesters" asks.
 */
export async function withVssSession<R>(ctx: OperationContext, use: () => Promise<R>): Promise<R> {
  // Every VSS call and its HRESULT goes to the log (comCallLogLevel: failures as warnings, the rest below info).
  const previousTrace = setComTrace((call, hr) => {
    ctx.logger.log(comCallLogLevel(call, hr), `${call} → ${describeHresult(hr)}`);
  });
  try {
    return await withComSession(() => {
      turnOffComExceptionHandling(ctx);
      return use();
    });
  } finally {
    setComTrace(previousTrace);
  }
}

/**
 * COMGLB_EXCEPTION_DONOT_HANDLE for this process. A failure is a warning, not a stop
 * (docs/windows.md, "COM global options"): the setting only decides whether a fatal
 * exception inside a COM call into this process ends the process or is turned into
 * RPC_E_SERVERFAULT; the backup and restore are as correct without it, and refusing them
 * for it would leave the cluster without a backup for no safety gained.
 */
function turnOffComExceptionHandling(ctx: OperationContext): void {
  try {
    disableComExceptionHandling();
  } catch (err) {
    ctx.logger.log('warn', `COM exception handling stays on (COMGLB_EXCEPTION_DONOT_HANDLE could not be set): ${errorMessage(err)}. ` +
      'The operation goes on; a fatal error inside a COM call may then be reported as RPC_E_SERVERFAULT instead of ending the engine.');
  }
}

/**
 * Polls an asynchronous VSS operation until it finishes, releasing it. Cancellation calls
 * IVssAsync::Cancel and throws CancelledError; past the policy's timeout it cancels too and
 * throws TIMEOUT; an operation VSS cancelled itself throws CancelledError.
 * `operation` names the whole job in messages ("The backup", "The restore").
 */
export async function waitForVssAsync(op: VssAsync, step: string, operation: string, ctx: OperationContext,
  policy: VssWaitPolicy = DEFAULT_VSS_WAIT): Promise<void> {
  try {
    const started = Date.now();
    let delay = policy.poll.min;
    for (;;) {
      if (ctx.signal.aborted) {
        let hr: number | undefined;
        try {
          hr = op.cancel();
        } catch (err) {
          ctx.logger.log('warn', `${step}: IVssAsync::Cancel failed: ${errorMessage(err)}`);
        }
        if (hr !== undefined) ctx.logger.log('info', `${step}: cancelled (IVssAsync::Cancel → ${describeHresult(hr)}).`);
        throw new CancelledError(operation);
      }
      const state = op.queryStatus();
      if (state === 'finished') return;
      if (state === 'cancelled') throw new CancelledError(`${step} (VSS cancelled the operation)`);
      if (Date.now() - started > policy.timeoutMs) {
        const hr = op.cancel();
        ctx.logger.log('warn', `${step}: no answer after ${policy.timeoutMs} ms; IVssAsync::Cancel → ${describeHresult(hr)}.`);
        throw new EngineError('TIMEOUT', `${step} (${op.operation}) did not finish within ${Math.round(policy.timeoutMs / 1000)} s; ` +
          `${operation.toLowerCase()} was stopped. Check the VSS service and \`vssadmin list writers\`, then try again.`);
      }
      await sleep(delay, ctx.signal);
      delay = Math.min(delay * 2, policy.poll.max);
    }
  } finally {
    op.release();
  }
}

/** Which writer a status check looks for: its instance when known, else its class. */
export interface WriterKey {
  writerId: Guid;
  instanceId?: Guid;
}

export const CLUSTER_DATABASE_WRITER: WriterKey = { writerId: CLUSTER_DATABASE_WRITER_ID };

/** GatherWriterStatus, then the writer's state: WRITER_NOT_FOUND when it stopped reporting, WRITER_FAILED when it failed. */
export async function checkWriterStatus(vss: VssBackupComponents, writer: WriterKey, stage: string, operation: string,
  ctx: OperationContext, policy: VssWaitPolicy = DEFAULT_VSS_WAIT): Promise<void> {
  await waitForVssAsync(vss.gatherWriterStatus(), 'Gathering writer status', operation, ctx, policy);
  const statuses = vss.readWriterStatuses();
  const mine = (writer.instanceId ? statuses.find((s) => sameGuid(s.instanceId, writer.instanceId as Guid)) : undefined) ??
    statuses.find((s) => sameGuid(s.writerId, writer.writerId));
  for (const s of statuses) {
    ctx.logger.log(sameGuid(s.writerId, writer.writerId) ? 'info' : 'debug',
      `Writer "${s.writerName}" ${stage}: ${writerStateName(s.state)}${s.failureHr < 0 ? `, failure ${hresultName(s.failureHr)} (${formatHresult(s.failureHr)})` : ''}`);
  }
  if (!mine) {
    throw new EngineError('WRITER_NOT_FOUND',
      `The ${CLUSTER_DATABASE_WRITER_NAME} VSS writer stopped reporting status ${stage}; check \`vssadmin list writers\` and that the cluster service is running, then try again.`);
  }
  if (isWriterFailedState(mine.state)) {
    throw new EngineError('WRITER_FAILED',
      `The ${CLUSTER_DATABASE_WRITER_NAME} VSS writer failed ${stage}: ${writerStateName(mine.state)}, ` +
      `failure ${hresultName(mine.failureHr)} (${formatHresult(mine.failureHr)}). ` +
      'Check the Application event log and `vssadmin list writers`, then try again.');
  }
}

/**
 * Calls `read` with the Cluster Database writer's metadata and returns what it returned,
 * or `undefined` when that writer is not among the writers GatherWriterMetadata reached.
 * Every writer's metadata object is released, and the gathered metadata is freed
 * afterwards — after a failure too, reporting the call that failed first.
 */
export function readClusterDatabaseWriter<T>(
  vss: VssBackupComponents, ctx: OperationContext,
  read: (metadata: VssExamineWriterMetadata, identity: WriterIdentity, instanceId: Guid) => T,
): { value: T } | undefined {
  let found: { value: T } | undefined;
  try {
    const count = vss.getWriterMetadataCount();
    ctx.logger.log('info', `${count} VSS writer(s) reported metadata.`);
    for (let i = 0; i < count && !found; i++) {
      const { instanceId, metadata } = vss.getWriterMetadata(i);
      try {
        const identity = metadata.getIdentity();
        ctx.logger.log('debug', `Writer ${i}: "${identity.writerName}" ${identity.writerId} (instance ${identity.instanceId})`);
        if (sameGuid(identity.writerId, CLUSTER_DATABASE_WRITER_ID)) found = { value: read(metadata, identity, instanceId) };
      } finally {
        metadata.release();
      }
    }
  } catch (err) {
    try {
      vss.freeWriterMetadata();
    } catch (freeErr) {
      ctx.logger.log('warn', `FreeWriterMetadata after a failure: ${errorMessage(freeErr)}`);
    }
    throw err;
  }
  vss.freeWriterMetadata();
  return found;
}
