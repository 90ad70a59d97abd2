/**
 * Restoring the cluster configuration (the seed's "Restoring the Cluster State Using
 * VSS", design.md §5):
 *
 * - a **node restore** puts this node's ClusDb back; the node then rejoins the running
 *   cluster and catches up with it;
 * - an **authoritative restore** rolls the whole cluster back: the cluster service must
 *   be installed here and stopped on every other node, the Cluster Database writer's
 *   components are marked with IVssBackupComponentsEx2::SetAuthoritativeRestore, and
 *   after the restore the service starts here first and only then on the other nodes.
 *
 * The order follows the writer's restore method (windows-api.md §3). The Cluster Database
 * writer lives inside the cluster service and reports VSS_RME_RESTORE_STOP_START: with
 * ClusSvc running here (it is started first when it is stopped), PreRestore; the set's
 * files are staged beside the live ones — the live CLUSDB is a loaded registry hive and
 * cannot be replaced while the service runs; PostRestore; then ClusSvc is stopped here,
 * the live files are copied to a safety folder, the staged files are renamed over them,
 * and ClusSvc is started again. VSS_RME_STOP_RESTORE_START stops the service before the
 * VSS sequence instead (and fails clearly when its writer is then not available). An
 * offline hive copy (no VSS document) is staged, then swapped in with the service stopped.
 *
 * Nothing is touched before the set has been verified completely and every refusal
 * check has passed. From the first change on, a journal on disk records each step
 * (restoreJournal.ts): any failure — or a crash of this process, found at the next run —
 * deletes the staged files, puts the old files back from the safety copy and returns the
 * services to how they were, until the cluster service has run here on the restored
 * files; from then on the restore is complete.
 */
import * as path from 'node:path';
import { enablePrivilege, isProcessElevated } from '../native/advapi32';
import { NativeError } from '../native/errors';
import { getComputerName, getSystemWindowsDirectory } from '../native/kernel32';
import { withComSession } from '../native/ole32';
import { VssBackupComponents, type ComponentRef } from '../native/vssBackupComponents';
import type { VssAsync } from '../native/vssAsync';
import {
  CLUSTER_DATABASE_WRITER_ID, VssComponentType, VssFileRestoreStatus, VssRestoreMethod, VssRestoreTarget, VssRestoreType,
  VSS_BS_AUTHORITATIVE_RESTORE, isWriterFailedState, restoreMethodName, writerStateName,
} from '../native/vssTypes';
import { VssExamineWriterMetadata, type WriterRestoreMethod } from '../native/vssWriterMetadata';
import { describeHresult, sameGuid, setComTrace } from '../native/com';
import { comCallLogLevel } from './comCallLogLevel';
import { formatHresult, hresultName } from '../native/errors';
import { openBackupSet, type VerifiedBackupSet } from './backupSet';
import { readClusterDatabaseWriter } from './clusterWriter';
import { sleep, type OperationContext } from './context';
import { connectToCluster, detectLocalCluster, sameComputerName } from './discovery';
import { CancelledError, EngineError, errorMessage, throwIfCancelled } from './errors';
import { acquireOperationLock } from './lock';
import type { ClusterStatus, NodeInfo } from './model';
import { expandEnvironmentVariables, isAbsolutePath, pathStyle } from './paths';
import {
  createJournal, isCommitted, JournalStore, removeSafetyCopy, removeStagedFiles, restoreSafetyCopy, safetyRootFor, stageFiles,
  swapStagedFiles, takeSafetyCopy, type JournalFile, type ReplaceHooks, type RestoreJournal,
} from './restoreJournal';
import {
  CLUSTER_SERVICE_NAME, queryServiceState, startServiceAndWait, stopServiceAndWait, type ServiceStateLabel,
  type ServiceTarget,
} from './serviceControl';
import type { RestoreParams, RestorePlan, RestoreResult } from '../protocol';

export type { RestoreParams, RestorePlan, RestoreResult } from '../protocol';

/** The ClusDb folder below the Windows directory (%SystemRoot%\Cluster). */
const CLUSDB_FOLDER = 'Cluster';
/** The hive file itself; its folder at backup time anchors where every file of the set goes back. */
const CLUSDB_FILE = 'CLUSDB';
/** VSS operations can take minutes on a busy server; past this the restore gives up (and rolls back). */
const VSS_OPERATION_TIMEOUT_MS = 10 * 60_000;
/**
 * A writer subscribes to VSS some time after its service reports RUNNING: when the restore has just
 * started the cluster service, a missing writer is looked for again (a fresh VSS object each time)
 * for this long before the restore gives up.
 */
const WRITER_WAIT_MS = 60_000;
const WRITER_RETRY_INTERVAL_MS = 5_000;
/**
 * Restore methods this tool carries out, each in the order it means: RESTORE_STOP_START (restore while
 * the service runs, then stop and start it) and STOP_RESTORE_START (stop it, restore, start it).
 */
const SUPPORTED_RESTORE_METHODS: ReadonlySet<number> = new Set([VssRestoreMethod.RestoreStopStart, VssRestoreMethod.StopRestoreStart]);

export interface RestoreOptions {
  /** Where the operation lock lives (default: lock.ts's folder). */
  lockFolder?: string;
  /** The longest wait for one service to stop or start (default serviceControl's). */
  serviceTimeoutMs?: number;
  /** Test hooks into staging and the swap (e.g. fail after the k-th file). */
  hooks?: ReplaceHooks;
  /** How long to wait for the writer after the restore started the cluster service (default 60 s). */
  writerWaitMs?: number;
}

// ---------------------------------------------------------------------------------
// facts about this node

interface LocalFacts {
  machine: string;
  clusDbDir: string;
  status: ClusterStatus;
}

async function readLocalFacts(ctx: OperationContext): Promise<LocalFacts> {
  const status = await detectLocalCluster(ctx);
  const clusDbDir = path.join(getSystemWindowsDirectory(), CLUSDB_FOLDER);
  return { machine: status.machine || getComputerName(), clusDbDir, status };
}

function localTarget(facts: LocalFacts): ServiceTarget {
  return { node: facts.machine, isLocal: true };
}

/** A context for work that must finish whatever the user does (rolling back, starting services again). */
function uncancellable(ctx: OperationContext): OperationContext {
  return { logger: ctx.logger, progress: ctx.progress, signal: new AbortController().signal };
}

function ensureElevated(): void {
  if (!isProcessElevated()) {
    throw new EngineError('NOT_ELEVATED',
      'Restoring the cluster configuration needs an elevated process: run VS Code or fcbackup as an administrator ' +
      '(Run as administrator) and try again. Nothing was changed.');
  }
}

function checkParams(params: RestoreParams): void {
  if (!params || typeof params.set !== 'string' || params.set.trim() === '') {
    throw new EngineError('BAD_ARGUMENT', 'No backup set was given: name the folder of the set to restore.');
  }
  if (typeof params.authoritative !== 'boolean' || typeof params.stopOtherNodes !== 'boolean') {
    throw new EngineError('BAD_ARGUMENT', 'authoritative and stopOtherNodes must be true or false.');
  }
}

// ---------------------------------------------------------------------------------
// the checks a plan and a restore share

interface Preflight {
  facts: LocalFacts;
  set: VerifiedBackupSet;
  /** The cluster this node belongs to, when it could be determined. */
  clusterName: string | null;
  localService: ServiceStateLabel;
  otherNodes: string[];
  runningOtherNodes: string[];
  unqueryable: { node: string; error: string }[];
  /**
   * Whether the cluster's node list is known: read from this node or through the cluster's network
   * name, or — when the cluster answers nowhere — the node names the set recorded at backup time.
   */
  membershipKnown: boolean;
  /** The node list is the one the set recorded (the cluster answered nowhere). */
  nodesFromSet: boolean;
  pending: RestoreJournal | null;
}

function sameClusterName(a: string, b: string): boolean {
  return a.normalize('NFC').toUpperCase() === b.normalize('NFC').toUpperCase();
}

interface Membership {
  clusterName: string | null;
  nodes: string[];
  membershipKnown: boolean;
  nodesFromSet: boolean;
}

/**
 * Which cluster this node belongs to and its nodes. While the cluster service runs here
 * the local cluster says so; otherwise the set's cluster is opened by its network name
 * (it answers while any node runs) and must list this node; when nothing answers, a set
 * made on this node is taken as this node's cluster, with the node names it recorded.
 */
async function identifyCluster(facts: LocalFacts, set: VerifiedBackupSet, params: RestoreParams, ctx: OperationContext): Promise<Membership> {
  const manifest = set.manifest;
  const setCluster = manifest.cluster.name;
  const setNames = `${setCluster ?? 'an unnamed cluster'} (node ${manifest.node})`;
  const refuse = (why: string): never => {
    throw new EngineError('WRONG_CLUSTER',
      `${why} Choose a set of this cluster, or confirm explicitly that you want to restore a set from another cluster. Nothing was changed.`);
  };
  if (facts.status.cluster) {
    const here = facts.status.cluster.name;
    const nodes = facts.status.nodes.map((n) => n.name);
    if (setCluster === null || !sameClusterName(setCluster, here)) {
      if (!params.allowOtherCluster) {
        refuse(setCluster === null
          ? `The set ${set.summary.name} does not record its cluster's name, so it cannot be confirmed to belong to ${here}.`
          : `The set ${set.summary.name} was made on cluster ${setCluster}, but this node belongs to ${here}.`);
      }
      ctx.logger.log('warn', `Restoring a set of ${setNames} on cluster ${here}, as explicitly allowed.`);
    }
    return { clusterName: here, nodes, membershipKnown: true, nodesFromSet: false };
  }
  // The cluster service does not run here: ask the cluster through its network name.
  if (setCluster !== null) {
    try {
      const remote = await connectToCluster(setCluster, ctx);
      const nodes = remote.nodes.map((n) => n.name);
      if (nodes.some((n) => sameComputerName(n, facts.machine))) {
        ctx.logger.log('info', `Cluster ${setCluster} answers through its network name and lists this node.`);
        return { clusterName: remote.cluster?.name ?? setCluster, nodes, membershipKnown: true, nodesFromSet: false };
      }
      if (!params.allowOtherCluster) refuse(`Cluster ${setCluster}, which made the set, does not list this node (${facts.machine}) as a member.`);
      return { clusterName: null, nodes, membershipKnown: true, nodesFromSet: false };
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      ctx.logger.log('info', `Cluster ${setCluster} cannot be reached by name (${errorMessage(err)}).`);
    }
  }
  if (sameComputerName(manifest.node, facts.machine)) {
    ctx.logger.log('info', `The cluster service is not running here; the set was made on this node (${facts.machine}), so it is taken as this node's cluster.`);
    const recorded = manifest.nodes ?? [];
    if (recorded.length > 0) {
      // Nothing answers for the cluster, so no node runs its service as a member; the nodes at backup time are the ones to check.
      ctx.logger.log('info', `The set records the cluster's nodes at backup time: ${recorded.join(', ')}; they are the nodes checked.`);
      const nodes = recorded.some((n) => sameComputerName(n, facts.machine)) ? [...recorded] : [facts.machine, ...recorded];
      return { clusterName: setCluster, nodes, membershipKnown: true, nodesFromSet: true };
    }
    return { clusterName: setCluster, nodes: [facts.machine], membershipKnown: false, nodesFromSet: false };
  }
  if (!params.allowOtherCluster) {
    refuse(`The cluster service is not running on this node and ${setCluster ?? 'the set\'s cluster'} cannot be reached, ` +
      `so the set ${set.summary.name} (made on ${manifest.node}) cannot be confirmed to belong to this node's cluster.`);
  }
  ctx.logger.log('warn', `Restoring a set of ${setNames} that could not be matched to this node's cluster, as explicitly allowed.`);
  return { clusterName: setCluster, nodes: [facts.machine], membershipKnown: false, nodesFromSet: false };
}

/** The service is not stopped (running, starting, stopping, paused): it counts as running for the checks. */
function isActive(state: ServiceStateLabel): boolean {
  return state !== 'stopped' && state !== 'notInstalled';
}

/**
 * Everything a restore checks before it changes anything. The other nodes' services are
 * queried for the plan and for an authoritative restore; a node restore does not need
 * them (and should not wait for unreachable nodes).
 */
async function preflight(params: RestoreParams, ctx: OperationContext, facts: LocalFacts, queryOtherNodes: boolean): Promise<Preflight> {
  const pending = new JournalStore(facts.clusDbDir).read();

  ctx.progress('Verifying the backup set');
  ctx.logger.log('info', `Verifying the backup set ${params.set}.`);
  const set = await openBackupSet(params.set, { signal: ctx.signal });
  const m = set.manifest;
  ctx.logger.log('info', `The set ${set.summary.name} passed verification: ${m.kind}, cluster ${m.cluster.name ?? '(unnamed)'}, ` +
    `node ${m.node}, ${m.time}, ${m.files.length} file(s).`);
  throwIfCancelled(ctx.signal, 'The restore');

  const { clusterName, nodes, membershipKnown, nodesFromSet } = await identifyCluster(facts, set, params, ctx);

  const localService = queryServiceState(localTarget(facts));
  ctx.logger.log('info', `${CLUSTER_SERVICE_NAME} on ${facts.machine} (this node): ${localService}.`);
  if (localService === 'notInstalled') {
    throw new EngineError('NOT_CLUSTER_NODE',
      `The cluster service (${CLUSTER_SERVICE_NAME}) is not installed on ${facts.machine}. Install the Failover Clustering feature ` +
      'on this node before restoring its cluster configuration. Nothing was changed.');
  }

  const otherNodes = nodes.filter((n) => !sameComputerName(n, facts.machine));
  const runningOtherNodes: string[] = [];
  const unqueryable: { node: string; error: string }[] = [];
  for (const node of queryOtherNodes ? otherNodes : []) {
    throwIfCancelled(ctx.signal, 'The restore');
    ctx.progress(`Querying ${CLUSTER_SERVICE_NAME} on ${node}`);
    try {
      const state = queryServiceState({ node, isLocal: false });
      ctx.logger.log('info', `${CLUSTER_SERVICE_NAME} on ${node}: ${state}.`);
      if (isActive(state)) runningOtherNodes.push(node);
    } catch (err) {
      ctx.logger.log('warn', `${CLUSTER_SERVICE_NAME} on ${node} cannot be queried: ${errorMessage(err)}`);
      unqueryable.push({ node, error: errorMessage(err) });
    }
  }
  return { facts, set, clusterName, localService, otherNodes, runningOtherNodes, unqueryable, membershipKnown, nodesFromSet, pending };
}

const UNKNOWN_MEMBERSHIP = (pre: Preflight): string =>
  `The cluster's nodes cannot be listed: the cluster service runs neither on ${pre.facts.machine} nor on any node that answers for ` +
  `${pre.set.manifest.cluster.name ?? 'the cluster'}, and the set does not record the cluster's nodes, so it cannot be confirmed ` +
  'that the service is stopped on every other node. ' +
  'Start the cluster service on one node (if need be with /forcequorum), then run the authoritative restore again and let it stop the ' +
  'other nodes. Nothing was changed.';

/** The refusals of design.md §5, before anything is touched. */
function refuseIfUnsafe(params: RestoreParams, pre: Preflight): void {
  if (params.authoritative && pre.set.manifest.kind === 'offline-hive') {
    throw new EngineError('BAD_ARGUMENT',
      `The set ${pre.set.summary.name} is an offline copy of the cluster hive (made while the cluster service was stopped). ` +
      'An authoritative restore is marked through the Cluster Database VSS writer, so it needs a VSS set; ' +
      'restore this set as a node restore, or choose a VSS set. Nothing was changed.');
  }
  if (!params.authoritative) return;
  if (!pre.membershipKnown) {
    throw new EngineError('NODE_UNREACHABLE', UNKNOWN_MEMBERSHIP(pre));
  }
  if (pre.unqueryable.length > 0) {
    throw new EngineError('NODE_UNREACHABLE',
      `An authoritative restore needs the cluster service stopped on every other node, but it cannot be queried on ` +
      `${pre.unqueryable.map((u) => `${u.node} (${u.error})`).join(', ')}. Make the node reachable (or evict it) and try again. Nothing was changed.`);
  }
  if (pre.runningOtherNodes.length > 0 && !params.stopOtherNodes) {
    throw new EngineError('NODES_RUNNING',
      `The cluster service is running on ${pre.runningOtherNodes.join(', ')}. An authoritative restore needs it stopped on every ` +
      'other node: stop it there, or confirm that the restore may stop it. Nothing was changed.');
  }
}

// ---------------------------------------------------------------------------------
// where each file of the set goes

export interface FilePlacement {
  target: string;
  source: string;
  sha256: string;
  size: number;
  /** Index into manifest.components (null for an offline hive copy). */
  component: number | null;
  /** The file's path at backup time. */
  originalPath: string;
}

function pathApi(p: string): path.PlatformPath {
  return pathStyle(p) === 'windows' ? path.win32 : path.posix;
}

/** Whether `child` is `parent` or inside it (case-insensitive on Windows). */
function isInside(parent: string, child: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Each file goes back to the same place relative to the ClusDb folder, in this node's
 * ClusDb folder: the folder that held CLUSDB at backup time maps onto
 * `%SystemRoot%\Cluster` here. A manifest cannot make the restore write anywhere else.
 */
export function placeFiles(set: VerifiedBackupSet, liveClusDbDir: string): FilePlacement[] {
  const files = set.manifest.files;
  const invalid = (why: string): never => {
    throw new EngineError('INVALID_SET', `The backup set ${set.summary.name} cannot be restored: ${why} Nothing was changed.`);
  };
  const hive = files.find((f) => pathApi(f.originalPath).basename(f.originalPath).toUpperCase() === CLUSDB_FILE);
  if (!hive) invalid(`it holds no ${CLUSDB_FILE} file (the cluster database hive).`);
  const anchorApi = pathApi(hive!.originalPath);
  const backupDir = anchorApi.dirname(hive!.originalPath);
  const seen = new Map<string, string>();
  return files.map((f) => {
    if (!isAbsolutePath(f.originalPath) || pathStyle(f.originalPath) !== pathStyle(hive!.originalPath)) {
      invalid(`the original path of ${f.path} (${f.originalPath}) is not an absolute path like ${hive!.originalPath}.`);
    }
    const rel = anchorApi.relative(backupDir, f.originalPath);
    const segments = rel.split(/[\\/]+/);
    if (rel === '' || anchorApi.isAbsolute(rel) || segments.some((s) => s === '..' || s === '.' || s === '')) {
      invalid(`${f.originalPath} was not inside the cluster database folder ${backupDir}.`);
    }
    const target = path.join(liveClusDbDir, ...segments);
    if (!isInside(liveClusDbDir, target)) invalid(`${f.originalPath} would be restored outside ${liveClusDbDir}.`);
    const key = process.platform === 'win32' ? target.toUpperCase() : target;
    const other = seen.get(key);
    if (other) invalid(`${other} and ${f.path} would both be restored to ${target}.`);
    seen.set(key, f.path);
    return { target, source: set.fileOnDisk(f), sha256: f.sha256, size: f.size, component: f.component, originalPath: f.originalPath };
  });
}

// ---------------------------------------------------------------------------------
// VSS helpers

/** Polls an asynchronous VSS operation until it ends (releasing it); cancellation asks VSS to cancel it. */
async function waitForAsync(operation: VssAsync, what: string, ctx: OperationContext): Promise<void> {
  const started = Date.now();
  let delay = 10;
  try {
    for (;;) {
      const state = operation.queryStatus();
      if (state === 'finished') return;
      if (state === 'cancelled') throw new EngineError('RESTORE_FAILED', `${what} was cancelled by VSS.`);
      if (ctx.signal.aborted) {
        try {
          operation.cancel();
        } catch (err) {
          ctx.logger.log('warn', `IVssAsync::Cancel for ${what} failed: ${errorMessage(err)}`);
        }
        throw new CancelledError(what);
      }
      if (Date.now() - started > VSS_OPERATION_TIMEOUT_MS) {
        throw new EngineError('TIMEOUT', `${what} did not finish within ${VSS_OPERATION_TIMEOUT_MS / 60_000} minutes.`);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(250, delay * 2);
    }
  } finally {
    operation.release();
  }
}

/** The saved writer metadata's restore method and backup schema (nothing on the node changes). */
function readSavedWriterMetadata(xml: string): { method: WriterRestoreMethod; schema: number; writerId: string } {
  const metadata = VssExamineWriterMetadata.fromXml(xml);
  try {
    const identity = metadata.getIdentity();
    return { method: metadata.getRestoreMethod(), schema: metadata.getBackupSchema(), writerId: identity.writerId };
  } finally {
    metadata.release();
  }
}

/** The Cluster Database writer's components in the Backup Components Document (read again after PreRestore). */
export interface DocumentComponent {
  ref: ComponentRef;
  restoreTarget: number;
  directedTargets: { source: string; destination: string; ranges: boolean }[];
  preRestoreFailure: string | null;
}

function readClusterWriterComponents(vss: VssBackupComponents, withTargets: boolean): DocumentComponent[] {
  const result: DocumentComponent[] = [];
  const count = vss.getWriterComponentsCount();
  for (let i = 0; i < count; i++) {
    const writer = vss.getWriterComponents(i);
    try {
      const { writerId } = writer.getWriterInfo();
      if (!sameGuid(writerId, CLUSTER_DATABASE_WRITER_ID)) continue;
      const n = writer.getComponentCount();
      for (let c = 0; c < n; c++) {
        const component = writer.getComponent(c);
        try {
          const ref: ComponentRef = {
            writerId, componentType: component.getComponentType() as VssComponentType,
            logicalPath: component.getLogicalPath(), componentName: component.getComponentName(),
          };
          if (!withTargets) {
            result.push({ ref, restoreTarget: VssRestoreTarget.Original, directedTargets: [], preRestoreFailure: null });
            continue;
          }
          const restoreTarget = component.getRestoreTarget();
          const directedTargets = restoreTarget === VssRestoreTarget.Directed
            ? component.getDirectedTargets().map((d) => ({
              source: joinNative(d.sourcePath, d.sourceFileName),
              destination: joinNative(d.destinationPath, d.destinationFileName),
              ranges: d.sourceRangeList !== '' || d.destinationRangeList !== '',
            }))
            : [];
          result.push({ ref, restoreTarget, directedTargets, preRestoreFailure: component.getPreRestoreFailureMessage() });
        } finally {
          component.release();
        }
      }
    } finally {
      writer.release();
    }
  }
  return result;
}

function joinNative(dir: string, name: string): string {
  return name === '' ? dir : pathApi(dir).join(dir, name);
}

function describeComponent(ref: ComponentRef): string {
  return ref.logicalPath ? `${ref.logicalPath}\\${ref.componentName}` : ref.componentName;
}

/** GatherWriterStatus and fail when the Cluster Database writer reports a failed state. */
async function checkWriterStatus(vss: VssBackupComponents, step: string, ctx: OperationContext): Promise<void> {
  await waitForAsync(vss.gatherWriterStatus(), 'IVssBackupComponents::GatherWriterStatus', ctx);
  const statuses = vss.readWriterStatuses();
  const writer = statuses.find((s) => sameGuid(s.writerId, CLUSTER_DATABASE_WRITER_ID));
  if (!writer) {
    throw new EngineError('WRITER_NOT_FOUND', `The Cluster Database writer did not report its status after ${step}.`);
  }
  ctx.logger.log('info', `Cluster Database writer after ${step}: ${writerStateName(writer.state)}.`);
  if (isWriterFailedState(writer.state)) {
    throw new EngineError('WRITER_FAILED',
      `The Cluster Database writer failed at ${step}: ${writerStateName(writer.state)}, ` +
      `${hresultName(writer.failureHr)} (${formatHresult(writer.failureHr)}). See the Application event log for the writer's reason.`);
  }
}

/**
 * Where the writer wants the files after PreRestore: the original locations (the usual
 * case), or directed targets, which must stay inside the ClusDb folder. Alternate
 * locations are refused: they are for files that cannot go back to their place.
 */
export function applyWriterTargets(placements: FilePlacement[], components: DocumentComponent[], set: VerifiedBackupSet,
  liveClusDbDir: string, ctx: OperationContext): FilePlacement[] {
  const manifestComponents = set.manifest.components;
  const env = { ...process.env, SystemRoot: path.dirname(liveClusDbDir), windir: path.dirname(liveClusDbDir) };
  return placements.map((p) => {
    if (p.component === null) return p;
    const mc = manifestComponents[p.component];
    const doc = components.find((c) => c.ref.componentName === mc.name && c.ref.logicalPath === mc.logicalPath);
    if (!doc) return p;
    switch (doc.restoreTarget) {
      case VssRestoreTarget.Undefined:
      case VssRestoreTarget.Original:
      case VssRestoreTarget.OriginalLocation:
        return p;
      case VssRestoreTarget.Directed: {
        const api = pathApi(p.originalPath);
        const directed = doc.directedTargets.find((d) => api.relative(d.source, p.originalPath) === '');
        if (!directed) return p;
        if (directed.ranges) {
          throw new EngineError('RESTORE_FAILED', `The Cluster Database writer directed a partial restore of ${p.originalPath}, which this tool does not do.`);
        }
        const destination = path.resolve(expandEnvironmentVariables(directed.destination, env));
        if (!isInside(liveClusDbDir, destination)) {
          throw new EngineError('RESTORE_FAILED',
            `The Cluster Database writer directed ${p.originalPath} to ${destination}, outside ${liveClusDbDir}; this tool restores only into the cluster folder.`);
        }
        ctx.logger.log('info', `The writer directs ${p.originalPath} to ${destination}.`);
        return { ...p, target: destination };
      }
      default:
        throw new EngineError('RESTORE_FAILED',
          `The Cluster Database writer asks for restore target ${doc.restoreTarget} (alternate location) for ${describeComponent(doc.ref)}, which this tool does not support.`);
    }
  });
}

// ---------------------------------------------------------------------------------
// the plan

function describePending(journal: RestoreJournal): string {
  const action = isCommitted(journal)
    ? 'it had already restored the files and started the cluster service here, so it is completed (the other nodes it stopped are started)'
    : 'it is rolled back: its staged files are deleted, the files from before it are put back from its safety copy, and the services it ' +
      'stopped or started are returned to how they were';
  return `First, an earlier restore of ${path.basename(journal.set)} that was interrupted at "${journal.phase}" is finished: ${action}.`;
}

/** The restore method a VSS set's manifest records (the restore itself reads it from the saved writer metadata). */
function plannedRestoreMethod(set: VerifiedBackupSet): number | null {
  if (set.manifest.kind !== 'vss-cluster-writer') return null;
  // A set that did not record it is planned with the Cluster Database writer's documented method.
  return set.manifest.writer?.restoreMethod ?? VssRestoreMethod.RestoreStopStart;
}

function planSteps(params: RestoreParams, pre: Preflight, placements: FilePlacement[]): string[] {
  const { facts, set } = pre;
  const steps: string[] = [];
  const here = `${facts.machine} (this node)`;
  const dir = facts.clusDbDir;
  const count = placements.length;
  if (pre.pending) steps.push(describePending(pre.pending));
  const m = set.manifest;
  steps.push(`Verify the backup set ${set.summary.name}: ${m.files.length} file(s) from ${m.node}, cluster ${m.cluster.name ?? '(unnamed)'}, made ${m.time} — passed.`);
  const method = plannedRestoreMethod(set);
  if (method !== null && !SUPPORTED_RESTORE_METHODS.has(method)) {
    steps.push(`Refused: the Cluster Database writer asks for restore method ${restoreMethodName(method)}, which this tool does not carry out.`);
    return steps;
  }

  const stopOthers = params.authoritative ? pre.runningOtherNodes : [];
  const otherNodeSteps: string[] = [];
  if (params.authoritative) {
    if (pre.nodesFromSet) {
      otherNodeSteps.push(`The cluster answers nowhere, so the nodes the set recorded are checked: ${pre.otherNodes.join(', ') || 'no other node'}.`);
    }
    if (!pre.membershipKnown) {
      otherNodeSteps.push(`Refused: ${UNKNOWN_MEMBERSHIP(pre).replace(/ Nothing was changed\.$/, '')}`);
    } else if (pre.unqueryable.length > 0) {
      otherNodeSteps.push(`Refused: the cluster service cannot be queried on ${pre.unqueryable.map((u) => u.node).join(', ')}; every other node must be reachable.`);
    } else if (stopOthers.length > 0) {
      otherNodeSteps.push(params.stopOtherNodes
        ? `Stop the cluster service on ${stopOthers.join(', ')}.`
        : `The cluster service runs on ${stopOthers.join(', ')}: it must be stopped there first (the restore is refused unless you allow stopping it).`);
    } else if (pre.otherNodes.length > 0) {
      otherNodeSteps.push(`The cluster service is already stopped on ${pre.otherNodes.join(', ')}.`);
    }
  }
  const runsHere = isActive(pre.localService);
  const safety = `copy the current cluster database files (${count}) to a safety folder under ${safetyRootFor(dir)}`;
  const authoritativeNote = params.authoritative ? ', marked authoritative: the whole cluster goes back to this configuration' : '';

  if (method === VssRestoreMethod.RestoreStopStart) {
    if (!runsHere) {
      steps.push(`Start the cluster service (${CLUSTER_SERVICE_NAME}) on ${here} and wait until it runs: the Cluster Database VSS writer runs inside it.`);
    }
    steps.push(...otherNodeSteps);
    steps.push(`Restore through the Cluster Database VSS writer (${restoreMethodName(method)}${authoritativeNote}), with the cluster service ` +
      `running on ${here}: PreRestore, write the set's ${count} file(s) beside the live ones in ${dir}, PostRestore.`);
    steps.push(`Stop the cluster service on ${here}, ${safety}, and rename the restored files into place.`);
  } else {
    steps.push(...otherNodeSteps);
    steps.push(runsHere ? `Stop the cluster service (${CLUSTER_SERVICE_NAME}) on ${here}.` : `The cluster service is already stopped on ${here}.`);
    if (method === null) {
      steps.push(`Write the set's ${count} cluster hive file(s) beside the live ones in ${dir} (an offline hive copy, without VSS), ` +
        `${safety}, and rename the restored files into place.`);
    } else {
      steps.push(`Restore through the Cluster Database VSS writer (${restoreMethodName(method)}${authoritativeNote}): PreRestore, write the ` +
        `set's ${count} file(s) beside the live ones in ${dir}, ${safety}, rename the restored files into place, PostRestore. ` +
        'This method needs the writer while the cluster service is stopped; the Cluster Database writer runs inside the service, ' +
        'so if it is not available then, the restore fails and is rolled back.');
    }
  }
  steps.push(`Start the cluster service on ${here} and wait until it runs${params.authoritative ? '' : '; the node rejoins the cluster and catches up with the running nodes'}.`);
  if (stopOthers.length > 0 && params.stopOtherNodes) steps.push(`Then start the cluster service on ${stopOthers.join(', ')} again.`);
  steps.push('If anything fails before the cluster service runs here on the restored files, the staged files are deleted, the live files are ' +
    'put back from the safety folder, and the cluster services are returned to how they were.');
  return steps;
}

/** What a restore would do, checked as far as possible without changing anything. */
export async function planRestore(params: RestoreParams, ctx: OperationContext): Promise<RestorePlan> {
  checkParams(params);
  ensureElevated();
  const facts = await readLocalFacts(ctx);
  const pre = await preflight(params, ctx, facts, true);
  const placements = placeFiles(pre.set, facts.clusDbDir);
  return {
    set: pre.set.summary,
    node: facts.machine,
    cluster: pre.clusterName,
    authoritative: params.authoritative,
    runningOtherNodes: pre.runningOtherNodes,
    unqueryableNodes: pre.unqueryable.map((u) => u.node),
    steps: planSteps(params, pre, placements),
  };
}

// ---------------------------------------------------------------------------------
// recovery and roll-back

interface Services {
  timeoutMs?: number;
}

/**
 * Put the node back as it was before the journal's restore: delete the staged files; when
 * the safety copy had been taken (live files may have changed), stop the local service —
 * it may run on restored files — and put every file back from it; then return the local
 * service to its state before the restore and start the other nodes the restore stopped.
 * Returns problems with the services (the files are back).
 */
async function rollBack(store: JournalStore, journal: RestoreJournal, ctx: OperationContext, services: Services): Promise<string[]> {
  const here: ServiceTarget = { node: journal.localNode, isLocal: true };
  ctx.progress('Rolling back');
  ctx.logger.log('warn', `Rolling back the restore ${journal.id} (at "${journal.phase}").`);
  const removed = removeStagedFiles(journal);
  if (removed.length > 0) ctx.logger.log('info', `Deleted the staged file(s): ${removed.join(', ')}.`);
  if (journal.safetyCopied) {
    // The service must not hold the files while they are put back.
    await stopServiceAndWait(here, journal.serviceName, ctx, { timeoutMs: services.timeoutMs });
    const changed = restoreSafetyCopy(journal);
    ctx.logger.log('info', changed.length > 0
      ? `Put back from the safety copy: ${changed.join(', ')}.`
      : 'The live files were still the ones from before the restore.');
  } else {
    ctx.logger.log('info', 'The live files had not been changed.');
  }
  const problems = await returnServices(journal, ctx, services, journal.localServiceWasRunning ? 'start' : 'stop');
  store.advance(journal, 'done');
  removeSafetyCopy(journal);
  store.remove();
  return problems;
}

/**
 * Bring the local service to `local` ('start': running, 'stop': stopped, 'keep': as it is), then
 * start the other nodes the restore stopped — after this node runs, the order of an authoritative
 * restore. Returns what failed.
 */
async function returnServices(journal: RestoreJournal, ctx: OperationContext, services: Services, local: 'start' | 'stop' | 'keep'): Promise<string[]> {
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

/** Finish a restore that had committed: the services it stopped are started; the safety copy goes. */
async function complete(store: JournalStore, journal: RestoreJournal, ctx: OperationContext, services: Services): Promise<string[]> {
  ctx.logger.log('info', `Completing the restore ${journal.id} (at "${journal.phase}").`);
  const problems = journal.phase === 'done' ? [] : await returnServices(journal, ctx, services, 'start');
  store.advance(journal, 'done');
  removeSafetyCopy(journal);
  store.remove();
  return problems;
}

async function recoverWithJournal(clusDbDir: string, ctx: OperationContext, services: Services): Promise<'completed' | 'rolledBack' | null> {
  const store = new JournalStore(clusDbDir);
  const journal = store.read();
  if (!journal) return null;
  const safe = uncancellable(ctx);
  ctx.logger.log('warn', `Found the journal of an interrupted restore (${journal.id}, ${journal.authoritative ? 'authoritative' : 'node'} restore ` +
    `of ${journal.set}, started ${journal.startedAt}, last step "${journal.phase}").`);
  if (isCommitted(journal)) {
    const problems = await complete(store, journal, safe, services);
    for (const p of problems) ctx.logger.log('warn', `While completing the interrupted restore: ${p}`);
    return 'completed';
  }
  try {
    const problems = await rollBack(store, journal, safe, services);
    for (const p of problems) ctx.logger.log('warn', `While rolling back the interrupted restore: ${p}`);
  } catch (err) {
    throw new EngineError('RESTORE_FAILED',
      `An interrupted restore (${journal.id}) could not be rolled back: ${errorMessage(err)}. Its journal ${store.path} and safety copy ` +
      `${journal.safetyDir} are kept; fix the cause and run the restore again to retry.`, { cause: err });
  }
  return 'rolledBack';
}

/**
 * Finds the journal of a restore that was interrupted (the engine process died) and
 * completes it or rolls it back. Returns what was done, or null when there was none.
 */
export async function recoverInterruptedRestore(ctx: OperationContext, options: RestoreOptions = {}): Promise<'completed' | 'rolledBack' | null> {
  const lock = await acquireOperationLock(options.lockFolder, 'restore recovery');
  try {
    const clusDbDir = path.join(getSystemWindowsDirectory(), CLUSDB_FOLDER);
    return await recoverWithJournal(clusDbDir, ctx, { timeoutMs: options.serviceTimeoutMs });
  } finally {
    await lock.release();
  }
}

// ---------------------------------------------------------------------------------
// the restore

interface VssDocuments {
  backupComponentsXml: string;
  method: WriterRestoreMethod;
  schema: number;
}

/** Read and check the saved VSS documents before anything is changed. */
async function loadVssDocuments(set: VerifiedBackupSet, params: RestoreParams, ctx: OperationContext): Promise<VssDocuments> {
  const backupComponentsXml = await set.readBackupComponentsXml();
  const writerXml = await set.readWriterMetadataXml();
  const saved = readSavedWriterMetadata(writerXml);
  if (!sameGuid(saved.writerId, CLUSTER_DATABASE_WRITER_ID)) {
    throw new EngineError('INVALID_SET', `The writer metadata in ${set.summary.name} is not the Cluster Database writer's (${saved.writerId}). Nothing was changed.`);
  }
  const { method } = saved;
  ctx.logger.log('info', `Restore method of the Cluster Database writer: ${restoreMethodName(method.method)}` +
    `${method.service ? `, service ${method.service}` : ''}${method.rebootRequired ? ', reboot required' : ''}.`);
  if (!SUPPORTED_RESTORE_METHODS.has(method.method)) {
    throw new EngineError('RESTORE_FAILED',
      `The Cluster Database writer asks for restore method ${restoreMethodName(method.method)}, which this tool does not carry out. Nothing was changed.`);
  }
  if (params.authoritative && (saved.schema & VSS_BS_AUTHORITATIVE_RESTORE) === 0) {
    ctx.logger.log('warn', 'The writer metadata does not announce VSS_BS_AUTHORITATIVE_RESTORE; marking the restore authoritative anyway, as the cluster documentation prescribes.');
  }
  return { backupComponentsXml, method, schema: saved.schema };
}

/** Everything one restore works with. */
interface RestoreRun {
  store: JournalStore;
  journal: RestoreJournal;
  pre: Preflight;
  params: RestoreParams;
  ctx: OperationContext;
  options: RestoreOptions;
  services: Services;
  /** Where each file goes, as placed from the manifest (before the writer's restore targets). */
  placements: FilePlacement[];
}

function localService(run: RestoreRun): string {
  return `${run.journal.serviceName} on ${run.pre.facts.machine}`;
}

/**
 * Authoritative: stop the cluster service on the other nodes that run it (each recorded
 * before it is stopped), then make sure every other node is stopped. Writes `otherNodesStopped`.
 */
async function stopOtherNodes(run: RestoreRun): Promise<void> {
  const { store, journal, pre, params, ctx, services } = run;
  if (params.authoritative) {
    for (const node of pre.runningOtherNodes) {
      throwIfCancelled(ctx.signal, 'The restore');
      journal.otherNodesToRestart.push(node);
      store.write(journal);
      await stopServiceAndWait({ node, isLocal: false }, CLUSTER_SERVICE_NAME, ctx, { timeoutMs: services.timeoutMs });
    }
    requireOtherNodesStopped(run);
  }
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
  const state = queryServiceState(localTarget(pre.facts), journal.serviceName);
  if (state === 'running') return false;
  ctx.logger.log('info', `${localService(run)} is ${state}; starting it, because the Cluster Database VSS writer runs inside the cluster ` +
    `service and ${restoreMethodName(VssRestoreMethod.RestoreStopStart)} restores while the service runs.`);
  await startServiceAndWait(localTarget(pre.facts), journal.serviceName, ctx, { timeoutMs: services.timeoutMs });
  return true;
}

/** The writer needs the service running here for the whole VSS sequence. */
function requireLocalServiceRunning(run: RestoreRun, after: string): void {
  const state = queryServiceState(localTarget(run.pre.facts), run.journal.serviceName);
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

/** Look for the Cluster Database writer among the writers GatherWriterMetadata reached. */
function requireRunningWriter(vss: VssBackupComponents, run: RestoreRun, docs: VssDocuments): void {
  const { ctx } = run;
  const found = readClusterDatabaseWriter(vss, ctx, (metadata) => metadata.getRestoreMethod());
  const saved = docs.method.method;
  if (!found) {
    const service = localService(run);
    throw new EngineError('WRITER_NOT_FOUND', saved === VssRestoreMethod.StopRestoreStart
      ? `The set's writer metadata asks for ${restoreMethodName(saved)}: stop the service, restore, start it. With ${service} stopped, ` +
        'the Cluster Database VSS writer — which runs inside the cluster service — is not among the running writers, so the restore ' +
        'cannot go through the writer in that order. Nothing was restored.'
      : `The Cluster Database VSS writer (${CLUSTER_DATABASE_WRITER_ID}) is not among the running writers although ${service} runs. ` +
        'Check `vssadmin list writers` and the Application event log, then try again.');
  }
  const live = found.value;
  if (live.method !== saved) {
    ctx.logger.log('warn', `The running Cluster Database writer reports ${restoreMethodName(live.method)}; the set was made with ` +
      `${restoreMethodName(saved)}, which this restore follows.`);
  }
}

/**
 * The VSS restore sequence of windows-api.md §4.2. `restoreFiles` runs between PreRestore
 * (after the restore targets are read again) and SetFileRestoreStatus/PostRestore; it stages
 * the files, or (STOP_RESTORE_START) stages and swaps them in. Writes `postRestored`.
 */
async function restoreThroughVss(run: RestoreRun, docs: VssDocuments, restoreFiles: () => Promise<void>): Promise<void> {
  const { store, journal, pre, params, ctx } = run;
  throwIfCancelled(ctx.signal, 'The restore');
  const vss = VssBackupComponents.create();
  let components: DocumentComponent[] = [];
  let preRestored = false;
  let postRestoreSent = false;
  try {
    ctx.progress('Initialising the VSS restore');
    vss.initializeForRestore(docs.backupComponentsXml);
    vss.setRestoreState(VssRestoreType.ByCopy);
    ctx.progress('Gathering writer metadata');
    await waitForAsync(vss.gatherWriterMetadata(), 'IVssBackupComponents::GatherWriterMetadata', ctx);
    requireRunningWriter(vss, run, docs);

    components = readClusterWriterComponents(vss, false);
    if (components.length === 0) {
      throw new EngineError('INVALID_SET', `The Backup Components Document of ${pre.set.summary.name} holds no component of the Cluster Database writer.`);
    }
    for (const c of components) {
      ctx.logger.log('info', `Selecting ${describeComponent(c.ref)} for restore.`);
      vss.setSelectedForRestore(c.ref, true);
    }
    if (params.authoritative) {
      const ex2 = vss.queryEx2();
      try {
        for (const c of components) {
          ctx.logger.log('info', `Marking ${describeComponent(c.ref)} for an authoritative restore.`);
          ex2.setAuthoritativeRestore(c.ref, true);
        }
      } finally {
        ex2.release();
      }
    }
    ctx.progress('PreRestore');
    await waitForAsync(vss.preRestore(), 'IVssBackupComponents::PreRestore', ctx);
    preRestored = true;
    await checkWriterStatus(vss, 'PreRestore', ctx);

    // Writers may change the restore targets during PreRestore: read them only now.
    components = readClusterWriterComponents(vss, true);
    for (const c of components) {
      if (c.preRestoreFailure) ctx.logger.log('warn', `PreRestore message for ${describeComponent(c.ref)}: ${c.preRestoreFailure}`);
    }
    setJournalFiles(journal, applyWriterTargets(run.placements, components, pre.set, pre.facts.clusDbDir, ctx));
    await restoreFiles();

    for (const c of components) vss.setFileRestoreStatus(c.ref, VssFileRestoreStatus.All);
    ctx.progress('PostRestore');
    postRestoreSent = true;
    await waitForAsync(vss.postRestore(), 'IVssBackupComponents::PostRestore', ctx);
    await checkWriterStatus(vss, 'PostRestore', ctx);
    store.advance(journal, 'postRestored');
  } catch (err) {
    if (preRestored && !postRestoreSent) {
      // Tell the writer the restore failed and let it end its restore session; the roll-back deletes the staged files.
      try {
        for (const c of components) vss.setFileRestoreStatus(c.ref, VssFileRestoreStatus.Failed);
        await waitForAsync(vss.postRestore(), 'IVssBackupComponents::PostRestore', uncancellable(ctx));
      } catch (closeErr) {
        ctx.logger.log('warn', `Ending the writer's restore session after the failure: ${errorMessage(closeErr)}`);
      }
    }
    throw err;
  } finally {
    vss.release();
  }
}

function setJournalFiles(journal: RestoreJournal, placed: FilePlacement[]): void {
  journal.files = placed.map((p): JournalFile => ({
    target: p.target, source: p.source, sha256: p.sha256, size: p.size,
    existed: false, safetyCopy: null, oldSha256: null, oldSize: null,
  }));
}

/** Write the set's files beside the live ones (nothing live changes). Writes `staged`. */
function stage(run: RestoreRun): void {
  const { store, journal, pre, ctx, options } = run;
  throwIfCancelled(ctx.signal, 'The restore');
  ctx.progress('Staging the restored files');
  stageFiles(store, journal, options.hooks);
  ctx.logger.log('info', `Staged ${journal.staged.length} file(s) beside the live ones in ${pre.facts.clusDbDir}.`);
}

/** With the service stopped here: the safety copy, then each staged file renamed over its live file. */
function swapIn(run: RestoreRun): void {
  const { store, journal, pre, ctx, options } = run;
  throwIfCancelled(ctx.signal, 'The restore');
  ctx.progress('Copying the current files to the safety folder');
  takeSafetyCopy(store, journal);
  ctx.logger.log('info', `Safety copy of ${journal.files.filter((f) => f.existed).length} file(s) in ${journal.safetyDir}.`);
  throwIfCancelled(ctx.signal, 'The restore');
  ctx.progress('Replacing the cluster database files');
  swapStagedFiles(store, journal, options.hooks);
  ctx.logger.log('info', `Replaced ${journal.files.length} file(s) in ${pre.facts.clusDbDir}.`);
}

async function stopLocalService(run: RestoreRun): Promise<void> {
  const { store, journal, pre, ctx, services } = run;
  throwIfCancelled(ctx.signal, 'The restore');
  await stopServiceAndWait(localTarget(pre.facts), journal.serviceName, ctx, { timeoutMs: services.timeoutMs });
  store.advance(journal, 'serviceStopped');
}

async function startLocalService(run: RestoreRun): Promise<void> {
  const { journal, pre, ctx, services } = run;
  await startServiceAndWait(localTarget(pre.facts), journal.serviceName, ctx, { timeoutMs: services.timeoutMs });
}

/**
 * VSS_RME_RESTORE_STOP_START (the Cluster Database writer's method): the VSS sequence with
 * the service running here, the files staged in between; after PostRestore the service is
 * stopped, the staged files swapped in, and the service started again.
 */
async function restoreThenRestartService(run: RestoreRun, docs: VssDocuments): Promise<void> {
  const started = await ensureLocalServiceRunning(run);
  if (started) await checkNodesListedNow(run);
  await stopOtherNodes(run);
  if (run.journal.otherNodesToRestart.length > 0) requireLocalServiceRunning(run, 'after the other nodes were stopped');
  const writerWaitMs = started ? run.options.writerWaitMs ?? WRITER_WAIT_MS : 0;
  const deadline = Date.now() + writerWaitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await restoreThroughVss(run, docs, async () => stage(run));
      break;
    } catch (err) {
      // Only a writer that is not there yet is waited for; nothing was sent to it, so a fresh attempt is safe.
      if (!(err instanceof EngineError && err.code === 'WRITER_NOT_FOUND') || Date.now() >= deadline) throw err;
      const delay = Math.min(WRITER_RETRY_INTERVAL_MS, Math.max(1, deadline - Date.now()));
      run.ctx.logger.log('info', `The Cluster Database writer is not there yet after ${localService(run)} was started ` +
        `(attempt ${attempt}); looking again in ${Math.round(delay / 100) / 10} s.`);
      run.ctx.progress('Waiting for the Cluster Database writer');
      await sleep(delay, run.ctx.signal);
      throwIfCancelled(run.ctx.signal, 'The restore');
    }
  }
  requireOtherNodesStopped(run);
  await stopLocalService(run);
  swapIn(run);
  await startLocalService(run);
}

/**
 * VSS_RME_STOP_RESTORE_START: the service is stopped here before the VSS sequence, and the
 * files go into place between PreRestore and PostRestore. The writer must be available with
 * the service stopped (the Cluster Database writer is not: the restore then fails and rolls back).
 */
async function stopThenRestore(run: RestoreRun, docs: VssDocuments): Promise<void> {
  await stopOtherNodes(run);
  await stopLocalService(run);
  await restoreThroughVss(run, docs, async () => {
    stage(run);
    swapIn(run);
  });
  await startLocalService(run);
}

/** An offline hive copy goes back without VSS: staged, then swapped in with the cluster service stopped. */
async function restoreOfflineHive(run: RestoreRun): Promise<void> {
  stage(run);
  await stopLocalService(run);
  swapIn(run);
  await startLocalService(run);
}

/** Adds the roll-back outcome to the error that caused it (keeping its type, API and code). */
function annotateRolledBack(err: unknown, journal: RestoreJournal, problems: string[]): Error {
  const error = err instanceof Error ? err : new Error(String(err));
  const local = `${journal.serviceName} ${journal.localServiceWasRunning ? 'runs' : 'is stopped'} on ${journal.localNode}`;
  const others = journal.otherNodesToRestart.length > 0 ? ` and was started again on ${journal.otherNodesToRestart.join(', ')}` : '';
  const services = problems.length > 0
    ? `, but returning the cluster services to how they were failed: ${problems.join('; ')}`
    : `; the cluster services are as they were (${local}${others})`;
  error.message = `${error.message} — the restore failed, so ${journal.localNode} was rolled back: its cluster database files are as before the restore${services}.`;
  return error;
}

/** Node or authoritative restore of the cluster configuration from a backup set (design.md §5). */
export async function restoreCluster(params: RestoreParams, ctx: OperationContext, options: RestoreOptions = {}): Promise<RestoreResult> {
  checkParams(params);
  const services: Services = { timeoutMs: options.serviceTimeoutMs };
  const lock = await acquireOperationLock(options.lockFolder, params.authoritative ? 'authoritative restore' : 'node restore');
  try {
    ensureElevated();
    const clusDbDir = path.join(getSystemWindowsDirectory(), CLUSDB_FOLDER);
    const recovered = await recoverWithJournal(clusDbDir, ctx, services);

    const facts = await readLocalFacts(ctx);
    const pre = await preflight(params, ctx, facts, params.authoritative);
    refuseIfUnsafe(params, pre);
    const placements = placeFiles(pre.set, facts.clusDbDir);
    enablePrivilege('SeRestorePrivilege');
    ctx.logger.log('info', 'SeRestorePrivilege enabled.');

    const kind = pre.set.manifest.kind;
    let result: RestoreResult;
    if (kind === 'vss-cluster-writer') {
      // Every VSS call and its HRESULT goes to the log (comCallLogLevel: failures as warnings, the rest below info).
      const previousTrace = setComTrace((call, hr) => {
        ctx.logger.log(comCallLogLevel(call, hr), `${call} → ${describeHresult(hr)}`);
      });
      try {
        result = await withComSession(async () => {
          const docs = await loadVssDocuments(pre.set, params, ctx);
          return runRestore(params, pre, placements, ctx, options, services, docs);
        });
      } finally {
        setComTrace(previousTrace);
      }
    } else {
      result = await runRestore(params, pre, placements, ctx, options, services, null);
    }
    return recovered ? { ...result, recovered } : result;
  } finally {
    await lock.release();
  }
}

async function runRestore(params: RestoreParams, pre: Preflight, placements: FilePlacement[], ctx: OperationContext,
  options: RestoreOptions, services: Services, docs: VssDocuments | null): Promise<RestoreResult> {
  const serviceName = docs?.method.service || CLUSTER_SERVICE_NAME;
  const restoreMethod = docs ? docs.method.method : null;
  const store = new JournalStore(pre.facts.clusDbDir);
  const journal = createJournal({
    set: pre.set.path, kind: pre.set.manifest.kind, authoritative: params.authoritative, restoreMethod, localNode: pre.facts.machine,
    serviceName, localServiceWasRunning: isActive(pre.localService), clusDbDir: pre.facts.clusDbDir, files: placements,
  });
  const run: RestoreRun = { store, journal, pre, params, ctx, options, services, placements };
  ctx.logger.log('info', `Starting the ${params.authoritative ? 'authoritative' : 'node'} restore ${journal.id} of ${pre.set.summary.name} ` +
    `(${restoreMethod === null ? 'offline hive, without VSS' : restoreMethodName(restoreMethod)}).`);
  store.advance(journal, 'planned');
  try {
    if (restoreMethod === null) await restoreOfflineHive(run);
    else if (restoreMethod === VssRestoreMethod.RestoreStopStart) await restoreThenRestartService(run, docs as VssDocuments);
    else await stopThenRestore(run, docs as VssDocuments);
    store.advance(journal, 'servicesStarted');
  } catch (err) {
    let problems: string[];
    try {
      problems = await rollBack(store, journal, uncancellable(ctx), services);
    } catch (rollbackErr) {
      throw new EngineError('RESTORE_FAILED',
        `The restore failed (${errorMessage(err)}) and rolling it back failed too (${errorMessage(rollbackErr)}). ` +
        `The journal ${store.path} and the safety copy ${journal.safetyDir} are kept: fix the cause and run the restore again, ` +
        'which finishes the roll-back first.', { cause: err });
    }
    throw annotateRolledBack(err, journal, problems);
  }

  // Committed: the cluster service runs here on the restored files. Start the other nodes only now.
  const safe = uncancellable(ctx);
  const problems = await returnServices(journal, safe, services, 'keep');
  if (docs?.method.rebootRequired) problems.push(`The Cluster Database writer says ${pre.facts.machine} must be restarted to complete the restore.`);
  store.advance(journal, 'done');
  removeSafetyCopy(journal);
  store.remove();
  ctx.logger.log('info', `The ${params.authoritative ? 'authoritative' : 'node'} restore ${journal.id} is complete.`);
  for (const p of problems) ctx.logger.log('warn', `After the restore: ${p}`);

  ctx.progress('Reading the resulting node states');
  const nodes = await resultingNodes(pre, params, safe);
  return { set: pre.set.path, authoritative: params.authoritative, nodes, ...(problems.length > 0 ? { warnings: problems } : {}) };
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
