/**
 * The components of a Backup Components Document as a requester sees them during a
 * restore (windows-api.md §2.10, §2.11): IVssWriterComponentsExt and IVssComponent.
 *
 * IVssWriterComponentsExt is `IVssWriterComponents, IUnknown` in C++ multiple
 * inheritance: the object starts with the IVssWriterComponents vtable (no IUnknown
 * methods; GetComponentCount/GetWriterInfo/GetComponent at slots 0–2, called with
 * this = obj), and the IUnknown vtable sits at obj+8 (Release is called with this = obj+8).
 */
import {
  ComObject, defineInterface, guidFromStruct, requirePointer, type ComPtr, type Guid, type GuidStruct,
} from './com';
import { takeBstr } from './oleaut32';
import { IID_IVssComponentEx } from './vssTypes';
import type { FileDescription } from './vssWriterMetadata';
import { VssWMFiledesc } from './vssWriterMetadata';

const IVssWriterComponentsExt = defineInterface('IVssWriterComponentsExt', {
  GetComponentCount: [0, '_Out_ uint32_t *count'],
  GetWriterInfo: [1, '_Out_ fcb_GUID *instanceId, _Out_ fcb_GUID *writerId'],
  GetComponent: [2, 'uint32_t index, _Out_ void **component'],
});

const IVssComponent = defineInterface('IVssComponent', {
  GetLogicalPath: [3, '_Out_ void **path'],
  GetComponentType: [4, '_Out_ uint32_t *type'],
  GetComponentName: [5, '_Out_ void **name'],
  GetBackupSucceeded: [6, '_Out_ uint8_t *succeeded'],
  GetBackupMetadata: [10, '_Out_ void **data'],
  IsSelectedForRestore: [14, '_Out_ uint8_t *selected'],
  GetAdditionalRestores: [15, '_Out_ uint8_t *additional'],
  GetNewTargetCount: [16, '_Out_ uint32_t *count'],
  GetNewTarget: [17, 'uint32_t index, _Out_ void **filedesc'],
  GetDirectedTargetCount: [19, '_Out_ uint32_t *count'],
  GetDirectedTarget: [20,
    'uint32_t index, _Out_ void **sourcePath, _Out_ void **sourceFileName, _Out_ void **sourceRangeList, ' +
    '_Out_ void **destinationPath, _Out_ void **destinationFilename, _Out_ void **destinationRangeList'],
  GetRestoreMetadata: [22, '_Out_ void **data'],
  GetRestoreTarget: [24, '_Out_ uint32_t *target'],
  GetPreRestoreFailureMsg: [26, '_Out_ void **message'],
  GetPostRestoreFailureMsg: [28, '_Out_ void **message'],
  GetBackupStamp: [30, '_Out_ void **stamp'],
  GetRestoreOptions: [33, '_Out_ void **options'],
  GetFileRestoreStatus: [36, '_Out_ uint32_t *status'],
});

const IVssComponentEx = defineInterface('IVssComponentEx', {
  GetAuthoritativeRestore: [45, '_Out_ uint8_t *auth'],
});

export interface DirectedTarget {
  sourcePath: string;
  sourceFileName: string;
  sourceRangeList: string;
  destinationPath: string;
  destinationFileName: string;
  destinationRangeList: string;
}

/** One component of the Backup Components Document. */
export class VssComponent extends ComObject {
  constructor(ptr: ComPtr) {
    super('IVssComponent', ptr);
  }

  private bstr(method: (typeof IVssComponent)['GetLogicalPath']): string | null {
    const out: (bigint | null)[] = [null];
    this.call(method, out);
    return takeBstr(out[0]);
  }

  private u32(method: (typeof IVssComponent)['GetComponentType']): number {
    const out = [0];
    this.call(method, out);
    return out[0] >>> 0;
  }

  private flag(method: (typeof IVssComponent)['GetBackupSucceeded']): boolean {
    const out = [0];
    this.call(method, out);
    return out[0] !== 0;
  }

  /** The logical path ('' for a component at the root; the writer may answer S_FALSE with NULL). */
  getLogicalPath(): string {
    return this.bstr(IVssComponent.GetLogicalPath) ?? '';
  }

  getComponentName(): string {
    return this.bstr(IVssComponent.GetComponentName) ?? '';
  }

  /** VSS_COMPONENT_TYPE. */
  getComponentType(): number {
    return this.u32(IVssComponent.GetComponentType);
  }

  getBackupSucceeded(): boolean {
    return this.flag(IVssComponent.GetBackupSucceeded);
  }

  getBackupMetadata(): string | null {
    return this.bstr(IVssComponent.GetBackupMetadata);
  }

  isSelectedForRestore(): boolean {
    return this.flag(IVssComponent.IsSelectedForRestore);
  }

  getAdditionalRestores(): boolean {
    return this.flag(IVssComponent.GetAdditionalRestores);
  }

  /** VSS_RESTORE_TARGET, as the writer set it (read it after PreRestore). */
  getRestoreTarget(): number {
    return this.u32(IVssComponent.GetRestoreTarget);
  }

  /** VSS_FILE_RESTORE_STATUS. */
  getFileRestoreStatus(): number {
    return this.u32(IVssComponent.GetFileRestoreStatus);
  }

  getRestoreMetadata(): string | null {
    return this.bstr(IVssComponent.GetRestoreMetadata);
  }

  getPreRestoreFailureMessage(): string | null {
    return this.bstr(IVssComponent.GetPreRestoreFailureMsg);
  }

  getPostRestoreFailureMessage(): string | null {
    return this.bstr(IVssComponent.GetPostRestoreFailureMsg);
  }

  getBackupStamp(): string | null {
    return this.bstr(IVssComponent.GetBackupStamp);
  }

  getRestoreOptions(): string | null {
    return this.bstr(IVssComponent.GetRestoreOptions);
  }

  getNewTargets(): FileDescription[] {
    const count = this.u32(IVssComponent.GetNewTargetCount);
    const targets: FileDescription[] = [];
    for (let i = 0; i < count; i++) {
      const out: (bigint | null)[] = [null];
      this.call(IVssComponent.GetNewTarget, i, out);
      const desc = new VssWMFiledesc(requirePointer(IVssComponent.GetNewTarget.qualifiedName, out));
      try {
        targets.push(desc.describe());
      } finally {
        desc.release();
      }
    }
    return targets;
  }

  getDirectedTargets(): DirectedTarget[] {
    const count = this.u32(IVssComponent.GetDirectedTargetCount);
    const targets: DirectedTarget[] = [];
    for (let i = 0; i < count; i++) {
      const outs: (bigint | null)[][] = [[null], [null], [null], [null], [null], [null]];
      try {
        this.call(IVssComponent.GetDirectedTarget, i, ...outs);
        const text = outs.map((o) => {
          const value = takeBstr(o[0]) ?? '';
          o[0] = null;
          return value;
        });
        targets.push({
          sourcePath: text[0], sourceFileName: text[1], sourceRangeList: text[2],
          destinationPath: text[3], destinationFileName: text[4], destinationRangeList: text[5],
        });
      } finally {
        for (const o of outs) takeBstr(o[0]);
      }
    }
    return targets;
  }

  /** IVssComponentEx::GetAuthoritativeRestore (slot 45) through QueryInterface. */
  getAuthoritativeRestore(): boolean {
    const ex = new VssComponentEx(this.queryInterfacePointer(IID_IVssComponentEx, 'IVssComponentEx'));
    try {
      return ex.getAuthoritativeRestore();
    } finally {
      ex.release();
    }
  }
}

class VssComponentEx extends ComObject {
  constructor(ptr: ComPtr) {
    super('IVssComponentEx', ptr);
  }

  getAuthoritativeRestore(): boolean {
    const out = [0];
    this.call(IVssComponentEx.GetAuthoritativeRestore, out);
    return out[0] !== 0;
  }
}

/** A component's identity as a restore selects it. */
export interface ComponentIdentity {
  logicalPath: string;
  componentName: string;
  componentType: number;
}

/** IVssWriterComponentsExt: one writer's components in the Backup Components Document. */
export class VssWriterComponents extends ComObject {
  constructor(ptr: ComPtr) {
    // IUnknown lives in the second vtable, at obj+8 (§2.10).
    super('IVssWriterComponentsExt', ptr, 8);
  }

  getComponentCount(): number {
    const out = [0];
    this.call(IVssWriterComponentsExt.GetComponentCount, out);
    return out[0] >>> 0;
  }

  getWriterInfo(): { instanceId: Guid; writerId: Guid } {
    const instance: Partial<GuidStruct> = {};
    const writer: Partial<GuidStruct> = {};
    this.call(IVssWriterComponentsExt.GetWriterInfo, instance, writer);
    return { instanceId: guidFromStruct(instance as GuidStruct), writerId: guidFromStruct(writer as GuidStruct) };
  }

  /** The component at `index`; the caller releases it. */
  getComponent(index: number): VssComponent {
    const out: (bigint | null)[] = [null];
    this.call(IVssWriterComponentsExt.GetComponent, index >>> 0, out);
    return new VssComponent(requirePointer(IVssWriterComponentsExt.GetComponent.qualifiedName, out));
  }

  /** Every component's identity (each IVssComponent released before returning). */
  listComponents(): ComponentIdentity[] {
    const count = this.getComponentCount();
    const list: ComponentIdentity[] = [];
    for (let i = 0; i < count; i++) {
      const component = this.getComponent(i);
      try {
        list.push({
          logicalPath: component.getLogicalPath(),
          componentName: component.getComponentName(),
          componentType: component.getComponentType(),
        });
      } finally {
        component.release();
      }
    }
    return list;
  }
}
