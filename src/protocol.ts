/**
 * The JSON-RPC protocol between the engine process (src/worker) and its clients
 * (the extension through src/client, and the CLI). vscode-jsonrpc carries it over
 * the Node IPC channel; cancellation uses its $/cancelRequest.
 */
import { NotificationType, RequestType } from 'vscode-jsonrpc';
import type {
  BackupResult, BackupSetSummary, ClusterStatus, LogLevel, VerifyResult,
} from './wire/model';
import type { PendingRestore, RecoverResult, RestoreParams, RestorePlan, RestoreResult } from './wire/restore';
import type { NativeTarget } from './native/target';
import type { LeakReport } from './native/simulator';

/** The data shapes the requests carry (owned by src/wire, which the engine imports too). */
export type {
  BackupKind, BackupResult, BackupSetSummary, ClusterStatus, ClusterSummary, LocalClusterState, LogLevel, NodeInfo,
  NodeState, VerifyResult,
} from './wire/model';
export type * from './wire/restore';
export type { NativeTarget } from './native/target';

export interface InitializeParams {
  native: NativeTarget;
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
}

export interface ConnectParams { name: string }

export interface BackupParams {
  /** Folder that holds the backup sets. */
  destination: string;
  /** Keep the newest N sets of this cluster after the backup (0 or absent: keep all). */
  keep?: number;
  /** The node the user chose; it must be the node the engine runs on. */
  node?: string;
}

export interface ListBackupsParams { folder: string; verify: boolean }
export interface VerifyParams { path: string; expectedCluster?: string }

export interface LogParams { level: LogLevel; message: string }
export interface ProgressParams { operation: string; step: string; fraction?: number }

export const Requests = {
  initialize: new RequestType<InitializeParams, void, EngineErrorData>('fcb/initialize'),
  status: new RequestType<Record<string, never>, ClusterStatus, EngineErrorData>('fcb/status'),
  connect: new RequestType<ConnectParams, ClusterStatus, EngineErrorData>('fcb/connect'),
  backup: new RequestType<BackupParams, BackupResult, EngineErrorData>('fcb/backup'),
  listBackups: new RequestType<ListBackupsParams, BackupSetSummary[], EngineErrorData>('fcb/listBackups'),
  verifyBackup: new RequestType<VerifyParams, VerifyResult, EngineErrorData>('fcb/verifyBackup'),
  planRestore: new RequestType<RestoreParams, RestorePlan, EngineErrorData>('fcb/planRestore'),
  restore: new RequestType<RestoreParams, RestoreResult, EngineErrorData>('fcb/restore'),
  /** The restore whose journal is on disk (interrupted, or running now), or null. */
  pendingRestore: new RequestType<Record<string, never>, PendingRestore | null, EngineErrorData>('fcb/pendingRestore'),
  /** Finish an interrupted restore: complete it or roll it back. */
  recover: new RequestType<Record<string, never>, RecoverResult, EngineErrorData>('fcb/recover'),
  /** Simulator only: open handles, COM references and unfreed strings in the engine process. */
  leakReport: new RequestType<Record<string, never>, LeakReport, EngineErrorData>('fcb/leakReport'),
} as const;

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
} as const;
