/**
 * The JSON-RPC protocol between the engine process (src/worker) and its clients
 * (the extension through src/client, and the CLI). vscode-jsonrpc carries it over
 * the Node IPC channel; cancellation uses its $/cancelRequest.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type {
  BackupResult, BackupSetSummary, ClusterStatus, LogLevel, VerifyResult,
} from './wire/model';
import type { PendingRestore, RecoverResult, RestoreFailure, RestoreParams, RestorePlan, RestoreResult } from './wire/restore';
import type { ConfigurationSource } from './config/model';
import type { NativeTarget } from './native/target';
import type { RemoveScheduleResult, ScheduleStatus, SetScheduleParams } from './engine/schedule';
import type { NodeActionParams, NodeActionResult } from './wire/nodeActions';
import type { DeleteSetParams, DeleteSetResult } from './engine/setDeletion';

/** The data shapes the requests carry (owned by src/wire, which the engine imports too). */
export type {
  BackupKind, BackupResult, BackupSetSummary, ClusterStatus, ClusterSummary, LocalClusterState, LogLevel, NodeInfo,
  NodeState, VerifyResult, BackupCopyResult,
} from './wire/model';
export type * from './wire/restore';
export type { NativeTarget } from './native/target';
export type { ConfigurationSource } from './config/model';
export type { RemoveScheduleResult, ScheduleStatus, SetScheduleParams } from './engine/schedule';
export type { CliLauncher, ScheduleTrigger, WeekDay } from './engine/scheduleXml';
export type * from './wire/nodeActions';
export type { DeleteSetParams, DeleteSetResult } from './engine/setDeletion';

export interface InitializeParams {
  /**
   * null: this machine has no cluster to talk to (not Windows and no simulator). The engine then does file work
   * only — FILE_WORK_REQUESTS — and answers every other request with `unavailableReason`.
   */
  native: NativeTarget | null;
  unavailableReason?: string;
  /** Minimum level of the log notifications the engine sends. */
  logLevel: LogLevel;
}

/** error.data of every failed request: enough for the UI to name the API and code. */
export interface EngineErrorData {
  name: string;
  message: string;
  /** EngineErrorCode for policy errors. */
  engineCode?: string;
  /** For NativeError: the failing API, its numeric code and symbolic name. */
  api?: string;
  code?: number;
  codeName?: string;
  /** A failed restore: what its roll-back did. */
  restore?: RestoreFailure;
}

export interface ConnectParams { name: string }

export interface BackupParams {
  /** Folder that holds the backup sets. */
  destination: string;
  /** Keep the newest N sets of this cluster after the backup (0 or absent: keep all). */
  keep?: number;
  /** The node the user chose; it must be the node the engine runs on. */
  node?: string;
  /** Why the backup is taken (src/wire/backupReason.ts): recorded in the manifest and the log. */
  reason?: string;
  /** A second folder (e.g. a share) the finished set is copied to, verified there, and pruned there with `keep`. */
  copyTo?: string;
}

export interface ListBackupsParams { folder: string; verify: boolean }
export interface VerifyParams { path: string; expectedCluster?: string }
/** A set the CLI verified in its own process and found damaged: what the "verify failed" event names. */

/** The cluster configuration in a backup set (verified first); file work, no cluster needed. */
export interface SetConfigurationParams { path: string }
/** The running cluster's configuration, read through the cluster registry API (the local cluster unless named). */
export interface LiveConfigurationParams { cluster?: string }

export interface LogParams { level: LogLevel; message: string }
export interface ProgressParams { operation: string; step: string; fraction?: number }
/**
 * `committed`: the request passed its point of no return — it completes or rolls back, and the engine process
 * stays until it has, whatever the client does. `cancelDeclined`: a cancel arrived after that point; `message`
 * says what is happening and when it ends.
 */
export interface OperationNoticeParams { operation: string; message: string }

export const Requests = {
  initialize: new RequestType<InitializeParams, void, EngineErrorData>('fcb/initialize'),
  status: new RequestType<Record<string, never>, ClusterStatus, EngineErrorData>('fcb/status'),
  connect: new RequestType<ConnectParams, ClusterStatus, EngineErrorData>('fcb/connect'),
  backup: new RequestType<BackupParams, BackupResult, EngineErrorData>('fcb/backup'),
  listBackups: new RequestType<ListBackupsParams, BackupSetSummary[], EngineErrorData>('fcb/listBackups'),
  verifyBackup: new RequestType<VerifyParams, VerifyResult, EngineErrorData>('fcb/verifyBackup'),
  planRestore: new RequestType<RestoreParams, RestorePlan, EngineErrorData>('fcb/planRestore'),
  restore: new RequestType<RestoreParams, RestoreResult, EngineErrorData>('fcb/restore'),
  setConfiguration: new RequestType<SetConfigurationParams, ConfigurationSource, EngineErrorData>('fcb/setConfiguration'),
  liveConfiguration: new RequestType<LiveConfigurationParams, ConfigurationSource, EngineErrorData>('fcb/liveConfiguration'),
  /** The scheduled backup (Task Scheduler task): register or replace, read, remove. */
  setSchedule: new RequestType<SetScheduleParams, ScheduleStatus, EngineErrorData>('fcb/setSchedule'),
  showSchedule: new RequestType<Record<string, never>, ScheduleStatus, EngineErrorData>('fcb/showSchedule'),
  removeSchedule: new RequestType<Record<string, never>, RemoveScheduleResult, EngineErrorData>('fcb/removeSchedule'),
  /** The restore whose journal is on disk (interrupted, or running now), or null. */
  pendingRestore: new RequestType<Record<string, never>, PendingRestore | null, EngineErrorData>('fcb/pendingRestore'),
  /** Finish an interrupted restore: complete it or roll it back. */
  recover: new RequestType<Record<string, never>, RecoverResult, EngineErrorData>('fcb/recover'),
  /** Start/Stop Cluster Service, Pause (drain roles) or Resume on a node; the result is the state read back. */
  nodeAction: new RequestType<NodeActionParams, NodeActionResult, EngineErrorData>('fcb/nodeAction'),
  /** Delete one backup set (file work): refused unless the folder is a set directly in the backup folder. */
  deleteBackupSet: new RequestType<DeleteSetParams, DeleteSetResult, EngineErrorData>('fcb/deleteBackupSet'),
} as const;

/** Requests that are file work (backup sets and hives) and need no cluster, no Windows and no native code. */
export const FILE_WORK_REQUESTS: ReadonlySet<string> = new Set(['listBackups', 'verifyBackup', 'setConfiguration', 'deleteBackupSet']);

/** A request by its name in `Requests`, for callers that load this module (and vscode-jsonrpc) only when needed. */
export type RequestName = keyof typeof Requests;
export type RequestParams<K extends RequestName> = (typeof Requests)[K] extends RequestType<infer P, infer _R, EngineErrorData> ? P : never;
export type RequestResult<K extends RequestName> = (typeof Requests)[K] extends RequestType<infer _P, infer R, EngineErrorData> ? R : never;

/** The request object named `name`, typed with its parameters and result. */
export function requestType<K extends RequestName>(name: K): RequestType<RequestParams<K>, RequestResult<K>, EngineErrorData> {
  return Requests[name] as RequestType<RequestParams<K>, RequestResult<K>, EngineErrorData>;
}

export const Notifications = {
  log: new NotificationType<LogParams>('fcb/log'),
  progress: new NotificationType<ProgressParams>('fcb/progress'),
  committed: new NotificationType<OperationNoticeParams>('fcb/committed'),
  cancelDeclined: new NotificationType<OperationNoticeParams>('fcb/cancelDeclined'),
} as const;
