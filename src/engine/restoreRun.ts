/**
 * Running a restore: the steps restorePlan.ts computed, one executor per step kind, with
 * the journal written before each change (restoreJournal.ts). Any failure before the
 * commit point (the cluster service runs here on the restored files) rolls back; after it,
 * what does not work (another node that does not start, a configuration that is not the
 * set's) is reported as a problem of a restore that is not in effect. When a live file is
 * in use its replacement is scheduled for the next restart: the run then stops after
 * PostRestore with the journal at `rebootPending` (finished by restoreRecovery.ts's
 * resumeAfterReboot once the restart has put the files in place).
 */
import path = require('node:path');
import { enablePrivilege } from '../native/advapi32';
import { formClusterHere, startNodesOneByOne } from './clusterFormation';
import { VssRestoreMethod, restoreMethodName } from '../native/vssTypes';
import { sleep, type OperationContext } from './context';
import { detectLocalCluster, sameComputerName } from './discovery';
import { CancelledError, EngineError, errorMessage, throwIfCancelled } from './errors';
import {
  createJournal, JournalStore, nativeFileMover, removeSafetyCopy, replaceLiveFiles, stageFiles, takeSafetyCopy, type FileMover, type JournalFile,
  type ReplaceHooks, type RestoreJournal,
} from './restoreJournal';
import { othersNotStarted } from './restoreFinish';
import { observeOutcome } from './restoreOutcome';
import { describeMethod, type StepPlan } from './restorePlan';
import { applyWriterTargets, checkLiveDescriptors, findCompanions, type FilePlacement } from './restorePlacement';
import { isActive, localTarget, type Preflight } from './restorePreflight';
import { rollBack, uncancellable, type RollbackReport, type ServiceTimeouts } from './restoreRecovery';
import { VssRestoreSession } from './restoreVss';
import {
  CLUSTER_SERVICE_NAME, queryServiceState, startServiceAndWait, stopServiceAndWait, type ServiceStateLabel,
} from './serviceControl';
import { DEFAULT_VSS_WAIT, windowsEnvironment, type VssWaitPolicy } from './vssSession';
import type { ObservedState, RestoreParams, RestoreStep } from '../wire/restore';

/**
 * A writer subscribes to VSS some time after its service reports RUNNING: when the restore has just
 * started the cluster service, a missing writer is looked for again (a fresh VSS object each time)
 * for this long before the restore gives up.
 */
const WRITER_WAIT_MS = 60_000;
const WRITER_RETRY_INTERVAL_MS = 5_000;

export interface RunOptions {
  serviceTimeoutMs?: number;
  hooks?: ReplaceHooks;
  /** How live files are replaced (default: MoveFileExW). */
  mover?: FileMover;
  writerWaitMs?: number;
  vssWait?: VssWaitPolicy;
  /** The longest wait for a node to be Up in the formed cluster after its service runs (clusterFormation.ts; 0 = look once). */
  formationTimeoutMs?: number;
}

/** Everything one restore works with. */
interface RestoreRun {
  store: JournalStore;
  journal: RestoreJournal;
  pre: Preflight;
  params: RestoreParams;
  ctx: OperationContext;
  options: RunOptions;
  services: ServiceTimeouts;
  placements: FilePlacement[];
  /** Whether the restore started the cluster service here for the writer (it then waits for the writer). */
  startedForWriter: boolean;
  session: VssRestoreSession | null;
  /** Set when a live file was in use: its replacement waits for the next restart. */
  rebootPending: boolean;
}

function localService(run: RestoreRun): string {
  return `${run.journal.serviceName} on ${run.pre.facts.machine}`;
}

/** The outcome of a run that did not fail. */
export interface RunOutcome {
  /** What is not as it should be after the commit (services that did not start again, a configuration that differs). */
  problems: string[];
  /** The files wait for the next restart (the restore is not finished). */
  rebootRequired: boolean;
  atReboot: string[];
  observed?: ObservedState;
}

/** A failed run, rolled back: the error that caused it, and what the roll-back did. */
export class RolledBackError extends Error {
  readonly failure: unknown;
  constructor(failure: unknown, readonly report: RollbackReport) {
    super(errorMessage(failure));
    this.failure = failure;
  }
}

/** Executes `plan.steps` (the plan must not be refused). Throws RolledBackError, or EngineError when the roll-back failed too. */
export async function runSteps(params: RestoreParams, pre: Preflight, plan: StepPlan, ctx: OperationContext, options: RunOptions): Promise<RunOutcome> {
  const services: ServiceTimeouts = { timeoutMs: options.serviceTimeoutMs, formationTimeoutMs: options.formationTimeoutMs };
  enablePrivilege('SeRestorePrivilege');
  ctx.logger.log('info', 'SeRestorePrivilege enabled.');
  const store = new JournalStore(pre.facts.clusDbDir);
  const journal = createJournal({
    set: pre.set.path, kind: pre.set.manifest.kind, authoritative: params.authoritative, restoreMethod: plan.method, localNode: pre.facts.machine,
    serviceName: plan.service, localServiceWasRunning: isActive(pre.localService), clusDbDir: pre.facts.clusDbDir, files: pre.placements,
    // Recorded so that a restore finished later (recover, after a restart) forms the cluster as the user allowed.
    forceQuorum: params.authoritative && params.forceQuorum === true, notMembers: pre.identity.membership.onlyLive,
  });
  const run: RestoreRun = {
    store, journal, pre, params, ctx, options, services, placements: pre.placements, startedForWriter: false, session: null, rebootPending: false,
  };
  ctx.logger.log('info', `Starting the ${params.authoritative ? 'authoritative' : 'node'} restore ${journal.id} of ${pre.set.summary.name} ` +
    `(${describeMethod(plan.method)}).`);
  // The point of no return (src/worker/commitGuard.ts): from the journal on, the restore completes or rolls back whatever its client does.
  ctx.pointOfNoReturn?.(`the ${params.authoritative ? 'authoritative' : 'node'} restore ${journal.id} has started changing ${pre.facts.machine}`);
  store.advance(journal, 'planned');

  // The commit point: PostRestore when it follows the files (VSS_RME_RESTORE_STOP_START), else this node's service started on them.
  const postRestoreAt = plan.steps.findIndex((s) => s.kind === 'vssPostRestore');
  const startAt = plan.steps.findIndex((s) => s.kind === 'startLocalService');
  const committedAt = postRestoreAt >= 0 && postRestoreAt < startAt ? postRestoreAt : startAt;
  let index = 0;
  try {
    for (; index <= committedAt && !run.rebootPending; index++) await execute(run, plan.steps[index]);
    if (run.rebootPending) {
      // The writer is told now; stopping and starting the service would only run it on the old files again.
      const post = plan.steps.slice(index).find((s) => s.kind === 'vssPostRestore');
      if (post) await execute(run, post);
    } else if (committedAt === startAt) {
      store.advance(journal, 'servicesStarted');
    }
  } catch (err) {
    if (journal.postRestoreSent && !run.rebootPending) {
      // PostRestore was sent: no roll-back (see the vssPostRestore step); the rest runs and the failure is reported.
      ctx.logger.log('error', `PostRestore failed after the files were restored: ${errorMessage(err)}`);
      run.session?.release();
      run.session = null;
      const rest = await afterCommit(run, plan, committedAt + 1, false);
      return { ...rest, problems: [`PostRestore failed: ${errorMessage(err)}. The restored files stay; check the Cluster Database writer (vssadmin list writers) and the Application event log.`, ...rest.problems] };
    }
    const safe = uncancellable(ctx);
    if (run.session) await run.session.abort(safe, journal.replaced.length > 0);
    run.session?.release();
    run.session = null;
    let report: RollbackReport;
    try {
      report = await rollBack(store, journal, safe, services);
    } catch (rollbackErr) {
      throw new EngineError('RESTORE_FAILED',
        `The restore failed (${errorMessage(err)}) and rolling it back failed too (${errorMessage(rollbackErr)}). ` +
        `The journal ${store.path} and the safety copy ${journal.safetyDir} are kept: fix the cause and run \`fcbackup recover\`, ` +
        'which finishes the roll-back.', { cause: err });
    }
    throw new RolledBackError(err, report);
  }
  try {
    return await afterCommit(run, plan, index, committedAt === startAt);
  } finally {
    // VSS_RME_STOP_RESTORE_START sends PostRestore after the commit: the session lives until then.
    run.session?.release();
    run.session = null;
  }
}

/** The steps after the commit point (or the stop before a restart): failures there are problems, never a roll-back. */
async function afterCommit(run: RestoreRun, plan: StepPlan, index: number, started: boolean): Promise<RunOutcome> {
  const { store, journal, pre, params, ctx, services } = run;

  if (run.rebootPending) {
    store.advance(journal, 'rebootPending');
    const atReboot = [...journal.atReboot, ...journal.companionsAtReboot];
    ctx.logger.log('warn', `The restore ${journal.id} waits for ${pre.facts.machine} to restart: ${atReboot.map((f) => path.basename(f)).join(', ')} ` +
      `${atReboot.length === 1 ? 'is' : 'are'} in use and will be replaced then. The tool does not restart the machine; after the restart the next run finishes the restore.`);
    return { problems: [], rebootRequired: true, atReboot };
  }

  // Committed: the cluster service runs here on the restored files. What follows cannot undo it.
  const safe = uncancellable(ctx);
  const problems: string[] = [];
  let observed: ObservedState | undefined;
  let localRuns = started;
  let notFormed = false;
  for (const step of plan.steps.slice(index)) {
    if (step.kind === 'stopLocalService' || step.kind === 'startLocalService') {
      try {
        await execute({ ...run, ctx: safe }, step);
        if (step.kind === 'startLocalService') {
          localRuns = true;
          store.advance(journal, 'servicesStarted');
        }
      } catch (err) {
        if (err instanceof EngineError && err.code === 'QUORUM_NOT_REACHED') notFormed = true;
        problems.push(`${journal.serviceName} on ${pre.facts.machine}: ${errorMessage(err)}`);
        ctx.logger.log('error', `After PostRestore: ${errorMessage(err)}`);
      }
    }
    if (step.kind === 'startOtherNodes') {
      // The other nodes start only after this node runs on the restored files (else they would form the cluster on their own copy).
      // One at a time, each after the previous one joined the cluster this node formed; a cancel only stops the waiting.
      if (localRuns) problems.push(...await startNodesOneByOne(journal.otherNodesToRestart, safe, ctx.signal, { timeoutMs: services.formationTimeoutMs, serviceTimeoutMs: services.timeoutMs },
        new Set((journal.notMembers ?? []).map((n) => n.toUpperCase()))));
      else problems.push(...othersNotStarted(journal.otherNodesToRestart, pre.facts.machine,
        notFormed ? `${pre.facts.machine} did not form the cluster, and a node started now would bring its own copy of the configuration back` : `it does not run on ${pre.facts.machine}`));
    }
    if (step.kind === 'vssPostRestore') {
      try {
        await execute({ ...run, ctx: safe }, step);
      } catch (err) {
        problems.push(`PostRestore after the service started again failed: ${errorMessage(err)}`);
      }
    }
    if (step.kind === 'checkInEffect') {
      const seen = await observeOutcome({
        authoritative: params.authoritative, localNode: pre.facts.machine, serviceName: journal.serviceName,
        otherNodesThatRan: journal.otherNodesToRestart, setHive: pre.placements.find((p) => path.basename(p.target).toUpperCase() === 'CLUSDB')?.source ?? null,
      }, safe);
      observed = seen.observed;
      for (const p of seen.problems) if (!problems.some((q) => p.includes(q) || q.includes(p))) problems.push(p);
    }
  }
  if (pre.docs?.method.rebootRequired) problems.push(`The Cluster Database writer says ${pre.facts.machine} must be restarted to complete the restore.`);
  store.advance(journal, 'done');
  removeSafetyCopy(journal);
  store.remove();
  ctx.logger.log('info', `The ${params.authoritative ? 'authoritative' : 'node'} restore ${journal.id} is ${problems.length > 0 ? 'finished but not in effect' : 'complete and in effect'}.`);
  for (const p of problems) ctx.logger.log('warn', `After the restore: ${p}`);
  return { problems, rebootRequired: false, atReboot: [], observed };
}

/** One step. Every kind has its executor; a new kind does not compile until it has one. */
async function execute(run: RestoreRun, step: RestoreStep): Promise<void> {
  throwIfCancelled(run.ctx.signal, 'The restore');
  switch (step.kind) {
    case 'finishInterrupted':
    case 'verifySet':
      // Done before the run: the interrupted restore is finished first, the set verified by the preflight.
      return;
    case 'startServiceForWriter':
      run.startedForWriter = await ensureLocalServiceRunning(run);
      if (run.startedForWriter) await checkNodesListedNow(run);
      return;
    case 'stopOtherNodes':
      await stopOtherNodes(run, step.nodes);
      if (run.journal.restoreMethod === VssRestoreMethod.RestoreStopStart) requireLocalServiceRunning(run, 'after the other nodes were stopped');
      return;
    case 'otherNodesStopped':
      requireOtherNodesStopped(run);
      run.store.advance(run.journal, 'otherNodesStopped');
      return;
    case 'offlinePath':
      run.ctx.logger.log('info', `Restoring ClusDb on ${step.node} as a plain registry hive with the cluster service stopped: ${step.detail}.`);
      return;
    case 'vssPreRestore':
      await openVssSession(run);
      run.store.advance(run.journal, 'preRestored');
      return;
    case 'safetyCopy':
      run.ctx.progress('Copying the current files to the safety folder');
      // The companions are listed now: the list the plan showed may have grown since.
      run.journal.companions = findCompanions(run.pre.facts.clusDbDir, run.placements)
        .map((p) => ({ path: p, safetyCopy: null, sha256: null, size: null }));
      takeSafetyCopy(run.store, run.journal);
      run.ctx.logger.log('info', `Safety copy of ${run.journal.files.filter((f) => f.existed).length} file(s) and ` +
        `${run.journal.companions.length} companion(s) in ${run.journal.safetyDir}.`);
      return;
    case 'restoreFiles': {
      run.ctx.progress('Writing the restored files');
      stageFiles(run.store, run.journal, run.options.hooks);
      run.ctx.progress('Replacing the cluster database files');
      const result = replaceLiveFiles(run.store, run.journal, run.options.mover ?? nativeFileMover, run.options.hooks);
      run.rebootPending = result === 'rebootPending';
      run.ctx.logger.log('info', `Replaced ${run.journal.replaced.length} file(s) in ${run.pre.facts.clusDbDir} through MoveFileExW` +
        (run.journal.companions.length > 0 ? `; moved ${run.journal.companions.map((c) => c.path).join(', ')} into the safety folder` : '') +
        (run.rebootPending ? `; in use, scheduled for the next restart: ${[...run.journal.atReboot, ...run.journal.companionsAtReboot].join(', ')}.` : '.'));
      return;
    }
    case 'vssPostRestore': {
      const session = run.session;
      if (!session) throw new Error('PostRestore without a VSS restore session.');
      const commits = !run.rebootPending && !isCommittedPhase(run.journal);
      await session.finish(run.ctx, () => {
        if (!commits) return;
        // From PostRestore on the writer acts on the restored files: the restore goes forward (the commit point), even when
        // PostRestore itself reports a failure — that is then a problem of a restore that is not in effect.
        run.journal.postRestoreSent = true;
        run.store.write(run.journal);
      });
      session.release();
      run.session = null;
      if (commits) run.store.advance(run.journal, 'postRestored');
      return;
    }
    case 'stopLocalService':
      requireOtherNodesStopped(run);
      run.journal.localServiceChanged = true;
      run.store.write(run.journal);
      await stopServiceAndWait(localTarget(run.pre.facts.machine), run.journal.serviceName, run.ctx, { timeoutMs: run.services.timeoutMs });
      run.store.advance(run.journal, 'serviceStopped');
      return;
    case 'startLocalService':
      run.journal.localServiceChanged = true;
      await startServiceAndWait(localTarget(run.pre.facts.machine), run.journal.serviceName, run.ctx, { timeoutMs: run.services.timeoutMs });
      if (step.formsCluster) {
        // Authoritative: this node forms the cluster on the restored configuration before any other node starts.
        const formed = await formClusterHere({ node: run.pre.facts.machine, service: run.journal.serviceName, forceQuorum: step.forceQuorum === true },
          run.ctx, { timeoutMs: run.options.formationTimeoutMs, serviceTimeoutMs: run.services.timeoutMs });
        run.ctx.logger.log('info', `${run.pre.facts.machine} is Up in the cluster ${formed === 'forced' ? 'it formed with force quorum (/fq)' : 'formed on the restored configuration'}.`);
      }
      return;
    case 'startOtherNodes':
    case 'checkInEffect':
      // After the commit point: runSteps starts them and observes the outcome (a failure there does not roll back).
      return;
  }
}

function isCommittedPhase(journal: RestoreJournal): boolean {
  return journal.phase === 'servicesStarted' || journal.phase === 'done';
}

function setJournalFiles(journal: RestoreJournal, placed: FilePlacement[]): void {
  journal.files = placed.map((p): JournalFile => ({
    target: p.target, source: p.source, sha256: p.sha256, size: p.size,
    existed: false, safetyCopy: null, oldSha256: null, oldSize: null,
  }));
}

/**
 * InitializeForRestore … PreRestore. When the restore has just started the cluster service, a
 * writer that is not there yet is looked for again (nothing was sent to it, so a fresh
 * attempt is safe) until writerWaitMs has passed.
 */
async function openVssSession(run: RestoreRun): Promise<void> {
  const { pre, ctx, params } = run;
  const docs = pre.docs;
  if (!docs) throw new Error('A VSS restore step without the set\'s VSS documents.');
  const writerWaitMs = run.startedForWriter ? run.options.writerWaitMs ?? WRITER_WAIT_MS : 0;
  const deadline = Date.now() + writerWaitMs;
  for (let attempt = 1; ; attempt++) {
    const session = new VssRestoreSession(run.options.vssWait ?? DEFAULT_VSS_WAIT);
    run.session = session;
    try {
      const components = await session.open(docs, params.authoritative, ctx, (live) => {
        if (!live) throw writerNotFound(run);
        if (live.method.method !== docs.method.method) {
          ctx.logger.log('warn', `The running Cluster Database writer reports ${restoreMethodName(live.method.method)}; the set was made with ` +
            `${restoreMethodName(docs.method.method)}, which this restore follows.`);
        }
        checkLiveDescriptors(run.placements, live.descriptors, pre.facts.clusDbDir, windowsEnvironment());
      });
      setJournalFiles(run.journal, applyWriterTargets(run.placements, components, pre.set, pre.facts.clusDbDir, ctx));
      return;
    } catch (err) {
      if (!(err instanceof EngineError && err.code === 'WRITER_NOT_FOUND') || Date.now() >= deadline) throw err;
      session.release();
      run.session = null;
      const delay = Math.min(WRITER_RETRY_INTERVAL_MS, Math.max(1, deadline - Date.now()));
      ctx.logger.log('info', `The Cluster Database writer is not there yet after ${localService(run)} was started ` +
        `(attempt ${attempt}); looking again in ${Math.round(delay / 100) / 10} s.`);
      ctx.progress('Waiting for the Cluster Database writer');
      await sleep(delay, ctx.signal);
      throwIfCancelled(ctx.signal, 'The restore');
    }
  }
}

function writerNotFound(run: RestoreRun): EngineError {
  const saved = run.pre.docs?.method.method ?? VssRestoreMethod.RestoreStopStart;
  const service = localService(run);
  return new EngineError('WRITER_NOT_FOUND', saved === VssRestoreMethod.StopRestoreStart
    ? `The set's writer metadata asks for ${restoreMethodName(saved)}: stop the service, restore, start it. With ${service} stopped, ` +
      'the Cluster Database VSS writer — which runs inside the cluster service — is not among the running writers, so the restore ' +
      'cannot go through the writer in that order.'
    : `The Cluster Database VSS writer is not among the running writers although ${service} runs. ` +
      'Check `vssadmin list writers` and the Application event log, then try again.');
}

/**
 * Authoritative: stop the cluster service on the other nodes that run it (each recorded
 * before it is stopped), then make sure every other node is stopped. Writes `otherNodesStopped`.
 */
async function stopOtherNodes(run: RestoreRun, nodes: string[]): Promise<void> {
  const { store, journal, ctx, services } = run;
  for (const node of nodes) {
    throwIfCancelled(ctx.signal, 'The restore');
    journal.otherNodesToRestart.push(node);
    store.write(journal);
    await stopServiceAndWait({ node, isLocal: false }, CLUSTER_SERVICE_NAME, ctx, { timeoutMs: services.timeoutMs });
  }
  requireOtherNodesStopped(run);
  store.advance(journal, 'otherNodesStopped');
}

/** Nobody may have started another node in the meantime: each must be stopped now (authoritative only). */
function requireOtherNodesStopped(run: RestoreRun): void {
  if (!run.params.authoritative) return;
  const running = run.pre.otherNodes.filter((node) => isActive(queryServiceState({ node, isLocal: false })));
  if (running.length > 0) {
    throw new EngineError('NODES_RUNNING',
      `The cluster service was started again on ${running.join(', ')} while the restore was running. Stop it there and try again.`);
  }
}

/**
 * The Cluster Database writer exists only while the cluster service runs: start it here when it
 * is not running (a roll-back stops it again). Returns whether it had to be started.
 */
async function ensureLocalServiceRunning(run: RestoreRun): Promise<boolean> {
  const { journal, pre, ctx, services } = run;
  const state = queryServiceState(localTarget(pre.facts.machine), journal.serviceName);
  if (state === 'running') return false;
  ctx.logger.log('info', `${localService(run)} is ${state}; starting it, because the Cluster Database VSS writer runs inside the cluster ` +
    `service and ${restoreMethodName(VssRestoreMethod.RestoreStopStart)} restores while the service runs.`);
  journal.localServiceChanged = true;
  run.store.write(journal);
  await startServiceAndWait(localTarget(pre.facts.machine), journal.serviceName, ctx, { timeoutMs: services.timeoutMs });
  return true;
}

/** The writer needs the service running here for the whole VSS sequence. */
function requireLocalServiceRunning(run: RestoreRun, after: string): void {
  const state = queryServiceState(localTarget(run.pre.facts.machine), run.journal.serviceName);
  if (state !== 'running') {
    throw new EngineError('RESTORE_FAILED',
      `${localService(run)} is ${state} ${after}, but the Cluster Database VSS writer runs inside it and the restore needs it running. ` +
      `Check the System event log of ${run.pre.facts.machine} (for example, whether the node lost quorum), then try again.`);
  }
}

/**
 * When the restore had to start the cluster service here, the node list came from the cluster's
 * network name or from the set; now this node answers for the cluster, so a node it lists that was
 * not checked must not run the service either (authoritative only). Best effort: a cluster that
 * does not answer yet leaves the checks already made.
 */
async function checkNodesListedNow(run: RestoreRun): Promise<void> {
  const { pre, params, ctx } = run;
  if (!params.authoritative) return;
  let listed: string[];
  try {
    const status = await detectLocalCluster(ctx);
    listed = status.nodes.map((n) => n.name);
  } catch (err) {
    if (err instanceof CancelledError) throw err;
    ctx.logger.log('warn', `The cluster could not be asked for its nodes after starting ${localService(run)}: ${errorMessage(err)}`);
    return;
  }
  const unchecked = listed.filter((n) => !sameComputerName(n, pre.facts.machine) && !pre.otherNodes.some((o) => sameComputerName(o, n)));
  for (const node of unchecked) {
    let state: ServiceStateLabel;
    try {
      state = queryServiceState({ node, isLocal: false });
    } catch (err) {
      throw new EngineError('NODE_UNREACHABLE',
        `The cluster lists ${node} now that its service runs on ${pre.facts.machine}, but the cluster service cannot be queried there ` +
        `(${errorMessage(err)}). Make the node reachable (or evict it) and try again.`);
    }
    ctx.logger.log('info', `${CLUSTER_SERVICE_NAME} on ${node} (listed by the cluster now): ${state}.`);
    if (isActive(state)) {
      throw new EngineError('NODES_RUNNING',
        `The cluster service runs on ${node}, which the cluster lists now that its service runs on ${pre.facts.machine} but which was ` +
        'not checked before. Stop it there, or run the restore again to be asked, then try again.');
    }
  }
}
