/**
 * A writer's metadata (docs/windows.md: COM vtable slots, VSS structures): IVssExamineWriterMetadata,
 * its components (IVssWMComponent with VSS_COMPONENTINFO) and their file sets
 * (IVssWMFiledesc). Each wrapper owns one reference; each BSTR it receives is read and
 * freed before the method returns.
 */
import koffi from 'koffi';
import {
  ComObject, defineInterface, guidFromStruct, readPointer, type ComPtr, type Guid, type GuidStruct,
} from './com';
import { readBstr, takeBstrOutputs } from './oleaut32';
import { createVssExamineWriterMetadataPointer } from './vssapi';

const IVssExamineWriterMetadata = defineInterface('IVssExamineWriterMetadata', {
  GetIdentity: [3, '_Out_ fcb_GUID *instance, _Out_ fcb_GUID *writer, _Out_ void **name, _Out_ uint32_t *usage, _Out_ uint32_t *source'],
  GetFileCounts: [4, '_Out_ uint32_t *include, _Out_ uint32_t *exclude, _Out_ uint32_t *components'],
  GetExcludeFile: [6, 'uint32_t index, _Out_ void **filedesc'],
  GetComponent: [7, 'uint32_t index, _Out_ void **component'],
  GetRestoreMethod: [8,
    '_Out_ uint32_t *method, _Out_ void **service, _Out_ void **userProcedure, _Out_ uint32_t *writerRestore, ' +
    '_Out_ uint8_t *rebootRequired, _Out_ uint32_t *mappings'],
  GetBackupSchema: [10, '_Out_ uint32_t *schema'],
  SaveAsXML: [12, '_Out_ void **xml'],
});

const IVssWMComponent = defineInterface('IVssWMComponent', {
  GetComponentInfo: [3, '_Out_ void **info'],
  FreeComponentInfo: [4, 'void *info'],
  GetFile: [5, 'uint32_t index, _Out_ void **filedesc'],
  GetDatabaseFile: [6, 'uint32_t index, _Out_ void **filedesc'],
  GetDatabaseLogFile: [7, 'uint32_t index, _Out_ void **filedesc'],
});

const IVssWMFiledesc = defineInterface('IVssWMFiledesc', {
  GetPath: [3, '_Out_ void **path'],
  GetFilespec: [4, '_Out_ void **filespec'],
  GetRecursive: [5, '_Out_ uint8_t *recursive'],
  GetAlternateLocation: [6, '_Out_ void **alternateLocation'],
});

export interface WriterIdentity {
  instanceId: Guid;
  writerId: Guid;
  writerName: string;
  usage: number;
  source: number;
}

export interface WriterFileCounts {
  includeFiles: number;
  excludeFiles: number;
  components: number;
}

export interface WriterRestoreMethod {
  /** VSS_RESTOREMETHOD_ENUM (VSS_RME_RESTORE_STOP_START = 8 for the Cluster Database writer). */
  method: number;
  /** The service to stop/start (expected "ClusSvc"); null when the writer names none. */
  service: string | null;
  userProcedure: string | null;
  /** VSS_WRITERRESTORE_ENUM. */
  writerRestore: number;
  rebootRequired: boolean;
  mappings: number;
}

/** A file set: `path` + `filespec` (may hold * and ?), optionally recursive. */
export interface FileDescription {
  path: string;
  filespec: string;
  recursive: boolean;
  alternateLocation: string | null;
}

/** VSS_COMPONENTINFO (§2.12), with its BSTRs read. */
export interface ComponentInfo {
  type: number;
  logicalPath: string;
  componentName: string;
  caption: string;
  restoreMetadata: boolean;
  notifyOnBackupComplete: boolean;
  selectable: boolean;
  selectableForRestore: boolean;
  componentFlags: number;
  fileCount: number;
  databases: number;
  logFiles: number;
  dependencies: number;
}

export class VssWMFiledesc extends ComObject {
  constructor(ptr: ComPtr) {
    super('IVssWMFiledesc', ptr);
  }

  getPath(): string {
    return this.callForBstr(IVssWMFiledesc.GetPath) ?? '';
  }

  getFilespec(): string {
    return this.callForBstr(IVssWMFiledesc.GetFilespec) ?? '';
  }

  getRecursive(): boolean {
    return this.callForFlag(IVssWMFiledesc.GetRecursive);
  }

  /** S_FALSE with a NULL BSTR when there is none. */
  getAlternateLocation(): string | null {
    return this.callForBstr(IVssWMFiledesc.GetAlternateLocation);
  }

  describe(): FileDescription {
    return {
      path: this.getPath(),
      filespec: this.getFilespec(),
      recursive: this.getRecursive(),
      alternateLocation: this.getAlternateLocation(),
    };
  }
}

/** Describes the IVssWMFiledesc a call handed out and releases it. */
export function describeFiledesc(ptr: ComPtr): FileDescription {
  const desc = new VssWMFiledesc(ptr);
  try {
    return desc.describe();
  } finally {
    desc.release();
  }
}

const COMPONENTINFO_SIZE = 72;

export class VssWMComponent extends ComObject {
  constructor(ptr: ComPtr) {
    super('IVssWMComponent', ptr);
  }

  /** GetComponentInfo, read at the §2.12 offsets, always followed by FreeComponentInfo. */
  getComponentInfo(): ComponentInfo {
    const info = this.callForPointer(IVssWMComponent.GetComponentInfo);
    let result: ComponentInfo;
    try {
      const raw = Buffer.from(koffi.decode(info, 'uint8_t', COMPONENTINFO_SIZE) as Uint8Array);
      const bstrAt = (offset: number): string => {
        const p = readPointer(info, offset);
        return p === null ? '' : readBstr(p);
      };
      result = {
        type: raw.readUInt32LE(0),
        logicalPath: bstrAt(8),
        componentName: bstrAt(16),
        caption: bstrAt(24),
        restoreMetadata: raw[44] !== 0,
        notifyOnBackupComplete: raw[45] !== 0,
        selectable: raw[46] !== 0,
        selectableForRestore: raw[47] !== 0,
        componentFlags: raw.readUInt32LE(48),
        fileCount: raw.readUInt32LE(52),
        databases: raw.readUInt32LE(56),
        logFiles: raw.readUInt32LE(60),
        dependencies: raw.readUInt32LE(64),
      };
    } catch (err) {
      // Free the block anyway, but report what failed first.
      try {
        this.call(IVssWMComponent.FreeComponentInfo, info);
      } catch {
        // the original failure is the one to report
      }
      throw err;
    }
    this.call(IVssWMComponent.FreeComponentInfo, info);
    return result;
  }

  private filedesc(method: (typeof IVssWMComponent)['GetFile'], index: number): FileDescription {
    return describeFiledesc(this.callForPointer(method, index >>> 0));
  }

  getFile(index: number): FileDescription {
    return this.filedesc(IVssWMComponent.GetFile, index);
  }

  getDatabaseFile(index: number): FileDescription {
    return this.filedesc(IVssWMComponent.GetDatabaseFile, index);
  }

  getDatabaseLogFile(index: number): FileDescription {
    return this.filedesc(IVssWMComponent.GetDatabaseLogFile, index);
  }

  /** Every file set of the component: GetFile for cFileCount, GetDatabaseFile/GetDatabaseLogFile for databases. */
  getAllFiles(info: ComponentInfo): FileDescription[] {
    const files: FileDescription[] = [];
    for (let i = 0; i < info.fileCount; i++) files.push(this.getFile(i));
    for (let i = 0; i < info.databases; i++) files.push(this.getDatabaseFile(i));
    for (let i = 0; i < info.logFiles; i++) files.push(this.getDatabaseLogFile(i));
    return files;
  }
}

/** A component with its info and file sets, read in one go. */
export interface WriterComponentDescription extends ComponentInfo {
  files: FileDescription[];
}

export class VssExamineWriterMetadata extends ComObject {
  constructor(ptr: ComPtr) {
    super('IVssExamineWriterMetadata', ptr);
  }

  /** Loads a saved Writer Metadata Document (CreateVssExamineWriterMetadataInternal). */
  static fromXml(xml: string): VssExamineWriterMetadata {
    return new VssExamineWriterMetadata(createVssExamineWriterMetadataPointer(xml));
  }

  getIdentity(): WriterIdentity {
    const instance: Partial<GuidStruct> = {};
    const writer: Partial<GuidStruct> = {};
    const usage = [0];
    const source = [0];
    const [writerName] = takeBstrOutputs(1, (name) =>
      this.call(IVssExamineWriterMetadata.GetIdentity, instance, writer, name, usage, source));
    return {
      instanceId: guidFromStruct(instance as GuidStruct),
      writerId: guidFromStruct(writer as GuidStruct),
      writerName: writerName ?? '',
      usage: usage[0],
      source: source[0],
    };
  }

  getFileCounts(): WriterFileCounts {
    const include = [0];
    const exclude = [0];
    const components = [0];
    this.call(IVssExamineWriterMetadata.GetFileCounts, include, exclude, components);
    return { includeFiles: include[0], excludeFiles: exclude[0], components: components[0] };
  }

  getExcludeFile(index: number): FileDescription {
    return describeFiledesc(this.callForPointer(IVssExamineWriterMetadata.GetExcludeFile, index >>> 0));
  }

  /** The component at `index`; the caller releases it. */
  getComponent(index: number): VssWMComponent {
    return new VssWMComponent(this.callForPointer(IVssExamineWriterMetadata.GetComponent, index >>> 0));
  }

  /** Every component with its info and file sets (each IVssWMComponent released before returning). */
  describeComponents(): WriterComponentDescription[] {
    const { components } = this.getFileCounts();
    const result: WriterComponentDescription[] = [];
    for (let i = 0; i < components; i++) {
      const component = this.getComponent(i);
      try {
        const info = component.getComponentInfo();
        result.push({ ...info, files: component.getAllFiles(info) });
      } finally {
        component.release();
      }
    }
    return result;
  }

  getRestoreMethod(): WriterRestoreMethod {
    const method = [0];
    const writerRestore = [0];
    const reboot = [0];
    const mappings = [0];
    const [service, userProcedure] = takeBstrOutputs(2, (serviceOut, procedureOut) =>
      this.call(IVssExamineWriterMetadata.GetRestoreMethod, method, serviceOut, procedureOut, writerRestore, reboot, mappings));
    return {
      method: method[0],
      service,
      userProcedure,
      writerRestore: writerRestore[0],
      rebootRequired: reboot[0] !== 0,
      mappings: mappings[0],
    };
  }

  getBackupSchema(): number {
    return this.callForUint32(IVssExamineWriterMetadata.GetBackupSchema);
  }

  /** The Writer Metadata Document as XML (keep it with the backup; a restore needs it). */
  saveAsXml(): string {
    return this.callForBstr(IVssExamineWriterMetadata.SaveAsXML) ?? '';
  }
}
