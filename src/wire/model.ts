/**
 * The data the engine hands out: plain JSON-serialisable shapes shared by the engine
 * process, the client, the CLI and the UI. This module (src/wire) owns them: the engine,
 * the protocol and the clients import them from here, and it imports nothing of ours.
 */
import type { PendingRestore } from './restore';

/** What GetNodeClusterState says about this machine (NODE_CLUSTER_STATE 0, 1, 3, 0x13). */
export type LocalClusterState = 'notInstalled' | 'notConfigured' | 'notRunning' | 'running';

/** A node as the cluster reports it; `unreachable` when the node could not be asked (RPC errors). */
export type NodeState = 'up' | 'down' | 'paused' | 'joining' | 'unreachable' | 'unknown';

export interface NativeErrorInfo {
  api: string;
  code: number;
  codeName: string;
  message: string;
}

/** CLUSTERVERSIONINFO as GetClusterInformation reports it; the raw flags are summed up in `mixedMode`. */
export interface ClusterVersionInfo {
  major: number;
  minor: number;
  build: number;
  vendor: string;
  csdVersion: string;
  /** CLUSTER_MAKE_VERSION(major, minor) values. */
  highestVersion: number;
  lowestVersion: number;
  mixedMode: boolean;
}

export interface QuorumInfo {
  resource: string;
  device: string;
  maxLogSize: number;
}

export interface ClusterSummary {
  name: string;
  /** "major.minor.build", e.g. "10.0.20348". */
  version: string;
  versionInfo: ClusterVersionInfo;
  quorum: QuorumInfo | null;
}

export interface NodeInfo {
  name: string;
  /** The node id as GetClusterNodeId returns it; null when it could not be read. */
  id: string | null;
  state: NodeState;
  isLocal: boolean;
  /** Why the state is unreachable/unknown, when it is. */
  error?: NativeErrorInfo;
}

export interface ClusterStatus {
  /** This machine's state (for a cluster opened by name: the local machine's state too). */
  state: LocalClusterState;
  /** The local computer name. */
  machine: string;
  /** null unless the cluster service runs here (or a cluster was opened by name). */
  cluster: ClusterSummary | null;
  nodes: NodeInfo[];
  /** Set when this status came from "Connect to Cluster…" rather than local detection. */
  connectedName?: string;
  /** A restore whose journal is on disk on this machine: running now, or interrupted and to be finished. */
  pendingRestore?: PendingRestore | null;
  /** Whether the engine runs with a full administrator token (TokenElevation); absent when it could not be read. */
  elevated?: boolean;
}

export type BackupKind = 'vss-cluster-writer' | 'offline-hive';

export interface BackupFileEntry {
  /** The file's original (live) path on the node. */
  originalPath: string;
  /** Path inside the set, relative, always under files/ and with forward slashes. */
  path: string;
  size: number;
  sha256: string;
}

export interface BackupResult {
  path: string;
  kind: BackupKind;
  cluster: string;
  node: string;
  /** UTC ISO-8601 time of the snapshot. */
  time: string;
  files: BackupFileEntry[];
  /** Sets removed by retention after this backup. */
  removedByRetention: string[];
  /**
   * What retention could not do or left for the user (a set that failed validation, is
   * dated in the future, could not be deleted…). The set was made; these are warnings
   * the CLI turns into exit code 1 and the UI shows.
   */
  retentionProblems?: string[];
  /** Why the backup was taken (`--reason`); null when none was given. */
  reason?: string | null;
  /** The copy to `copyTo`, when one was asked for. */
  copy?: BackupCopyResult;
}

/**
 * backup --copy-to: the set copied to a second folder after it was made and verified
 * here. A failed copy never costs the local set: `error` says what went wrong, and
 * nothing half-written is left in `destination`.
 */
export interface BackupCopyResult {
  destination: string;
  /** The copy's path; null when the copy failed. */
  path: string | null;
  /** Why the copy failed; null when it was made and verified. */
  error: string | null;
  /** Sets removed by retention (`keep`) in `destination`. */
  removedByRetention: string[];
  retentionProblems: string[];
}

export interface BackupSetSummary {
  path: string;
  name: string;
  cluster: string | null;
  node: string | null;
  time: string | null;
  kind: BackupKind | null;
  /** Total bytes of the files in the set. */
  size: number;
  /** true: verified intact; false: failed validation (see problems); null: not checked. */
  verified: boolean | null;
  problems: string[];
  /** Why the backup was taken (the manifest's `reason`); null when the set records none. */
  reason?: string | null;
  /**
   * A verifying listing by the engine: hands this verification to a restore plan
   * (RestoreParams.verificationToken), so the set the user picks is not hashed again.
   */
  verificationToken?: string;
}

export interface VerifyResult {
  path: string;
  ok: boolean;
  /** One line per failed check, naming the file and the check. */
  problems: string[];
  /** What is not wrong with the set's contents but should be fixed, e.g. permissions wider than administrators only. */
  warnings?: string[];
  summary: BackupSetSummary;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
