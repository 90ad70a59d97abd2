/**
 * The Failover Clusters tree's "Scheduled backup" row, from a ScheduleStatus alone: none,
 * the schedule with its next run and last result, a failed last run, a task changed
 * outside the product, and an error reading it.
 */
import * as assert from 'node:assert/strict';
import type { ScheduleStatus } from '../../src/protocol';
import { formatLocalTime } from '../../src/ui/format';
import { scheduleDetail } from '../../src/ui/scheduleRow';

const registered: Extract<ScheduleStatus, { registered: true }> = {
  registered: true, taskPath: '\\Failover Cluster Backup\\Backup', description: 'daily at 02:30',
  trigger: { kind: 'daily', time: '02:30' }, destination: 'D:\\B', keep: 7, copyTo: null, program: 'C:\\node.exe',
  userId: 'S-1-5-18', runLevel: 'HighestAvailable', state: 'ready', nextRunTime: '2026-12-08T01:30:00.000Z',
  lastRunTime: null, lastResult: null, lastResultName: null,
};

describe('UI: the scheduled backup row', function () {
  it('says none when no task is registered', function () {
    const row = scheduleDetail('cluster/local:c1', { registered: false, taskPath: registered.taskPath });
    assert.deepEqual(row, { kind: 'detail', id: 'cluster/local:c1/schedule', label: 'Scheduled backup', value: 'none', icon: 'calendar' });
  });

  it('shows the schedule, the next run and that it never ran', function () {
    const row = scheduleDetail('c', registered);
    assert.equal(row.value, `daily at 02:30 · next ${formatLocalTime(registered.nextRunTime)} · never ran`);
    assert.equal(row.icon, 'calendar');
  });

  it('a failed last run, a disabled task or a task changed elsewhere gets a warning icon', function () {
    const failed = scheduleDetail('c', { ...registered, lastRunTime: '2026-12-07T01:30:00.000Z', lastResult: 1, lastResultName: 'exit code 1' });
    assert.match(failed.value, /last: exit code 1$/);
    assert.equal(failed.icon, 'warning');
    const ok = scheduleDetail('c', { ...registered, lastRunTime: '2026-12-07T01:30:00.000Z', lastResult: 0, lastResultName: 'success (exit code 0)' });
    assert.equal(ok.icon, 'calendar');
    const disabled = scheduleDetail('c', { ...registered, state: 'disabled', nextRunTime: null });
    assert.match(disabled.value, /disabled · no next run/);
    const changed = scheduleDetail('c', { ...registered, description: null, problem: 'edited' });
    assert.match(changed.value, /^changed outside this product/);
    assert.equal(changed.icon, 'warning');
  });

  it('an error reading the schedule is shown, not hidden', function () {
    const row = scheduleDetail('c', { error: 'ITaskFolder::GetTask failed: E_ACCESSDENIED' });
    assert.equal(row.value, 'unknown: ITaskFolder::GetTask failed: E_ACCESSDENIED');
    assert.equal(row.icon, 'warning');
  });
});
