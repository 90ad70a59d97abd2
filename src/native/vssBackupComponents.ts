/**
 * IVssBackupComponents and IVssBackupComponentsEx2 (docs/windows.md, COM vtable slots): one
 * method per vtable slot the product uses, for the backup (§4.1) and the restore
 * (§4.2) sequences. Each method returns values or throws HResultError naming
 * `IVssBackupComponents::Method`; BSTRs are freed and sub-objects are handed out as
 * wrappers the caller releases. The object serves one operation and is released
 * (which deletes non-persistent shadow copies) when the operation ends.
 */
import koffi from 'koffi';
import {
  ComObject, defineInterface, GUID_NULL, guidFromBytes, guidFromStruct, guidToStruct, readPointer,
  type ComPtr, type Guid, type GuidStruct,
} from './com';
import { takeBstrOutputs, withBstr } from './oleaut32';
import { createVssBackupComponentsPointer, vssFreeSnapshotProperties } from './vssapi';
import { VssAsync } from './vssAsync';
import { VssWriterComponents } from './vssComponents';
import { IID_IVssBackupComponentsEx2, VssBackupType, VssComponentType, type VssFileRestoreStatus, type VssRestoreType } from './vssTypes';
import { VssExamineWriterMetadata } from './vssWriterMetadata';

const I = 'IVssBackupComponents';
const G = 'fcb_GUID';
const CT_PATH_NAME = `uint32_t ct, const char16_t *logicalPath, const char16_t *componentName`;

const IVssBackupComponents = defineInterface(I, {
  GetWriterComponentsCount: [3, '_Out_ uint32_t *count'],
  GetWriterComponents: [4, 'uint32_t index, _Out_ void **out'],
  InitializeForBackup: [5, 'void *bstrXml'],
  SetBackupState: [6, 'uint8_t selectComponents, uint8_t bootableSystemState, uint32_t backupType, uint8_t partialFileSupport'],
  InitializeForRestore: [7, 'void *bstrXml'],
  SetRestoreState: [8, 'uint32_t restoreType'],
  GatherWriterMetadata: [9, '_Out_ void **async'],
  GetWriterMetadataCount: [10, '_Out_ uint32_t *count'],
  GetWriterMetadata: [11, `uint32_t index, _Out_ ${G} *instanceId, _Out_ void **metadata`],
  FreeWriterMetadata: [12, ''],
  AddComponent: [13, `${G} instanceId, ${G} writerId, ${CT_PATH_NAME}`],
  PrepareForBackup: [14, '_Out_ void **async'],
  AbortBackup: [15, ''],
  GatherWriterStatus: [16, '_Out_ void **async'],
  GetWriterStatusCount: [17, '_Out_ uint32_t *count'],
  FreeWriterStatus: [18, ''],
  GetWriterStatus: [19,
    `uint32_t index, _Out_ ${G} *instanceId, _Out_ ${G} *writerId, _Out_ void **writerName, _Out_ uint32_t *state, _Out_ int32_t *failureHr`],
  SetBackupSucceeded: [20, `${G} instanceId, ${G} writerId, ${CT_PATH_NAME}, uint8_t succeeded`],
  SetSelectedForRestore: [22, `${G} writerId, ${CT_PATH_NAME}, uint8_t selected`],
  SaveAsXML: [26, '_Out_ void **xml'],
  BackupComplete: [27, '_Out_ void **async'],
  SetFileRestoreStatus: [30, `${G} writerId, ${CT_PATH_NAME}, uint32_t status`],
  PreRestore: [33, '_Out_ void **async'],
  PostRestore: [34, '_Out_ void **async'],
  SetContext: [35, 'int32_t context'],
  StartSnapshotSet: [36, `_Out_ ${G} *snapshotSetId`],
  AddToSnapshotSet: [37, `const char16_t *volumeName, ${G} providerId, _Out_ ${G} *snapshotId`],
  DoSnapshotSet: [38, '_Out_ void **async'],
  GetSnapshotProperties: [42, `${G} snapshotId, void *prop`],
  IsVolumeSupported: [44, `${G} providerId, const char16_t *volumeName, _Out_ int32_t *supported`],
});

const IVssBackupComponentsEx2 = defineInterface('IVssBackupComponentsEx2', {
  SetAuthoritativeRestore: [54, `${G} writerId, ${CT_PATH_NAME}, uint8_t auth`],
});

/** Names one component of one writer, as AddComponent/SetBackupSucceeded/SetSelectedForRestore take it. */
export interface ComponentRef {
  writerId: Guid;
  componentType: VssComponentType;
  /** "" for a component at the writer's root: passed as an empty string, not NULL (as the MS vshadow sample does). */
  logicalPath: string;
  componentName: string;
}

export interface WriterStatus {
  instanceId: Guid;
  writerId: Guid;
  writerName: string;
  /** VSS_WRITER_STATE. */
  state: number;
  failureHr: number;
}

/** VSS_SNAPSHOT_PROP (§2.12), with its strings read. */
export interface SnapshotProperties {
  snapshotId: Guid;
  snapshotSetId: Guid;
  snapshotsCount: number;
  snapshotDeviceObject: string;
  originalVolumeName: string;
  originatingMachine: string;
  serviceMachine: string;
  exposedName: string | null;
  exposedPath: string | null;
  providerId: Guid;
  attributes: number;
  creationTimestamp: bigint;
  status: number;
}

const SNAPSHOT_PROP_SIZE = 128;

export class VssBackupComponents extends ComObject {
  constructor(ptr: ComPtr) {
    super(I, ptr);
  }

  /** CreateVssBackupComponentsInternal: a new object for one backup or one restore. */
  static create(): VssBackupComponents {
    return new VssBackupComponents(createVssBackupComponentsPointer());
  }

  private asyncCall(method: (typeof IVssBackupComponents)['DoSnapshotSet']): VssAsync {
    return new VssAsync(this.callForPointer(method), method.qualifiedName);
  }

  // ---- backup ----

  /** InitializeForBackup(NULL) for a new backup, or with a saved document to continue one. */
  initializeForBackup(xml: string | null = null): void {
    withBstr(xml, (bstr) => this.call(IVssBackupComponents.InitializeForBackup, bstr));
  }

  setBackupState(selectComponents: boolean, bootableSystemState: boolean, backupType: VssBackupType, partialFileSupport = false): void {
    this.call(IVssBackupComponents.SetBackupState, selectComponents ? 1 : 0, bootableSystemState ? 1 : 0, backupType, partialFileSupport ? 1 : 0);
  }

  setContext(context: number): void {
    this.call(IVssBackupComponents.SetContext, context | 0);
  }

  gatherWriterMetadata(): VssAsync {
    return this.asyncCall(IVssBackupComponents.GatherWriterMetadata);
  }

  getWriterMetadataCount(): number {
    return this.callForUint32(IVssBackupComponents.GetWriterMetadataCount);
  }

  /** The metadata of the writer at `index`; the caller releases `metadata`. */
  getWriterMetadata(index: number): { instanceId: Guid; metadata: VssExamineWriterMetadata } {
    const instance: Partial<GuidStruct> = {};
    const metadata = new VssExamineWriterMetadata(this.callForPointer(IVssBackupComponents.GetWriterMetadata, index >>> 0, instance));
    return { instanceId: guidFromStruct(instance as GuidStruct), metadata };
  }

  freeWriterMetadata(): void {
    this.call(IVssBackupComponents.FreeWriterMetadata);
  }

  addComponent(instanceId: Guid, component: ComponentRef): void {
    this.call(IVssBackupComponents.AddComponent, guidToStruct(instanceId), guidToStruct(component.writerId),
      component.componentType, component.logicalPath, component.componentName);
  }

  /** StartSnapshotSet: the new snapshot set's id. */
  startSnapshotSet(): Guid {
    const id: Partial<GuidStruct> = {};
    this.call(IVssBackupComponents.StartSnapshotSet, id);
    return guidFromStruct(id as GuidStruct);
  }

  isVolumeSupported(volumeName: string, providerId: Guid = GUID_NULL): boolean {
    return this.callForFlag(IVssBackupComponents.IsVolumeSupported, guidToStruct(providerId), volumeName);
  }

  /** AddToSnapshotSet(volume, provider = GUID_NULL: VSS chooses): the snapshot's id. */
  addToSnapshotSet(volumeName: string, providerId: Guid = GUID_NULL): Guid {
    const id: Partial<GuidStruct> = {};
    this.call(IVssBackupComponents.AddToSnapshotSet, volumeName, guidToStruct(providerId), id);
    return guidFromStruct(id as GuidStruct);
  }

  prepareForBackup(): VssAsync {
    return this.asyncCall(IVssBackupComponents.PrepareForBackup);
  }

  doSnapshotSet(): VssAsync {
    return this.asyncCall(IVssBackupComponents.DoSnapshotSet);
  }

  gatherWriterStatus(): VssAsync {
    return this.asyncCall(IVssBackupComponents.GatherWriterStatus);
  }

  getWriterStatusCount(): number {
    return this.callForUint32(IVssBackupComponents.GetWriterStatusCount);
  }

  getWriterStatus(index: number): WriterStatus {
    const instance: Partial<GuidStruct> = {};
    const writer: Partial<GuidStruct> = {};
    const state = [0];
    const failure = [0];
    const [writerName] = takeBstrOutputs(1, (name) =>
      this.call(IVssBackupComponents.GetWriterStatus, index >>> 0, instance, writer, name, state, failure));
    return {
      instanceId: guidFromStruct(instance as GuidStruct),
      writerId: guidFromStruct(writer as GuidStruct),
      writerName: writerName ?? '',
      state: state[0] >>> 0,
      failureHr: failure[0] | 0,
    };
  }

  freeWriterStatus(): void {
    this.call(IVssBackupComponents.FreeWriterStatus);
  }

  /** GetWriterStatusCount + GetWriterStatus(i) for each writer + FreeWriterStatus (always, even on failure). */
  readWriterStatuses(): WriterStatus[] {
    let statuses: WriterStatus[];
    try {
      const count = this.getWriterStatusCount();
      statuses = [];
      for (let i = 0; i < count; i++) statuses.push(this.getWriterStatus(i));
    } catch (err) {
      // Free the list anyway, but report the call that failed first.
      try {
        this.freeWriterStatus();
      } catch {
        // the original failure is the one to report
      }
      throw err;
    }
    this.freeWriterStatus();
    return statuses;
  }

  /** GetSnapshotProperties, read at the §2.12 offsets; the strings are freed with VssFreeSnapshotPropertiesInternal. */
  getSnapshotProperties(snapshotId: Guid): SnapshotProperties {
    const prop = Buffer.alloc(SNAPSHOT_PROP_SIZE);
    this.call(IVssBackupComponents.GetSnapshotProperties, guidToStruct(snapshotId), prop);
    try {
      const str = (offset: number): string | null => {
        const p = readPointer(koffi.address(prop), offset);
        return p === null ? null : koffi.decode.string16(p);
      };
      return {
        snapshotId: guidFromBytes(prop, 0),
        snapshotSetId: guidFromBytes(prop, 16),
        snapshotsCount: prop.readInt32LE(32),
        snapshotDeviceObject: str(40) ?? '',
        originalVolumeName: str(48) ?? '',
        originatingMachine: str(56) ?? '',
        serviceMachine: str(64) ?? '',
        exposedName: str(72),
        exposedPath: str(80),
        providerId: guidFromBytes(prop, 88),
        attributes: prop.readInt32LE(104),
        creationTimestamp: prop.readBigInt64LE(112),
        status: prop.readUInt32LE(120),
      };
    } finally {
      vssFreeSnapshotProperties(prop);
    }
  }

  setBackupSucceeded(instanceId: Guid, component: ComponentRef, succeeded: boolean): void {
    this.call(IVssBackupComponents.SetBackupSucceeded, guidToStruct(instanceId), guidToStruct(component.writerId),
      component.componentType, component.logicalPath, component.componentName, succeeded ? 1 : 0);
  }

  backupComplete(): VssAsync {
    return this.asyncCall(IVssBackupComponents.BackupComplete);
  }

  /** The Backup Components Document. */
  saveAsXml(): string {
    return this.callForBstr(IVssBackupComponents.SaveAsXML) ?? '';
  }

  /** AbortBackup: ends a backup that will not complete (call it on every failure after InitializeForBackup). */
  abortBackup(): void {
    this.call(IVssBackupComponents.AbortBackup);
  }

  // ---- restore ----

  /** InitializeForRestore with the Backup Components Document saved at backup time. */
  initializeForRestore(backupComponentsXml: string): void {
    withBstr(backupComponentsXml, (bstr) => this.call(IVssBackupComponents.InitializeForRestore, bstr));
  }

  setRestoreState(restoreType: VssRestoreType): void {
    this.call(IVssBackupComponents.SetRestoreState, restoreType);
  }

  getWriterComponentsCount(): number {
    return this.callForUint32(IVssBackupComponents.GetWriterComponentsCount);
  }

  /** IVssWriterComponentsExt for the writer at `index`; the caller releases it. */
  getWriterComponents(index: number): VssWriterComponents {
    return new VssWriterComponents(this.callForPointer(IVssBackupComponents.GetWriterComponents, index >>> 0));
  }

  setSelectedForRestore(component: ComponentRef, selected: boolean): void {
    this.call(IVssBackupComponents.SetSelectedForRestore, guidToStruct(component.writerId), component.componentType,
      component.logicalPath, component.componentName, selected ? 1 : 0);
  }

  preRestore(): VssAsync {
    return this.asyncCall(IVssBackupComponents.PreRestore);
  }

  setFileRestoreStatus(component: ComponentRef, status: VssFileRestoreStatus): void {
    this.call(IVssBackupComponents.SetFileRestoreStatus, guidToStruct(component.writerId), component.componentType,
      component.logicalPath, component.componentName, status);
  }

  postRestore(): VssAsync {
    return this.asyncCall(IVssBackupComponents.PostRestore);
  }

  /** QueryInterface(IID_IVssBackupComponentsEx2); the caller releases the result (E_NOINTERFACE before Windows 7/2008 R2). */
  queryEx2(): VssBackupComponentsEx2 {
    return new VssBackupComponentsEx2(this.queryInterfacePointer(IID_IVssBackupComponentsEx2, 'IVssBackupComponentsEx2'));
  }
}

/** IVssBackupComponentsEx2: slots 0–50 are IVssBackupComponents'; it adds the authoritative-restore marking used here. */
export class VssBackupComponentsEx2 extends ComObject {
  constructor(ptr: ComPtr) {
    super('IVssBackupComponentsEx2', ptr);
  }

  /** Marks the component's restore as authoritative (slot 54); only during a restore, before PreRestore. */
  setAuthoritativeRestore(component: ComponentRef, authoritative: boolean): void {
    this.call(IVssBackupComponentsEx2.SetAuthoritativeRestore, guidToStruct(component.writerId), component.componentType,
      component.logicalPath, component.componentName, authoritative ? 1 : 0);
  }
}

export { VssBackupType, VssComponentType };
