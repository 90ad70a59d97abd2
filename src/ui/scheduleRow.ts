/**
 * The "Scheduled backup" row under the local cluster in the Failover Clusters tree: the
 * schedule, its next run and the last result, from the engine's showSchedule. Pure, so
 * the unit tests check the text from a ScheduleStatus alone.
 */
import type { ScheduleStatus } from '../protocol';
import { formatLocalTime, untranslated, type Translate } from './format';
import type { DetailElement } from './treeModel';

/** The row for `status`, or for the error reading it (message), under the cluster `clusterId`. */
export function scheduleDetail(clusterId: string, status: ScheduleStatus | { error: string }, t: Translate = untranslated): DetailElement {
  const base = { kind: 'detail' as const, id: `${clusterId}/schedule`, label: t('Scheduled backup') };
  if ('error' in status) return { ...base, value: t('unknown: {0}', status.error), icon: 'warning' };
  if (!status.registered) return { ...base, value: t('none'), icon: 'calendar' };
  const parts = [status.description ?? t('changed outside this product')];
  if (status.state === 'disabled') parts.push(t('disabled'));
  parts.push(status.nextRunTime ? t('next {0}', formatLocalTime(status.nextRunTime)) : t('no next run'));
  parts.push(status.lastRunTime === null ? t('never ran') : t('last: {0}', status.lastResultName ?? String(status.lastResult)));
  const failed = status.lastResult !== null && status.lastResult !== 0;
  return { ...base, value: parts.join(' · '), icon: failed || status.problem ? 'warning' : 'calendar' };
}
