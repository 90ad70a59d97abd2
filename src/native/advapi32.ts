/**
 * advapi32 bindings: the process token (elevation, privileges) and the Service
 * Control Manager (query, stop and start a service on this or another node).
 * Typed wrappers only, no policy: each returns values or throws Win32Error naming
 * the API and the code, and every handle it opens is closed in `finally`.
 * Layouts and constants: docs/windows.md (advapi32 sections).
 */
import koffi from 'koffi';
import { lazyBindings } from './loader';
import { Win32Error } from './errors';
import { closeHandle, decodeWide, getCurrentProcess, getLastError, localFree } from './kernel32';

/** An opaque Windows handle (koffi 3 hands pointers out as bigint). */
export type NativeHandle = bigint;

// ---- constants (winnt.h, winsvc.h; docs/windows.md) ----
const TOKEN_QUERY = 0x8;
const TOKEN_ADJUST_PRIVILEGES = 0x20;
const TOKEN_ELEVATION_CLASS = 20;
const SE_PRIVILEGE_ENABLED = 0x2;
const ERROR_SUCCESS = 0;
const ERROR_NOT_ALL_ASSIGNED = 1300;
const ERROR_GEN_FAILURE = 31;

export const SC_MANAGER_CONNECT = 0x1;
export const SERVICE_QUERY_STATUS = 0x4;
export const SERVICE_START = 0x10;
export const SERVICE_STOP = 0x20;
export const SERVICE_CONTROL_STOP = 1;
const SC_STATUS_PROCESS_INFO = 0;
const SERVICE_STATUS_PROCESS_SIZE = 36;
const SERVICE_STATUS_SIZE = 28;

/** SERVICE_* current-state values. */
export const ServiceState = {
  stopped: 1,
  startPending: 2,
  stopPending: 3,
  running: 4,
  continuePending: 5,
  pausePending: 6,
  paused: 7,
} as const;
export type ServiceStateName = keyof typeof ServiceState;

export function serviceStateName(state: number): ServiceStateName | `unknown(${number})` {
  for (const [name, value] of Object.entries(ServiceState)) if (value === state) return name as ServiceStateName;
  return `unknown(${state})`;
}

export type PrivilegeName = 'SeBackupPrivilege' | 'SeRestorePrivilege';

/** SERVICE_STATUS (28 bytes) as ControlService returns it. */
export interface ServiceStatus {
  serviceType: number;
  currentState: number;
  controlsAccepted: number;
  win32ExitCode: number;
  serviceSpecificExitCode: number;
  checkPoint: number;
  /** Milliseconds the service expects until its next checkpoint. */
  waitHint: number;
}

/** SERVICE_STATUS_PROCESS (36 bytes) as QueryServiceStatusEx(SC_STATUS_PROCESS_INFO) returns it. */
export interface ServiceStatusProcess extends ServiceStatus {
  processId: number;
  serviceFlags: number;
}

const advapi32 = lazyBindings('advapi32', (lib) => ({
  OpenProcessToken: lib.func('int32_t OpenProcessToken(void *process, uint32_t access, _Out_ void **token)'),
  GetTokenInformation: lib.func(
    'int32_t GetTokenInformation(void *token, uint32_t infoClass, uint8_t *buf, uint32_t cbBuf, _Out_ uint32_t *cbReturned)'),
  LookupPrivilegeValueW: lib.func('int32_t LookupPrivilegeValueW(const char16_t *system, const char16_t *name, uint8_t *luid)'),
  AdjustTokenPrivileges: lib.func(
    'int32_t AdjustTokenPrivileges(void *token, int32_t disableAll, uint8_t *newState, uint32_t cbPrevious, void *previous, void *cbPreviousReturned)'),
  OpenSCManagerW: lib.func('void *OpenSCManagerW(const char16_t *machine, const char16_t *database, uint32_t access)'),
  OpenServiceW: lib.func('void *OpenServiceW(void *scm, const char16_t *name, uint32_t access)'),
  QueryServiceStatusEx: lib.func(
    'int32_t QueryServiceStatusEx(void *service, uint32_t infoLevel, uint8_t *buf, uint32_t cbBuf, _Out_ uint32_t *cbNeeded)'),
  ControlService: lib.func('int32_t ControlService(void *service, uint32_t control, uint8_t *status)'),
  StartServiceW: lib.func('int32_t StartServiceW(void *service, uint32_t argc, const char16_t **argv)'),
  CloseServiceHandle: lib.func('int32_t CloseServiceHandle(void *handle)'),
}));

/** The calling thread's last error, read right after a failing call. */
function lastError(): number {
  return getLastError();
}

function failWithLastError(api: string, detail?: string): never {
  const code = lastError();
  if (code === ERROR_SUCCESS) {
    // A failing call that left no error code is still a failure; report it as one rather than as "success".
    throw new Win32Error(api, ERROR_GEN_FAILURE, `${detail ? `${detail}; ` : ''}the call failed without setting a last-error code`);
  }
  throw new Win32Error(api, code, detail);
}

// ---- the process token ----

function openProcessToken(access: number): NativeHandle {
  const out: [NativeHandle | null] = [null];
  if (!advapi32().OpenProcessToken(getCurrentProcess(), access, out) || out[0] === null) failWithLastError('OpenProcessToken');
  return out[0];
}

/** Closes the token; a failure to close must not hide the answer or the error that is on its way out. */
function closeToken(token: NativeHandle): void {
  try {
    closeHandle(token);
  } catch {
    // nothing useful to do about it here
  }
}

/** Whether this process runs with a full (elevated) administrator token (TokenElevation). */
export function isProcessElevated(): boolean {
  const token = openProcessToken(TOKEN_QUERY);
  try {
    const elevation = Buffer.alloc(4);
    const returned: [number] = [0];
    if (!advapi32().GetTokenInformation(token, TOKEN_ELEVATION_CLASS, elevation, elevation.length, returned)) {
      failWithLastError('GetTokenInformation', 'TokenElevation');
    }
    return elevation.readUInt32LE(0) !== 0;
  } finally {
    closeToken(token);
  }
}

/**
 * Enable a privilege in this process's token. AdjustTokenPrivileges returns TRUE even
 * when the token does not hold the privilege; the last error (ERROR_NOT_ALL_ASSIGNED)
 * is what says so, and that counts as a failure here.
 */
export function enablePrivilege(name: PrivilegeName): void {
  const token = openProcessToken(TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY);
  try {
    const api = advapi32();
    const luid = Buffer.alloc(8);
    if (!api.LookupPrivilegeValueW(null, name, luid)) failWithLastError('LookupPrivilegeValueW', name);
    // TOKEN_PRIVILEGES with one entry: PrivilegeCount @0, Luid.LowPart @4, Luid.HighPart @8, Attributes @12.
    const privileges = Buffer.alloc(16);
    privileges.writeUInt32LE(1, 0);
    luid.copy(privileges, 4, 0, 8);
    privileges.writeUInt32LE(SE_PRIVILEGE_ENABLED, 12);
    if (!api.AdjustTokenPrivileges(token, 0, privileges, 0, null, null)) failWithLastError('AdjustTokenPrivileges', name);
    const code = lastError();
    if (code !== ERROR_SUCCESS) {
      throw new Win32Error('AdjustTokenPrivileges', code,
        code === ERROR_NOT_ALL_ASSIGNED ? `${name} is not held by this account; run as an administrator or backup operator` : name);
    }
  } finally {
    closeToken(token);
  }
}

// ---- the Service Control Manager ----

function describeMachine(machine: string | undefined): string {
  return machine ? `on ${machine}` : 'on this computer';
}

/** OpenSCManagerW: `machine` undefined means this computer. Close the handle with closeServiceHandle. */
export function openServiceManager(machine?: string, access = SC_MANAGER_CONNECT): NativeHandle {
  const handle = advapi32().OpenSCManagerW(machine ?? null, null, access) as NativeHandle | null;
  if (handle === null) failWithLastError('OpenSCManagerW', describeMachine(machine));
  return handle;
}

/** OpenServiceW; ERROR_SERVICE_DOES_NOT_EXIST (1060) when the service is not installed there. */
export function openService(scm: NativeHandle, name: string, access: number, machine?: string): NativeHandle {
  const handle = advapi32().OpenServiceW(scm, name, access) as NativeHandle | null;
  if (handle === null) failWithLastError('OpenServiceW', `${name} ${describeMachine(machine)}`);
  return handle;
}

export function closeServiceHandle(handle: NativeHandle): void {
  advapi32().CloseServiceHandle(handle);
}

function decodeServiceStatus(buf: Buffer): ServiceStatus {
  return {
    serviceType: buf.readUInt32LE(0),
    currentState: buf.readUInt32LE(4),
    controlsAccepted: buf.readUInt32LE(8),
    win32ExitCode: buf.readUInt32LE(12),
    serviceSpecificExitCode: buf.readUInt32LE(16),
    checkPoint: buf.readUInt32LE(20),
    waitHint: buf.readUInt32LE(24),
  };
}

/** QueryServiceStatusEx(SC_STATUS_PROCESS_INFO); the handle needs SERVICE_QUERY_STATUS. */
export function queryServiceStatus(service: NativeHandle, what = 'service'): ServiceStatusProcess {
  const buf = Buffer.alloc(SERVICE_STATUS_PROCESS_SIZE);
  const needed: [number] = [0];
  if (!advapi32().QueryServiceStatusEx(service, SC_STATUS_PROCESS_INFO, buf, buf.length, needed)) {
    failWithLastError('QueryServiceStatusEx', what);
  }
  return { ...decodeServiceStatus(buf), processId: buf.readUInt32LE(28), serviceFlags: buf.readUInt32LE(32) };
}

/** ControlService; returns the status the service reported with it. The handle needs the control's access right. */
export function controlService(service: NativeHandle, control: number, what = 'service'): ServiceStatus {
  const buf = Buffer.alloc(SERVICE_STATUS_SIZE);
  if (!advapi32().ControlService(service, control, buf)) failWithLastError('ControlService', what);
  return decodeServiceStatus(buf);
}

/** StartServiceW with optional start parameters (e.g. ["/fq"]); the handle needs SERVICE_START. */
export function startService(service: NativeHandle, args: readonly string[] = [], what = 'service'): void {
  const argv = args.length > 0 ? [...args, null] : null;
  if (!advapi32().StartServiceW(service, args.length, argv)) failWithLastError('StartServiceW', what);
}

/**
 * Open `serviceName` on `machine` (undefined: this computer) with `access`, run `use`
 * and close both handles whatever happens.
 */
export function withService<T>(machine: string | undefined, serviceName: string, access: number,
  use: (service: NativeHandle, what: string) => T): T {
  const scm = openServiceManager(machine);
  try {
    const service = openService(scm, serviceName, access, machine);
    try {
      return use(service, `${serviceName} ${describeMachine(machine)}`);
    } finally {
      closeServiceHandle(service);
    }
  } finally {
    closeServiceHandle(scm);
  }
}

/** The current status of a service on a node (opens and closes its own handles). */
export function queryServiceOn(machine: string | undefined, serviceName: string): ServiceStatusProcess {
  return withService(machine, serviceName, SERVICE_QUERY_STATUS, (service, what) => queryServiceStatus(service, what));
}

/** Send SERVICE_CONTROL_STOP to a service on a node; returns the status reported with it. */
export function stopServiceOn(machine: string | undefined, serviceName: string): ServiceStatus {
  return withService(machine, serviceName, SERVICE_STOP | SERVICE_QUERY_STATUS,
    (service, what) => controlService(service, SERVICE_CONTROL_STOP, what));
}

/** StartServiceW on a node. */
export function startServiceOn(machine: string | undefined, serviceName: string, args: readonly string[] = []): void {
  withService(machine, serviceName, SERVICE_START | SERVICE_QUERY_STATUS, (service, what) => startService(service, args, what));
}

// =====================================================================================
// Protection of the backup's own files and the Windows Event Log (issue #15 §1–2).
// A separate block: security descriptors (sddl.h, aclapi.h), the two registry calls that
// register the event source (winreg.h), and the event source calls (winbase.h).
// Sources: docs/windows.md ("Who can read a backup", "The Windows Event Log").
// =====================================================================================

/** SDDL_REVISION_1 (sddl.h): the only revision the SDDL calls accept. */
const SDDL_REVISION_1 = 1;
/** SE_FILE_OBJECT (accctrl.h SE_OBJECT_TYPE): a file or folder by path. */
const SE_FILE_OBJECT = 1;
/** SECURITY_INFORMATION bits (winnt.h). */
const DACL_SECURITY_INFORMATION = 0x4;
const PROTECTED_DACL_SECURITY_INFORMATION = 0x80000000;

const protection = lazyBindings('advapi32', (lib) => ({
  ConvertStringSecurityDescriptorToSecurityDescriptorW: lib.func(
    'int32_t ConvertStringSecurityDescriptorToSecurityDescriptorW(const char16_t *sddl, uint32_t revision, _Out_ void **sd, _Out_ uint32_t *cbSd)'),
  GetSecurityDescriptorDacl: lib.func(
    'int32_t GetSecurityDescriptorDacl(void *sd, _Out_ int32_t *daclPresent, _Out_ void **dacl, _Out_ int32_t *daclDefaulted)'),
  SetNamedSecurityInfoW: lib.func(
    'uint32_t SetNamedSecurityInfoW(const char16_t *objectName, uint32_t objectType, uint32_t securityInfo, void *owner, void *group, void *dacl, void *sacl)'),
  GetNamedSecurityInfoW: lib.func(
    'uint32_t GetNamedSecurityInfoW(const char16_t *objectName, uint32_t objectType, uint32_t securityInfo, void *owner, void *group, _Out_ void **dacl, void *sacl, _Out_ void **sd)'),
  ConvertSecurityDescriptorToStringSecurityDescriptorW: lib.func(
    'int32_t ConvertSecurityDescriptorToStringSecurityDescriptorW(void *sd, uint32_t revision, uint32_t securityInfo, _Out_ void **text, _Out_ uint32_t *cch)'),
}));

/**
 * Gives `path` (a file or folder) exactly the DACL of `sddl` (e.g. "D:P(A;OICI;FA;;;SY)…"),
 * marked protected so nothing is inherited from its parent: ConvertStringSecurityDescriptor-
 * ToSecurityDescriptorW, GetSecurityDescriptorDacl, then SetNamedSecurityInfoW(SE_FILE_OBJECT,
 * DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION). The descriptor is freed
 * with LocalFree whatever happens.
 */
export function setProtectedFileDacl(path: string, sddl: string): void {
  const api = protection();
  const sd: [bigint | null] = [null];
  const size: [number] = [0];
  if (!api.ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, SDDL_REVISION_1, sd, size) || sd[0] === null) {
    failWithLastError('ConvertStringSecurityDescriptorToSecurityDescriptorW', sddl);
  }
  try {
    const present: [number] = [0];
    const dacl: [bigint | null] = [null];
    const defaulted: [number] = [0];
    if (!api.GetSecurityDescriptorDacl(sd[0], present, dacl, defaulted)) failWithLastError('GetSecurityDescriptorDacl', sddl);
    if (!present[0] || dacl[0] === null) throw new Win32Error('GetSecurityDescriptorDacl', ERROR_GEN_FAILURE, `${sddl} has no DACL`);
    const rc = api.SetNamedSecurityInfoW(path, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
      null, null, dacl[0], null) as number;
    // SetNamedSecurityInfoW returns its error code; it does not set the last error.
    if (rc !== ERROR_SUCCESS) throw new Win32Error('SetNamedSecurityInfoW', rc, path);
  } finally {
    localFree(sd[0]);
  }
}

/**
 * The DACL of `path` as SDDL ("D:…"): GetNamedSecurityInfoW(SE_FILE_OBJECT,
 * DACL_SECURITY_INFORMATION) and ConvertSecurityDescriptorToStringSecurityDescriptorW;
 * both allocations are freed with LocalFree.
 */
export function getFileDaclSddl(path: string): string {
  const api = protection();
  const dacl: [bigint | null] = [null];
  const sd: [bigint | null] = [null];
  const rc = api.GetNamedSecurityInfoW(path, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, null, null, dacl, null, sd) as number;
  if (rc !== ERROR_SUCCESS) throw new Win32Error('GetNamedSecurityInfoW', rc, path);
  try {
    const text: [bigint | null] = [null];
    const cch: [number] = [0];
    if (!api.ConvertSecurityDescriptorToStringSecurityDescriptorW(sd[0], SDDL_REVISION_1, DACL_SECURITY_INFORMATION, text, cch)
      || text[0] === null) {
      failWithLastError('ConvertSecurityDescriptorToStringSecurityDescriptorW', path);
    }
    try {
      return koffi.decode.string16(text[0]);
    } finally {
      localFree(text[0]);
    }
  } finally {
    localFree(sd[0]);
  }
}

// ---- the event source and its registration ----

/** HKEY_LOCAL_MACHINE, as the sign-extended pointer-sized value winreg.h defines. */
const HKEY_LOCAL_MACHINE = -0x7ffffffe;
const REG_EXPAND_SZ = 2;
const REG_DWORD = 4;
/** RegGetValueW flags (winreg.h): any type, and REG_EXPAND_SZ data as stored (not expanded). */
const RRF_RT_ANY = 0xffff;
const RRF_NOEXPAND = 0x10000000;
const ERROR_FILE_NOT_FOUND = 2;

/** ReportEventW wType values (winnt.h). */
export const EventType = { error: 0x1, warning: 0x2, information: 0x4 } as const;
export type EventTypeName = keyof typeof EventType;

const eventLog = lazyBindings('advapi32', (lib) => ({
  RegGetValueW: lib.func(
    'int32_t RegGetValueW(intptr_t key, const char16_t *subKey, const char16_t *value, uint32_t flags, _Out_ uint32_t *type, _Out_ uint8_t *data, _Inout_ uint32_t *cbData)'),
  RegSetKeyValueW: lib.func(
    'int32_t RegSetKeyValueW(intptr_t key, const char16_t *subKey, const char16_t *value, uint32_t type, const uint8_t *data, uint32_t cbData)'),
  RegisterEventSourceW: lib.func('void *RegisterEventSourceW(const char16_t *server, const char16_t *source)'),
  ReportEventW: lib.func(
    'int32_t ReportEventW(void *eventLog, uint16_t type, uint16_t category, uint32_t eventId, void *userSid, uint16_t numStrings, uint32_t dataSize, const char16_t **strings, void *rawData)'),
  DeregisterEventSource: lib.func('int32_t DeregisterEventSource(void *eventLog)'),
}));

/** A registry value under HKEY_LOCAL_MACHINE as stored: type and text (REG_*SZ) or number (REG_DWORD); null when missing. */
export function readMachineRegistryValue(subKey: string, value: string): { type: number; data: string | number } | null {
  const api = eventLog();
  let cb = 512;
  for (let attempt = 0; attempt < 4; attempt++) {
    const buf = Buffer.alloc(cb);
    const type: [number] = [0];
    const size: [number] = [cb];
    const rc = api.RegGetValueW(HKEY_LOCAL_MACHINE, subKey, value, RRF_RT_ANY | RRF_NOEXPAND, type, buf, size) as number;
    if (rc === ERROR_FILE_NOT_FOUND) return null;
    if (rc === 234 /* ERROR_MORE_DATA */) {
      cb = Math.max(size[0], cb * 2);
      continue;
    }
    if (rc !== ERROR_SUCCESS) throw new Win32Error('RegGetValueW', rc, `HKLM\\${subKey}\\${value}`);
    if (type[0] === REG_DWORD) return { type: type[0], data: buf.readUInt32LE(0) };
    return { type: type[0], data: decodeWide(buf, Math.floor(size[0] / 2)) };
  }
  throw new Win32Error('RegGetValueW', 234, `HKLM\\${subKey}\\${value} keeps growing`);
}

/** RegSetKeyValueW under HKEY_LOCAL_MACHINE (the subkey is created when missing): REG_EXPAND_SZ text or REG_DWORD. */
export function writeMachineRegistryValue(subKey: string, value: string, data: { expandString: string } | { dword: number }): void {
  let type: number;
  let bytes: Buffer;
  if ('expandString' in data) {
    type = REG_EXPAND_SZ;
    bytes = Buffer.from(`${data.expandString}\0`, 'utf16le');
  } else {
    type = REG_DWORD;
    bytes = Buffer.alloc(4);
    bytes.writeUInt32LE(data.dword >>> 0, 0);
  }
  const rc = eventLog().RegSetKeyValueW(HKEY_LOCAL_MACHINE, subKey, value, type, bytes, bytes.length) as number;
  if (rc !== ERROR_SUCCESS) throw new Win32Error('RegSetKeyValueW', rc, `HKLM\\${subKey}\\${value}`);
}

/**
 * Writes one event to the log of `source` on this computer: RegisterEventSourceW,
 * ReportEventW with the insertion strings, DeregisterEventSource (always).
 */
export function reportEvent(source: string, type: EventTypeName, eventId: number, strings: readonly string[]): void {
  const api = eventLog();
  const handle = api.RegisterEventSourceW(null, source) as NativeHandle | null;
  if (handle === null) failWithLastError('RegisterEventSourceW', source);
  try {
    if (!api.ReportEventW(handle, EventType[type], 0, eventId >>> 0, null, strings.length, 0, strings.length > 0 ? [...strings] : null, null)) {
      failWithLastError('ReportEventW', `${source} event ${eventId}`);
    }
  } finally {
    api.DeregisterEventSource(handle);
  }
}
