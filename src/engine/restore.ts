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
 * Nothing is touched before the set has been verified completely and every refusal
 * check has passed. From the moment a service is stopped, a journal on disk records
 * each step (restoreJournal.ts): any failure — or a crash of this process, found at
 * the next run — puts the old files back from the safety copy and starts again the
 * services that were stopped, until the cluster service has run here on the restored
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
import { formatHresult, hresultName } from '../native/errors';
import { openBackupSet, type VerifiedBackupSet } from './backupSet';
import type { OperationContext } from './context';
import { connectToCluster, detectLocalCluster, sameComputerName } from './discovery';
import { CancelledError, EngineError, throwIfCancelled } from './errors';
import { acquireOperationLock } from './lock';
import type { ClusterStatus, NodeInfo } from './model';
import { expandEnvironmentVariables, isAbsolutePath, pathStyle } from './paths';
import {
  createJournal, isCommitted, JournalStore, removeSafetyCopy, replaceLiveFiles, restoreSafetyCopy, safetyRootFor,
  takeSafetyCopy, type JournalFile, type ReplaceHooks, type RestoreJournal,
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
/** Restore methods this tool carries out: the files are replaced with the service stopped, then it is started. */
const SUPPORTED_RESTORE_METHODS: ReadonlySet<number> = new Set([
  VssRestoreMethod.RestoreStopStart, VssRestoreMethod.StopRestoreStart, VssRestoreMethod.RestoreIfCanReplace,
]);

export interface RestoreOptions {
  /** Where the operation lock lives (default: lock.ts's folder). */
  lockFolder?: string;
  /** The longest wait for one service to stop or start (default serviceControl's). */
  serviceTimeoutMs?: number;
  /** Test hooks into the file replacement (e.g. fail after the k-th file). */
  hooks?: ReplaceHooks;
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

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
  /** Whether the cluster's node list could be read (from this node or through the cluster's network name). */
  membershipKnown: boolean;
  pending: RestoreJournal | null;
}

function sameClusterName(a: string, b: string): boolean {
  return a.normalize('NFC').toUpperCase() === b.normalize('NFC').toUpperCase();
}

/**
 * Which cluster this node belongs to and its nodes. While the cluster service runs here
 * the local cluster says so; otherwise the set's cluster is opened by its network name
 * (it answers while any node runs) and must list this node.
 */
async function identifyCluster(facts: LocalFacts, set: VerifiedBackupSet, params: RestoreParams, ctx: OperationContext):
Promise<{ clusterName: string | null; nodes: string[]; membershipKnown: boolean }> {
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
    return { clusterName: here, nodes, membershipKnown: true };
  }
  // The cluster service does not run here: ask the cluster through its network name.
  if (setCluster !== null) {
    try {
      const remote = await connectToCluster(setCluster, ctx);
      const nodes = remote.nodes.map((n) => n.name);
      if (nodes.some((n) => sameComputerName(n, facts.machine))) {
        ctx.logger.log('info', `Cluster ${setCluster} answers through its network name and lists this node.`);
        return { clusterName: remote.cluster?.name ?? setCluster, nodes, membershipKnown: true };
      }
      if (!params.allowOtherCluster) refuse(`Cluster ${setCluster}, which made the set, does not list this node (${facts.machine}) as a member.`);
      return { clusterName: null, nodes, membershipKnown: true };
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      ctx.logger.log('info', `Cluster ${setCluster} cannot be reached by name (${describeError(err)}).`);
    }
  }
  if (sameComputerName(manifest.node, facts.machine)) {
    ctx.logger.log('info', `The cluster service is not running here; the set was made on this node (${facts.machine}), so it is taken as this node's cluster.`);
    return { clusterName: setCluster, nodes: [facts.machine], membershipKnown: false };
  }
  if (!params.allowOtherCluster) {
    refuse(`The cluster service is not running on this node and ${setCluster ?? 'the set\'s cluster'} cannot be reached, ` +
      `so the set ${set.summary.name} (made on ${manifest.node}) cannot be confirmed to belong to this node's cluster.`);
  }
  ctx.logger.log('warn', `Restoring a set of ${setNames} that could not be matched to this node's cluster, as explicitly allowed.`);
  return { clusterName: setCluster, nodes: [facts.machine], membershipKnown: false };
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

  const { clusterName, nodes, membershipKnown } = await identifyCluster(facts, set, params, ctx);

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
      ctx.logger.log('warn', `${CLUSTER_SERVICE_NAME} on ${node} cannot be queried: ${describeError(err)}`);
      unqueryable.push({ node, error: describeError(err) });
    }
  }
  return { facts, set, clusterName, localService, otherNodes, runningOtherNodes, unqueryable, membershipKnown, pending };
}

const UNKNOWN_MEMBERSHIP = (pre: Preflight): string =>
  `The cluster's nodes cannot be listed: the cluster service runs neither on ${pre.facts.machine} nor on any node that answers for ` +
  `${pre.set.manifest.cluster.name ?? 'the cluster'}, so it cannot be confirmed that it is stopped on every other node. ` +
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
          ctx.logger.log('warn', `IVssAsync::Cancel for ${what} failed: ${describeError(err)}`);
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
    : 'it is rolled back: the files from before it are put back from its safety copy and the services it stopped are started again';
  return `First, an earlier restore of ${path.basename(journal.set)} that was interrupted at "${journal.phase}" is finished: ${action}.`;
}

function planSteps(params: RestoreParams, pre: Preflight, placements: FilePlacement[]): string[] {
  const { facts, set } = pre;
  const steps: string[] = [];
  const here = `${facts.machine} (this node)`;
  if (pre.pending) steps.push(describePending(pre.pending));
  const m = set.manifest;
  steps.push(`Verify the backup set ${set.summary.name}: ${m.files.length} file(s) from ${m.node}, cluster ${m.cluster.name ?? '(unnamed)'}, made ${m.time} — passed.`);
  const stopOthers = params.authoritative ? pre.runningOtherNodes : [];
  if (params.authoritative) {
    if (!pre.membershipKnown) {
      steps.push(`Refused: ${UNKNOWN_MEMBERSHIP(pre).replace(/ Nothing was changed\.$/, '')}`);
    } else if (pre.unqueryable.length > 0) {
      steps.push(`Refused: the cluster service cannot be queried on ${pre.unqueryable.map((u) => u.node).join(', ')}; every other node must be reachable.`);
    } else if (stopOthers.length > 0) {
      steps.push(params.stopOtherNodes
        ? `Stop the cluster service on ${stopOthers.join(', ')}.`
        : `The cluster service runs on ${stopOthers.join(', ')}: it must be stopped there first (the restore is refused unless you allow stopping it).`);
    } else if (pre.otherNodes.length > 0) {
      steps.push(`The cluster service is already stopped on ${pre.otherNodes.join(', ')}.`);
    }
  }
  steps.push(isActive(pre.localService) ? `Stop the cluster service (${CLUSTER_SERVICE_NAME}) on ${here}.` : `The cluster service is already stopped on ${here}.`);
  steps.push(`Copy the current cluster database files (${placements.length}) to a safety folder under ${safetyRootFor(facts.clusDbDir)}.`);
  if (m.kind === 'vss-cluster-writer') {
    steps.push(`Restore ${placements.length} file(s) into ${facts.clusDbDir} through the Cluster Database VSS writer` +
      `${params.authoritative ? ', marked authoritative: the whole cluster goes back to this configuration' : ''}.`);
  } else {
    steps.push(`Replace the ${placements.length} cluster hive file(s) in ${facts.clusDbDir} with the set's copies (an offline hive copy, without VSS).`);
  }
  steps.push(`Start the cluster service on ${here} and wait until it runs${params.authoritative ? '' : '; the node rejoins the cluster and catches up with the running nodes'}.`);
  if (stopOthers.length > 0 && params.stopOtherNodes) steps.push(`Then start the cluster service on ${stopOthers.join(', ')} again.`);
  steps.push('If anything fails before the cluster service runs here again, the files are put back from the safety folder and the stopped services are started again.');
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
 * Put the node back as it was before the journal's restore: stop the local service if
 * it runs on restored files, restore every file from the safety copy, then start the
 * services that were running. Returns problems starting services (the files are back).
 */
async function rollBack(store: JournalStore, journal: RestoreJournal, ctx: OperationContext, services: Services): Promise<string[]> {
  const here: ServiceTarget = { node: journal.localNode, isLocal: true };
  ctx.progress('Rolling back');
  ctx.logger.log('warn', `Rolling back the restore ${journal.id} (at "${journal.phase}").`);
  if (journal.phase !== 'planned') {
    // The service must not hold the files while they are put back.
    await stopServiceAndWait(here, journal.serviceName, ctx, { timeoutMs: services.timeoutMs });
  }
  const changed = restoreSafetyCopy(journal);
  ctx.logger.log('info', changed.length > 0
    ? `Put back from the safety copy: ${changed.join(', ')}.`
    : 'The live files were still the ones from before the restore.');
  const problems = await startStoppedServices(journal, ctx, services, journal.localServiceWasRunning);
  store.advance(journal, 'done');
  removeSafetyCopy(journal);
  store.remove();
  return problems;
}

/** Start the local service (when asked), wait until it runs, then the other nodes the restore stopped. */
async function startStoppedServices(journal: RestoreJournal, ctx: OperationContext, services: Services, startLocal: boolean): Promise<string[]> {
  const problems: string[] = [];
  if (startLocal) {
    try {
      await startServiceAndWait({ node: journal.localNode, isLocal: true }, journal.serviceName, ctx, { timeoutMs: services.timeoutMs });
    } catch (err) {
      problems.push(`${journal.serviceName} on ${journal.localNode}: ${describeError(err)}`);
      ctx.logger.log('error', `Starting ${journal.serviceName} on ${journal.localNode} failed: ${describeError(err)}`);
      // The other nodes are started only after this one runs (the order of an authoritative restore).
      return problems.concat(journal.otherNodesToRestart.map((n) => `${CLUSTER_SERVICE_NAME} on ${n}: not started because it did not start on ${journal.localNode}`));
    }
  }
  for (const node of journal.otherNodesToRestart) {
    try {
      await startServiceAndWait({ node, isLocal: false }, CLUSTER_SERVICE_NAME, ctx, { timeoutMs: services.timeoutMs });
    } catch (err) {
      problems.push(`${CLUSTER_SERVICE_NAME} on ${node}: ${describeError(err)}`);
      ctx.logger.log('error', `Starting ${CLUSTER_SERVICE_NAME} on ${node} failed: ${describeError(err)}`);
    }
  }
  return problems;
}

/** Finish a restore that had committed: the services it stopped are started; the safety copy goes. */
async function complete(store: JournalStore, journal: RestoreJournal, ctx: OperationContext, services: Services): Promise<string[]> {
  ctx.logger.log('info', `Completing the restore ${journal.id} (at "${journal.phase}").`);
  const problems = journal.phase === 'done' ? [] : await startStoppedServices(journal, ctx, services, true);
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
      `An interrupted restore (${journal.id}) could not be rolled back: ${describeError(err)}. Its journal ${store.path} and safety copy ` +
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

/** Stop the services the restore needs stopped, recording each before it is stopped. */
async function stopServices(store: JournalStore, journal: RestoreJournal, pre: Preflight, params: RestoreParams,
  ctx: OperationContext, services: Services): Promise<void> {
  if (params.authoritative) {
    for (const node of pre.runningOtherNodes) {
      journal.otherNodesToRestart.push(node);
      store.write(journal);
      await stopServiceAndWait({ node, isLocal: false }, CLUSTER_SERVICE_NAME, ctx, { timeoutMs: services.timeoutMs });
    }
  }
  await stopServiceAndWait(localTarget(pre.facts), journal.serviceName, ctx, { timeoutMs: services.timeoutMs });
  if (params.authoritative) {
    // Nobody may have started a node in the meantime: every other node must be stopped now.
    const running = pre.otherNodes.filter((node) => isActive(queryServiceState({ node, isLocal: false })));
    if (running.length > 0) {
      throw new EngineError('NODES_RUNNING',
        `The cluster service was started again on ${running.join(', ')} while the restore was stopping the cluster. Stop it there and try again.`);
    }
  }
  store.advance(journal, 'servicesStopped');
}

/** The VSS restore sequence of windows-api.md §4.2 around the file replacement. */
async function restoreThroughVss(store: JournalStore, journal: RestoreJournal, pre: Preflight, params: RestoreParams,
  docs: VssDocuments, placements: FilePlacement[], ctx: OperationContext, options: RestoreOptions): Promise<void> {
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
    const placed = applyWriterTargets(placements, components, pre.set, pre.facts.clusDbDir, ctx);
    setJournalFiles(journal, placed);

    ctx.progress('Copying the current files to the safety folder');
    takeSafetyCopy(store, journal);
    ctx.logger.log('info', `Safety copy of ${journal.files.filter((f) => f.existed).length} file(s) in ${journal.safetyDir}.`);
    throwIfCancelled(ctx.signal, 'The restore');
    ctx.progress('Replacing the cluster database files');
    replaceLiveFiles(store, journal, options.hooks);
    ctx.logger.log('info', `Replaced ${journal.files.length} file(s) in ${pre.facts.clusDbDir}.`);

    for (const c of components) vss.setFileRestoreStatus(c.ref, VssFileRestoreStatus.All);
    ctx.progress('PostRestore');
    postRestoreSent = true;
    await waitForAsync(vss.postRestore(), 'IVssBackupComponents::PostRestore', ctx);
    await checkWriterStatus(vss, 'PostRestore', ctx);
    store.advance(journal, 'postRestored');
  } catch (err) {
    if (preRestored && !postRestoreSent) {
      // Tell the writer the restore did not happen and let it end its restore session.
      const status = journal.phase === 'replacing' || journal.phase === 'replaced' ? VssFileRestoreStatus.Failed : VssFileRestoreStatus.None;
      try {
        for (const c of components) vss.setFileRestoreStatus(c.ref, status);
        await waitForAsync(vss.postRestore(), 'IVssBackupComponents::PostRestore', uncancellable(ctx));
      } catch (closeErr) {
        ctx.logger.log('warn', `Ending the writer's restore session after the failure: ${describeError(closeErr)}`);
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

/** An offline hive copy goes back without VSS, with the cluster service stopped. */
function restoreOfflineHive(store: JournalStore, journal: RestoreJournal, pre: Preflight, ctx: OperationContext, options: RestoreOptions): void {
  ctx.progress('Copying the current files to the safety folder');
  takeSafetyCopy(store, journal);
  throwIfCancelled(ctx.signal, 'The restore');
  ctx.progress('Replacing the cluster hive files');
  replaceLiveFiles(store, journal, options.hooks);
  ctx.logger.log('info', `Replaced ${journal.files.length} file(s) in ${pre.facts.clusDbDir} (offline hive, without VSS).`);
  store.advance(journal, 'postRestored');
}

/** Adds the roll-back outcome to the error that caused it (keeping its type, API and code). */
function annotateRolledBack(err: unknown, journal: RestoreJournal, problems: string[]): Error {
  const error = err instanceof Error ? err : new Error(String(err));
  const services = problems.length > 0
    ? ` but starting the services again failed: ${problems.join('; ')}`
    : journal.localServiceWasRunning || journal.otherNodesToRestart.length > 0 ? ' and the stopped cluster services were started again' : '';
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
      // Every VSS call and its HRESULT goes to the log (the polls only at debug level).
      const previousTrace = setComTrace((call, hr) => {
        const quiet = call === 'IVssAsync::QueryStatus' && hr >= 0;
        ctx.logger.log(hr < 0 ? 'warn' : quiet ? 'debug' : 'info', `${call} → ${describeHresult(hr)}`);
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
  const store = new JournalStore(pre.facts.clusDbDir);
  const journal = createJournal({
    set: pre.set.path, kind: pre.set.manifest.kind, authoritative: params.authoritative, localNode: pre.facts.machine,
    serviceName, localServiceWasRunning: isActive(pre.localService), clusDbDir: pre.facts.clusDbDir, files: placements,
  });
  ctx.logger.log('info', `Starting the ${params.authoritative ? 'authoritative' : 'node'} restore ${journal.id} of ${pre.set.summary.name}.`);
  store.advance(journal, 'planned');
  try {
    await stopServices(store, journal, pre, params, ctx, services);
    if (docs) await restoreThroughVss(store, journal, pre, params, docs, placements, ctx, options);
    else restoreOfflineHive(store, journal, pre, ctx, options);
    // RESTORE_STOP_START: the service named by the writer starts once PostRestore has returned.
    await startServiceAndWait(localTarget(pre.facts), serviceName, ctx, { timeoutMs: services.timeoutMs });
    store.advance(journal, 'servicesStarted');
  } catch (err) {
    let problems: string[];
    try {
      problems = await rollBack(store, journal, uncancellable(ctx), services);
    } catch (rollbackErr) {
      throw new EngineError('RESTORE_FAILED',
        `The restore failed (${describeError(err)}) and rolling it back failed too (${describeError(rollbackErr)}). ` +
        `The journal ${store.path} and the safety copy ${journal.safetyDir} are kept: fix the cause and run the restore again, ` +
        'which finishes the roll-back first.', { cause: err });
    }
    throw annotateRolledBack(err, journal, problems);
  }

  // Committed: the cluster service runs here on the restored files. Start the other nodes only now.
  const safe = uncancellable(ctx);
  const problems = await startStoppedServices(journal, safe, services, false);
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
    ctx.logger.log('warn', `The cluster could not be asked for its node states after the restore: ${describeError(err)}`);
    const error = err instanceof NativeError ? { api: err.api, code: err.code, codeName: err.codeName, message: err.message } : undefined;
    return [{ name: pre.facts.machine, id: null, state: 'unknown', isLocal: true, ...(error ? { error } : {}) }];
  }
  if (params.authoritative) return status.nodes;
  const local = status.nodes.filter((n) => n.isLocal || sameComputerName(n.name, pre.facts.machine));
  return local.length > 0 ? local : [{ name: pre.facts.machine, id: null, state: 'unknown', isLocal: true }];
}
