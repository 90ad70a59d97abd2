/**
 * clusapi.dll bindings (docs/windows.md, clusapi): node cluster state, cluster and node
 * handles, cluster information and version, node enumeration, quorum resource.
 *
 * Typed wrappers only, no policy. Every failure becomes a Win32Error naming the API
 * and the code: functions returning a DWORD return the code itself, functions
 * returning a handle or BOOL report it through GetLastError, read right away.
 * Handles are small classes with an idempotent close(); `withCluster`, `withNode`
 * and `withClusterEnum` close them whatever the callback does.
 */
import koffi, { type TypeObject } from 'koffi';
import { Win32Error } from './errors';
import { decodeWide, getLastError, MAX_WIDE_STRING_CCH } from './kernel32';
import {
  CLUSTER_ENUM_NODE, CLUSTER_VERSION_FLAG_MIXED_MODE, ClusterNodeState, ERROR_MORE_DATA, ERROR_NO_MORE_ITEMS, ERROR_SUCCESS,
  RPC_S_PROCNUM_OUT_OF_RANGE,
} from './clusapiTypes';
import { lazyBindings } from './loader';

export * from './clusapiTypes';

// ---- CLUSTERVERSIONINFO (docs/windows.md, clusapi: 284 bytes, align 4) ----

export const CLUSTERVERSIONINFO_SIZE = 284;

let versionInfoType: TypeObject | undefined;
/** Declared on first use so that importing this module loads no native code. */
function clusterVersionInfoType(): TypeObject {
  if (!versionInfoType) {
    const type = koffi.struct('CLUSTERVERSIONINFO', {
      dwVersionInfoSize: 'uint32_t',
      MajorVersion: 'uint16_t',
      MinorVersion: 'uint16_t',
      BuildNumber: 'uint16_t',
      szVendorId: koffi.array('uint16_t', 64, 'Typed'),
      szCSDVersion: koffi.array('uint16_t', 64, 'Typed'),
      dwClusterHighestVersion: 'uint32_t',
      dwClusterLowestVersion: 'uint32_t',
      dwFlags: 'uint32_t',
      dwReserved: 'uint32_t',
    });
    const expected: Record<string, number> = {
      szVendorId: 10, szCSDVersion: 138, dwClusterHighestVersion: 268, dwClusterLowestVersion: 272, dwFlags: 276, dwReserved: 280,
    };
    for (const [member, offset] of Object.entries(expected)) {
      if (koffi.offsetof(type, member) !== offset) throw new Error(`CLUSTERVERSIONINFO.${member} is at ${koffi.offsetof(type, member)}, expected ${offset}`);
    }
    if (koffi.sizeof(type) !== CLUSTERVERSIONINFO_SIZE) throw new Error(`CLUSTERVERSIONINFO is ${koffi.sizeof(type)} bytes, expected ${CLUSTERVERSIONINFO_SIZE}`);
    versionInfoType = type;
  }
  return versionInfoType;
}

/** The koffi layout of CLUSTERVERSIONINFO (for layout checks). */
export function clusterVersionInfoLayout(): { size: number; offsets: Record<string, number> } {
  const type = clusterVersionInfoType();
  const members = ['dwVersionInfoSize', 'MajorVersion', 'MinorVersion', 'BuildNumber', 'szVendorId', 'szCSDVersion',
    'dwClusterHighestVersion', 'dwClusterLowestVersion', 'dwFlags', 'dwReserved'];
  return { size: koffi.sizeof(type), offsets: Object.fromEntries(members.map((m) => [m, koffi.offsetof(type, m)])) };
}

interface RawClusterVersionInfo {
  dwVersionInfoSize: number;
  MajorVersion: number;
  MinorVersion: number;
  BuildNumber: number;
  szVendorId: Uint16Array;
  szCSDVersion: Uint16Array;
  dwClusterHighestVersion: number;
  dwClusterLowestVersion: number;
  dwFlags: number;
  dwReserved: number;
}

export interface ClusterVersion {
  major: number;
  minor: number;
  build: number;
  vendor: string;
  csdVersion: string;
  /** CLUSTER_MAKE_VERSION(major, minor) values. */
  highestVersion: number;
  lowestVersion: number;
  /** dwFlags (CLUSTER_VERSION_FLAG_MIXED_MODE). */
  flags: number;
  mixedMode: boolean;
}

function wcharArrayToString(chars: Uint16Array | number[] | undefined): string {
  if (!chars) return '';
  const units = Array.from(chars);
  const nul = units.indexOf(0);
  return String.fromCharCode(...(nul < 0 ? units : units.slice(0, nul)));
}

// ---- bindings ----

export type NativePointer = bigint;

const api = lazyBindings('clusapi', (lib) => {
  // Declared before the prototypes that name it.
  clusterVersionInfoType();
  return {
    GetNodeClusterState: lib.func('uint32_t GetNodeClusterState(const char16_t *nodeName, _Out_ uint32_t *state)'),
    OpenCluster: lib.func('void *OpenCluster(const char16_t *clusterName)'),
    CloseCluster: lib.func('int32_t CloseCluster(void *cluster)'),
    GetClusterInformation: lib.func(
      'uint32_t GetClusterInformation(void *cluster, uint16_t *name, _Inout_ uint32_t *cchName, _Inout_ CLUSTERVERSIONINFO *info)'),
    ClusterOpenEnum: lib.func('void *ClusterOpenEnum(void *cluster, uint32_t type)'),
    ClusterGetEnumCount: lib.func('uint32_t ClusterGetEnumCount(void *clusterEnum)'),
    ClusterEnum: lib.func(
      'uint32_t ClusterEnum(void *clusterEnum, uint32_t index, _Out_ uint32_t *type, uint16_t *name, _Inout_ uint32_t *cchName)'),
    ClusterCloseEnum: lib.func('uint32_t ClusterCloseEnum(void *clusterEnum)'),
    OpenClusterNode: lib.func('void *OpenClusterNode(void *cluster, const char16_t *nodeName)'),
    GetClusterNodeState: lib.func('int32_t GetClusterNodeState(void *node)'),
    GetClusterNodeId: lib.func('uint32_t GetClusterNodeId(void *node, uint16_t *id, _Inout_ uint32_t *cchId)'),
    CloseClusterNode: lib.func('int32_t CloseClusterNode(void *node)'),
    GetClusterQuorumResource: lib.func(
      'uint32_t GetClusterQuorumResource(void *cluster, uint16_t *resourceName, _Inout_ uint32_t *cchResourceName, ' +
      'uint16_t *deviceName, _Inout_ uint32_t *cchDeviceName, _Out_ uint32_t *maxQuorumLogSize)'),
  };
});

type OpenClusterExFn = (name: string | null, desiredAccess: number, granted: number[]) => NativePointer | null;

/**
 * OpenClusterEx exists from Server 2008 R2 on and is missing from older clusapi.dll
 * builds (and from stand-ins that do not implement it), so it is looked up on its own
 * and its absence is an answer, not an error.
 */
const openClusterExBinding = lazyBindings('clusapi', (lib): { fn: OpenClusterExFn | null } => {
  try {
    return { fn: lib.func('void *OpenClusterEx(const char16_t *clusterName, uint32_t desiredAccess, _Out_ uint32_t *grantedAccess)') as OpenClusterExFn };
  } catch {
    return { fn: null };
  }
});

/** Whether this clusapi.dll exports OpenClusterEx. */
export function hasOpenClusterEx(): boolean {
  return openClusterExBinding().fn !== null;
}

function isNull(pointer: unknown): boolean {
  return pointer === null || pointer === undefined || pointer === 0n || pointer === 0;
}

// ---- buffers ----

/** First buffer size for names and ids, in WCHARs; longer ones grow the buffer. */
export const FIRST_NAME_CCH = 64;
/** Upper bound for a name a clusapi call may return, in WCHARs (NUL included). */
export const MAX_NAME_CCH = MAX_WIDE_STRING_CCH + 1;

/** The buffer size for the next attempt after ERROR_MORE_DATA: what the API asked for, plus the NUL. */
function grownCch(api: string, current: number, reported: number | undefined): number {
  // The API reports the length it needs without the NUL (MS "Data Size Conventions"); if it
  // reports nothing useful, double instead so the loop always makes progress. A report equal
  // to the capacity offered is ambiguous (exactly one WCHAR short, or the input left
  // unchanged, which is not confirmed for every clusapi call): doubling covers both, where
  // `current + 1` would grow by one WCHAR per call (one RPC each) in the second case.
  const wanted = reported !== undefined && reported > current ? reported + 1 : current * 2;
  if (wanted > MAX_NAME_CCH) {
    throw new Win32Error(api, ERROR_MORE_DATA, `the value is longer than ${MAX_NAME_CCH - 1} characters`);
  }
  return wanted;
}

/** Calls a clusapi "fill this WCHAR buffer" function, growing the buffer on ERROR_MORE_DATA. */
function readWideString(apiName: string, call: (buffer: Buffer, cch: number[]) => number, firstCch = FIRST_NAME_CCH): string {
  let cch = firstCch;
  for (;;) {
    const buffer = Buffer.alloc(cch * 2);
    const inout = [cch];
    const code = call(buffer, inout) >>> 0;
    if (code === ERROR_SUCCESS) return decodeWide(buffer, inout[0]);
    if (code !== ERROR_MORE_DATA) throw new Win32Error(apiName, code);
    cch = grownCch(apiName, cch, inout[0]);
  }
}

// ---- handles ----

interface Closable {
  close(): void;
}

function closeQuietly(handle: Closable): void {
  try {
    handle.close();
  } catch {
    // The error that got us here is the one to report.
  }
}

/** Runs fn with the handle and closes it afterwards, also when fn throws or its promise rejects. */
function using<H extends Closable, T>(handle: H, fn: (handle: H) => T): T {
  let result: T;
  try {
    result = fn(handle);
  } catch (err) {
    closeQuietly(handle);
    throw err;
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => {
        handle.close();
        return value;
      },
      (err: unknown) => {
        closeQuietly(handle);
        throw err;
      },
    ) as T;
  }
  handle.close();
  return result;
}

/** An open HCLUSTER. */
export class ClusterHandle implements Closable {
  private pointer: NativePointer | null;
  /** The name it was opened with (null: the local cluster over LPC). */
  readonly openedWith: string | null;
  /** The access OpenClusterEx granted, when it was used. */
  readonly grantedAccess: number | null;

  constructor(pointer: NativePointer, openedWith: string | null, grantedAccess: number | null = null) {
    this.pointer = pointer;
    this.openedWith = openedWith;
    this.grantedAccess = grantedAccess;
  }

  get raw(): NativePointer {
    if (this.pointer === null) throw new Error('The cluster handle is closed.');
    return this.pointer;
  }

  get closed(): boolean {
    return this.pointer === null;
  }

  close(): void {
    if (this.pointer === null) return;
    const pointer = this.pointer;
    this.pointer = null;
    if ((api().CloseCluster(pointer) as number) === 0) throw new Win32Error('CloseCluster', getLastError());
  }
}

/** An open HNODE. */
export class NodeHandle implements Closable {
  private pointer: NativePointer | null;
  readonly name: string;

  constructor(pointer: NativePointer, name: string) {
    this.pointer = pointer;
    this.name = name;
  }

  get raw(): NativePointer {
    if (this.pointer === null) throw new Error(`The handle of node ${this.name} is closed.`);
    return this.pointer;
  }

  close(): void {
    if (this.pointer === null) return;
    const pointer = this.pointer;
    this.pointer = null;
    if ((api().CloseClusterNode(pointer) as number) === 0) throw new Win32Error('CloseClusterNode', getLastError());
  }
}

/** An open HCLUSENUM. */
export class ClusterEnumHandle implements Closable {
  private pointer: NativePointer | null;

  constructor(pointer: NativePointer) {
    this.pointer = pointer;
  }

  get raw(): NativePointer {
    if (this.pointer === null) throw new Error('The cluster enumeration handle is closed.');
    return this.pointer;
  }

  close(): void {
    if (this.pointer === null) return;
    const pointer = this.pointer;
    this.pointer = null;
    const code = (api().ClusterCloseEnum(pointer) as number) >>> 0;
    if (code !== ERROR_SUCCESS) throw new Win32Error('ClusterCloseEnum', code);
  }
}

// ---- functions ----

/** GetNodeClusterState: the raw NODE_CLUSTER_STATE of a node (null or omitted: this machine). */
export function getNodeClusterState(nodeName: string | null = null): number {
  const state = [0];
  const code = (api().GetNodeClusterState(nodeName, state) as number) >>> 0;
  if (code !== ERROR_SUCCESS) throw new Win32Error('GetNodeClusterState', code, nodeName === null ? undefined : `node ${nodeName}`);
  return state[0] >>> 0;
}

/** OpenCluster: a name (cluster, node, DNS or IP) gives an RPC handle; null the local cluster over LPC. */
export function openCluster(name: string | null): ClusterHandle {
  const pointer = api().OpenCluster(name) as NativePointer | null;
  if (isNull(pointer)) throw new Win32Error('OpenCluster', getLastError(), name === null ? 'local cluster' : `name ${name}`);
  return new ClusterHandle(pointer as NativePointer, name);
}

/**
 * OpenClusterEx with the access wanted; falls back to OpenCluster when the export is
 * missing or the server predates it (RPC_S_PROCNUM_OUT_OF_RANGE). `usedEx` tells which.
 */
export function openClusterEx(name: string | null, desiredAccess: number): { handle: ClusterHandle; usedEx: boolean } {
  const fn = openClusterExBinding().fn;
  if (fn) {
    const granted = [0];
    const pointer = fn(name, desiredAccess >>> 0, granted);
    if (!isNull(pointer)) return { handle: new ClusterHandle(pointer as NativePointer, name, granted[0] >>> 0), usedEx: true };
    const code = getLastError();
    if (code !== RPC_S_PROCNUM_OUT_OF_RANGE) {
      throw new Win32Error('OpenClusterEx', code, name === null ? 'local cluster' : `name ${name}`);
    }
  }
  return { handle: openCluster(name), usedEx: false };
}

export function withCluster<T>(name: string | null, fn: (cluster: ClusterHandle) => T): T {
  return using(openCluster(name), fn);
}

export interface ClusterInformation {
  name: string;
  version: ClusterVersion;
}

/** GetClusterInformation: the cluster's name and CLUSTERVERSIONINFO. */
export function getClusterInformation(cluster: ClusterHandle): ClusterInformation {
  const { GetClusterInformation } = api();
  let info: RawClusterVersionInfo | undefined;
  const name = readWideString('GetClusterInformation', (buffer, cch) => {
    const versionInfo = { dwVersionInfoSize: CLUSTERVERSIONINFO_SIZE } as RawClusterVersionInfo;
    const code = GetClusterInformation(cluster.raw, buffer, cch, versionInfo) as number;
    info = versionInfo;
    return code;
  });
  const v = info as RawClusterVersionInfo;
  return {
    name,
    version: {
      major: v.MajorVersion,
      minor: v.MinorVersion,
      build: v.BuildNumber,
      vendor: wcharArrayToString(v.szVendorId),
      csdVersion: wcharArrayToString(v.szCSDVersion),
      highestVersion: v.dwClusterHighestVersion >>> 0,
      lowestVersion: v.dwClusterLowestVersion >>> 0,
      flags: v.dwFlags >>> 0,
      mixedMode: (v.dwFlags & CLUSTER_VERSION_FLAG_MIXED_MODE) !== 0,
    },
  };
}

export interface QuorumResource {
  resourceName: string;
  deviceName: string;
  maxQuorumLogSize: number;
}

/** GetClusterQuorumResource: the quorum resource's name, its device and the log size limit. */
export function getClusterQuorumResource(cluster: ClusterHandle): QuorumResource {
  const { GetClusterQuorumResource } = api();
  let resourceCch = FIRST_NAME_CCH;
  let deviceCch = FIRST_NAME_CCH;
  for (;;) {
    const resource = Buffer.alloc(resourceCch * 2);
    const device = Buffer.alloc(deviceCch * 2);
    const resourceInout = [resourceCch];
    const deviceInout = [deviceCch];
    const maxLog = [0];
    const code = (GetClusterQuorumResource(cluster.raw, resource, resourceInout, device, deviceInout, maxLog) as number) >>> 0;
    if (code === ERROR_SUCCESS) {
      return { resourceName: decodeWide(resource, resourceInout[0]), deviceName: decodeWide(device, deviceInout[0]), maxQuorumLogSize: maxLog[0] >>> 0 };
    }
    if (code !== ERROR_MORE_DATA) throw new Win32Error('GetClusterQuorumResource', code);
    // Either buffer may be the short one; each grows only if its reported length does not fit.
    const resourceFits = resourceInout[0] !== undefined && resourceInout[0] < resourceCch;
    const deviceFits = deviceInout[0] !== undefined && deviceInout[0] < deviceCch;
    if (!resourceFits || resourceFits === deviceFits) resourceCch = grownCch('GetClusterQuorumResource', resourceCch, resourceFits ? undefined : resourceInout[0]);
    if (!deviceFits || resourceFits === deviceFits) deviceCch = grownCch('GetClusterQuorumResource', deviceCch, deviceFits ? undefined : deviceInout[0]);
  }
}

/** ClusterOpenEnum with the given CLUSTER_ENUM_* mask. */
export function clusterOpenEnum(cluster: ClusterHandle, typeMask: number): ClusterEnumHandle {
  const pointer = api().ClusterOpenEnum(cluster.raw, typeMask >>> 0) as NativePointer | null;
  if (isNull(pointer)) throw new Win32Error('ClusterOpenEnum', getLastError());
  return new ClusterEnumHandle(pointer as NativePointer);
}

export function withClusterEnum<T>(cluster: ClusterHandle, typeMask: number, fn: (clusterEnum: ClusterEnumHandle) => T): T {
  return using(clusterOpenEnum(cluster, typeMask), fn);
}

/** ClusterGetEnumCount: how many items the enumeration holds (a count, not an error code). */
export function clusterGetEnumCount(clusterEnum: ClusterEnumHandle): number {
  return (api().ClusterGetEnumCount(clusterEnum.raw) as number) >>> 0;
}

export interface ClusterEnumItem {
  type: number;
  name: string;
}

/** ClusterEnum: the item at `index`, or null past the end (ERROR_NO_MORE_ITEMS). */
export function clusterEnum(clusterEnum: ClusterEnumHandle, index: number): ClusterEnumItem | null {
  const { ClusterEnum } = api();
  const type = [0];
  let ended = false;
  const name = readWideString('ClusterEnum', (buffer, cch) => {
    const code = (ClusterEnum(clusterEnum.raw, index >>> 0, type, buffer, cch) as number) >>> 0;
    if (code === ERROR_NO_MORE_ITEMS) {
      ended = true;
      return ERROR_SUCCESS;
    }
    return code;
  });
  return ended ? null : { type: type[0] >>> 0, name };
}

/** A guard against an enumeration that never reports ERROR_NO_MORE_ITEMS. */
const MAX_ENUM_ITEMS = 100_000;

/** Every item of an enumeration, in order, until ERROR_NO_MORE_ITEMS. */
export function clusterEnumAll(cluster: ClusterHandle, typeMask: number): ClusterEnumItem[] {
  return withClusterEnum(cluster, typeMask, (handle) => {
    const items: ClusterEnumItem[] = [];
    // The count is a hint (the membership can change while enumerating); the end is ERROR_NO_MORE_ITEMS.
    const count = clusterGetEnumCount(handle);
    for (let index = 0; ; index++) {
      const item = clusterEnum(handle, index);
      if (item === null) break;
      items.push(item);
      if (index >= Math.max(count, MAX_ENUM_ITEMS)) throw new Error(`ClusterEnum returned more than ${Math.max(count, MAX_ENUM_ITEMS)} items without ending.`);
    }
    return items;
  });
}

/** The names of the cluster's nodes (CLUSTER_ENUM_NODE). */
export function enumerateNodeNames(cluster: ClusterHandle): string[] {
  return clusterEnumAll(cluster, CLUSTER_ENUM_NODE).map((item) => item.name);
}

export function openClusterNode(cluster: ClusterHandle, nodeName: string): NodeHandle {
  const pointer = api().OpenClusterNode(cluster.raw, nodeName) as NativePointer | null;
  if (isNull(pointer)) throw new Win32Error('OpenClusterNode', getLastError(), `node ${nodeName}`);
  return new NodeHandle(pointer as NativePointer, nodeName);
}

export function withNode<T>(cluster: ClusterHandle, nodeName: string, fn: (node: NodeHandle) => T): T {
  return using(openClusterNode(cluster, nodeName), fn);
}

/** GetClusterNodeState: the raw CLUSTER_NODE_STATE (ClusterNodeStateUnknown -1 is a failure). */
export function getClusterNodeState(node: NodeHandle): number {
  const state = api().GetClusterNodeState(node.raw) as number;
  if (state === ClusterNodeState.ClusterNodeStateUnknown) throw new Win32Error('GetClusterNodeState', getLastError(), `node ${node.name}`);
  return state;
}

/** GetClusterNodeId: the node's id string. */
export function getClusterNodeId(node: NodeHandle): string {
  const { GetClusterNodeId } = api();
  try {
    return readWideString('GetClusterNodeId', (buffer, cch) => GetClusterNodeId(node.raw, buffer, cch) as number);
  } catch (err) {
    if (err instanceof Win32Error) throw new Win32Error('GetClusterNodeId', err.code, `node ${node.name}`);
    throw err;
  }
}

// ---- node control: pause (drain) and resume (docs/windows.md, "Node actions") ----

/** dwPauseFlags of PauseClusterNodeEx (clusapi.h). */
export const CLUSAPI_NODE_PAUSE_REMAIN_ON_PAUSED_NODE_ON_MOVE_ERROR = 0x1;
export const CLUSAPI_NODE_AVOID_PLACEMENT = 0x2;
export const CLUSAPI_NODE_PAUSE_RETRY_DRAIN_ON_FAILURE = 0x4;

/** CLUSTER_NODE_RESUME_FAILBACK_TYPE (clusapi.h). */
export enum ClusterNodeResumeFailbackType {
  DoNotFailbackGroups = 0,
  FailbackGroupsImmediately = 1,
  FailbackGroupsPerPolicy = 2,
}

/** Both exist from Windows Server 2012 on; they are bound on first use, apart from the calls every status needs. */
const nodeControlApi = lazyBindings('clusapi', (lib) => ({
  PauseClusterNodeEx: lib.func('uint32_t PauseClusterNodeEx(void *node, int32_t drainNode, uint32_t pauseFlags, void *drainTarget)'),
  ResumeClusterNodeEx: lib.func('uint32_t ResumeClusterNodeEx(void *node, uint32_t failbackType, uint32_t resumeFlagsReserved)'),
}));

/**
 * PauseClusterNodeEx: pause the node and, with `drain`, move its roles off it (to
 * `drainTarget` when given, else where the cluster places them). The call returns once the
 * pause is requested; the node's state (GetClusterNodeState) says when it is paused.
 */
export function pauseClusterNodeEx(node: NodeHandle, drain: boolean, flags: number, drainTarget: NodeHandle | null = null): void {
  const code = (nodeControlApi().PauseClusterNodeEx(node.raw, drain ? 1 : 0, flags >>> 0, drainTarget ? drainTarget.raw : null) as number) >>> 0;
  if (code !== ERROR_SUCCESS) throw new Win32Error('PauseClusterNodeEx', code, `node ${node.name}`);
}

/** ResumeClusterNodeEx: resume a paused node, failing its roles back as `failback` says. */
export function resumeClusterNodeEx(node: NodeHandle, failback: ClusterNodeResumeFailbackType): void {
  const code = (nodeControlApi().ResumeClusterNodeEx(node.raw, failback >>> 0, 0) as number) >>> 0;
  if (code !== ERROR_SUCCESS) throw new Win32Error('ResumeClusterNodeEx', code, `node ${node.name}`);
}
