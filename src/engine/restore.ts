/**
 * Restoring the cluster configuration (the seed's "Restoring the Cluster State Using VSS"):
 *
 * - a **node restore** puts this node's ClusDb back; the node then rejoins the running
 *   cluster and catches up with it;
 * - an **authoritative restore** rolls the whole cluster back: the cluster service must
 *   be installed here and stopped on every other node, the Cluster Database writer's
 *   components are marked with IVssBackupComponentsEx2::SetAuthoritativeRestore, and
 *   after the restore the service starts here first and only then on the other nodes.
 *
 * The entry points. The work is split by concern:
 *   restorePreflight.ts  identity, verification, service states — the facts, changing nothing
 *   restorePlacement.ts  which file of the set goes where, and the live companions it displaces
 *   restoreVss.ts        the set's VSS documents (checked before any change) and the VSS restore session
 *   restorePlan.ts       the policy: the typed steps, or a typed refusal (the plan is their dry run)
 *   restoreRun.ts        executing the steps, journaled
 *   restoreRecovery.ts   roll-back and completion from the journal, pending restores
 *   restoreFinish.ts     a restore completed by a later run: services started by the formation rules
 *   restoreJournal.ts    the journal and the crash-safe file steps
 */
import path = require('node:path');
import { NativeError } from '../native/errors';
import type { OperationContext } from './context';
import { detectLocalCluster, sameComputerName } from './discovery';
import { EngineError, errorMessage } from './errors';
import { acquireOperationLock } from './lock';
import type { ClusterStatus, NodeInfo } from './model';
import { planSteps, refusalError } from './restorePlan';
import { checkParams, ensureElevated, preflight, readLocalFacts, type Preflight } from './restorePreflight';
import { readPendingRestore, recoverWithJournal, resumeAfterReboot, uncancellable, type Recovery, type RollbackReport } from './restoreRecovery';
import type { FileMover, ReplaceHooks } from './restoreJournal';
import { RolledBackError, runSteps } from './restoreRun';
import { clusDbFolder, withVssSession, type VssWaitPolicy } from './vssSession';
import type { PendingRestore, RecoverResult, RestoreParams, RestorePlan, RestoreResult } from '../wire/restore';

export type { RestoreParams, RestorePlan, RestoreResult } from '../wire/restore';

export interface RestoreOptions {
  /** Where the operation lock lives (default: lock.ts's folder). */
  lockFolder?: string;
  /** The longest wait for one service to stop or start (default serviceControl's). */
  serviceTimeoutMs?: number;
  /** Test hooks into staging and the swap (e.g. fail after the k-th file). */
  hooks?: ReplaceHooks;
  /** How live files are replaced (default: MoveFileExW). */
  mover?: FileMover;
  /** How long to wait for the writer after the restore started the cluster service (default 60 s). */
  writerWaitMs?: number;
  /** Polling and timeout of asynchronous VSS operations (default vssSession's). */
  vssWait?: VssWaitPolicy;
  /** The longest wait for a node to be Up in the formed cluster after its service runs (clusterFormation.ts; 0 = look once). */
  formationTimeoutMs?: number;
}

/**
 * What a restore would do, checked as far as possible without changing anything. The
 * operation lock is held while the plan is made, so a journal it finds belongs to a restore
 * that was interrupted — one that is running makes the plan fail with BUSY instead.
 */
export async function planRestore(params: RestoreParams, ctx: OperationContext, options: RestoreOptions = {}): Promise<RestorePlan> {
  checkParams(params);
  ensureElevated();
  const lock = await acquireOperationLock(options.lockFolder, 'restore plan');
  try {
    return await withVssSession(ctx, async () => {
      const facts = await readLocalFacts(ctx);
      const pre = await preflight(params, ctx, facts, true);
      const plan = planSteps(params, pre);
      return {
        set: pre.set.summary,
        node: facts.machine,
        cluster: pre.identity.clusterName,
        authoritative: params.authoritative,
        steps: plan.steps,
        refusal: plan.refusal,
        nodesToStop: plan.nodesToStop,
        membership: pre.identity.membership,
        verification: pre.verification,
      };
    });
  } finally {
    await lock.release();
  }
}

/** Node or authoritative restore of the cluster configuration from a backup set. */
export async function restoreCluster(params: RestoreParams, ctx: OperationContext, options: RestoreOptions = {}): Promise<RestoreResult> {
  checkParams(params);
  const lock = await acquireOperationLock(options.lockFolder, params.authoritative ? 'authoritative restore' : 'node restore');
  try {
    ensureElevated();
    const recovered = await recoverWithJournal(clusDbFolder(), ctx, { timeoutMs: options.serviceTimeoutMs, formationTimeoutMs: options.formationTimeoutMs });
    const result = await withVssSession(ctx, async () => {
      const facts = await readLocalFacts(ctx);
      const pre = await preflight(params, ctx, facts, params.authoritative);
      const plan = planSteps(params, pre);
      if (plan.refusal) throw refusalError(plan.refusal);
      let run: Awaited<ReturnType<typeof runSteps>>;
      try {
        run = await runSteps(params, pre, plan, ctx, options);
      } catch (err) {
        if (err instanceof RolledBackError) throw explainRollback(err.failure, err.report, facts.machine);
        throw err;
      }
      ctx.progress('Reading the resulting node states');
      const nodes = await resultingNodes(pre, params, uncancellable(ctx));
      const outcome: RestoreResult['outcome'] = run.rebootRequired ? 'rebootRequired' : run.problems.length > 0 ? 'notInEffect' : 'completed';
      return {
        set: pre.set.path, authoritative: params.authoritative, outcome, nodes, problems: run.problems,
        ...(run.observed ? { observed: run.observed } : {}), ...(run.rebootRequired ? { atReboot: run.atReboot } : {}),
      };
    }).catch((err: unknown) => {
      throw recovered ? afterRecovery(err, recovered) : err;
    });
    return recovered ? { ...result, recovered: recovered.outcome === 'rolledBack' ? 'rolledBack' : 'completed' } : result;
  } finally {
    await lock.release();
  }
}

/** Sentences that say nothing changed: untrue once a roll-back had to undo something. */
const NOTHING_CHANGED = /\s*Nothing was (changed|restored)\.?/g;

/**
 * The error that caused a roll-back, with what the roll-back did (keeping its type, API and
 * code). "Nothing was changed" is said only when nothing had been.
 */
function explainRollback(cause: unknown, report: RollbackReport, node: string): Error {
  const error = cause instanceof EngineError ? cause : new EngineError('RESTORE_FAILED', errorMessage(cause), { cause });
  const touched = report.filesPutBack.length > 0 || report.stagedRemoved.length > 0 || report.servicesTouched;
  error.restore = {
    outcome: 'rolledBack', changed: touched, filesPutBack: report.filesPutBack.map((f) => path.basename(f)), servicesNow: report.servicesNow, problems: report.problems,
  };
  const base = error.message.replace(NOTHING_CHANGED, '').trim();
  const services = report.problems.length > 0
    ? `, but returning the cluster services to how they were failed: ${report.problems.join('; ')}`
    : `; the cluster services are as they were (${report.servicesNow})`;
  if (!touched) {
    error.message = `${base} — the restore failed before it changed anything on ${node}. Nothing was changed.`;
  } else {
    const files = report.filesPutBack.length > 0
      ? `${report.filesPutBack.length} file(s) were put back from the safety copy (${report.filesPutBack.map((f) => path.basename(f)).join(', ')})`
      : 'the live files had not been replaced';
    const staged = report.stagedRemoved.length > 0 ? ` and ${report.stagedRemoved.length} staged file(s) deleted` : '';
    error.message = `${base} — the restore failed, so ${node} was rolled back: ${files}${staged}${services}.`;
  }
  return error;
}

/**
 * A restore that failed after it had finished an interrupted one: that recovery changed files
 * and services, so the error must say so rather than "Nothing was changed".
 */
function afterRecovery(err: unknown, recovered: Recovery): unknown {
  if (!(err instanceof Error)) return err;
  const what = recovered.outcome === 'completed'
    ? 'it had committed, so it was completed (its restored files stay, the services it had stopped were started)'
    : 'it was rolled back (the files from before it are back, the services as they were)';
  err.message = `${err.message.replace(NOTHING_CHANGED, '').trim()} This restore changed nothing itself, but first the interrupted restore of ` +
    `${path.basename(recovered.restore.set)} (stopped at "${recovered.restore.phase}") was finished: ${what}.`;
  return err;
}

/** The nodes as the cluster reports them after the restore: this node (node restore) or every node (authoritative). */
async function resultingNodes(pre: Preflight, params: RestoreParams, ctx: OperationContext): Promise<NodeInfo[]> {
  let status: ClusterStatus;
  try {
    status = await detectLocalCluster(ctx);
  } catch (err) {
    ctx.logger.log('warn', `The cluster could not be asked for its node states after the restore: ${errorMessage(err)}`);
    const error = err instanceof NativeError ? { api: err.api, code: err.code, codeName: err.codeName, message: err.message } : undefined;
    return [{ name: pre.facts.machine, id: null, state: 'unknown', isLocal: true, ...(error ? { error } : {}) }];
  }
  if (params.authoritative) return status.nodes;
  const local = status.nodes.filter((n) => n.isLocal || sameComputerName(n.name, pre.facts.machine));
  return local.length > 0 ? local : [{ name: pre.facts.machine, id: null, state: 'unknown', isLocal: true }];
}

/** fcbackup recover: completes or rolls back a restore whose journal is on disk, and says which. */
export async function recoverRestore(ctx: OperationContext, options: RestoreOptions = {}): Promise<RecoverResult> {
  const lock = await acquireOperationLock(options.lockFolder, 'restore recovery');
  try {
    ensureElevated();
    const recovery = await recoverWithJournal(clusDbFolder(), ctx, { timeoutMs: options.serviceTimeoutMs, formationTimeoutMs: options.formationTimeoutMs });
    return recovery ? { outcome: recovery.outcome, restore: recovery.restore, problems: recovery.problems } : { outcome: null, restore: null, problems: [] };
  } finally {
    await lock.release();
  }
}

/**
 * The first run of the engine after this machine restarted (status, extension activation, any CLI
 * command that asks the engine): a restore that waited for the restart is finished when the restart
 * put its files in place (restoreRecovery.ts). Nothing happens when there is none or it still waits.
 */
export async function finishRestoreAfterReboot(ctx: OperationContext, options: RestoreOptions = {}): Promise<RecoverResult | null> {
  try {
    const done = await resumeAfterReboot(clusDbFolder(), ctx, { timeoutMs: options.serviceTimeoutMs, formationTimeoutMs: options.formationTimeoutMs }, options.lockFolder);
    return done ? { outcome: done.outcome, restore: done.restore, problems: done.problems } : null;
  } catch (err) {
    ctx.logger.log('error', `Finishing the restore after the restart failed: ${errorMessage(err)}`);
    return null;
  }
}

/**
 * Finds the journal of a restore that was interrupted (the engine process died) and
 * completes it or rolls it back. Returns what was done, or null when there was none.
 */
export async function recoverInterruptedRestore(ctx: OperationContext, options: RestoreOptions = {}): Promise<RecoverResult['outcome']> {
  return (await recoverRestore(ctx, options)).outcome;
}

/** The restore whose journal is on disk here (running now, or interrupted), or null. */
export function pendingRestore(options: RestoreOptions = {}): Promise<PendingRestore | null> {
  return readPendingRestore(clusDbFolder(), options.lockFolder);
}

