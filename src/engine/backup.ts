/**
 * The product's main job: a checkpointed backup of the failover cluster configuration
 * (the seed's three steps).
 *
 * 1. Detect whether this machine is a cluster node and in what state (discovery).
 * 2. Select the node: the backup is taken on the node the engine runs on.
 * 3. Back up ClusDb in checkpointed form:
 *    - cluster service running: a VSS requester selects the Cluster Database writer,
 *      snapshots the volumes its files live on and copies the files out of the
 *      point-in-time snapshot (docs/windows.md, VSS backup sequence), keeping the Backup Components
 *      Document and the writer's metadata with them;
 *    - cluster service installed but not running: ClusDb is an ordinary registry hive
 *      and is copied as one (`offline-hive`).
 *
 * Every VSS call and its result goes to the log; asynchronous VSS operations are polled
 * (never a blocking Wait on the event loop) with a timeout and cancellation; a failure
 * after InitializeForBackup ends with AbortBackup, or, once DoSnapshotSet returned, with
 * SetBackupSucceeded(false) and BackupComplete; every COM object is released; the set
 * is written beside its final place and renamed only when complete (backupSet.ts).
 */
import fsp = require('node:fs/promises');
import path = require('node:path');
import { selectComponents } from './componentSelection';
import type { BackupParams } from '../protocol';
import { isProcessElevated, enablePrivilege } from '../native/advapi32';
import { GUID_NULL, type Guid } from '../native/com';
import { NativeError } from '../native/errors';
import { VssBackupComponents, type ComponentRef } from '../native/vssBackupComponents';
import {
  CLUSTER_DATABASE_WRITER_ID, CLUSTER_DATABASE_WRITER_NAME, VSS_E_SNAPSHOT_SET_IN_PROGRESS, VssBackupType, VssComponentType,
  restoreMethodName,
} from '../native/vssTypes';
import type { FileDescription, VssExamineWriterMetadata, WriterComponentDescription } from '../native/vssWriterMetadata';
import { readClusterNameFromHive } from './backupHive';
import { BackupSetWriter, backupSetName, toolVersion, type ManifestComponent, type ManifestFile } from './backupSet';
import { applyRetention, removeStalePartialSets } from './backupSetFolder';
import { sleep, type OperationContext } from './context';
import { detectLocalCluster } from './discovery';
import { sameFolder } from '../wire/folders';
import { sameComputerName } from './clusterNames';
import { CancelledError, EngineError, errorMessage, throwIfCancelled } from './errors';
import { copyBackupSet } from './setCopy';
import { distinctVolumeNames, volumeNameKey, volumesOfPaths } from './snapshotVolumes';
import { reasonProblem } from '../wire/backupReason';
import { acquireOperationLock } from './lock';
import { refuseWhileRestorePending } from './restoreRecovery';
import type { BackupCopyResult, BackupFileEntry, BackupResult, ClusterStatus } from './model';
import {
  expandEnvironmentVariables, isAbsolutePath, joinPath, matchesFilespec, pathStyle, relativeToVolume, separatorOf, snapshotPath,
  volumeOf, type PathStyle,
} from './paths';
import {
  checkWriterStatus as checkVssWriterStatus, clusDbFolder, DEFAULT_VSS_WAIT, readClusterDatabaseWriter, waitForVssAsync, windowsEnvironment,
  withVssSession, type VssWaitPolicy, type WriterKey,
} from './vssSession';

/** Tuning of the engine's waits; the defaults suit a real server, tests shorten them. */
export interface BackupOptions {
  /** Delay between IVssAsync::QueryStatus polls: starts at `min`, doubles up to `max` (ms). */
  pollIntervalMs?: { min: number; max: number };
  /** Longest wait for one asynchronous VSS operation (ms). */
  asyncTimeoutMs?: number;
  /** StartSnapshotSet retries while another snapshot set is being created. */
  snapshotSetRetry?: { attempts: number; initialDelayMs: number; maxDelayMs: number };
  /** Folder of the machine-wide operation lock (default: lock.ts's). */
  lockFolder?: string;
  /** Clock, for the set's time stamp. */
  now?: () => Date;
}

const DEFAULTS = {
  pollIntervalMs: DEFAULT_VSS_WAIT.poll,
  asyncTimeoutMs: DEFAULT_VSS_WAIT.timeoutMs,
  snapshotSetRetry: { attempts: 6, initialDelayMs: 2000, maxDelayMs: 30000 },
};

interface Settings {
  /** `--reason`, recorded in the manifest (absent: the manifest has no `reason`). */
  reason: string | undefined;
  poll: { min: number; max: number };
  asyncTimeoutMs: number;
  retry: { attempts: number; initialDelayMs: number; maxDelayMs: number };
  now: () => Date;
}

/** The failover cluster configuration, backed up on this node into `params.destination`. */
export async function backupCluster(params: BackupParams, ctx: OperationContext, options: BackupOptions = {}): Promise<BackupResult> {
  const destination = checkDestination(params.destination);
  const keep = checkKeep(params.keep);
  const reason = checkReason(params.reason);
  const copyTo = checkCopyTo(params.copyTo, destination);
  const settings: Settings = {
    reason,
    poll: options.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
    asyncTimeoutMs: options.asyncTimeoutMs ?? DEFAULTS.asyncTimeoutMs,
    retry: options.snapshotSetRetry ?? DEFAULTS.snapshotSetRetry,
    now: options.now ?? (() => new Date()),
  };
  throwIfCancelled(ctx.signal, 'The backup');

  ctx.progress('Checking administrator rights');
  if (!isProcessElevated()) {
    ctx.logger.log('error', 'The process token is not elevated (TokenElevation = 0).');
    throw new EngineError('NOT_ELEVATED',
      'Backing up the cluster configuration needs administrator rights: VSS accepts only elevated requesters. ' +
      'Run VS Code (or the fcbackup command) as administrator — "Run as administrator" — and try again.');
  }
  enablePrivilege('SeBackupPrivilege');
  ctx.logger.log('info', 'SeBackupPrivilege enabled.');

  const lock = await acquireOperationLock(options.lockFolder, 'backup');
  ctx.logger.log('debug', `Operation lock taken: ${lock.path}`);
  try {
    throwIfCancelled(ctx.signal, 'The backup');
    // A half-finished restore leaves a mix of old and restored files: nothing is backed up until it is finished.
    await refuseWhileRestorePending(clusDbFolder());
    const status = await detectLocalCluster(ctx);
    selectNode(params.node, status, ctx);
    await removeStalePartialSets(destination, ctx.logger);

    let result: Omit<BackupResult, 'removedByRetention' | 'retentionProblems'>;
    switch (status.state) {
      case 'notInstalled':
        throw new EngineError('NOT_CLUSTER_NODE',
          `The Failover Clustering feature is not installed on ${status.machine}; there is no cluster configuration to back up here.`);
      case 'notConfigured':
        throw new EngineError('NOT_CLUSTER_NODE',
          `${status.machine} is not a node of a cluster (the Failover Clustering feature is installed but not configured); there is no cluster configuration to back up.`);
      case 'notRunning':
        ctx.logger.log('info', 'The cluster service is not running here: ClusDb is an ordinary registry hive and is copied as one.');
        result = await backUpOfflineHive(status, destination, ctx, settings);
        break;
      case 'running':
        result = await backUpThroughVss(status, destination, ctx, settings);
        break;
    }

    let removedByRetention: string[] = [];
    const retentionProblems: string[] = [];
    if (keep > 0) {
      ctx.progress('Applying retention');
      try {
        const retention = await applyRetention(destination, {
          cluster: result.cluster === '' ? null : result.cluster, keep, protect: [result.path], logger: ctx.logger,
        });
        removedByRetention = retention.removed;
        retentionProblems.push(...retention.problems);
      } catch (err) {
        // The backup itself succeeded; the caller reports the retention failure beside it.
        retentionProblems.push(`Retention could not finish: ${errorMessage(err)}`);
        ctx.logger.log('warn', retentionProblems[retentionProblems.length - 1]);
      }
    }
    ctx.logger.log('info', `Backup complete: ${result.path} (${result.files.length} file(s))` +
      `${reason === undefined ? '' : `, reason: ${JSON.stringify(reason)}`}.`);
    const copy = copyTo === undefined ? undefined : await copyToSecondFolder(result, copyTo, keep, ctx);
    return { ...result, removedByRetention, retentionProblems, reason: reason ?? null, ...(copy ? { copy } : {}) };
  } finally {
    await lock.release();
  }
}

function checkDestination(destination: unknown): string {
  if (typeof destination !== 'string' || destination.trim() === '') {
    throw new EngineError('BAD_ARGUMENT', 'Choose a folder for the backup sets (the destination is empty).');
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(destination)) throw new EngineError('BAD_ARGUMENT', 'The destination folder name contains control characters.');
  return path.resolve(destination);
}

function checkReason(reason: unknown): string | undefined {
  if (reason === undefined || reason === null) return undefined;
  if (typeof reason !== 'string') throw new EngineError('BAD_ARGUMENT', 'The reason for the backup must be text.');
  const problem = reasonProblem(reason);
  if (problem !== null) throw new EngineError('BAD_ARGUMENT', `The reason for the backup ${problem}.`);
  return reason;
}

function checkCopyTo(copyTo: unknown, destination: string): string | undefined {
  if (copyTo === undefined || copyTo === null) return undefined;
  const folder = checkDestination(copyTo);
  if (sameFolder(folder, destination)) {
    throw new EngineError('BAD_ARGUMENT', `The copy folder ${folder} is the backup folder itself; give a second folder (e.g. a share) for the copy.`);
  }
  return folder;
}

/**
 * After the set is made, verified and pruned here: copy it to `copyTo`, verify the copy,
 * prune there too. A failure is the copy's outcome (the set here stays); a cancellation
 * removes the partial copy and ends the backup as cancelled, saying that the set was kept.
 */
async function copyToSecondFolder(
  result: { path: string; cluster: string }, copyTo: string, keep: number, ctx: OperationContext,
): Promise<BackupCopyResult> {
  const outcome: BackupCopyResult = { destination: copyTo, path: null, error: null, removedByRetention: [], retentionProblems: [] };
  ctx.progress(`Copying the set to ${copyTo}`);
  try {
    outcome.path = await copyBackupSet(result.path, copyTo, ctx);
  } catch (err) {
    if (err instanceof CancelledError || ctx.signal.aborted) {
      throw new EngineError('CANCELLED', `The copy to ${copyTo} was cancelled and nothing of it was kept there; the backup set ${result.path} was made and is kept.`);
    }
    outcome.error = errorMessage(err);
    ctx.logger.log('error', `The backup set ${result.path} was made, but copying it to ${copyTo} failed: ${outcome.error}`);
    return outcome;
  }
  if (keep > 0) {
    ctx.progress(`Applying retention in ${copyTo}`);
    try {
      const retention = await applyRetention(copyTo, {
        cluster: result.cluster === '' ? null : result.cluster, keep, protect: [outcome.path], logger: ctx.logger,
      });
      outcome.removedByRetention = retention.removed;
      outcome.retentionProblems = retention.problems;
    } catch (err) {
      outcome.retentionProblems.push(`Retention in ${copyTo} could not finish: ${errorMessage(err)}`);
      ctx.logger.log('warn', outcome.retentionProblems[0]);
    }
  }
  return outcome;
}

function checkKeep(keep: unknown): number {
  if (keep === undefined || keep === null) return 0;
  if (typeof keep !== 'number' || !Number.isInteger(keep) || keep < 0) {
    throw new EngineError('BAD_ARGUMENT', `"keep" must be a whole number of sets (0 keeps every set), not ${JSON.stringify(keep)}.`);
  }
  return keep;
}

/** The seed's step 2: the backup is taken on the node that runs the engine. */
function selectNode(requested: string | undefined, status: ClusterStatus, ctx: OperationContext): void {
  if (requested === undefined || requested === '' || sameComputerName(requested, status.machine)) {
    ctx.logger.log('info', `Backing up on this node, ${status.machine}.`);
    return;
  }
  const member = status.nodes.some((n) => sameComputerName(n.name, requested));
  throw new EngineError('NOT_LOCAL_NODE',
    `The backup is taken on the node the engine runs on (${status.machine}), but ${requested} was chosen` +
    `${member ? '' : ' (it is not a node of this cluster as seen from here)'}. ` +
    `To back up ${requested}, open a Remote window (Remote-SSH) on ${requested} or run fcbackup there.`);
}

// ---------------------------------------------------------------------------------
// cluster service not running: copy the hive

const HIVE_FILESPEC = 'CLUSDB*';

async function backUpOfflineHive(
  status: ClusterStatus, destination: string, ctx: OperationContext, settings: Settings,
): Promise<Omit<BackupResult, 'removedByRetention' | 'retentionProblems'>> {
  const clusterDir = clusDbFolder();
  const style = pathStyle(clusterDir);
  ctx.logger.log('info', `ClusDb folder ${clusterDir}`);

  let names: string[];
  try {
    const entries = await fsp.readdir(clusterDir, { withFileTypes: true });
    names = entries.filter((e) => e.isFile() && matchesFilespec(e.name, HIVE_FILESPEC)).map((e) => e.name).sort();
  } catch (err) {
    throw new EngineError('NOT_CLUSTER_NODE', `Cannot read the ClusDb folder ${clusterDir}: ${errorMessage(err)}`);
  }
  if (names.length === 0) {
    throw new EngineError('NOT_CLUSTER_NODE', `No ClusDb files (${HIVE_FILESPEC}) in ${clusterDir}; there is nothing to back up.`);
  }

  const time = settings.now();
  const node = status.machine;
  const hiveFile = names.find((n) => n.toUpperCase() === 'CLUSDB');
  let clusterName = status.cluster?.name ?? null;
  if (clusterName === null && hiveFile) {
    // The cluster cannot be asked while its service is stopped here; the hive records its name.
    clusterName = await readClusterNameFromHive(joinPath(style, clusterDir, hiveFile));
    ctx.logger.log('info', clusterName === null
      ? 'The cluster name could not be read from the ClusDb hive; the set records it as unknown.'
      : `Cluster name from the ClusDb hive: ${clusterName}.`);
  }
  const writer = await BackupSetWriter.create(destination, backupSetName(clusterName, node, time));
  try {
    const files = await copyFiles(writer, names.map((name) => ({
      source: joinPath(style, clusterDir, name),
      originalPath: joinPath(style, clusterDir, name),
      segments: ['ClusDb', name],
      component: null,
    })), ctx);
    ctx.progress('Writing the manifest');
    const { path: setPath } = await writer.commit({
      schemaVersion: 1,
      toolVersion: toolVersion(),
      kind: 'offline-hive',
      time: time.toISOString(),
      cluster: { name: clusterName, version: status.cluster?.version ?? null },
      node,
      ...(settings.reason === undefined ? {} : { reason: settings.reason }),
      writer: null,
      components: [],
      snapshot: null,
    });
    return { path: setPath, kind: 'offline-hive', cluster: clusterName ?? '', node, time: time.toISOString(), files: toEntries(files) };
  } catch (err) {
    await writer.discard();
    throw err;
  }
}

interface CopyJob {
  source: string;
  originalPath: string;
  /** Folder/name segments under files/ (sanitised by the writer). */
  segments: string[];
  component: number | null;
}

async function copyFiles(writer: BackupSetWriter, jobs: CopyJob[], ctx: OperationContext): Promise<ManifestFile[]> {
  const sizes = await Promise.all(jobs.map(async (j) => (await fsp.stat(j.source)).size));
  const total = sizes.reduce((a, b) => a + b, 0);
  let before = 0;
  const copied: ManifestFile[] = [];
  for (const [i, job] of jobs.entries()) {
    throwIfCancelled(ctx.signal, 'The backup');
    const rel = writer.allocatePath(job.segments);
    const label = `Copying ${job.originalPath}`;
    ctx.progress(label, total > 0 ? before / total : undefined);
    let lastReport = Date.now();
    const entry = await writer.copyFile(job.source, rel, job.originalPath, job.component, {
      signal: ctx.signal,
      onBytes: (done) => {
        const now = Date.now();
        if (now - lastReport >= 250 && total > 0) {
          lastReport = now;
          ctx.progress(label, Math.min(1, (before + done) / total));
        }
      },
    });
    before += sizes[i];
    ctx.logger.log('info', `Copied ${job.source} → ${rel} (${entry.size} bytes, SHA-256 ${entry.sha256})`);
    copied.push(entry);
  }
  return copied;
}

function toEntries(files: readonly ManifestFile[]): BackupFileEntry[] {
  return files.map(({ originalPath, path: p, size, sha256 }) => ({ originalPath, path: p, size, sha256 }));
}

// ---------------------------------------------------------------------------------
// cluster service running: the VSS requester (docs/windows.md, VSS backup sequence)

interface SelectedWriter {
  instanceId: Guid;
  writerId: Guid;
  name: string;
  metadataXml: string;
  components: WriterComponentDescription[];
  excludes: FileDescription[];
  restoreMethod: number | null;
  restoreService: string | null;
  backupSchema: number | null;
}

async function backUpThroughVss(
  status: ClusterStatus, destination: string, ctx: OperationContext, settings: Settings,
): Promise<Omit<BackupResult, 'removedByRetention' | 'retentionProblems'>> {
  const cluster = status.cluster;
  if (!cluster) throw new EngineError('NOT_CLUSTER_NODE', 'The cluster service runs here but the cluster could not be opened.');
  try {
    return await withVssSession(ctx, () => backUpInVssSession(status, cluster, destination, ctx, settings));
  } catch (err) {
    // COM set-up and everything in the session fail the same way: logged, and the backup says what to do.
    ctx.logger.log('error', `The backup failed: ${errorMessage(err)}`);
    throw withVssAdvice(err);
  }
}

async function backUpInVssSession(
  status: ClusterStatus, cluster: NonNullable<ClusterStatus['cluster']>, destination: string, ctx: OperationContext, settings: Settings,
): Promise<Omit<BackupResult, 'removedByRetention' | 'retentionProblems'>> {
  const log = ctx.logger;
  let vss: VssBackupComponents | undefined;
  let initialized = false;
  let finished = false;
  let setWriter: BackupSetWriter | undefined;
  /** Set once DoSnapshotSet returned: from then on a failed backup ends with BackupComplete, not AbortBackup. */
  let snapshotDone: { instanceId: Guid; refs: ComponentRef[] } | undefined;
  let completeCalled = false;
  try {
    ctx.progress('Starting the VSS backup');
    vss = VssBackupComponents.create();
    vss.initializeForBackup(null);
    initialized = true;
    vss.setBackupState(true, false, VssBackupType.Full, false);

    ctx.progress('Gathering writer metadata');
    await waitForVssAsync(vss.gatherWriterMetadata(), 'Gathering writer metadata', 'The backup', ctx, vssWait(settings));
    const writer = readClusterWriter(vss, ctx);
    const env = windowsEnvironment();
    const fileSets = writer.components.map((c) => c.files.map((f) => expandFileSet(f, env)));
    const excludes = writer.excludes.map((f) => expandFileSet(f, env));

    const refs: ComponentRef[] = selectComponents(writer.components).map((c) => ({
      writerId: writer.writerId, componentType: c.type as VssComponentType, logicalPath: c.logicalPath, componentName: c.componentName,
    }));
    for (const ref of refs) {
      vss.addComponent(writer.instanceId, ref);
      log.log('info', `Selected component "${ref.logicalPath ? ref.logicalPath + '\\' : ''}${ref.componentName}".`);
    }

    ctx.progress('Starting the snapshot set');
    const setId = await startSnapshotSet(vss, ctx, settings);
    // The volume of each file set as Windows reports it (a mounted folder puts it on another volume than its drive).
    const setVolumes = volumesOfPaths(fileSets.flat().map((f) => f.path), log);
    const volumes = distinctVolumeNames(setVolumes.values());
    if (volumes.length === 0) throw new EngineError('WRITER_FAILED', 'The Cluster Database writer reported no files to back up.');
    const snapshotOfVolume = new Map<string, Guid>();
    for (const volume of volumes) {
      const snapshotId = vss.addToSnapshotSet(volume, GUID_NULL);
      snapshotOfVolume.set(volumeNameKey(volume), snapshotId);
      log.log('info', `Volume ${volume} added to snapshot set ${setId} (snapshot ${snapshotId}).`);
    }

    ctx.progress('Preparing the writers for backup');
    await waitForVssAsync(vss.prepareForBackup(), 'Preparing for backup', 'The backup', ctx, vssWait(settings));
    await checkWriterStatus(vss, writer, 'while preparing for backup', ctx, settings);

    ctx.progress('Creating the shadow copy');
    await waitForVssAsync(vss.doSnapshotSet(), 'Creating the shadow copy', 'The backup', ctx, vssWait(settings));
    snapshotDone = { instanceId: writer.instanceId, refs };
    const snapshotTime = settings.now();
    await checkWriterStatus(vss, writer, 'while the shadow copy was created', ctx, settings);

    const devices = new Map<string, string>();
    const snapshotVolumes: { volume: string; snapshotId: string; deviceObject: string }[] = [];
    for (const volume of volumes) {
      const snapshotId = snapshotOfVolume.get(volumeNameKey(volume))!;
      const props = vss.getSnapshotProperties(snapshotId);
      log.log('info', `Snapshot ${snapshotId} of ${volume}: device ${props.snapshotDeviceObject}`);
      if (!props.snapshotDeviceObject) throw new EngineError('WRITER_FAILED', `VSS returned no device for the shadow copy of ${volume}.`);
      devices.set(volumeNameKey(volume), props.snapshotDeviceObject);
      snapshotVolumes.push({ volume, snapshotId, deviceObject: props.snapshotDeviceObject });
    }

    ctx.progress('Listing the files in the shadow copy');
    const jobs: CopyJob[] = [];
    for (const [index, sets] of fileSets.entries()) {
      const componentFolder = writer.components[index].componentName || `component-${index + 1}`;
      for (const set of sets) {
        const { volumeName, mountPoint } = setVolumes.get(set.path)!;
        const found = await listFileSet(set, { device: devices.get(volumeNameKey(volumeName))!, mountPoint }, excludes);
        if (found.length === 0) log.log('warn', `No file in the shadow copy matches ${set.path} ${set.filespec}${set.recursive ? ' (recursive)' : ''}.`);
        for (const f of found) jobs.push({ source: f.snapshotPath, originalPath: f.originalPath, segments: [componentFolder, ...f.relativeSegments], component: index });
      }
    }
    if (jobs.length === 0) {
      throw new EngineError('WRITER_FAILED', 'None of the Cluster Database writer\'s file sets matched a file in the shadow copy; nothing could be backed up.');
    }

    const time = snapshotTime.toISOString();
    setWriter = await BackupSetWriter.create(destination, backupSetName(cluster.name, status.machine, snapshotTime));
    await setWriter.addDocument('writerMetadata', writer.metadataXml);
    const files = await copyFiles(setWriter, jobs, ctx);

    ctx.progress('Completing the backup');
    for (const ref of refs) vss.setBackupSucceeded(writer.instanceId, ref, true);
    completeCalled = true;
    await waitForVssAsync(vss.backupComplete(), 'Completing the backup', 'The backup', ctx, vssWait(settings));
    await checkWriterStatus(vss, writer, 'while completing the backup', ctx, settings);
    const backupComponentsXml = vss.saveAsXml();
    await setWriter.addDocument('backupComponents', backupComponentsXml);

    ctx.progress('Writing the manifest');
    const components: ManifestComponent[] = writer.components.map((c) => ({
      logicalPath: c.logicalPath, name: c.componentName, type: c.type === VssComponentType.Database ? 'database' : 'filegroup',
    }));
    const { path: setPath } = await setWriter.commit({
      schemaVersion: 1,
      toolVersion: toolVersion(),
      kind: 'vss-cluster-writer',
      time,
      cluster: { name: cluster.name, version: cluster.version },
      node: status.machine,
      // The nodes at backup time: an authoritative restore checks them when the cluster answers nowhere.
      nodes: status.nodes.map((n) => n.name),
      ...(settings.reason === undefined ? {} : { reason: settings.reason }),
      writer: {
        id: writer.writerId, instanceId: writer.instanceId, name: writer.name,
        restoreMethod: writer.restoreMethod, restoreService: writer.restoreService, backupSchema: writer.backupSchema,
      },
      components,
      snapshot: { setId, volumes: snapshotVolumes },
    });
    finished = true;
    return { path: setPath, kind: 'vss-cluster-writer', cluster: cluster.name, node: status.machine, time, files: toEntries(files) };
  } catch (err) {
    if (vss && initialized && !finished && snapshotDone) {
      if (!completeCalled) await completeFailedBackup(vss, snapshotDone.instanceId, snapshotDone.refs, ctx, settings);
    } else if (vss && initialized && !finished) {
      try {
        vss.abortBackup();
        log.log('info', 'The VSS backup was aborted (AbortBackup).');
      } catch (abortErr) {
        log.log('warn', `AbortBackup failed: ${errorMessage(abortErr)}`);
      }
    }
    if (setWriter) {
      try {
        await setWriter.discard();
      } catch (discardErr) {
        log.log('warn', `Could not remove the unfinished backup set ${setWriter.partialPath}: ${errorMessage(discardErr)}`);
      }
    }
    throw err;
  } finally {
    // Releasing the object deletes the (non-persistent) shadow copy.
    vss?.release();
  }
}

/**
 * A backup that fails after DoSnapshotSet returned: AbortBackup is for a backup ended between
 * StartSnapshotSet and DoSnapshotSet's return (and is ignored when no such operation is under
 * way), so the writer is told instead that each component's backup failed
 * (SetBackupSucceeded(false)) and the backup ends with BackupComplete — the order the VSS
 * backup sequence gives (docs/windows.md, "VSS backup sequence"). Not cancellable: the
 * failure may itself be a cancellation, and the writer must hear the end either way.
 */
async function completeFailedBackup(vss: VssBackupComponents, instanceId: Guid, refs: readonly ComponentRef[], ctx: OperationContext, settings: Settings): Promise<void> {
  const log = ctx.logger;
  for (const ref of refs) {
    try {
      vss.setBackupSucceeded(instanceId, ref, false);
    } catch (err) {
      log.log('warn', `SetBackupSucceeded(false) for "${ref.componentName}" failed: ${errorMessage(err)}`);
    }
  }
  try {
    const uncancellable: OperationContext = { ...ctx, signal: new AbortController().signal };
    await waitForVssAsync(vss.backupComplete(), 'Ending the failed backup', 'The backup', uncancellable, vssWait(settings));
    log.log('info', 'The writer was told the backup failed (SetBackupSucceeded false, then BackupComplete).');
  } catch (err) {
    log.log('warn', `BackupComplete after the failed backup failed: ${errorMessage(err)}`);
  }
}

/**
 * A failing Windows call names the API and the code; the person reading it also needs to
 * know that nothing was kept and where to look next. The error keeps its type, API and code.
 */
function withVssAdvice(err: unknown): unknown {
  if (err instanceof NativeError) {
    err.message = `${err.message}. The backup was stopped and nothing was kept. Check that the Volume Shadow Copy service runs, ` +
      '`vssadmin list writers` and the Application event log, then try again.';
  }
  return err;
}

/** Finds the Cluster Database writer among the gathered writers and reads what the backup needs from it. */
function readClusterWriter(vss: VssBackupComponents, ctx: OperationContext): SelectedWriter {
  const selected = readClusterDatabaseWriter(vss, ctx, (metadata, identity, instanceId) =>
    describeWriter(metadata, instanceId, identity.writerId, identity.writerName, ctx));
  if (!selected) {
    throw new EngineError('WRITER_NOT_FOUND',
      `The ${CLUSTER_DATABASE_WRITER_NAME} VSS writer (${CLUSTER_DATABASE_WRITER_ID}) is not running; ` +
      'check `vssadmin list writers` and that the cluster service is running, then try again.');
  }
  return selected.value;
}

function describeWriter(metadata: VssExamineWriterMetadata, instanceId: Guid, writerId: Guid, name: string, ctx: OperationContext): SelectedWriter {
  const metadataXml = metadata.saveAsXml();
  const components = metadata.describeComponents();
  const counts = metadata.getFileCounts();
  const excludes: FileDescription[] = [];
  for (let i = 0; i < counts.excludeFiles; i++) excludes.push(metadata.getExcludeFile(i));
  const method = metadata.getRestoreMethod();
  ctx.logger.log('info', `Restore method: ${restoreMethodName(method.method)}${method.service ? `, service ${method.service}` : ''}.`);
  const backupSchema = metadata.getBackupSchema();
  for (const c of components) {
    ctx.logger.log('info', `Component "${c.logicalPath}\\${c.componentName}" (${c.type === VssComponentType.Database ? 'database' : 'filegroup'}): ` +
      c.files.map((f) => `${f.path} ${f.filespec}${f.recursive ? ' (recursive)' : ''}`).join('; '));
  }
  if (components.length === 0) throw new EngineError('WRITER_FAILED', `The ${CLUSTER_DATABASE_WRITER_NAME} writer reported no components.`);
  return { instanceId, writerId, name: name || CLUSTER_DATABASE_WRITER_NAME, metadataXml, components, excludes, restoreMethod: method.method, restoreService: method.service, backupSchema };
}

interface ExpandedFileSet {
  path: string;
  filespec: string;
  recursive: boolean;
  style: PathStyle;
}

function expandFileSet(set: FileDescription, env: Record<string, string | undefined>): ExpandedFileSet {
  const expanded = expandEnvironmentVariables(set.path, env);
  if (!isAbsolutePath(expanded)) {
    throw new EngineError('WRITER_FAILED', `The ${CLUSTER_DATABASE_WRITER_NAME} writer reported a file set with a path that is not absolute: ${JSON.stringify(set.path)}.`);
  }
  const style = pathStyle(expanded);
  // A folder path without its trailing separator, except a volume root ("C:\", "/").
  const trimmed = expanded.replace(style === 'windows' ? /[\\/]+$/ : /\/+$/, '');
  const folder = relativeToVolume(expanded) === '' ? volumeOf(expanded) : trimmed;
  return { path: folder, filespec: expandEnvironmentVariables(set.filespec, env), recursive: set.recursive, style };
}

interface FoundFile {
  originalPath: string;
  snapshotPath: string;
  /** Path segments below the file set's folder (sub-folders for recursive sets, then the name). */
  relativeSegments: string[];
}

/** The shadow copy of a volume: its device object and where the original volume is mounted. */
interface SnapshotOfVolume {
  device: string;
  mountPoint: string;
}

/** The files of one file set as they are in the shadow copy (point in time), minus the writer's exclusions. */
async function listFileSet(set: ExpandedFileSet, snapshot: SnapshotOfVolume, excludes: ExpandedFileSet[]): Promise<FoundFile[]> {
  const found: FoundFile[] = [];
  const { device, mountPoint } = snapshot;
  const visit = async (originalDir: string, segments: string[]): Promise<void> => {
    const inSnapshot = snapshotPath(device, originalDir, mountPoint);
    let entries;
    try {
      entries = await fsp.readdir(inSnapshot, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const original = joinPath(set.style, originalDir, e.name);
      if (e.isFile() && matchesFilespec(e.name, set.filespec) && !isExcluded(original, excludes)) {
        found.push({ originalPath: original, snapshotPath: snapshotPath(device, original, mountPoint), relativeSegments: [...segments, e.name] });
      } else if (e.isDirectory() && set.recursive) {
        await visit(original, [...segments, e.name]);
      }
    }
  };
  await visit(set.path, []);
  return found;
}

/** Whether the writer excludes this file: the exclusion's folder (or, when recursive, a folder below it) and its filespec. */
function isExcluded(originalPath: string, excludes: ExpandedFileSet[]): boolean {
  const style = pathStyle(originalPath);
  const sep = separatorOf(style);
  const canonical = (p: string): string => (style === 'windows' ? p.replace(/\//g, '\\').toUpperCase() : p);
  const cut = Math.max(originalPath.lastIndexOf('/'), style === 'windows' ? originalPath.lastIndexOf('\\') : -1);
  const name = originalPath.slice(cut + 1);
  const dir = canonical(originalPath.slice(0, cut + 1)).replace(/[\\/]+$/, '');
  return excludes.some((x) => {
    if (x.style !== style || !matchesFilespec(name, x.filespec)) return false;
    const xdir = canonical(x.path).replace(/[\\/]+$/, '');
    return dir === xdir || (x.recursive && dir.startsWith(xdir + sep));
  });
}

/** StartSnapshotSet, retried with backoff while another snapshot set is being created. */
async function startSnapshotSet(vss: VssBackupComponents, ctx: OperationContext, settings: Settings): Promise<Guid> {
  let delay = settings.retry.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      const id = vss.startSnapshotSet();
      ctx.logger.log('info', `Snapshot set ${id} started.`);
      return id;
    } catch (err) {
      const busy = err instanceof NativeError && err.code === VSS_E_SNAPSHOT_SET_IN_PROGRESS;
      if (!busy || attempt >= settings.retry.attempts) throw err;
      ctx.logger.log('warn', `Another shadow copy is being created (VSS_E_SNAPSHOT_SET_IN_PROGRESS); retrying in ${delay} ms (attempt ${attempt + 1} of ${settings.retry.attempts}).`);
      ctx.progress(`Waiting for another shadow copy to finish (attempt ${attempt + 1} of ${settings.retry.attempts})`);
      await sleep(delay, ctx.signal);
      throwIfCancelled(ctx.signal, 'The backup');
      delay = Math.min(delay * 2, settings.retry.maxDelayMs);
    }
  }
}

function vssWait(settings: Settings): VssWaitPolicy {
  return { poll: settings.poll, timeoutMs: settings.asyncTimeoutMs };
}

/** GatherWriterStatus + the Cluster Database writer's state; a failed writer ends the backup (WRITER_FAILED), and nothing is kept. */
async function checkWriterStatus(vss: VssBackupComponents, writer: WriterKey, stage: string, ctx: OperationContext, settings: Settings): Promise<void> {
  try {
    await checkVssWriterStatus(vss, writer, stage, 'The backup', ctx, vssWait(settings));
  } catch (err) {
    if (err instanceof EngineError && err.code === 'WRITER_FAILED') err.message = `${err.message} Nothing was kept.`;
    throw err;
  }
}
