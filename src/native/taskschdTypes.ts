/**
 * Task Scheduler 2.0 constants (taskschd.h, winerror.h) and the conversions the
 * bindings need: DATE values and the names of task results. No native code, so unit
 * tests and the engine's policy can use them. Sources: docs/windows.md "Task Scheduler".
 */
import type { Guid } from './com';
import { hresultName } from './errors';

export const CLSID_TaskScheduler: Guid = '0f87369f-a4e5-4cfc-bd3e-73e6154572dd';
export const IID_ITaskService: Guid = '2faba4c7-4da9-4013-9697-20cc3fd40f85';

/** CLSCTX_INPROC_SERVER: taskschd.dll is an in-process server. */
export const CLSCTX_INPROC_SERVER = 0x1;

/** TASK_CREATION flags for ITaskFolder::RegisterTask. */
export const TaskCreation = {
  validateOnly: 0x1,
  create: 0x2,
  update: 0x4,
  createOrUpdate: 0x6,
  disable: 0x8,
} as const;

/** TASK_LOGON_TYPE values. */
export const TaskLogonType = {
  none: 0,
  password: 1,
  s4u: 2,
  interactiveToken: 3,
  group: 4,
  serviceAccount: 5,
  interactiveTokenOrPassword: 6,
} as const;

/** TASK_STATE values, by number. */
export const TASK_STATE_NAMES: Readonly<Record<number, string>> = {
  0: 'unknown', 1: 'disabled', 2: 'queued', 3: 'ready', 4: 'running',
};

/** VARTYPE values the bindings put in a VARIANT. */
export const VT_EMPTY = 0;
export const VT_BSTR = 8;

/** SCHED_S_* / SCHED_E_* codes by value (Task Scheduler Error and Success Constants). */
const SCHED_NAMES: Readonly<Record<number, string>> = {
  0x00041300: 'SCHED_S_TASK_READY', 0x00041301: 'SCHED_S_TASK_RUNNING', 0x00041302: 'SCHED_S_TASK_DISABLED',
  0x00041303: 'SCHED_S_TASK_HAS_NOT_RUN', 0x00041304: 'SCHED_S_TASK_NO_MORE_RUNS', 0x00041305: 'SCHED_S_TASK_NOT_SCHEDULED',
  0x00041306: 'SCHED_S_TASK_TERMINATED', 0x00041307: 'SCHED_S_TASK_NO_VALID_TRIGGERS', 0x00041308: 'SCHED_S_EVENT_TRIGGER',
  0x8004130f: 'SCHED_E_ACCOUNT_INFORMATION_NOT_SET', 0x80041310: 'SCHED_E_ACCOUNT_NAME_NOT_FOUND',
  0x80041314: 'SCHED_E_UNSUPPORTED_ACCOUNT_OPTION', 0x80041315: 'SCHED_E_SERVICE_NOT_RUNNING',
  0x80041318: 'SCHED_E_INVALIDVALUE', 0x80041319: 'SCHED_E_MISSINGNODE', 0x8004131a: 'SCHED_E_MALFORMEDXML',
  0x8004131f: 'SCHED_E_ALREADY_RUNNING', 0x80041326: 'SCHED_E_TASK_DISABLED',
  0x800704e3: 'HRESULT_FROM_WIN32(ERROR_ONLY_IF_CONNECTED)',
};

export const SCHED_S_TASK_HAS_NOT_RUN = 0x00041303;

/**
 * The name of a task's last result (IRegisteredTask::get_LastTaskResult): 0 is the
 * program's exit code 0; SCHED_* codes and HRESULTs by their names; other values are
 * the program's exit code (fcbackup's: 1 failed, 2 usage, 130 cancelled).
 */
export function taskResultName(code: number): string {
  const u = code >>> 0;
  if (u === 0) return 'success (exit code 0)';
  const sched = SCHED_NAMES[u];
  if (sched) return sched;
  if (u < 0x10000) return `exit code ${u}`;
  return hresultName(code);
}

/** The name of a Task Scheduler HRESULT (SCHED_*), else the bridge's general name. */
export function schedHresultName(hr: number): string {
  return SCHED_NAMES[hr >>> 0] ?? hresultName(hr);
}

/** DATE of 1899-12-30 → 1970-01-01 offset, in days. */
const DATE_UNIX_EPOCH = 25569;
/** Windows reports 1999-11-30 00:00 as the last run time of a task that never ran. */
export const NEVER_RAN_DATE = 36494;

/**
 * A DATE (days since 1899-12-30, local wall-clock time, as the Task Scheduler returns
 * it) → a Date; null for 0 (no time) and for the "never ran" value or earlier.
 */
export function dateFromOle(value: number): Date | null {
  if (!Number.isFinite(value) || value <= NEVER_RAN_DATE) return null;
  const days = Math.floor(value);
  const ms = Math.round((value - days) * 86_400_000);
  const wall = new Date((days - DATE_UNIX_EPOCH) * 86_400_000 + ms);
  return new Date(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate(), wall.getUTCHours(), wall.getUTCMinutes(), wall.getUTCSeconds());
}

/** A Date → DATE in local wall-clock time (for tests that record a run). */
export function dateToOle(date: Date): number {
  const wall = Date.UTC(date.getFullYear(), date.getMonth(), date.getDate(), date.getHours(), date.getMinutes(), date.getSeconds());
  return wall / 86_400_000 + DATE_UNIX_EPOCH;
}
