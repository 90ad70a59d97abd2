/**
 * clusapi constants and the pure functions that interpret them (docs/windows.md, clusapi).
 * No koffi here, so unit tests can use them without loading anything native.
 */

export const ERROR_SUCCESS = 0;
export const ERROR_MORE_DATA = 234;
export const ERROR_NO_MORE_ITEMS = 259;
export const ERROR_PROC_NOT_FOUND = 127;
export const RPC_S_PROCNUM_OUT_OF_RANGE = 1745;

/** NODE_CLUSTER_STATE bits. */
export const CLUSTER_INSTALLED = 0x1;
export const CLUSTER_CONFIGURED = 0x2;
export const CLUSTER_RUNNING = 0x10;

/** NODE_CLUSTER_STATE values. */
export const NodeClusterState = {
  ClusterStateNotInstalled: 0x0,
  ClusterStateNotConfigured: 0x1,
  ClusterStateNotRunning: 0x3,
  ClusterStateRunning: 0x13,
} as const;

/** CLUSTER_NODE_STATE values. */
export const ClusterNodeState = {
  ClusterNodeStateUnknown: -1,
  ClusterNodeUp: 0,
  ClusterNodeDown: 1,
  ClusterNodePaused: 2,
  ClusterNodeJoining: 3,
} as const;

export const CLUSTER_ENUM_NODE = 0x1;

/** Access rights for OpenClusterEx. */
export const GENERIC_READ = 0x80000000;
export const GENERIC_ALL = 0x10000000;
export const MAXIMUM_ALLOWED = 0x02000000;

/** CLUSTERVERSIONINFO.dwFlags bit. */
export const CLUSTER_VERSION_FLAG_MIXED_MODE = 0x1;
export const CLUSTER_VERSION_UNKNOWN = 0xffffffff;

/** What GetNodeClusterState's flags mean for this machine. */
export type NodeClusterStateName = 'notInstalled' | 'notConfigured' | 'notRunning' | 'running';
export type ClusterNodeStateName = 'up' | 'down' | 'paused' | 'joining' | 'unknown';

/**
 * NODE_CLUSTER_STATE is a set of flags (installed 0x1, configured 0x2, running 0x10),
 * so it is read bit by bit rather than compared with the four documented values.
 */
export function nodeClusterStateName(value: number): NodeClusterStateName {
  if (value & CLUSTER_RUNNING) return 'running';
  if (value & CLUSTER_CONFIGURED) return 'notRunning';
  if (value & CLUSTER_INSTALLED) return 'notConfigured';
  return 'notInstalled';
}

/** The symbolic name of a NODE_CLUSTER_STATE value, e.g. "ClusterStateRunning (0x13)". */
export function describeNodeClusterState(value: number): string {
  const known = Object.entries(NodeClusterState).find(([, v]) => v === value);
  const hex = `0x${(value >>> 0).toString(16)}`;
  return known ? `${known[0]} (${hex})` : `flags ${hex} (${nodeClusterStateName(value)})`;
}

export function clusterNodeStateName(value: number): ClusterNodeStateName {
  switch (value) {
    case ClusterNodeState.ClusterNodeUp: return 'up';
    case ClusterNodeState.ClusterNodeDown: return 'down';
    case ClusterNodeState.ClusterNodePaused: return 'paused';
    case ClusterNodeState.ClusterNodeJoining: return 'joining';
    default: return 'unknown';
  }
}

/** CLUSTER_MAKE_VERSION(major, minor). */
export function clusterMakeVersion(major: number, minor: number): number {
  return ((major << 16) | (minor & 0xffff)) >>> 0;
}

