/**
 * The log at its default level: one info line per step, VSS call traces below info,
 * and no "started/finished" lines around a command.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { answerDialogs, assertEngineNoLeaks, cleanupTemp, NO_REASON, findRow, setSetting, tempDir, testApi, treeRows, useScenario } from './helpers';

describe('log levels', () => {
  after(async () => {
    await assertEngineNoLeaks();
    await setSetting('backupFolder', undefined);
    await setSetting('simulator.scenario', undefined);
    cleanupTemp();
  });

  it('Show Log adds no info line, and a backup logs its steps at info and its VSS calls below it', async () => {
    const api = await testApi();
    api.useDialogs(undefined);
    await useScenario({ nodes: [{ name: 'NODE1' }, { name: 'NODE2' }] });
    await setSetting('backupFolder', path.join(tempDir('fcb-it-log-'), 'backups'));
    await api.clusterTree.refresh();

    // Marks by count of lines ever written: the buffer behind logLines() is full after the earlier suites.
    let from = api.logLineCount();
    await vscode.commands.executeCommand('fcbackup.showLog');
    assert.deepEqual(api.logLinesSince(from).filter((l) => l.startsWith('[info]')), []);

    from = api.logLineCount();
    answerDialogs(api, [NO_REASON]);
    const outcome = await vscode.commands.executeCommand<{ verification: { ok: boolean } } | undefined>(
      'fcbackup.backup', findRow(await treeRows(api.clusterTree), 'NODE1').element);
    assert.ok(outcome?.verification.ok);
    const lines = api.logLinesSince(from);
    const info = lines.filter((l) => l.startsWith('[info]'));
    assert.ok(info.some((l) => l.includes('Backing up CLUSTER1 on NODE1')), info.join('\n'));
    assert.ok(info.some((l) => l.startsWith('[info] Backed up CLUSTER1')), info.join('\n'));
    assert.deepEqual(info.filter((l) => /IVss\w+::\w+ →/.test(l)), [], 'VSS call traces are not info lines');
    assert.deepEqual(lines.filter((l) => /^\[info\] .*: (started|finished in \d+ ms)\.$/.test(l)), []);
  });
});
