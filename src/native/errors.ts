/**
 * Typed errors of the native bridge. Every failing Windows call becomes a
 * NativeError carrying the API's name, the numeric code and its symbolic name,
 * so the engine, the log and the user all see e.g.
 * "OpenCluster failed: RPC_S_SERVER_UNAVAILABLE (1722)".
 */

const WIN32_NAMES: Readonly<Record<number, string>> = {
  0: 'ERROR_SUCCESS', 2: 'ERROR_FILE_NOT_FOUND', 3: 'ERROR_PATH_NOT_FOUND', 5: 'ERROR_ACCESS_DENIED',
  6: 'ERROR_INVALID_HANDLE', 8: 'ERROR_NOT_ENOUGH_MEMORY', 21: 'ERROR_NOT_READY', 31: 'ERROR_GEN_FAILURE',
  87: 'ERROR_INVALID_PARAMETER', 111: 'ERROR_BUFFER_OVERFLOW',
  120: 'ERROR_CALL_NOT_IMPLEMENTED', 122: 'ERROR_INSUFFICIENT_BUFFER', 126: 'ERROR_MOD_NOT_FOUND',
  127: 'ERROR_PROC_NOT_FOUND', 234: 'ERROR_MORE_DATA', 258: 'WAIT_TIMEOUT', 259: 'ERROR_NO_MORE_ITEMS',
  267: 'ERROR_DIRECTORY', 740: 'ERROR_ELEVATION_REQUIRED',
  1051: 'ERROR_DEPENDENT_SERVICES_RUNNING', 1052: 'ERROR_INVALID_SERVICE_CONTROL',
  1053: 'ERROR_SERVICE_REQUEST_TIMEOUT', 1054: 'ERROR_SERVICE_NO_THREAD', 1056: 'ERROR_SERVICE_ALREADY_RUNNING',
  1058: 'ERROR_SERVICE_DISABLED', 1060: 'ERROR_SERVICE_DOES_NOT_EXIST', 1061: 'ERROR_SERVICE_CANNOT_ACCEPT_CTRL',
  1062: 'ERROR_SERVICE_NOT_ACTIVE', 1065: 'ERROR_DATABASE_DOES_NOT_EXIST', 1068: 'ERROR_SERVICE_DEPENDENCY_FAIL',
  1069: 'ERROR_SERVICE_LOGON_FAILED', 1070: 'ERROR_SERVICE_START_HANG', 1072: 'ERROR_SERVICE_MARKED_FOR_DELETE',
  1077: 'ERROR_SERVICE_NEVER_STARTED', 1115: 'ERROR_SHUTDOWN_IN_PROGRESS', 1168: 'ERROR_NOT_FOUND',
  1300: 'ERROR_NOT_ALL_ASSIGNED', 1313: 'ERROR_NO_SUCH_PRIVILEGE', 1314: 'ERROR_PRIVILEGE_NOT_HELD',
  1722: 'RPC_S_SERVER_UNAVAILABLE', 1723: 'RPC_S_SERVER_TOO_BUSY', 1726: 'RPC_S_CALL_FAILED',
  1727: 'RPC_S_CALL_FAILED_DNE', 1745: 'RPC_S_PROCNUM_OUT_OF_RANGE', 1753: 'EPT_S_NOT_REGISTERED',
  5004: 'ERROR_RESOURCE_NOT_ONLINE', 5005: 'ERROR_HOST_NODE_NOT_AVAILABLE', 5007: 'ERROR_RESOURCE_NOT_FOUND', 5008: 'ERROR_SHUTDOWN_CLUSTER',
  5019: 'ERROR_RESOURCE_ONLINE', 5020: 'ERROR_QUORUM_RESOURCE', 5022: 'ERROR_CLUSTER_SHUTTING_DOWN',
  5036: 'ERROR_NODE_NOT_AVAILABLE', 5039: 'ERROR_CLUSTER_INVALID_NODE', 5042: 'ERROR_CLUSTER_NODE_NOT_FOUND',
  5043: 'ERROR_CLUSTER_LOCAL_NODE_NOT_FOUND', 5050: 'ERROR_CLUSTER_NODE_DOWN', 5051: 'ERROR_CLUSTER_NODE_UNREACHABLE',
  5052: 'ERROR_CLUSTER_NODE_NOT_MEMBER', 5056: 'ERROR_CLUSTER_NODE_UP', 5058: 'ERROR_CLUSTER_NODE_NOT_PAUSED', 5059: 'ERROR_CLUSTER_NO_SECURITY_CONTEXT',
  5070: 'ERROR_CLUSTER_NODE_PAUSED', 5072: 'ERROR_CLUSTER_NODE_NOT_READY', 5073: 'ERROR_CLUSTER_NODE_SHUTTING_DOWN',
  5075: 'ERROR_CLUSTER_INCOMPATIBLE_VERSIONS', 5083: 'ERROR_CLUSTER_DATABASE_SEQMISMATCH',
  5086: 'ERROR_QUORUM_DISK_NOT_FOUND', 5087: 'ERROR_DATABASE_BACKUP_CORRUPT',
  5890: 'ERROR_CLUSTER_MEMBERSHIP_INVALID_STATE', 5891: 'ERROR_CLUSTER_QUORUMLOG_NOT_FOUND',
  5893: 'ERROR_CLUSTER_INSTANCE_ID_MISMATCH', 5899: 'ERROR_CLUSTER_WRONG_OS_VERSION',
};

const HRESULT_NAMES: Readonly<Record<number, string>> = {
  0x00000000: 'S_OK', 0x00000001: 'S_FALSE',
  0x00042309: 'VSS_S_ASYNC_PENDING', 0x0004230a: 'VSS_S_ASYNC_FINISHED', 0x0004230b: 'VSS_S_ASYNC_CANCELLED',
  0x80042301: 'VSS_E_BAD_STATE', 0x80042302: 'VSS_E_UNEXPECTED', 0x80042306: 'VSS_E_PROVIDER_VETO',
  0x80042308: 'VSS_E_OBJECT_NOT_FOUND', 0x8004230c: 'VSS_E_VOLUME_NOT_SUPPORTED',
  0x8004230d: 'VSS_E_OBJECT_ALREADY_EXISTS', 0x8004230e: 'VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER',
  0x8004230f: 'VSS_E_UNEXPECTED_PROVIDER_ERROR', 0x80042310: 'VSS_E_CORRUPT_XML_DOCUMENT',
  0x80042311: 'VSS_E_INVALID_XML_DOCUMENT', 0x80042312: 'VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED',
  0x80042313: 'VSS_E_FLUSH_WRITES_TIMEOUT', 0x80042314: 'VSS_E_HOLD_WRITES_TIMEOUT',
  0x80042315: 'VSS_E_UNEXPECTED_WRITER_ERROR', 0x80042316: 'VSS_E_SNAPSHOT_SET_IN_PROGRESS',
  0x80042317: 'VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED', 0x80042318: 'VSS_E_WRITER_INFRASTRUCTURE',
  0x80042319: 'VSS_E_WRITER_NOT_RESPONDING', 0x8004231b: 'VSS_E_UNSUPPORTED_CONTEXT',
  0x8004231f: 'VSS_E_INSUFFICIENT_STORAGE', 0x80042323: 'VSS_E_REMOTE_SERVER_UNAVAILABLE',
  0x80042327: 'VSS_E_REBOOT_REQUIRED', 0x8004232e: 'VSS_E_CLUSTER_TIMEOUT', 0x8004232f: 'VSS_E_NOT_SUPPORTED',
  0x80042336: 'VSS_E_WRITERERROR_PARTIAL_FAILURE', 0x800423f0: 'VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT',
  0x800423f1: 'VSS_E_WRITERERROR_OUTOFRESOURCES', 0x800423f2: 'VSS_E_WRITERERROR_TIMEOUT',
  0x800423f3: 'VSS_E_WRITERERROR_RETRYABLE', 0x800423f4: 'VSS_E_WRITERERROR_NONRETRYABLE',
  0x800423f5: 'VSS_E_WRITERERROR_RECOVERY_FAILED', 0x80042400: 'VSS_E_CLUSTER_ERROR',
  0x80042409: 'VSS_E_WRITER_STATUS_NOT_AVAILABLE',
  0x80070005: 'E_ACCESSDENIED', 0x80070057: 'E_INVALIDARG', 0x8007000e: 'E_OUTOFMEMORY',
  0x8000ffff: 'E_UNEXPECTED', 0x80004001: 'E_NOTIMPL', 0x80004002: 'E_NOINTERFACE', 0x80004003: 'E_POINTER',
  0x80004005: 'E_FAIL', 0x800401f0: 'CO_E_NOTINITIALIZED', 0x80010106: 'RPC_E_CHANGED_MODE',
  0x80010119: 'RPC_E_TOO_LATE', 0x80040154: 'REGDB_E_CLASSNOTREG',
};

export function win32ErrorName(code: number): string {
  return WIN32_NAMES[code >>> 0] ?? `WIN32_ERROR_${code >>> 0}`;
}

/** Symbolic name of an HRESULT; HRESULT_FROM_WIN32 values map back to the Win32 name. */
export function hresultName(hr: number): string {
  const u = hr >>> 0;
  const known = HRESULT_NAMES[u];
  if (known) return known;
  if ((u & 0xffff0000) === 0x80070000) return `HRESULT_FROM_WIN32(${win32ErrorName(u & 0xffff)})`;
  return `HRESULT_0x${u.toString(16).toUpperCase().padStart(8, '0')}`;
}

export function formatHresult(hr: number): string {
  return `0x${(hr >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

export type NativeErrorKind = 'win32' | 'hresult';

/** A Windows API call failed. `api` names the function or COM method that failed. */
export class NativeError extends Error {
  readonly api: string;
  readonly code: number;
  readonly codeName: string;
  readonly kind: NativeErrorKind;

  constructor(kind: NativeErrorKind, api: string, code: number, detail?: string) {
    const codeName = kind === 'win32' ? win32ErrorName(code) : hresultName(code);
    const shown = kind === 'win32' ? `${codeName} (${code >>> 0})` : `${codeName} (${formatHresult(code)})`;
    super(`${api} failed: ${shown}${detail ? ` — ${detail}` : ''}`);
    this.name = kind === 'win32' ? 'Win32Error' : 'HResultError';
    this.api = api;
    this.code = kind === 'win32' ? code >>> 0 : code | 0;
    this.codeName = codeName;
    this.kind = kind;
  }
}

export class Win32Error extends NativeError {
  constructor(api: string, code: number, detail?: string) {
    super('win32', api, code, detail);
  }
}

export class HResultError extends NativeError {
  constructor(api: string, hr: number, detail?: string) {
    super('hresult', api, hr, detail);
  }
}

/** Throws an HResultError when hr is a failure code; returns hr (S_OK, S_FALSE, VSS_S_*) otherwise. */
export function checkHresult(api: string, hr: number): number {
  if ((hr | 0) < 0) throw new HResultError(api, hr);
  return hr;
}

/** The native library (or one of its exports) could not be loaded. */
export class NativeLoadError extends Error {
  readonly library: string;
  constructor(library: string, cause: unknown) {
    super(`Could not load ${library}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'NativeLoadError';
    this.library = library;
  }
}
