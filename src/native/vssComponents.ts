/**
 * The components of a Backup Components Document as a requester sees them during a
 * restore (docs/windows.md, COM vtable slots): IVssWriterComponentsExt and IVssComponent.
 *
 * IVssWriterComponentsExt is `IVssWriterComponents, IUnknown` in C++ multiple
 * inheritance: the object starts with the IVssWriterComponents vtable (no IUnknown
 * methods; GetComponentCount/GetWriterInfo/GetComponent at slots 0–2, called with
 * this = obj), and the IUnknown vtable sits at obj+8 (Release is called with this = obj+8).
 */
import { ComObject, defineInterface, guidFromStruct, type ComPtr, type Guid, type GuidStruct } from './com';
import { takeBstrOutputs } from './oleaut32';
import { IID_IVssComponentEx } from './vssTypes';
import { describeFiledesc, type FileDescription } from './vssWriterMetadata';

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
  IsSelectedForRestore: [14, '_Out_ uint8_t *selected'],
  GetNewTargetCount: [16, '_Out_ uint32_t *count'],
  GetNewTarget: [17, 'uint32_t index, _Out_ void **filedesc'],
  GetDirectedTargetCount: [19, '_Out_ uint32_t *count'],
  GetDirectedTarget: [20,
    'uint32_t index, _Out_ void **sourcePath, _Out_ void **sourceFileName, _Out_ void **sourceRangeList, ' +
    '_Out_ void **destinationPath, _Out_ void **destinationFilename, _Out_ void **destinationRangeList'],
  GetRestoreTarget: [24, '_Out_ uint32_t *target'],
  GetPreRestoreFailureMsg: [26, '_Out_ void **message'],
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

  /** The logical path ('' for a component at the root; the writer may answer S_FALSE with NULL). */
  getLogicalPath(): string {
    return this.callForBstr(IVssComponent.GetLogicalPath) ?? '';
  }

  getComponentName(): string {
    return this.callForBstr(IVssComponent.GetComponentName) ?? '';
  }

  /** VSS_COMPONENT_TYPE. */
  getComponentType(): number {
    return this.callForUint32(IVssComponent.GetComponentType);
  }

  getBackupSucceeded(): boolean {
    return this.callForFlag(IVssComponent.GetBackupSucceeded);
  }

  isSelectedForRestore(): boolean {
    return this.callForFlag(IVssComponent.IsSelectedForRestore);
  }

  /** VSS_RESTORE_TARGET, as the writer set it (read it after PreRestore). */
  getRestoreTarget(): number {
    return this.callForUint32(IVssComponent.GetRestoreTarget);
  }

  /** VSS_FILE_RESTORE_STATUS. */
  getFileRestoreStatus(): number {
    return this.callForUint32(IVssComponent.GetFileRestoreStatus);
  }

  getPreRestoreFailureMessage(): string | null {
    return this.callForBstr(IVssComponent.GetPreRestoreFailureMsg);
  }

  getNewTargets(): FileDescription[] {
    const count = this.callForUint32(IVssComponent.GetNewTargetCount);
    const targets: FileDescription[] = [];
    for (let i = 0; i < count; i++) targets.push(describeFiledesc(this.callForPointer(IVssComponent.GetNewTarget, i)));
    return targets;
  }

  getDirectedTargets(): DirectedTarget[] {
    const count = this.callForUint32(IVssComponent.GetDirectedTargetCount);
    const targets: DirectedTarget[] = [];
    for (let i = 0; i < count; i++) {
      const text = takeBstrOutputs(6, (...outs) => this.call(IVssComponent.GetDirectedTarget, i, ...outs)).map((t) => t ?? '');
      targets.push({
        sourcePath: text[0], sourceFileName: text[1], sourceRangeList: text[2],
        destinationPath: text[3], destinationFileName: text[4], destinationRangeList: text[5],
      });
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
    return this.callForFlag(IVssComponentEx.GetAuthoritativeRestore);
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
    return this.callForUint32(IVssWriterComponentsExt.GetComponentCount);
  }

  getWriterInfo(): { instanceId: Guid; writerId: Guid } {
    const instance: Partial<GuidStruct> = {};
    const writer: Partial<GuidStruct> = {};
    this.call(IVssWriterComponentsExt.GetWriterInfo, instance, writer);
    return { instanceId: guidFromStruct(instance as GuidStruct), writerId: guidFromStruct(writer as GuidStruct) };
  }

  /** The component at `index`; the caller releases it. */
  getComponent(index: number): VssComponent {
    return new VssComponent(this.callForPointer(IVssWriterComponentsExt.GetComponent, index >>> 0));
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
