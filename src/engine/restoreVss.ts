/**
 * The restore's side of VSS: the set's saved documents loaded and checked exactly as the
 * restore will use them — before anything is changed — and the restore session itself
 * (InitializeForRestore … PreRestore, then PostRestore), in the order of the restore
 * sequence ("Overview of Processing a Restore Under VSS",
 * learn.microsoft.com/windows/win32/vss/overview-of-processing-a-restore-under-vss).
 */
import { sameGuid } from '../native/com';
import { VssBackupComponents, type ComponentRef } from '../native/vssBackupComponents';
import {
  CLUSTER_DATABASE_WRITER_ID, VssComponentType, VssFileRestoreStatus, VssRestoreMethod, VssRestoreTarget, VssRestoreType,
  VSS_BS_AUTHORITATIVE_RESTORE, restoreMethodName,
} from '../native/vssTypes';
import { VssExamineWriterMetadata, type WriterRestoreMethod } from '../native/vssWriterMetadata';
import type { VerifiedBackupSet } from './backupSet';
import type { OperationContext } from './context';
import { EngineError, errorMessage } from './errors';
import { pathStyle } from './paths';
import { describeComponent, type DocumentComponent, type FileDescriptor } from './restorePlacement';
import { CLUSTER_DATABASE_WRITER, checkWriterStatus, readClusterDatabaseWriter, waitForVssAsync, type VssWaitPolicy } from './vssSession';
import path = require('node:path');

/** The restore methods this tool carries out, each in the order it means. */
export const SUPPORTED_RESTORE_METHODS: ReadonlySet<number> = new Set([VssRestoreMethod.RestoreStopStart, VssRestoreMethod.StopRestoreStart]);

/** The set's VSS documents, loaded and checked. */
export interface VssDocuments {
  backupComponentsXml: string;
  method: WriterRestoreMethod;
  schema: number;
  /** Every file descriptor of the writer's components at backup time. */
  descriptors: FileDescriptor[];
}

/**
 * Loads the Backup Components Document and the writer metadata the way the restore will:
 * the metadata through IVssExamineWriterMetadata (identity, restore method, components and
 * their files), the document through IVssBackupComponents::InitializeForRestore and its
 * writer components. Nothing on the node changes. Returns the documents, or the problems.
 */
export async function loadVssDocuments(set: VerifiedBackupSet, ctx: OperationContext): Promise<{ docs: VssDocuments | null; problems: string[] }> {
  const problems: string[] = [];
  let writerXml: string;
  let backupComponentsXml: string;
  try {
    writerXml = await set.readWriterMetadataXml();
    backupComponentsXml = await set.readBackupComponentsXml();
  } catch (err) {
    return { docs: null, problems: [errorMessage(err)] };
  }
  let saved: { method: WriterRestoreMethod; schema: number; writerId: string; descriptors: FileDescriptor[] } | undefined;
  let metadata: VssExamineWriterMetadata | undefined;
  try {
    metadata = VssExamineWriterMetadata.fromXml(writerXml);
    const identity = metadata.getIdentity();
    const descriptors = metadata.describeComponents().flatMap((c) => c.files.map((f) => ({ path: f.path, filespec: f.filespec, recursive: f.recursive })));
    saved = { method: metadata.getRestoreMethod(), schema: metadata.getBackupSchema(), writerId: identity.writerId, descriptors };
  } catch (err) {
    problems.push(`the writer metadata (writer-metadata.xml) cannot be loaded: ${errorMessage(err)}`);
  } finally {
    metadata?.release();
  }
  if (saved && !sameGuid(saved.writerId, CLUSTER_DATABASE_WRITER_ID)) {
    problems.push(`the writer metadata is not the Cluster Database writer's (${saved.writerId})`);
  }
  if (saved && saved.descriptors.length === 0) problems.push('the writer metadata names no file of the Cluster Database writer');

  const vss = VssBackupComponents.create();
  try {
    vss.initializeForRestore(backupComponentsXml);
    const components = readClusterWriterComponents(vss, false);
    if (components.length === 0) problems.push('the Backup Components Document (backup-components.xml) holds no component of the Cluster Database writer');
    const listed = set.manifest.components;
    for (const c of components) {
      if (!listed.some((m) => m.name === c.ref.componentName && m.logicalPath === c.ref.logicalPath)) {
        problems.push(`the Backup Components Document names component ${describeComponent(c.ref)}, which the manifest does not list`);
      }
    }
  } catch (err) {
    problems.push(`the Backup Components Document (backup-components.xml) cannot be loaded: ${errorMessage(err)}`);
  } finally {
    vss.release();
  }
  if (problems.length > 0 || !saved) return { docs: null, problems };
  ctx.logger.log('info', `Restore method of the Cluster Database writer: ${restoreMethodName(saved.method.method)}` +
    `${saved.method.service ? `, service ${saved.method.service}` : ''}${saved.method.rebootRequired ? ', reboot required' : ''}.`);
  return { docs: { backupComponentsXml, method: saved.method, schema: saved.schema, descriptors: saved.descriptors }, problems };
}

/** The Cluster Database writer's components in the document (with their restore targets once PreRestore ran). */
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
  if (name === '') return dir;
  return (pathStyle(dir) === 'windows' ? path.win32 : path.posix).join(dir, name);
}

const OPERATION = 'The restore';

/**
 * One VSS restore session: `open` runs up to PreRestore and returns the components with the
 * targets the writer chose; `finish` sends SetFileRestoreStatus(ALL) and PostRestore; `abort`
 * tells the writer the restore failed (SetFileRestoreStatus(FAILED), PostRestore) when
 * PreRestore had run. `release` always.
 */
export class VssRestoreSession {
  private readonly vss = VssBackupComponents.create();
  private components: DocumentComponent[] = [];
  private preRestored = false;
  private postRestoreSent = false;

  constructor(private readonly policy: VssWaitPolicy) {}

  /**
   * InitializeForRestore, GatherWriterMetadata (the running writer must be there: `onWriter`
   * receives its restore method and file descriptors), select the components (marked
   * authoritative when asked), PreRestore, writer status, and the targets read only now.
   */
  async open(docs: VssDocuments, authoritative: boolean, ctx: OperationContext,
    onWriter: (live: { method: WriterRestoreMethod; descriptors: FileDescriptor[] } | undefined) => void): Promise<DocumentComponent[]> {
    const vss = this.vss;
    ctx.progress('Initialising the VSS restore');
    vss.initializeForRestore(docs.backupComponentsXml);
    vss.setRestoreState(VssRestoreType.ByCopy);
    ctx.progress('Gathering writer metadata');
    await waitForVssAsync(vss.gatherWriterMetadata(), 'Gathering writer metadata', OPERATION, ctx, this.policy);
    const found = readClusterDatabaseWriter(vss, ctx, (metadata) => ({
      method: metadata.getRestoreMethod(),
      descriptors: metadata.describeComponents().flatMap((c) => c.files.map((f) => ({ path: f.path, filespec: f.filespec, recursive: f.recursive }))),
    }));
    onWriter(found?.value);

    this.components = readClusterWriterComponents(vss, false);
    if (this.components.length === 0) throw new EngineError('INVALID_SET', 'The Backup Components Document holds no component of the Cluster Database writer.');
    for (const c of this.components) {
      ctx.logger.log('info', `Selecting ${describeComponent(c.ref)} for restore.`);
      vss.setSelectedForRestore(c.ref, true);
    }
    if (authoritative) {
      if ((docs.schema & VSS_BS_AUTHORITATIVE_RESTORE) === 0) {
        ctx.logger.log('warn', 'The writer metadata does not announce VSS_BS_AUTHORITATIVE_RESTORE; marking the restore authoritative anyway, as the cluster documentation prescribes.');
      }
      const ex2 = vss.queryEx2();
      try {
        for (const c of this.components) {
          ctx.logger.log('info', `Marking ${describeComponent(c.ref)} for an authoritative restore.`);
          ex2.setAuthoritativeRestore(c.ref, true);
        }
      } finally {
        ex2.release();
      }
    }
    ctx.progress('PreRestore');
    await waitForVssAsync(vss.preRestore(), 'PreRestore', OPERATION, ctx, this.policy);
    this.preRestored = true;
    await checkWriterStatus(vss, CLUSTER_DATABASE_WRITER, 'after PreRestore', OPERATION, ctx, this.policy);
    // Writers may change the restore targets during PreRestore: read them only now.
    this.components = readClusterWriterComponents(vss, true);
    for (const c of this.components) {
      if (c.preRestoreFailure) ctx.logger.log('warn', `PreRestore message for ${describeComponent(c.ref)}: ${c.preRestoreFailure}`);
    }
    return this.components;
  }

  /**
   * SetFileRestoreStatus for each component, then PostRestore. A restore that went through is
   * VSS_RS_ALL — also when its files replace the live ones at the next restart, the way
   * VSS_RME_RESTORE_AT_REBOOT restores; a failed one VSS_RS_NONE when no file reached its location,
   * VSS_RS_FAILED when some did (abort; "VSS_FILE_RESTORE_STATUS enumeration").
   */
  async finish(ctx: OperationContext, beforePostRestore: () => void = () => undefined): Promise<void> {
    ctx.logger.log('info', 'SetFileRestoreStatus: VSS_RS_ALL.');
    for (const c of this.components) this.vss.setFileRestoreStatus(c.ref, VssFileRestoreStatus.All);
    beforePostRestore();
    ctx.progress('PostRestore');
    this.postRestoreSent = true;
    await waitForVssAsync(this.vss.postRestore(), 'PostRestore', OPERATION, ctx, this.policy);
    await checkWriterStatus(this.vss, CLUSTER_DATABASE_WRITER, 'after PostRestore', OPERATION, ctx, this.policy);
  }

  /**
   * After a failure: let the writer end its restore session. `restoredFilesLeft` says whether
   * restored files were left at their locations (VSS_RS_FAILED) or none were (VSS_RS_NONE).
   */
  async abort(ctx: OperationContext, restoredFilesLeft: boolean): Promise<void> {
    if (!this.preRestored || this.postRestoreSent) return;
    this.postRestoreSent = true;
    try {
      for (const c of this.components) this.vss.setFileRestoreStatus(c.ref, restoredFilesLeft ? VssFileRestoreStatus.Failed : VssFileRestoreStatus.None);
      await waitForVssAsync(this.vss.postRestore(), 'PostRestore', OPERATION, ctx, this.policy);
    } catch (err) {
      ctx.logger.log('warn', `Ending the writer's restore session after the failure: ${errorMessage(err)}`);
    }
  }

  release(): void {
    this.vss.release();
  }
}
