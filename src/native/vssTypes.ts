/**
 * VSS enumerations, identifiers and their names (docs/windows.md: GUIDs and interface IDs, Constants and codes).
 */
import type { Guid } from './com';

export const IID_IVssBackupComponents: Guid = '665c1d5f-c218-414d-a05d-7fef5f9d5c86';
export const IID_IVssBackupComponentsEx: Guid = '963f03ad-9e4c-4a34-ac15-e4b6174e5036';
export const IID_IVssBackupComponentsEx2: Guid = 'acfe2b3a-22c9-4ef8-bd03-2f9ca230084e';
export const IID_IVssComponentEx: Guid = '156c8b5e-f131-4bd7-9c97-d1923be7e1fa';
export const IID_IVssComponentEx2: Guid = '3b5be0f2-07a9-4e4b-bdd3-cfdc8e2c0d2d';

/** The failover cluster's "Cluster Database" writer (the seed document). */
export const CLUSTER_DATABASE_WRITER_ID: Guid = '41e12264-35d8-479b-8e5c-9b23d1dad37e';
export const CLUSTER_DATABASE_WRITER_NAME = 'Cluster Database';

export const VSS_S_ASYNC_PENDING = 0x00042309;
export const VSS_S_ASYNC_FINISHED = 0x0004230a;
export const VSS_S_ASYNC_CANCELLED = 0x0004230b;
export const VSS_E_BAD_STATE = 0x80042301 | 0;
export const VSS_E_OBJECT_NOT_FOUND = 0x80042308 | 0;
export const VSS_E_SNAPSHOT_SET_IN_PROGRESS = 0x80042316 | 0;

export enum VssBackupType { Undefined = 0, Full = 1, Incremental = 2, Differential = 3, Log = 4, Copy = 5, Other = 6 }
export enum VssRestoreType { Undefined = 0, ByCopy = 1, Import = 2, Other = 3 }
export enum VssComponentType { Undefined = 0, Database = 1, Filegroup = 2 }
export enum VssFileRestoreStatus { Undefined = 0, None = 1, All = 2, Failed = 3 }
export enum VssRestoreTarget { Undefined = 0, Original = 1, Alternate = 2, Directed = 3, OriginalLocation = 4 }
export enum VssWriterRestore { Undefined = 0, Never = 1, IfReplaceFails = 2, Always = 3 }
export enum VssUsageType { Undefined = 0, BootableSystemState = 1, SystemService = 2, UserData = 3, Other = 4 }
export enum VssSourceType { Undefined = 0, TransactedDb = 1, NonTransactedDb = 2, Other = 3 }
export enum VssRestoreMethod {
  Undefined = 0, RestoreIfNotThere = 1, RestoreIfCanReplace = 2, StopRestoreStart = 3, RestoreToAlternateLocation = 4,
  RestoreAtReboot = 5, RestoreAtRebootIfCannotReplace = 6, Custom = 7, RestoreStopStart = 8,
}
export enum VssWriterState {
  Unknown = 0, Stable = 1, WaitingForFreeze = 2, WaitingForThaw = 3, WaitingForPostSnapshot = 4,
  WaitingForBackupComplete = 5, FailedAtIdentify = 6, FailedAtPrepareBackup = 7, FailedAtPrepareSnapshot = 8,
  FailedAtFreeze = 9, FailedAtThaw = 10, FailedAtPostSnapshot = 11, FailedAtBackupComplete = 12,
  FailedAtPreRestore = 13, FailedAtPostRestore = 14, FailedAtBackupShutdown = 15,
}

export const VSS_CTX_BACKUP = 0;
export const VSS_BS_AUTHORITATIVE_RESTORE = 0x4000;

const WRITER_STATE_NAMES: Record<number, string> = {
  0: 'VSS_WS_UNKNOWN', 1: 'VSS_WS_STABLE', 2: 'VSS_WS_WAITING_FOR_FREEZE', 3: 'VSS_WS_WAITING_FOR_THAW',
  4: 'VSS_WS_WAITING_FOR_POST_SNAPSHOT', 5: 'VSS_WS_WAITING_FOR_BACKUP_COMPLETE', 6: 'VSS_WS_FAILED_AT_IDENTIFY',
  7: 'VSS_WS_FAILED_AT_PREPARE_BACKUP', 8: 'VSS_WS_FAILED_AT_PREPARE_SNAPSHOT', 9: 'VSS_WS_FAILED_AT_FREEZE',
  10: 'VSS_WS_FAILED_AT_THAW', 11: 'VSS_WS_FAILED_AT_POST_SNAPSHOT', 12: 'VSS_WS_FAILED_AT_BACKUP_COMPLETE',
  13: 'VSS_WS_FAILED_AT_PRE_RESTORE', 14: 'VSS_WS_FAILED_AT_POST_RESTORE', 15: 'VSS_WS_FAILED_AT_BACKUPSHUTDOWN',
};

export function writerStateName(state: number): string {
  return WRITER_STATE_NAMES[state] ?? `VSS_WS_${state}`;
}

/** A writer state that means the writer failed (VSS_WS_FAILED_AT_*). */
export function isWriterFailedState(state: number): boolean {
  return state >= VssWriterState.FailedAtIdentify && state <= VssWriterState.FailedAtBackupShutdown;
}

const RESTORE_METHOD_NAMES: Record<number, string> = {
  0: 'VSS_RME_UNDEFINED', 1: 'VSS_RME_RESTORE_IF_NOT_THERE', 2: 'VSS_RME_RESTORE_IF_CAN_REPLACE',
  3: 'VSS_RME_STOP_RESTORE_START', 4: 'VSS_RME_RESTORE_TO_ALTERNATE_LOCATION', 5: 'VSS_RME_RESTORE_AT_REBOOT',
  6: 'VSS_RME_RESTORE_AT_REBOOT_IF_CANNOT_REPLACE', 7: 'VSS_RME_CUSTOM', 8: 'VSS_RME_RESTORE_STOP_START',
};

export function restoreMethodName(method: number): string {
  return RESTORE_METHOD_NAMES[method] ?? `VSS_RME_${method}`;
}
