/**
 * The status bar item inside a real extension host: it names the cluster and its nodes
 * up, shows the age of the newest intact backup, turns to a warning (the warning
 * background) when that backup is older than fcbackup.backupWarningDays or the last
 * backup failed, and its click opens the extension's view.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackupResult, VerifyResult } from '../../../src/protocol';
import type { StatusBarSnapshot } from '../../../src/ui/statusBar';
import type { ScenarioSpec } from '../../support/scenario';
import { answerDialogs, assertEngineNoLeaks, cleanupTemp, NO_REASON, findRow, setSetting, tempDir, testApi, treeRows, useScenario, waitFor } from './helpers';

interface BackupOutcome { result: BackupResult; verification: VerifyResult }

const DAY = 24 * 3600_000;
const nodes: ScenarioSpec['nodes'] = [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3', service: 'stopped' }];

/** Wait until the item shows text matching `text` (the trees' change events reach it asynchronously). */
async function itemMatching(text: RegExp): Promise<StatusBarSnapshot> {
  const api = await testApi();
  return waitFor(`the status bar item to read ${String(text)} (it reads ${JSON.stringify(api.statusBar()?.text)})`, () => {
    const item = api.statusBar();
    return item && text.test(item.text) ? item : undefined;
  });
}

/**
 * Make a set look `days` old, as a set written then would be: its folder's time stamp and its
 * manifest's time, sealed again (the seal is the SHA-256 of the manifest without its integrity
 * field, as src/engine/manifest.ts seals it), so the listing takes it as an intact set of that age.
 */
function age(setPath: string, days: number): string {
  const manifestFile = path.join(setPath, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Record<string, unknown> & { time: string };
  delete manifest.integrity;
  const time = new Date(Date.parse(manifest.time) - days * DAY);
  manifest.time = time.toISOString();
  const sealed = { ...manifest, integrity: { algorithm: 'sha256', digest: createHash('sha256').update(JSON.stringify(manifest)).digest('hex') } };
  fs.writeFileSync(manifestFile, JSON.stringify(sealed, null, 2));
  const stamp = manifest.time.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const aged = path.join(path.dirname(setPath), path.basename(setPath).replace(/_\d{8}T\d{6}Z.*$/, `_${stamp}`));
  fs.renameSync(setPath, aged);
  return aged;
}

describe('status bar item', () => {
  after(async () => {
    await assertEngineNoLeaks();
    await setSetting('backupFolder', undefined);
    await setSetting('simulator.scenario', undefined);
    cleanupTemp();
  });

  it('shows the cluster, nodes up and backup age, and warns with an old set or a failed backup', async () => {
    const api = await testApi();
    api.useDialogs(undefined);
    await useScenario({ nodes });
    const folder = path.join(tempDir('fcb-it-status-'), 'backups');
    await setSetting('backupFolder', folder);
    await api.clusterTree.refresh();
    await api.backupsTree.refresh();

    // No set yet: the cluster and its nodes, and a warning.
    const empty = await itemMatching(/CLUSTER1 · 2\/3 up · no backup$/);
    assert.equal(empty.warning, true);
    assert.equal(empty.backgroundColor, 'statusBarItem.warningBackground');
    assert.equal(empty.command, 'workbench.view.extension.fcbackup');
    assert.ok((await vscode.commands.getCommands(true)).includes(empty.command), 'the click opens a view container that does not exist');

    // A fresh backup: no warning.
    const rows = await treeRows(api.clusterTree);
    answerDialogs(api, [NO_REASON]);
    const outcome = await vscode.commands.executeCommand<BackupOutcome | undefined>('fcbackup.backup', findRow(rows, 'NODE1').element);
    assert.ok(outcome?.verification.ok, `the backup did not finish: ${JSON.stringify(api.notifications().slice(-1))}`);
    const fresh = await itemMatching(/^\$\(server-environment\) CLUSTER1 · 2\/3 up · (just now|\d+ min ago)$/);
    assert.equal(fresh.warning, false);
    assert.equal(fresh.backgroundColor, undefined);
    assert.match(fresh.tooltip, /Cluster CLUSTER1: 2 of 3 nodes up\./);

    // The same set, 8 days old: older than the default 7 days.
    age(outcome.result.path, 8);
    await api.backupsTree.refresh();
    const old = await itemMatching(/CLUSTER1 · 2\/3 up · 8 d ago$/);
    assert.equal(old.warning, true);
    assert.equal(old.backgroundColor, 'statusBarItem.warningBackground');
    assert.match(old.text, /^\$\(warning\) /);
    assert.match(old.tooltip, /older than 7 days/);

    // A longer limit makes the same set acceptable again.
    await setSetting('backupWarningDays', 30);
    const accepted = await itemMatching(/^\$\(server-environment\) CLUSTER1 · 2\/3 up · 8 d ago$/);
    assert.equal(accepted.warning, false);
    await setSetting('backupWarningDays', undefined);
    await itemMatching(/^\$\(warning\) CLUSTER1 · 2\/3 up · 8 d ago$/);
  });

  it('turns to a warning when the last backup failed', async () => {
    const api = await testApi();
    api.useDialogs(undefined);
    await useScenario({ nodes, faults: [{ function: 'IVssBackupComponents::DoSnapshotSet', call: 1, code: 0x80042306, mode: 'fail' }] });
    await setSetting('backupFolder', path.join(tempDir('fcb-it-status-'), 'backups'));
    await api.clusterTree.refresh();
    await api.backupsTree.refresh();
    await itemMatching(/CLUSTER1 · 2\/3 up · no backup$/);
    const rows = await treeRows(api.clusterTree);
    answerDialogs(api, [NO_REASON]);
    const outcome = await vscode.commands.executeCommand('fcbackup.backup', findRow(rows, 'NODE1').element);
    assert.equal(outcome, undefined, 'the backup should have failed');
    const failed = await itemMatching(/CLUSTER1 · 2\/3 up · backup failed$/);
    assert.equal(failed.warning, true);
    assert.match(failed.tooltip, /the last backup failed: /);
  });
});
