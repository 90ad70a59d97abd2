/**
 * clusapi.dll's cluster registry functions: the running cluster's own database
 * (GetClusterKey, ClusterRegOpenKey/CreateKey/CloseKey, ClusterRegEnumKey/EnumValue,
 * ClusterRegQueryValue/QueryInfoKey, ClusterRegSetValue/DeleteValue/DeleteKey).
 *
 * Typed wrappers only. Every function returns its error code (LONG or DWORD); a
 * failure becomes a Win32Error naming the API and the code. GetClusterKey returns a
 * handle and reports failures through GetLastError. Buffer conventions, from the
 * clusapi.h documentation of each function:
 * - names (ClusterRegEnumKey lpcchName, ClusterRegEnumValue lpcchValueName) are counted
 *   in characters: on input the capacity including the NUL, on output the length
 *   without it, also with ERROR_MORE_DATA;
 * - data (ClusterRegEnumValue/ClusterRegQueryValue lpcbData) is counted in bytes: with
 *   lpData NULL the call succeeds and reports the size, a buffer too small gives
 *   ERROR_MORE_DATA and the size needed.
 * Keys are ClusterKey objects with an idempotent close(); `withClusterKey` and
 * `withSubkey` close them whatever the callback does.
 */
import { type ClusterHandle } from './clusapi';
import { ERROR_MORE_DATA, ERROR_NO_MORE_ITEMS, ERROR_SUCCESS } from './clusapiTypes';
import { Win32Error } from './errors';
import { decodeWide, getLastError } from './kernel32';
import { lazyBindings } from './loader';

/** REGSAM rights (winnt.h). */
export const KEY_QUERY_VALUE = 0x0001;
export const KEY_SET_VALUE = 0x0002;
export const KEY_CREATE_SUB_KEY = 0x0004;
export const KEY_ENUMERATE_SUB_KEYS = 0x0008;
export const KEY_READ = 0x20019;
export const KEY_WRITE = 0x20006;
export const KEY_ALL_ACCESS = 0xf003f;
/** ClusterRegCreateKey dispositions. */
export const REG_CREATED_NEW_KEY = 1;
export const REG_OPENED_EXISTING_KEY = 2;
export const ERROR_FILE_NOT_FOUND = 2;

type KeyPointer = unknown;

const api = lazyBindings('clusapi', (lib) => ({
  GetClusterKey: lib.func('void *GetClusterKey(void *cluster, uint32_t samDesired)'),
  ClusterRegOpenKey: lib.func('int32_t ClusterRegOpenKey(void *key, const char16_t *subKey, uint32_t samDesired, _Out_ void **result)'),
  ClusterRegCreateKey: lib.func(
    'int32_t ClusterRegCreateKey(void *key, const char16_t *subKey, uint32_t options, uint32_t samDesired, void *securityAttributes, ' +
    '_Out_ void **result, _Out_ uint32_t *disposition)'),
  ClusterRegCloseKey: lib.func('int32_t ClusterRegCloseKey(void *key)'),
  ClusterRegEnumKey: lib.func(
    'int32_t ClusterRegEnumKey(void *key, uint32_t index, uint16_t *name, _Inout_ uint32_t *cchName, _Out_ uint32_t *lastWriteTime)'),
  ClusterRegEnumValue: lib.func(
    'uint32_t ClusterRegEnumValue(void *key, uint32_t index, uint16_t *name, _Inout_ uint32_t *cchName, _Out_ uint32_t *type, ' +
    'uint8_t *data, _Inout_ uint32_t *cbData)'),
  ClusterRegQueryValue: lib.func(
    'int32_t ClusterRegQueryValue(void *key, const char16_t *valueName, _Out_ uint32_t *type, uint8_t *data, _Inout_ uint32_t *cbData)'),
  ClusterRegQueryInfoKey: lib.func(
    'int32_t ClusterRegQueryInfoKey(void *key, _Out_ uint32_t *subKeys, _Out_ uint32_t *cchMaxSubKeyLen, _Out_ uint32_t *values, ' +
    '_Out_ uint32_t *cchMaxValueNameLen, _Out_ uint32_t *cbMaxValueLen, _Out_ uint32_t *cbSecurityDescriptor, _Out_ uint32_t *lastWriteTime)'),
  ClusterRegSetValue: lib.func(
    'uint32_t ClusterRegSetValue(void *key, const char16_t *valueName, uint32_t type, const uint8_t *data, uint32_t cbData)'),
  ClusterRegDeleteValue: lib.func('uint32_t ClusterRegDeleteValue(void *key, const char16_t *valueName)'),
  ClusterRegDeleteKey: lib.func('int32_t ClusterRegDeleteKey(void *key, const char16_t *subKey)'),
}));

function check(apiName: string, code: number, detail?: string): void {
  const c = code >>> 0;
  if (c !== ERROR_SUCCESS) throw new Win32Error(apiName, c, detail);
}

function isNull(pointer: unknown): boolean {
  return pointer === null || pointer === undefined || pointer === 0n || pointer === 0;
}

/** An open cluster registry key (HKEY). `path` is where it was opened, for messages. */
export class ClusterKey {
  private pointer: KeyPointer | null;
  readonly path: string;

  constructor(pointer: KeyPointer, path: string) {
    this.pointer = pointer;
    this.path = path;
  }

  get raw(): KeyPointer {
    if (this.pointer === null) throw new Error(`The cluster registry key ${this.path || '(root)'} is closed.`);
    return this.pointer;
  }

  close(): void {
    if (this.pointer === null) return;
    const pointer = this.pointer;
    this.pointer = null;
    check('ClusterRegCloseKey', api().ClusterRegCloseKey(pointer) as number, this.path || 'root key');
  }
}

function using<T>(key: ClusterKey, fn: (key: ClusterKey) => T): T {
  let result: T;
  try {
    result = fn(key);
  } catch (err) {
    try {
      key.close();
    } catch {
      // The error that got us here is the one to report.
    }
    throw err;
  }
  key.close();
  return result;
}

function childPath(parent: ClusterKey, sub: string): string {
  return parent.path ? `${parent.path}\\${sub}` : sub;
}

/** GetClusterKey: the root of the cluster database. */
export function getClusterKey(cluster: ClusterHandle, samDesired = KEY_READ): ClusterKey {
  const pointer = api().GetClusterKey(cluster.raw, samDesired >>> 0) as KeyPointer;
  if (isNull(pointer)) throw new Win32Error('GetClusterKey', getLastError());
  return new ClusterKey(pointer, '');
}

export function withClusterKey<T>(cluster: ClusterHandle, samDesired: number, fn: (key: ClusterKey) => T): T {
  return using(getClusterKey(cluster, samDesired), fn);
}

/** ClusterRegOpenKey: a subkey (a relative path, "" for the key itself). */
export function openClusterSubkey(parent: ClusterKey, subKey: string, samDesired = KEY_READ): ClusterKey {
  const out: [KeyPointer | null] = [null];
  check('ClusterRegOpenKey', api().ClusterRegOpenKey(parent.raw, subKey, samDesired >>> 0, out) as number, childPath(parent, subKey));
  if (isNull(out[0])) throw new Win32Error('ClusterRegOpenKey', getLastError(), childPath(parent, subKey));
  return new ClusterKey(out[0], childPath(parent, subKey));
}

export function withSubkey<T>(parent: ClusterKey, subKey: string, samDesired: number, fn: (key: ClusterKey) => T): T {
  return using(openClusterSubkey(parent, subKey, samDesired), fn);
}

/** ClusterRegCreateKey (REG_OPTION_NON_VOLATILE, default security): the key and whether it is new. */
export function createClusterSubkey(parent: ClusterKey, subKey: string, samDesired = KEY_ALL_ACCESS): { key: ClusterKey; created: boolean } {
  const out: [KeyPointer | null] = [null];
  const disposition = [0];
  check('ClusterRegCreateKey', api().ClusterRegCreateKey(parent.raw, subKey, 0, samDesired >>> 0, null, out, disposition) as number, childPath(parent, subKey));
  if (isNull(out[0])) throw new Win32Error('ClusterRegCreateKey', getLastError(), childPath(parent, subKey));
  return { key: new ClusterKey(out[0], childPath(parent, subKey)), created: disposition[0] === REG_CREATED_NEW_KEY };
}

/** A FILETIME as two little-endian DWORDs, as a count of 100 ns since 1601. */
function filetime(parts: number[]): bigint {
  return (BigInt(parts[1] >>> 0) << 32n) | BigInt(parts[0] >>> 0);
}

/** The first name buffer, in characters; a longer name grows it. */
const FIRST_NAME_CCH = 256;
/** Registry key names are at most 255 characters, value names 16,383. */
const MAX_VALUE_NAME_CCH = 16_384;
/** The first data buffer; larger data grows it to the size reported. */
const FIRST_DATA_BYTES = 1024;
/** A guard against a value that keeps growing between calls. */
const MAX_ATTEMPTS = 8;

/** ClusterRegEnumKey: the name and last write time of subkey `index`, or null past the end (ERROR_NO_MORE_ITEMS). */
export function enumClusterSubkey(key: ClusterKey, index: number): { name: string; lastWriteTime: bigint } | null {
  const { ClusterRegEnumKey } = api();
  let cch = FIRST_NAME_CCH;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const buffer = Buffer.alloc(cch * 2);
    const inout = [cch];
    const time = [0, 0];
    const code = (ClusterRegEnumKey(key.raw, index >>> 0, buffer, inout, time) as number) >>> 0;
    if (code === ERROR_NO_MORE_ITEMS) return null;
    if (code === ERROR_SUCCESS) return { name: decodeWide(buffer, inout[0]), lastWriteTime: filetime(time) };
    if (code !== ERROR_MORE_DATA) throw new Win32Error('ClusterRegEnumKey', code, key.path || 'root key');
    // The length reported excludes the NUL.
    cch = Math.max(inout[0] + 1, cch * 2);
  }
  throw new Win32Error('ClusterRegEnumKey', ERROR_MORE_DATA, `${key.path || 'root key'}: the name kept growing`);
}

export interface ClusterValue {
  name: string;
  type: number;
  data: Uint8Array;
}

/** ClusterRegEnumValue: value `index` (name, type, data), or null past the end (ERROR_NO_MORE_ITEMS). */
export function enumClusterValue(key: ClusterKey, index: number): ClusterValue | null {
  const { ClusterRegEnumValue } = api();
  let cch = FIRST_NAME_CCH;
  let cb = FIRST_DATA_BYTES;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const name = Buffer.alloc(cch * 2);
    const data = Buffer.alloc(cb);
    const cchInout = [cch];
    const cbInout = [cb];
    const type = [0];
    const code = (ClusterRegEnumValue(key.raw, index >>> 0, name, cchInout, type, data, cbInout) as number) >>> 0;
    if (code === ERROR_NO_MORE_ITEMS) return null;
    if (code === ERROR_SUCCESS) {
      return { name: decodeWide(name, cchInout[0]), type: type[0] >>> 0, data: new Uint8Array(data.subarray(0, cbInout[0])) };
    }
    if (code !== ERROR_MORE_DATA) throw new Win32Error('ClusterRegEnumValue', code, key.path || 'root key');
    // Either buffer may be the short one: each takes what was reported when that is more than it had.
    if (cchInout[0] + 1 > cch) cch = Math.min(Math.max(cchInout[0] + 1, cch * 2), MAX_VALUE_NAME_CCH);
    if (cbInout[0] > cb) cb = cbInout[0];
  }
  throw new Win32Error('ClusterRegEnumValue', ERROR_MORE_DATA, `${key.path || 'root key'}: the value kept growing`);
}

/** ClusterRegQueryValue: the value's type and data, or null when the key has no such value (ERROR_FILE_NOT_FOUND). */
export function queryClusterValue(key: ClusterKey, valueName: string): { type: number; data: Uint8Array } | null {
  const { ClusterRegQueryValue } = api();
  let cb = FIRST_DATA_BYTES;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const data = Buffer.alloc(cb);
    const inout = [cb];
    const type = [0];
    const code = (ClusterRegQueryValue(key.raw, valueName, type, data, inout) as number) >>> 0;
    if (code === ERROR_FILE_NOT_FOUND) return null;
    if (code === ERROR_SUCCESS) return { type: type[0] >>> 0, data: new Uint8Array(data.subarray(0, inout[0])) };
    if (code !== ERROR_MORE_DATA) throw new Win32Error('ClusterRegQueryValue', code, `${childPath(key, valueName)}`);
    cb = Math.max(inout[0], cb * 2);
  }
  throw new Win32Error('ClusterRegQueryValue', ERROR_MORE_DATA, `${childPath(key, valueName)}: the value kept growing`);
}

/** ClusterRegQueryValue with lpData NULL: the size of the value's data in bytes (the call the documentation describes for sizing a buffer). */
export function queryClusterValueSize(key: ClusterKey, valueName: string): number {
  const size = [0];
  const type = [0];
  check('ClusterRegQueryValue', api().ClusterRegQueryValue(key.raw, valueName, type, null, size) as number, childPath(key, valueName));
  return size[0] >>> 0;
}

export interface ClusterKeyInfo {
  subkeys: number;
  /** Characters, without the NUL. */
  maxSubkeyNameLength: number;
  values: number;
  /** Characters, without the NUL. */
  maxValueNameLength: number;
  /** Bytes. */
  maxValueDataLength: number;
  securityDescriptorBytes: number;
  lastWriteTime: bigint;
}

/** ClusterRegQueryInfoKey. */
export function queryClusterKeyInfo(key: ClusterKey): ClusterKeyInfo {
  const n = [[0], [0], [0], [0], [0], [0]];
  const time = [0, 0];
  check('ClusterRegQueryInfoKey', api().ClusterRegQueryInfoKey(key.raw, n[0], n[1], n[2], n[3], n[4], n[5], time) as number, key.path || 'root key');
  const [subkeys, maxSub, values, maxName, maxData, sd] = n.map((x) => x[0] >>> 0);
  return {
    subkeys, maxSubkeyNameLength: maxSub, values, maxValueNameLength: maxName, maxValueDataLength: maxData,
    securityDescriptorBytes: sd, lastWriteTime: filetime(time),
  };
}

/** ClusterRegSetValue. */
export function setClusterValue(key: ClusterKey, valueName: string, type: number, data: Uint8Array): void {
  check('ClusterRegSetValue', api().ClusterRegSetValue(key.raw, valueName, type >>> 0, Buffer.from(data), data.length) as number, childPath(key, valueName));
}

/** ClusterRegDeleteValue. */
export function deleteClusterValue(key: ClusterKey, valueName: string): void {
  check('ClusterRegDeleteValue', api().ClusterRegDeleteValue(key.raw, valueName) as number, childPath(key, valueName));
}

/** ClusterRegDeleteKey (the key must have no subkeys). */
export function deleteClusterSubkey(key: ClusterKey, subKey: string): void {
  check('ClusterRegDeleteKey', api().ClusterRegDeleteKey(key.raw, subKey) as number, childPath(key, subKey));
}

// ---- single calls with the caller's buffer sizes (for contract tests and diagnostics) ----

/** One ClusterRegEnumKey call with a name buffer of `cch` characters (null: no buffer): the code and what came back. */
export function clusterRegEnumKeyOnce(key: ClusterKey, index: number, cch: number | null): { code: number; cch: number; name: string } {
  const buffer = cch === null ? null : Buffer.alloc(cch * 2);
  const inout = [cch ?? 0];
  const code = (api().ClusterRegEnumKey(key.raw, index >>> 0, buffer, inout, [0, 0]) as number) >>> 0;
  return { code, cch: inout[0] >>> 0, name: code === ERROR_SUCCESS && buffer ? decodeWide(buffer, inout[0]) : '' };
}

/** One ClusterRegEnumValue call with the caller's buffer sizes (`cb` null: lpData NULL). */
export function clusterRegEnumValueOnce(key: ClusterKey, index: number, cch: number, cb: number | null):
{ code: number; cch: number; cb: number; name: string; type: number; data: Uint8Array } {
  const name = Buffer.alloc(Math.max(cch, 1) * 2);
  const data = cb === null ? null : Buffer.alloc(cb);
  const cchInout = [cch];
  const cbInout = [cb ?? 0];
  const type = [0];
  const code = (api().ClusterRegEnumValue(key.raw, index >>> 0, name, cchInout, type, data, cbInout) as number) >>> 0;
  const ok = code === ERROR_SUCCESS;
  return {
    code, cch: cchInout[0] >>> 0, cb: cbInout[0] >>> 0, name: ok ? decodeWide(name, cchInout[0]) : '', type: ok ? type[0] >>> 0 : 0,
    data: ok && data ? new Uint8Array(data.subarray(0, cbInout[0])) : new Uint8Array(),
  };
}

/** One ClusterRegQueryValue call with a data buffer of `cb` bytes (null: lpData NULL). */
export function clusterRegQueryValueOnce(key: ClusterKey, valueName: string, cb: number | null): { code: number; cb: number; type: number; data: Uint8Array } {
  const data = cb === null ? null : Buffer.alloc(cb);
  const inout = [cb ?? 0];
  const type = [0];
  const code = (api().ClusterRegQueryValue(key.raw, valueName, type, data, inout) as number) >>> 0;
  const ok = code === ERROR_SUCCESS;
  return { code, cb: inout[0] >>> 0, type: ok ? type[0] >>> 0 : 0, data: ok && data ? new Uint8Array(data.subarray(0, inout[0])) : new Uint8Array() };
}
