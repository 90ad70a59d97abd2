/**
 * Finishing a restore from its journal: rolling back (before the commit point) or
 * completing (after it) — after a failure in this process, or for a restore that was
 * interrupted (found at the next run, by `recover`, or before a new restore). Also what
 * `status` and `backup` learn about a pending restore.
 */
import fs = require('node:fs');
import path = require('node:path');
import { hashFileSync } from './durableFile';
import type { OperationContext } from './context';
import { EngineError, errorMessage } from './errors';
import { acquireOperationLock } from './lock';
import {
  filesInPlace, isCommitted, JournalStore, rebootStillPending, removeSafetyCopy, removeStagedFiles, restoreSafetyCopy, type RestoreJournal,
} from './restoreJournal';
import { observeOutcome } from './restoreOutcome';
import { startAfterCommit } from './restoreFinish';
import { CLUSDB_FILE } from './restorePlacement';
import { CLUSTER_SERVICE_NAME, startServiceAndWait, stopServiceAndWait, type ServiceTarget } from './serviceControl';
import type { PendingRestore } from '../wire/restore';

export interface ServiceTimeouts {
  /** The longest wait for one service to stop or start (serviceControl.ts). */
  timeoutMs?: number;
  /** The longest wait for a node to be Up in the formed cluster (clusterFormation.ts; 0 = look once). */
  formationTimeoutMs?: number;
}

/** A context for work that must finish whatever the user does (rolling back, starting services again). */
export function uncancellable(ctx: OperationContext): OperationContext {
  return { logger: ctx.logger, progress: ctx.progress, signal: new AbortController().signal };
}

/** What a roll-back did. */
export interface RollbackReport {
  /** Live files (and companions) put back from the safety copy, and staged files deleted. */
  filesPutBack: string[];
  stagedRemoved: string[];
  /** Whether any service was stopped or started by the restore (and so returned). */
  servicesTouched: boolean;
  /** Services that could not be returned to how they were. */
  problems: string[];
  /** How the services are now, e.g. "ClusSvc runs on NODE1 and was started again on NODE2". */
  servicesNow: string;
}

/**
 * Put the node back as it was before the journal's restore: delete the staged files; when
 * the safety copy had been taken (live files may have changed), stop the local service —
 * it may run on restored files — and put every file back from it; then return the local
 * service to its state before the restore and start the other nodes the restore stopped.
 */
export async function rollBack(store: JournalStore, journal: RestoreJournal, ctx: OperationContext, services: ServiceTimeouts): Promise<RollbackReport> {
  const here: ServiceTarget = { node: journal.localNode, isLocal: true };
  ctx.progress('Rolling back');
  ctx.logger.log('warn', `Rolling back the restore ${journal.id} (at "${journal.phase}").`);
  const stagedRemoved = removeStagedFiles(journal);
  if (stagedRemoved.length > 0) ctx.logger.log('info', `Deleted the staged file(s): ${stagedRemoved.join(', ')}.`);
  let filesPutBack: string[] = [];
  if (journal.safetyCopied && liveFilesChanged(journal)) {
    // The service must not hold the files while they are put back.
    await stopServiceAndWait(here, journal.serviceName, ctx, { timeoutMs: services.timeoutMs });
    filesPutBack = restoreSafetyCopy(journal);
    ctx.logger.log('info', filesPutBack.length > 0
      ? `Put back from the safety copy: ${filesPutBack.join(', ')}.`
      : 'The live files were still the ones from before the restore.');
  } else {
    ctx.logger.log('info', 'The live files had not been changed.');
  }
  const servicesTouched = journal.localServiceChanged || journal.otherNodesToRestart.length > 0;
  const scheduled = journal.companionsAtReboot.map((c) => `${c} is scheduled to be deleted at the next restart (a deletion scheduled with ` +
    `MoveFileExW cannot be cancelled); its copy stays in ${journal.safetyDir}: copy it back after the restart`);
  const problems = scheduled.concat(await returnServices(journal, ctx, services, journal.localServiceWasRunning ? 'start' : 'stop'));
  store.advance(journal, 'done');
  if (scheduled.length === 0) removeSafetyCopy(journal);
  store.remove();
  const local = `${journal.serviceName} ${journal.localServiceWasRunning ? 'runs' : 'is stopped'} on ${journal.localNode}`;
  const others = journal.otherNodesToRestart.length > 0 ? ` and was started again on ${journal.otherNodesToRestart.join(', ')}` : '';
  return { filesPutBack, stagedRemoved, servicesTouched, problems, servicesNow: `${local}${others}` };
}

/** Whether any live file (or companion) is no longer as the safety copy recorded it. */
function liveFilesChanged(journal: RestoreJournal): boolean {
  const differs = (file: string, sha256: string | null, size: number | null): boolean => {
    if (!fs.existsSync(file)) return sha256 !== null;
    if (sha256 === null) return true;
    const got = hashFileSync(file);
    return got.sha256 !== sha256 || got.size !== size;
  };
  return journal.files.some((f) => (f.existed ? differs(f.target, f.oldSha256, f.oldSize) : fs.existsSync(f.target))) ||
    journal.companions.some((c) => c.safetyCopy !== null && differs(c.path, c.sha256, c.size));
}

/**
 * After a roll-back: bring the local service to `local` ('start': running, 'stop': stopped, 'keep':
 * as it is), then start the other nodes the restore stopped, one after the other. Every node holds
 * the configuration it had before the restore, so no copy has to win and they are not waited for
 * (with several votes needed, a node can be Up only once enough of the others run). A restore that
 * goes forward starts them by the formation rules instead (restoreFinish.ts). Returns what failed.
 */
export async function returnServices(journal: RestoreJournal, ctx: OperationContext, services: ServiceTimeouts,
  local: 'start' | 'stop' | 'keep'): Promise<string[]> {
  const problems: string[] = [];
  const here: ServiceTarget = { node: journal.localNode, isLocal: true };
  if (local === 'start') {
    try {
      await startServiceAndWait(here, journal.serviceName, ctx, { timeoutMs: services.timeoutMs });
    } catch (err) {
      problems.push(`${journal.serviceName} on ${journal.localNode}: ${errorMessage(err)}`);
      ctx.logger.log('error', `Starting ${journal.serviceName} on ${journal.localNode} failed: ${errorMessage(err)}`);
      return problems.concat(journal.otherNodesToRestart.map((n) => `${CLUSTER_SERVICE_NAME} on ${n}: not started because it did not start on ${journal.localNode}`));
    }
  } else if (local === 'stop') {
    // It was stopped before the restore, which started it for the writer: it goes back to stopped.
    try {
      await stopServiceAndWait(here, journal.serviceName, ctx, { timeoutMs: services.timeoutMs });
    } catch (err) {
      problems.push(`${journal.serviceName} on ${journal.localNode} (stopping it again, as it was before the restore): ${errorMessage(err)}`);
      ctx.logger.log('error', `Stopping ${journal.serviceName} on ${journal.localNode} again failed: ${errorMessage(err)}`);
    }
  }
  for (const node of journal.otherNodesToRestart) {
    try {
      await startServiceAndWait({ node, isLocal: false }, CLUSTER_SERVICE_NAME, ctx, { timeoutMs: services.timeoutMs });
    } catch (err) {
      problems.push(`${CLUSTER_SERVICE_NAME} on ${node}: ${errorMessage(err)}`);
      ctx.logger.log('error', `Starting ${CLUSTER_SERVICE_NAME} on ${node} failed: ${errorMessage(err)}`);
    }
  }
  return problems;
}

/**
 * What finishing a journal's restore does: complete it once it had committed — or, waiting for a
 * restart, once the restart has replaced the files (checked by SHA-256) — else roll it back.
 */
export function finishAction(journal: RestoreJournal): 'complete' | 'rollBack' {
  if (isCommitted(journal)) return 'complete';
  if (journal.phase === 'rebootPending' && filesInPlace(journal).inPlace) return 'complete';
  return 'rollBack';
}

/** The set's CLUSDB as the journal records it (the source of the file restored as CLUSDB). */
function setHiveOf(journal: RestoreJournal): string | null {
  return journal.files.find((f) => path.basename(f.target).toUpperCase() === CLUSDB_FILE)?.source ?? null;
}

/**
 * Finish a restore that had committed (or whose files the restart put in place): the services it
 * stopped are started, the outcome is observed, the safety copy goes. Returns what is not in effect.
 */
async function complete(store: JournalStore, journal: RestoreJournal, ctx: OperationContext, services: ServiceTimeouts): Promise<string[]> {
  ctx.logger.log('info', `Completing the restore ${journal.id} (at "${journal.phase}").`);
  if (journal.phase === 'done') {
    removeSafetyCopy(journal);
    store.remove();
    return [];
  }
  // This node forms the cluster first (with /fq only if the user consented), then the others join one at a time.
  const problems = await startAfterCommit(store, journal, ctx, services);
  store.advance(journal, 'servicesStarted');
  const { problems: notInEffect } = await observeOutcome({
    authoritative: journal.authoritative, localNode: journal.localNode, serviceName: journal.serviceName,
    otherNodesThatRan: journal.otherNodesToRestart, setHive: setHiveOf(journal),
  }, ctx);
  for (const p of notInEffect) if (!problems.some((q) => q.includes(p))) problems.push(p);
  store.advance(journal, 'done');
  removeSafetyCopy(journal);
  store.remove();
  return problems;
}

export function pendingOf(journal: RestoreJournal, running: boolean): PendingRestore {
  return {
    id: journal.id, set: journal.set, authoritative: journal.authoritative, phase: journal.phase, startedAt: journal.startedAt,
    finish: finishAction(journal), running,
    rebootRequired: journal.phase === 'rebootPending' && !filesInPlace(journal).inPlace,
  };
}

export interface Recovery {
  /** notInEffect: completed, but what was observed afterwards is not the restored state (see problems). */
  outcome: 'completed' | 'rolledBack' | 'notInEffect';
  restore: PendingRestore;
  problems: string[];
}

/** Completes or rolls back the journal's restore in `clusDbDir`, if there is one (the caller holds the operation lock). */
export async function recoverWithJournal(clusDbDir: string, ctx: OperationContext, services: ServiceTimeouts): Promise<Recovery | null> {
  const store = new JournalStore(clusDbDir);
  const journal = store.read();
  if (!journal) return null;
  const restore = pendingOf(journal, false);
  const safe = uncancellable(ctx);
  ctx.logger.log('warn', `Found the journal of an interrupted restore (${journal.id}, ${journal.authoritative ? 'authoritative' : 'node'} restore ` +
    `of ${journal.set}, started ${journal.startedAt}, last step "${journal.phase}").`);
  if (finishAction(journal) === 'complete') {
    const problems = await complete(store, journal, safe, services);
    for (const p of problems) ctx.logger.log('warn', `While completing the interrupted restore: ${p}`);
    return { outcome: problems.length > 0 ? 'notInEffect' : 'completed', restore, problems };
  }
  if (journal.phase === 'rebootPending') {
    ctx.logger.log('warn', rebootStillPending(journal)
      ? `The restore ${journal.id} waits for this machine to restart; it is rolled back instead: the files staged for the restart are deleted, so the scheduled replacements find nothing to move.`
      : `The restore ${journal.id} waited for a restart, but the live files are not the set's (${filesInPlace(journal).wrong.map((f) => path.basename(f)).join(', ')}) and the staged copies are gone: the scheduled replacement did not happen. It is rolled back.`);
  }
  try {
    const report = await rollBack(store, journal, safe, services);
    for (const p of report.problems) ctx.logger.log('warn', `While rolling back the interrupted restore: ${p}`);
    return { outcome: 'rolledBack', restore, problems: report.problems };
  } catch (err) {
    throw new EngineError('RESTORE_FAILED',
      `An interrupted restore (${journal.id}) could not be rolled back: ${errorMessage(err)}. Its journal ${store.path} and safety copy ` +
      `${journal.safetyDir} are kept; fix the cause and run \`fcbackup recover\` to retry.`, { cause: err });
  }
}

/**
 * The restore whose journal is in `clusDbDir`, or null. `running` says whether an operation
 * holds the lock now (the restore is under way rather than interrupted): the lock is tried
 * and released at once.
 */
export async function readPendingRestore(clusDbDir: string, lockFolder?: string): Promise<PendingRestore | null> {
  const store = new JournalStore(clusDbDir);
  let journal: RestoreJournal | null;
  try {
    journal = store.read();
  } catch (err) {
    // A journal that cannot be followed is still a pending restore: status must say so.
    return {
      id: '?', set: '?', authoritative: false, phase: `unreadable (${errorMessage(err)})`, startedAt: '?', finish: 'rollBack', running: false,
    };
  }
  if (!journal) return null;
  let running = false;
  try {
    const lock = await acquireOperationLock(lockFolder, 'status check');
    await lock.release();
  } catch (err) {
    if (err instanceof EngineError && err.code === 'BUSY') running = true;
    else throw err;
  }
  return pendingOf(journal, running);
}

/**
 * The first engine run after a restart (status, a restore, recover): a restore that waited for the
 * restart is finished when the files were replaced — checked by SHA-256 — by starting the services
 * it stopped and observing the outcome. Before the restart nothing is done. When the restart did not
 * replace them, it says exactly what is wrong and leaves the journal for `fcbackup recover`.
 * Returns what was done, or null.
 */
export async function resumeAfterReboot(clusDbDir: string, ctx: OperationContext, services: ServiceTimeouts, lockFolder?: string): Promise<Recovery | null> {
  const store = new JournalStore(clusDbDir);
  let journal: RestoreJournal | null;
  try {
    journal = store.read();
  } catch {
    return null; // status reports an unreadable journal
  }
  if (!journal || journal.phase !== 'rebootPending') return null;
  const placed = filesInPlace(journal);
  if (!placed.inPlace) {
    if (!rebootStillPending(journal)) {
      ctx.logger.log('error', `The restore ${journal.id} of ${path.basename(journal.set)} waited for a restart, but ${placed.wrong.map((f) => path.basename(f)).join(', ')} ` +
        `${placed.wrong.length === 1 ? 'is' : 'are'} not the set's and the staged copies are gone: the replacement scheduled with MoveFileExW did not happen ` +
        `(see HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\PendingFileRenameOperations). Run \`fcbackup recover\` to roll it back.`);
    }
    return null;
  }
  let lock: Awaited<ReturnType<typeof acquireOperationLock>>;
  try {
    lock = await acquireOperationLock(lockFolder, 'restore after restart');
  } catch (err) {
    if (err instanceof EngineError && err.code === 'BUSY') return null;
    throw err;
  }
  try {
    const again = store.read();
    if (!again || again.phase !== 'rebootPending') return null;
    const restore = pendingOf(again, false);
    ctx.logger.log('info', `This machine restarted and the files of the restore ${again.id} are in place (checked by SHA-256): finishing it.`);
    const problems = await complete(store, again, uncancellable(ctx), services);
    for (const p of problems) ctx.logger.log('warn', `After the restart: ${p}`);
    return { outcome: problems.length > 0 ? 'notInEffect' : 'completed', restore, problems };
  } finally {
    await lock.release();
  }
}

/** Backups are refused while a restore's journal is on disk: they would copy a half-restored folder. */
export async function refuseWhileRestorePending(clusDbDir: string): Promise<void> {
  const store = new JournalStore(clusDbDir);
  let journal: RestoreJournal | null;
  try {
    journal = store.read();
  } catch (err) {
    throw new EngineError('RESTORE_PENDING', `${errorMessage(err)} A backup is not taken until that is resolved.`);
  }
  if (!journal) return;
  throw new EngineError('RESTORE_PENDING',
    `A ${journal.authoritative ? 'authoritative' : 'node'} restore of ${path.basename(journal.set)} (started ${journal.startedAt}) was ` +
    `interrupted at "${journal.phase}", so the cluster folder may hold a mix of old and restored files. Run \`fcbackup recover\` ` +
    '(or Finish Interrupted Restore in VS Code) to ' + (isCommitted(journal) ? 'complete it' : 'roll it back') + ', then back up again. Nothing was backed up.');
}
