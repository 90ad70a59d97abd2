/**
 * What the status bar item says, without vscode: the local cluster, how many of its
 * nodes are up, and how old its newest intact backup is, with the rules that turn it
 * into a warning (no intact backup, one older than the warning setting, or a failed
 * last backup). The unit tests check it from plain data and a fixed "now".
 */
import type { ClusterStatus } from '../protocol';
import { formatLocalTime, timeValue, untranslated, type Translate } from './format';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A backup set as the summary needs it (from the Backups tree's rows). */
export interface SetSummary {
  cluster: string | null;
  node: string | null;
  time: string | null;
  /** false when a check found it damaged; unchecked sets count as intact. */
  intact: boolean;
}

export interface BackupFailure {
  /** Milliseconds since the epoch. */
  at: number;
  message: string;
}

export interface StatusInput {
  status: ClusterStatus | undefined;
  /** The sets in the backup folder; undefined while the Backups list was not read. */
  sets: SetSummary[] | undefined;
  lastFailure: BackupFailure | undefined;
  warningDays: number;
  now: number;
}

export interface StatusView {
  text: string;
  tooltip: string;
  warning: boolean;
}

/** "just now", "5 min ago", "2 h ago", "3 d ago" (a time in the future, from clock skew, is "just now"). */
export function formatAge(ms: number, t: Translate = untranslated): string {
  if (!Number.isFinite(ms) || ms < MINUTE) return t('just now');
  if (ms < HOUR) return t('{0} min ago', Math.floor(ms / MINUTE));
  if (ms < 2 * DAY) return t('{0} h ago', Math.floor(ms / HOUR));
  return t('{0} d ago', Math.floor(ms / DAY));
}

/** The newest intact set of `cluster` (by name, case-insensitive), if any. */
export function newestIntactSet(sets: SetSummary[], cluster: string): SetSummary | undefined {
  const own = sets.filter((s) => s.intact && s.cluster?.toLowerCase() === cluster.toLowerCase() && timeValue(s.time) > Number.NEGATIVE_INFINITY);
  return own.sort((a, b) => timeValue(b.time) - timeValue(a.time))[0];
}

/** The item's text, tooltip and warning state; undefined when there is no local cluster to speak of. */
export function statusView(input: StatusInput, t: Translate = untranslated): StatusView | undefined {
  const cluster = input.status?.cluster;
  if (!input.status || !cluster) return undefined;
  const nodes = input.status.nodes;
  const up = nodes.filter((n) => n.state === 'up').length;
  const nodesText = t('{0}/{1} up', up, nodes.length);
  const tooltip = [t('Cluster {0}: {1} of {2} nodes up.', cluster.name, up, nodes.length)];

  let backupText: string;
  let warning = false;
  if (input.sets === undefined) {
    backupText = t('backups not read');
    tooltip.push(t('The backup folder is read when the Backups view is shown.'));
  } else {
    const newest = newestIntactSet(input.sets, cluster.name);
    const newestAt = newest ? timeValue(newest.time) : Number.NEGATIVE_INFINITY;
    const limitDays = Number.isFinite(input.warningDays) && input.warningDays > 0 ? input.warningDays : 7;
    if (newest) {
      const age = formatAge(input.now - newestAt, t);
      backupText = age;
      tooltip.push(t('Last intact backup: {0} ({1}){2}.', formatLocalTime(newest.time), age, newest.node ? t(' on {0}', newest.node) : ''));
      if (input.now - newestAt > limitDays * DAY) {
        warning = true;
        tooltip.push(t('Warning: it is older than {0} days (fcbackup.backupWarningDays).', limitDays));
      }
    } else {
      backupText = t('no backup');
      warning = true;
      tooltip.push(t('Warning: there is no intact backup of {0} in the backup folder.', cluster.name));
    }
    if (input.lastFailure && input.lastFailure.at > newestAt) {
      backupText = t('backup failed');
      warning = true;
      tooltip.push(t('Warning: the last backup failed: {0}', input.lastFailure.message));
    }
  }
  tooltip.push(t('Click to open the Failover Cluster Backup view.'));
  const icon = warning ? '$(warning)' : '$(server-environment)';
  return { text: `${icon} ${cluster.name} · ${nodesText} · ${backupText}`, tooltip: tooltip.join('\n'), warning };
}
