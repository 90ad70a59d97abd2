/**
 * Task Scheduler 2.0 through its COM API (taskschd.h; slots and sources in
 * docs/windows.md "Task Scheduler"): CoCreateInstance(CLSID_TaskScheduler) gives an
 * ITaskService; Connect, GetFolder, then ITaskFolder::RegisterTask with the task XML,
 * GetTask and DeleteTask; IRegisteredTask's properties. Bound by vtable slot like the
 * VSS interfaces; every method throws HResultError naming `Interface::Method`; BSTRs are
 * freed and every object is released by whoever obtained it.
 *
 * VARIANT parameters are passed by value (24 bytes on x64: vt, three reserved WORDs and
 * a 16-byte union): the Microsoft x64 convention then passes a pointer to a caller-owned
 * copy, which koffi does for a struct declared by value; Linux x86-64 passes it in memory.
 */
import koffi from 'koffi';
import type { TypeObject } from 'koffi';
import { ComObject, defineInterface, guidStructType, type ComPtr } from './com';
import { HResultError } from './errors';
import { coCreateInstance } from './ole32';
import { takeBstrOutputs, withBstr, type Bstr } from './oleaut32';
import {
  CLSCTX_INPROC_SERVER, CLSID_TaskScheduler, IID_ITaskService, TASK_STATE_NAMES, VT_BSTR, VT_EMPTY, dateFromOle,
  schedHresultName,
} from './taskschdTypes';

const VARIANT_TYPE_NAME = 'fcb_VARIANT';

let variantType: TypeObject | undefined;
/** The koffi VARIANT struct, registered as `fcb_VARIANT` (24 bytes, align 8). */
function variantStructType(): TypeObject {
  if (variantType) return variantType;
  try {
    variantType = koffi.type(VARIANT_TYPE_NAME);
  } catch {
    variantType = koffi.struct(VARIANT_TYPE_NAME, {
      vt: 'uint16_t', reserved1: 'uint16_t', reserved2: 'uint16_t', reserved3: 'uint16_t', value: 'uint64_t', record: 'uint64_t',
    });
  }
  if (koffi.sizeof(variantType) !== 24 || koffi.alignof(variantType) !== 8) {
    throw new Error(`koffi lays VARIANT out in ${koffi.sizeof(variantType)} bytes (align ${koffi.alignof(variantType)}); Windows uses 24 (align 8)`);
  }
  return variantType;
}

interface VariantValue { vt: number; reserved1: 0; reserved2: 0; reserved3: 0; value: bigint; record: bigint }

const EMPTY: VariantValue = { vt: VT_EMPTY, reserved1: 0, reserved2: 0, reserved3: 0, value: 0n, record: 0n };

function bstrVariant(bstr: Bstr | null): VariantValue {
  return bstr === null ? EMPTY : { ...EMPTY, vt: VT_BSTR, value: bstr };
}

const V = VARIANT_TYPE_NAME;

const ITaskService = defineInterface('ITaskService', {
  GetFolder: [7, 'void *path, _Out_ void **folder'],
  Connect: [10, `${V} server, ${V} user, ${V} domain, ${V} password`],
});

const ITaskFolder = defineInterface('ITaskFolder', {
  GetTask: [13, 'void *path, _Out_ void **task'],
  DeleteTask: [15, 'void *name, int32_t flags'],
  RegisterTask: [16, `void *path, void *xml, int32_t flags, ${V} user, ${V} password, int32_t logonType, ${V} sddl, _Out_ void **task`],
});

const IRegisteredTask = defineInterface('IRegisteredTask', {
  get_State: [9, '_Out_ int32_t *state'],
  get_LastRunTime: [15, '_Out_ double *time'],
  get_LastTaskResult: [16, '_Out_ int32_t *result'],
  get_NextRunTime: [18, '_Out_ double *time'],
  get_Xml: [20, '_Out_ void **xml'],
});

/** Makes the struct types the prototypes name known to koffi. */
function declareTypes(): void {
  guidStructType();
  variantStructType();
}

/** ComObject whose failures carry the SCHED_* name of the code, which the bridge's general table lacks. */
class TaskSchedulerObject extends ComObject {
  protected override call(method: Parameters<ComObject['call']>[0], ...args: unknown[]): number {
    try {
      return super.call(method, ...args);
    } catch (err) {
      if (err instanceof HResultError && err.codeName.startsWith('HRESULT_0x')) {
        throw new HResultError(err.api, err.code, schedHresultName(err.code));
      }
      throw err;
    }
  }
}

export class RegisteredTask extends TaskSchedulerObject {
  constructor(ptr: ComPtr) {
    super('IRegisteredTask', ptr);
  }

  /** The task's registered XML as the service returns it. */
  xml(): string {
    return takeBstrOutputs(1, (out) => this.call(IRegisteredTask.get_Xml, out))[0] ?? '';
  }

  /** TASK_STATE as a number. */
  state(): number {
    const out = [0];
    this.call(IRegisteredTask.get_State, out);
    return out[0];
  }

  stateName(): string {
    const s = this.state();
    return TASK_STATE_NAMES[s] ?? `state ${s}`;
  }

  /** null when the task never ran (Windows reports 1999-11-30). */
  lastRunTime(): Date | null {
    const out = [0];
    this.call(IRegisteredTask.get_LastRunTime, out);
    return dateFromOle(out[0]);
  }

  /** The last run's result: the program's exit code, or an HRESULT/SCHED_S_* code. */
  lastTaskResult(): number {
    const out = [0];
    this.call(IRegisteredTask.get_LastTaskResult, out);
    return out[0] | 0;
  }

  /** null when no run is scheduled (disabled, or no future trigger). */
  nextRunTime(): Date | null {
    const out = [0];
    this.call(IRegisteredTask.get_NextRunTime, out);
    return dateFromOle(out[0]);
  }
}

export class TaskFolder extends TaskSchedulerObject {
  constructor(ptr: ComPtr) {
    super('ITaskFolder', ptr);
  }

  /**
   * RegisterTask(path, xml, flags, user, password = empty, logonType, sddl = empty).
   * `user` is a VT_BSTR VARIANT, or VT_EMPTY for null.
   */
  registerTask(taskPath: string, xml: string, flags: number, user: string | null, logonType: number): RegisteredTask {
    declareTypes();
    return withBstr(taskPath, (pathBstr) => withBstr(xml, (xmlBstr) => withBstr(user, (userBstr) =>
      new RegisteredTask(this.callForPointer(ITaskFolder.RegisterTask, pathBstr, xmlBstr, flags, bstrVariant(userBstr), EMPTY, logonType, EMPTY)))));
  }

  /** The registered task at `taskPath`; HResultError with HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND) when there is none. */
  getTask(taskPath: string): RegisteredTask {
    return withBstr(taskPath, (bstr) => new RegisteredTask(this.callForPointer(ITaskFolder.GetTask, bstr)));
  }

  /** DeleteTask(name, 0): flags are reserved and must be 0. */
  deleteTask(taskPath: string): void {
    withBstr(taskPath, (bstr) => this.call(ITaskFolder.DeleteTask, bstr, 0));
  }
}

export class TaskService extends TaskSchedulerObject {
  private constructor(ptr: ComPtr) {
    super('ITaskService', ptr);
  }

  /** CoCreateInstance(CLSID_TaskScheduler, NULL, CLSCTX_INPROC_SERVER, IID_ITaskService); COM must be initialised. */
  static create(): TaskService {
    declareTypes();
    return new TaskService(coCreateInstance(CLSID_TaskScheduler, CLSCTX_INPROC_SERVER, IID_ITaskService));
  }

  /** Connect to this computer's Task Scheduler as the calling user (every VARIANT empty). */
  connect(): void {
    declareTypes();
    this.call(ITaskService.Connect, EMPTY, EMPTY, EMPTY, EMPTY);
  }

  /** The folder at `folderPath` ("\\" is the root). */
  getFolder(folderPath: string): TaskFolder {
    return withBstr(folderPath, (bstr) => new TaskFolder(this.callForPointer(ITaskService.GetFolder, bstr)));
  }
}

/** Runs `use` with a connected ITaskService and its root folder, releasing both afterwards. */
export function withTaskRootFolder<R>(use: (root: TaskFolder) => R): R {
  const service = TaskService.create();
  try {
    service.connect();
    const root = service.getFolder('\\');
    try {
      return use(root);
    } finally {
      root.release();
    }
  } finally {
    service.release();
  }
}
