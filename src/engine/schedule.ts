/**
 * The scheduled backup: one Task Scheduler task (SCHEDULE_TASK_PATH) that runs
 * `fcbackup backup` as SYSTEM. Registered, read and removed through the Task Scheduler
 * COM API (src/native/taskschd.ts) inside a COM session on the engine's thread.
 */
import type { OperationContext } from './context';
import { EngineError, throwIfCancelled } from './errors';
import { HResultError } from '../native/errors';
import { initializeCom, uninitializeCom } from '../native/ole32';
import { withTaskRootFolder, type RegisteredTask, type TaskFolder } from '../native/taskschd';
import { TaskCreation, TaskLogonType, SCHED_S_TASK_HAS_NOT_RUN, taskResultName } from '../native/taskschdTypes';
import {
  LOCAL_SYSTEM_SID, SCHEDULE_TASK_PATH, ScheduleInputError, buildTaskXml, describeTrigger, parseTaskXml,
  validateScheduleSpec, type CliLauncher, type ScheduleSpec, type ScheduleTrigger,
} from './scheduleXml';

export interface SetScheduleParams extends ScheduleSpec {
  /** How the task starts the CLI (the client knows where its node.exe and cli.js are). */
  launcher: CliLauncher;
}

/** The scheduled backup as the Task Scheduler has it now. */
export type ScheduleStatus =
  | { registered: false; taskPath: string }
  | {
    registered: true;
    taskPath: string;
    /** "daily at 02:30"; null when the task's XML is not one this product writes (`problem` says why). */
    description: string | null;
    trigger: ScheduleTrigger | null;
    destination: string | null;
    keep: number | null;
    copyTo: string | null;
    program: string | null;
    userId: string | null;
    runLevel: string | null;
    /** TASK_STATE by name: ready, disabled, running, queued, unknown. */
    state: string;
    /** ISO 8601 (UTC); null when nothing is scheduled. */
    nextRunTime: string | null;
    /** ISO 8601 (UTC); null when the task never ran. */
    lastRunTime: string | null;
    /** The last run's result code; null when it never ran. */
    lastResult: number | null;
    lastResultName: string | null;
    problem?: string;
  };

export interface RemoveScheduleResult {
  removed: boolean;
  taskPath: string;
}

/** Runs `use` with the Task Scheduler's root folder inside a COM session. */
function withScheduler<R>(use: (root: TaskFolder) => R): R {
  const session = initializeCom();
  try {
    return withTaskRootFolder(use);
  } finally {
    uninitializeCom(session);
  }
}

/** GetTask's "no such task" (ERROR_FILE_NOT_FOUND, or ERROR_PATH_NOT_FOUND when its folder is missing). */
function isNotFound(err: unknown): boolean {
  return err instanceof HResultError && (err.code === (0x80070002 | 0) || err.code === (0x80070003 | 0));
}

function readStatus(task: RegisteredTask): ScheduleStatus {
  const lastRun = task.lastRunTime();
  const lastResult = task.lastTaskResult();
  const neverRan = lastRun === null || lastResult === SCHED_S_TASK_HAS_NOT_RUN;
  const common = {
    registered: true as const,
    taskPath: SCHEDULE_TASK_PATH,
    state: task.stateName(),
    nextRunTime: task.nextRunTime()?.toISOString() ?? null,
    lastRunTime: neverRan ? null : lastRun.toISOString(),
    lastResult: neverRan ? null : lastResult,
    lastResultName: neverRan ? null : taskResultName(lastResult),
  };
  try {
    const def = parseTaskXml(task.xml());
    return {
      ...common, description: describeTrigger(def.trigger), trigger: def.trigger, destination: def.destination, keep: def.keep ?? null,
      copyTo: def.copyTo ?? null, program: def.launcher.program, userId: def.userId, runLevel: def.runLevel,
    };
  } catch (err) {
    if (!(err instanceof ScheduleInputError)) throw err;
    return {
      ...common, description: null, trigger: null, destination: null, keep: null, copyTo: null, program: null, userId: null,
      runLevel: null, problem: `${SCHEDULE_TASK_PATH} was changed outside this product: ${err.message}`,
    };
  }
}

/** Registers (or replaces) the scheduled backup and returns it as the Task Scheduler now has it. */
export async function setSchedule(params: SetScheduleParams, ctx: OperationContext): Promise<ScheduleStatus> {
  throwIfCancelled(ctx.signal);
  let xml: string;
  try {
    const spec = validateScheduleSpec(params);
    if (typeof params.launcher?.program !== 'string' || params.launcher.program.trim() === '' || typeof params.launcher.script !== 'string' || params.launcher.script.trim() === '') {
      throw new ScheduleInputError('The program that runs the CLI is missing.');
    }
    xml = buildTaskXml(spec, params.launcher, new Date());
  } catch (err) {
    if (err instanceof ScheduleInputError) throw new EngineError('BAD_ARGUMENT', err.message);
    throw err;
  }
  ctx.progress(`Registering ${SCHEDULE_TASK_PATH}`);
  return withScheduler((root) => {
    const task = root.registerTask(SCHEDULE_TASK_PATH, xml, TaskCreation.createOrUpdate, LOCAL_SYSTEM_SID, TaskLogonType.serviceAccount);
    try {
      const status = readStatus(task);
      ctx.logger.log('info', `Registered ${SCHEDULE_TASK_PATH}: ${status.registered ? status.description : ''}.`);
      return status;
    } finally {
      task.release();
    }
  });
}

/** The scheduled backup, or `registered: false`. */
export async function showSchedule(ctx: OperationContext): Promise<ScheduleStatus> {
  throwIfCancelled(ctx.signal);
  return withScheduler((root) => {
    let task: RegisteredTask;
    try {
      task = root.getTask(SCHEDULE_TASK_PATH);
    } catch (err) {
      if (isNotFound(err)) return { registered: false, taskPath: SCHEDULE_TASK_PATH };
      throw err;
    }
    try {
      return readStatus(task);
    } finally {
      task.release();
    }
  });
}

/** Deletes the scheduled backup; `removed: false` when there was none. */
export async function removeSchedule(ctx: OperationContext): Promise<RemoveScheduleResult> {
  throwIfCancelled(ctx.signal);
  return withScheduler((root) => {
    try {
      root.deleteTask(SCHEDULE_TASK_PATH);
    } catch (err) {
      if (isNotFound(err)) return { removed: false, taskPath: SCHEDULE_TASK_PATH };
      throw err;
    }
    ctx.logger.log('info', `Removed ${SCHEDULE_TASK_PATH}.`);
    return { removed: true, taskPath: SCHEDULE_TASK_PATH };
  });
}
