/**
 * Schedule Backups…: quick picks for daily or weekly, the day, the time and how many sets
 * to keep, then a Task Scheduler task (through the engine) that runs `fcbackup backup`
 * into the backup folder setting as SYSTEM. When a schedule exists the first pick also
 * offers to remove it. The Failover Clusters tree then shows the schedule.
 */
import fs = require('node:fs');
import path = require('node:path');
import vscode = require('vscode');
import { WEEK_DAYS, describeTrigger, type ScheduleTrigger, type WeekDay } from '../../client/schedule';
import type { CliLauncher, ScheduleStatus } from '../../protocol';
import { UserCancelled } from '../errors';
import type { Services } from '../services';
import { readSettings } from '../settings';
import { chooseDestination } from './backup';
import type { CommandDefinition } from './types';

interface Choice<T> extends vscode.QuickPickItem {
  value: T;
}

async function pick<T>(s: Services, items: Choice<T>[], placeHolder: string): Promise<T> {
  const chosen = await s.dialogs.pick(items, { placeHolder, title: s.t('Schedule Backups') });
  if (!chosen) throw new UserCancelled();
  return chosen.value;
}

/** Every half hour of the day, 02:00 first (a quiet hour on most servers). */
function timeChoices(): Choice<string>[] {
  const times: string[] = [];
  for (let minutes = 0; minutes < 24 * 60; minutes += 30) times.push(`${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`);
  const first = times.indexOf('02:00');
  return [...times.slice(first), ...times.slice(0, first)].map((time) => ({ label: time, value: time }));
}

/**
 * node.exe for the task: the first on PATH (where the Node.js installer puts it for every
 * account), else the runtime of this extension host when it is Node.js itself.
 */
export function findNodeProgram(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | undefined {
  const exe = platform === 'win32' ? 'node.exe' : 'node';
  const sep = platform === 'win32' ? ';' : ':';
  for (const dir of (env.PATH ?? env.Path ?? '').split(sep)) {
    if (!dir) continue;
    const candidate = path.join(dir, exe);
    if (fs.existsSync(candidate)) return candidate;
  }
  return /^node(\.exe)?$/i.test(path.basename(process.execPath)) ? process.execPath : undefined;
}

function launcher(s: Services): CliLauncher {
  const program = findNodeProgram();
  if (!program) {
    throw new Error(s.t('Node.js was not found on PATH. The scheduled task runs the fcbackup command line with node.exe: install Node.js, or run "fcbackup schedule" from a terminal.'));
  }
  return { program, script: path.join(s.extensionContext.extensionPath, 'dist', 'cli.js') };
}

type Frequency = 'daily' | 'weekly' | 'remove';

export const scheduleBackupsCommand: CommandDefinition = {
  id: 'fcbackup.scheduleBackups',
  title: (s) => s.t('Schedule Backups…'),
  async run(s): Promise<ScheduleStatus | { removed: boolean }> {
    const { t } = s;
    const current = await s.progress.run(t('Reading the scheduled backup'), ({ signal }) => s.engine.request('showSchedule', {}, signal));
    const frequencies: Choice<Frequency>[] = [
      { label: t('Daily'), description: t('every day at a time you choose'), value: 'daily' },
      { label: t('Weekly'), description: t('one day a week'), value: 'weekly' },
    ];
    if (current.registered) {
      frequencies.push({ label: t('Remove the Schedule'), description: current.description ?? current.taskPath, value: 'remove' });
    }
    const placeHolder = current.registered && current.description
      ? t('Backups are scheduled {0}. Change or remove the schedule', current.description)
      : t('How often to back up the cluster configuration');
    const frequency = await pick(s, frequencies, placeHolder);
    if (frequency === 'remove') {
      const result = await s.progress.run(t('Removing the scheduled backup'), ({ signal }) => s.engine.request('removeSchedule', {}, signal));
      s.notifier.info(result.removed ? t('The scheduled backup was removed.') : t('There was no scheduled backup.'));
      await s.clusters.refresh();
      return result;
    }
    let day: WeekDay | undefined;
    if (frequency === 'weekly') {
      day = await pick(s, WEEK_DAYS.map((d) => ({ label: t(d), value: d })), t('On which day'));
    }
    const time = await pick(s, timeChoices(), t('At what time (this server\'s clock)'));
    const settingKeep = readSettings().keepBackups;
    const keepValues = [...new Set([settingKeep, 7, 14, 30, 0])];
    const keep = await pick(s, keepValues.map((n) => ({
      label: n === 0 ? t('Keep every set') : t('Keep the newest {0}', String(n)),
      description: n === settingKeep ? t('the Keep Backups setting') : undefined,
      value: n,
    })), t('How many backup sets to keep'));
    const trigger: ScheduleTrigger = day ? { kind: 'weekly', day, time } : { kind: 'daily', time };
    const folder = await chooseDestination(s);
    const program = launcher(s);
    s.log.info(`Scheduling backups ${describeTrigger(trigger)} into ${folder} (keep ${keep === 0 ? 'all' : keep}) with ${program.program} ${program.script}.`);
    const status = await s.progress.run(t('Scheduling backups'), ({ signal }) =>
      s.engine.request('setSchedule', { trigger, destination: folder, keep, launcher: program }, signal));
    const next = status.registered && status.nextRunTime ? new Date(status.nextRunTime).toLocaleString() : t('none');
    s.notifier.info(t('Backups are scheduled {0} into {1}. Next run: {2}.', describeTrigger(trigger), folder, next));
    await s.clusters.refresh();
    return status;
  },
};
