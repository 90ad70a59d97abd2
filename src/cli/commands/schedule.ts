/**
 * fcbackup schedule: the scheduled backup, a Task Scheduler task that runs
 * `fcbackup backup` as SYSTEM with the highest privileges.
 *
 *   schedule (--daily HH:MM | --weekly DAY HH:MM) --to DIR [--keep N] [--copy-to DIR]
 *   schedule --remove
 *   schedule --show [--json]
 *
 * The task starts this same CLI: the Node.js that runs it now (process.execPath) with
 * this script (process.argv[1]), both as absolute paths, so the task keeps working
 * whatever PATH the SYSTEM account has.
 */
import path = require('node:path');
import {
  SCHEDULE_TASK_PATH, ScheduleInputError, parseKeep, parseTimeOfDay, parseWeekDay, type ScheduleTrigger,
} from '../../client/schedule';
import { Requests, type CliLauncher, type ScheduleStatus, type SetScheduleParams } from '../../protocol';
import { sameFolder } from '../../wire/folders';
import { printResult } from '../output';
import { ExitCode, type CliCommand, type CliContext, type CliOptionValues } from '../types';

const USAGE = 'schedule (--daily HH:MM | --weekly DAY HH:MM) --to DIR [--keep N] [--copy-to DIR] | --remove | --show [--json]';

type Action =
  | { kind: 'set'; params: Omit<SetScheduleParams, 'launcher'> }
  | { kind: 'remove' }
  | { kind: 'show' };

function text(options: CliOptionValues, name: string): string | undefined {
  const v = options[name];
  return typeof v === 'string' ? v : undefined;
}

/** What the command line asks for; throws ScheduleInputError with the reason. Exported for the unit tests. */
export function parseScheduleArguments(positionals: string[], options: CliOptionValues): Action {
  const modes = ['daily', 'weekly', 'remove', 'show'].filter((m) => options[m] !== undefined);
  if (modes.length !== 1) {
    throw new ScheduleInputError(modes.length === 0
      ? 'say what to do: --daily HH:MM, --weekly DAY HH:MM, --remove or --show'
      : `--${modes.join(' and --')} cannot be used together`);
  }
  const mode = modes[0];
  const backupOptions = ['to', 'keep', 'copy-to'].filter((o) => options[o] !== undefined);
  if (mode === 'remove' || mode === 'show') {
    if (backupOptions.length) throw new ScheduleInputError(`--${backupOptions[0]} belongs to --daily/--weekly, not --${mode}`);
    if (positionals.length) throw new ScheduleInputError(`--${mode} takes no arguments (got "${positionals[0]}")`);
    return { kind: mode };
  }
  let trigger: ScheduleTrigger;
  if (mode === 'daily') {
    if (positionals.length) throw new ScheduleInputError(`unexpected argument "${positionals[0]}" (--daily takes one time, HH:MM)`);
    trigger = { kind: 'daily', time: parseTimeOfDay(text(options, 'daily') ?? '') };
  } else {
    if (positionals.length !== 1) throw new ScheduleInputError('--weekly needs a day and a time: --weekly DAY HH:MM');
    trigger = { kind: 'weekly', day: parseWeekDay(text(options, 'weekly') ?? ''), time: parseTimeOfDay(positionals[0]) };
  }
  const to = text(options, 'to');
  if (to === undefined || to.trim() === '') throw new ScheduleInputError('--to DIR is needed: the folder the scheduled backups go to');
  const keepText = text(options, 'keep');
  const copyTo = text(options, 'copy-to');
  if (copyTo !== undefined && copyTo.trim() === '') throw new ScheduleInputError('--copy-to needs a folder');
  // The task's backup would refuse it at every run.
  if (copyTo !== undefined && sameFolder(copyTo, to)) {
    throw new ScheduleInputError('--copy-to is the --to folder itself; give a second folder for the copy');
  }
  return {
    kind: 'set',
    params: {
      trigger,
      destination: path.resolve(to),
      keep: keepText === undefined ? undefined : parseKeep(keepText),
      copyTo: copyTo === undefined ? undefined : path.resolve(copyTo),
    },
  };
}

/** How the task starts this CLI. */
export function currentCliLauncher(): CliLauncher {
  return { program: process.execPath, script: path.resolve(process.argv[1] ?? '') };
}

function localTime(iso: string | null, none: string): string {
  return iso === null ? none : new Date(iso).toLocaleString();
}

/** The schedule as lines for a person. */
export function formatSchedule(status: ScheduleStatus): string {
  if (!status.registered) return `No scheduled backup (${status.taskPath} is not registered).`;
  const lines = [`Scheduled backup ${status.taskPath}: ${status.description ?? 'not readable'} (${status.state}).`];
  if (status.problem) lines.push(`  ${status.problem}`);
  if (status.destination !== null) {
    lines.push(`  Backs up into ${status.destination}${status.keep !== null ? `, keeping the newest ${status.keep}` : ''}` +
      `${status.copyTo !== null ? `, and copies to ${status.copyTo}` : ''}.`);
  }
  if (status.userId !== null) lines.push(`  Runs as ${status.userId}${status.runLevel ? ` (${status.runLevel})` : ''}: ${status.program ?? ''}`);
  lines.push(`  Next run: ${localTime(status.nextRunTime, 'none scheduled')}`);
  lines.push(`  Last run: ${status.lastRunTime === null ? 'never' : `${localTime(status.lastRunTime, '')} — ${status.lastResultName ?? status.lastResult}`}`);
  return lines.join('\n');
}

async function run(this: CliCommand, args: { positionals: string[]; options: CliOptionValues }, ctx: CliContext): Promise<number> {
  let action: Action;
  try {
    action = parseScheduleArguments(args.positionals, args.options);
  } catch (err) {
    if (!(err instanceof ScheduleInputError)) throw err;
    ctx.io.stderr(`fcbackup: ${err.message}; usage: fcbackup ${USAGE}`);
    return ExitCode.usage;
  }
  const engine = await ctx.engine();
  if (action.kind === 'show') {
    printResult(ctx, await engine.request(Requests.showSchedule, {}, ctx.signal), formatSchedule);
    return ExitCode.ok;
  }
  if (action.kind === 'remove') {
    const result = await engine.request(Requests.removeSchedule, {}, ctx.signal);
    printResult(ctx, result, (r) => (r.removed ? `Removed the scheduled backup ${r.taskPath}.` : `There was no scheduled backup (${r.taskPath}).`));
    return ExitCode.ok;
  }
  const status = await engine.request(Requests.setSchedule, { ...action.params, launcher: currentCliLauncher() }, ctx.signal);
  printResult(ctx, status, formatSchedule);
  return ExitCode.ok;
}

export const command: CliCommand = {
  name: 'schedule',
  usage: USAGE,
  summary: `Schedule the backup with the Task Scheduler (${SCHEDULE_TASK_PATH}, runs as SYSTEM), show it, or remove it`,
  options: {
    daily: { type: 'string' }, weekly: { type: 'string' }, to: { type: 'string' }, keep: { type: 'string' },
    'copy-to': { type: 'string' }, remove: { type: 'boolean' }, show: { type: 'boolean' },
  },
  run,
};
