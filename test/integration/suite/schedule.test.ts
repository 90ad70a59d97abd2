/**
 * Schedule Backups… in the extension host, against the simulator's Task Scheduler: the
 * quick picks (weekly, the day, the time, how many to keep) register the task into the
 * backup folder setting; the Failover Clusters tree shows the schedule under the local
 * cluster; running the command again offers to remove it, and the row then says none.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ScheduleStatus } from '../../../src/protocol';
import {
  answerDialogs, assertEngineNoLeaks, cleanupTemp, setSetting, tempDir, testApi, treeRows, useScenario, waitFor,
} from './helpers';

async function scheduleRow(): Promise<string> {
  const api = await testApi();
  await api.clusterTree.refresh();
  const row = (await treeRows(api.clusterTree)).find((r) => r.label === 'Scheduled backup');
  assert.ok(row, 'no "Scheduled backup" row under the local cluster');
  assert.equal(row.depth, 1);
  return row.description;
}

describe('Schedule Backups…', () => {
  afterEach(async () => (await testApi()).useDialogs(undefined));

  after(async () => {
    await assertEngineNoLeaks();
    await setSetting('backupFolder', undefined);
    await setSetting('simulator.scenario', undefined);
    cleanupTemp();
  });

  it('registers a weekly schedule from the quick picks, shows it in the tree, and removes it', async () => {
    const api = await testApi();
    await useScenario({});
    const folder = path.join(tempDir('fcb-it-schedule-'), 'backups');
    await setSetting('backupFolder', folder);
    assert.equal(await scheduleRow(), 'none');

    const asked = answerDialogs(api, [{ pick: 'Weekly' }, { pick: 'Thursday' }, { pick: '03:30' }, { pick: 'Keep the newest 7' }]);
    const status = await vscode.commands.executeCommand<ScheduleStatus | undefined>('fcbackup.scheduleBackups');
    assert.ok(status && status.registered, `not scheduled: ${JSON.stringify(api.notifications().slice(-1))}`);
    assert.deepEqual(asked.map((a) => a.kind), ['pick', 'pick', 'pick', 'pick']);
    assert.ok(!asked[0].actions.some((a) => a.startsWith('Remove')), 'nothing to remove yet');
    assert.equal(status.description, 'every Thursday at 03:30');
    assert.equal(status.destination, folder);
    assert.equal(status.keep, 7);
    assert.equal(status.userId, 'S-1-5-18');
    assert.ok(status.nextRunTime && new Date(status.nextRunTime).getDay() === 4);
    const row = await waitFor('the schedule row', async () => {
      const text = await scheduleRow();
      return text.startsWith('every Thursday at 03:30') ? text : undefined;
    });
    assert.match(row, /· next .* · never ran$/);

    const removeAsked = answerDialogs(api, [{ pick: 'Remove the Schedule' }]);
    const removed = await vscode.commands.executeCommand<{ removed: boolean } | undefined>('fcbackup.scheduleBackups');
    assert.deepEqual(removed && removed.removed, true);
    assert.match(removeAsked[0].message, /Backups are scheduled every Thursday at 03:30/);
    assert.equal(await scheduleRow(), 'none');
  });
});
