/**
 * ole32.dll: COM initialisation for a VSS requester (docs/windows.md, COM runtime).
 *
 * COM state belongs to a thread, so the engine initialises COM on the thread that
 * makes the VSS calls (the engine process's main thread: every VSS call here is
 * synchronous and asynchronous operations are polled) and uninitialises it when the
 * operation ends. Process-wide call security is set right after the first successful
 * initialisation: a NULL security descriptor so that VSS and the writers can call
 * back into the requester, packet privacy, impersonation and static cloaking, as MS
 * recommends for requesters on Windows 8 / Server 2012 and later.
 */
import { lazyBindings } from './loader';
import { HResultError } from './errors';
import { ComObject, defineInterface, guidStructType, guidToStruct, requirePointer, traceCall, type ComPtr, type Guid } from './com';

const api = lazyBindings('ole32', (lib) => ({
  CoInitializeEx: lib.func('int32_t CoInitializeEx(void *reserved, uint32_t coinit)'),
  CoInitializeSecurity: lib.func(
    'int32_t CoInitializeSecurity(void *secDesc, int32_t cAuthSvc, void *authSvc, void *reserved1, uint32_t authnLevel, ' +
      'uint32_t impLevel, void *authList, uint32_t capabilities, void *reserved3)'),
  CoUninitialize: lib.func('void CoUninitialize()'),
  CoTaskMemFree: lib.func('void CoTaskMemFree(void *block)'),
  CoCreateInstance: (guidStructType(), lib.func(
    'int32_t CoCreateInstance(const fcb_GUID *rclsid, void *outer, uint32_t clsContext, const fcb_GUID *riid, _Out_ void **out)')),
}));

export const COINIT_MULTITHREADED = 0x0;
export const COINIT_APARTMENTTHREADED = 0x2;
export const RPC_C_AUTHN_LEVEL_PKT_PRIVACY = 6;
export const RPC_C_IMP_LEVEL_IMPERSONATE = 3;
export const EOAC_STATIC_CLOAKING = 0x20;
export const S_OK = 0;
export const S_FALSE = 1;
export const RPC_E_CHANGED_MODE = 0x80010106 | 0;
export const RPC_E_TOO_LATE = 0x80010119 | 0;

/** What `initializeCom` did: whether `uninitializeCom` must balance it, and the security outcome. */
export interface ComSession {
  /** True when this call initialised COM on the thread (S_OK or S_FALSE): CoUninitialize must follow. */
  readonly mustUninitialize: boolean;
  readonly initHr: number;
  /** The CoInitializeSecurity result, or null when it was not called (already set in this process). */
  readonly securityHr: number | null;
}

/** Whether CoInitializeSecurity has succeeded since COM was last initialised from scratch in this process. */
let securitySet = false;

/**
 * CoInitializeEx(NULL, COINIT_MULTITHREADED) on the calling thread, then
 * CoInitializeSecurity once per process lifetime of COM. RPC_E_CHANGED_MODE (the
 * thread is already apartment-threaded) is accepted: COM is usable and we must not
 * uninitialise it. RPC_E_TOO_LATE from CoInitializeSecurity means security was
 * already set (by us or by the host) and is accepted too.
 *
 * When our CoUninitialize ended COM in the process, the next S_OK from CoInitializeEx
 * starts a new COM lifetime whose security is unset again, so it is set once more.
 */
export function initializeCom(): ComSession {
  const b = api();
  const initHr = b.CoInitializeEx(null, COINIT_MULTITHREADED) as number;
  traceCall('CoInitializeEx', initHr);
  if (initHr < 0 && initHr !== RPC_E_CHANGED_MODE) throw new HResultError('CoInitializeEx', initHr);
  const mustUninitialize = initHr >= 0;
  if (initHr === S_OK) securitySet = false;
  let securityHr: number | null = null;
  if (!securitySet) {
    try {
      securityHr = b.CoInitializeSecurity(
        null, -1, null, null, RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_IMP_LEVEL_IMPERSONATE, null, EOAC_STATIC_CLOAKING, null,
      ) as number;
      traceCall('CoInitializeSecurity', securityHr);
      if (securityHr < 0 && securityHr !== RPC_E_TOO_LATE) throw new HResultError('CoInitializeSecurity', securityHr);
      securitySet = true;
    } catch (err) {
      if (mustUninitialize) b.CoUninitialize();
      throw err;
    }
  }
  return { mustUninitialize, initHr, securityHr };
}

/** Balances `initializeCom`. Call it only after every COM object of the session is released. */
export function uninitializeCom(session: ComSession): void {
  if (session.mustUninitialize) {
    api().CoUninitialize();
    traceCall('CoUninitialize', 0);
  }
}

/** Runs `use` inside an initialised COM session and uninitialises afterwards. */
export async function withComSession<R>(use: (session: ComSession) => Promise<R>): Promise<R> {
  const session = initializeCom();
  try {
    return await use(session);
  } finally {
    uninitializeCom(session);
  }
}

/**
 * CoTaskMemFree: frees a block a COM call handed out through a `VSS_PWSZ *`-style
 * output (docs/windows.md, COM runtime; e.g. ExposeSnapshot). NULL is allowed and does nothing.
 */
export function coTaskMemFree(block: bigint | null): void {
  api().CoTaskMemFree(block);
}

/**
 * CoCreateInstance(clsid, NULL, clsContext, iid): a new object's interface pointer
 * (one reference, owned by the caller). Needs COM initialised on the calling thread
 * (combaseapi.h; used for CLSID_TaskScheduler, see docs/windows.md "Task Scheduler").
 */
export function coCreateInstance(clsid: Guid, clsContext: number, iid: Guid): ComPtr {
  const name = 'CoCreateInstance';
  const out: (bigint | null)[] = [null];
  const hr = api().CoCreateInstance(guidToStruct(clsid), null, clsContext, guidToStruct(iid), out) as number;
  traceCall(name, hr);
  if (hr < 0) throw new HResultError(name, hr);
  return requirePointer(name, out);
}

/** CLSCTX_INPROC_SERVER (wtypesbase.h): the GlobalOptions class lives in the COM runtime itself. */
const CLSCTX_INPROC_SERVER = 0x1;
/** CLSID_GlobalOptions {0000034B-0000-0000-C000-000000000046} (docs/windows.md, COM global options). */
export const CLSID_GLOBAL_OPTIONS: Guid = '0000034b-0000-0000-c000-000000000046';
/** IID_IGlobalOptions {0000015B-0000-0000-C000-000000000046} (objidlbase.h). */
export const IID_IGLOBAL_OPTIONS: Guid = '0000015b-0000-0000-c000-000000000046';
/** GLOBALOPT_PROPERTIES (objidlbase.h). */
export const COMGLB_EXCEPTION_HANDLING = 1;
/** GLOBALOPT_EH_VALUES (objidlbase.h): COMGLB_EXCEPTION_DONOT_HANDLE = COMGLB_EXCEPTION_DONOT_HANDLE_FATAL = 1. */
export const COMGLB_EXCEPTION_HANDLE = 0;
export const COMGLB_EXCEPTION_DONOT_HANDLE = 1;

const IGlobalOptions = defineInterface('IGlobalOptions', {
  // HRESULT Set(GLOBALOPT_PROPERTIES dwProperty, ULONG_PTR dwValue): slots 0-2 are IUnknown.
  Set: [3, 'uint32_t property, uint64_t value'],
  Query: [4, 'uint32_t property, _Out_ uint64_t *value'],
});

/** The COM runtime's global options object (one reference; release it). */
class GlobalOptions extends ComObject {
  constructor(ptr: ComPtr) {
    super('IGlobalOptions', ptr);
  }

  set(property: number, value: number): void {
    this.call(IGlobalOptions.Set, property >>> 0, BigInt(value));
  }

  query(property: number): number {
    const out = [0n];
    this.call(IGlobalOptions.Query, property >>> 0, out);
    return Number(out[0]);
  }
}

/**
 * Turns off the COM runtime's handling of fatal exceptions in COM calls into this process,
 * as Microsoft asks VSS requesters to ("Security Considerations for Requesters": handled
 * exceptions can mask fatal errors and leave the process unstable):
 * CoCreateInstance(CLSID_GlobalOptions, NULL, CLSCTX_INPROC_SERVER, IID_IGlobalOptions),
 * IGlobalOptions::Set(COMGLB_EXCEPTION_HANDLING, COMGLB_EXCEPTION_DONOT_HANDLE), Release.
 * Call it after initializeCom (COM initialised, CoInitializeSecurity done). Throws
 * HResultError naming the call that failed.
 */
export function disableComExceptionHandling(): void {
  const options = new GlobalOptions(coCreateInstance(CLSID_GLOBAL_OPTIONS, CLSCTX_INPROC_SERVER, IID_IGLOBAL_OPTIONS));
  try {
    options.set(COMGLB_EXCEPTION_HANDLING, COMGLB_EXCEPTION_DONOT_HANDLE);
  } finally {
    options.release();
  }
}

/** IGlobalOptions::Query(COMGLB_EXCEPTION_HANDLING): the process's current setting (for checks and tests). */
export function queryComExceptionHandling(): number {
  const options = new GlobalOptions(coCreateInstance(CLSID_GLOBAL_OPTIONS, CLSCTX_INPROC_SERVER, IID_IGLOBAL_OPTIONS));
  try {
    return options.query(COMGLB_EXCEPTION_HANDLING);
  } finally {
    options.release();
  }
}
