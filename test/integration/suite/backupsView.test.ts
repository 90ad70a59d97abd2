/**
 * The Backups view as an admin uses it, against the simulator: the view names its folder;
 * a failed backup shows as a message row and in the view's description until a backup
 * succeeds; a set retention finds damaged is marked at once; Delete Backup Set… (asked,
 * the safe button first; only sets), Copy Path, Open Manifest, Copy Name, Change Backup
 * Folder…; and the authoritative restore of a 64-node cluster, whose dialogs stay
 * readable: short questions, capped node lists, the cluster's name typed.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackupResult, DeleteSetResult, RestoreResult, VerifyResult } from '../../../src/protocol';
import type { ScenarioSpec } from '../../support/scenario';
import {
  answerDialogs, assertEngineNoLeaks, cleanupTemp, extension, findRow, NO_REASON, setSetting, tempDir, testApi, treeRows, useScenario, waitFor, type Row,
} from './helpers';

interface BackupOutcome { result: BackupResult; verification: VerifyResult }

const threeNodes: ScenarioSpec = { nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3' }] };

/** Whether a menu entry's `viewItem =~ /…/` when-clause matches this context value. */
function menuMatches(command: string, contextValue: string): boolean {
  const manifest = extension().packageJSON as { contributes: { menus: Record<string, Array<{ command: string; when?: string }>> } };
  return manifest.contributes.menus['view/item/context']!.filter((m) => m.command === command).some((m) => {
    const source = /viewItem =~ \/(.*)\//.exec(m.when ?? '')?.[1];
    return source !== undefined && new RegExp(source).test(contextValue);
  });
}

async function prepare(spec: ScenarioSpec = threeNodes): Promise<{ folder: string; rows: Row[] }> {
  const api = await testApi();
  api.useDialogs(undefined);
  await useScenario(spec);
  const folder = path.join(tempDir('fcb-it-view-'), 'backups');
  await setSetting('backupFolder', folder);
  await api.clusterTree.refresh();
  await api.backupsTree.refresh();
  return { folder, rows: await treeRows(api.clusterTree) };
}

async function backUp(rows: Row[]): Promise<BackupOutcome> {
  answerDialogs(await testApi(), [NO_REASON]);
  const outcome = await vscode.commands.executeCommand<BackupOutcome | undefined>('fcbackup.backup', findRow(rows, 'NODE1').element);
  assert.ok(outcome, `the backup did not finish: ${JSON.stringify((await testApi()).notifications().slice(-1))}`);
  return outcome;
}

async function setRows(): Promise<Row[]> {
  return (await treeRows((await testApi()).backupsTree)).filter((r) => r.depth === 0);
}

function rowOf(rows: Row[], setPath: string): Row {
  const row = rows.find((r) => r.element.kind === 'backupSet' && r.element.set.path === setPath);
  assert.ok(row, `no row for ${setPath} in ${JSON.stringify(rows.map((r) => `${r.label} — ${r.description}`))}`);
  return row;
}

describe('Backups view: rows, failures and actions', () => {
  afterEach(async () => (await testApi()).useDialogs(undefined));

  after(async () => {
    await assertEngineNoLeaks();
    await setSetting('keepBackups', undefined);
    await setSetting('backupFolder', undefined);
    await setSetting('simulator.scenario', undefined);
    cleanupTemp();
  });

  it('names its folder, and shows a failed backup as a message row until a backup succeeds', async () => {
    const api = await testApi();
    const { folder, rows } = await prepare();
    assert.equal(api.backupsTree.viewDescription(), folder);

    // The backup folder is a file: the backup fails.
    fs.mkdirSync(path.dirname(folder), { recursive: true });
    fs.writeFileSync(folder, 'not a folder');
    answerDialogs(api, [NO_REASON]);
    assert.equal(await vscode.commands.executeCommand('fcbackup.backup', findRow(rows, 'NODE1').element), undefined);
    assert.equal(api.backupsTree.viewDescription(), `last backup failed · ${folder}`);
    const failed = await treeRows(api.backupsTree);
    assert.equal(failed[0]!.contextValue, 'message-error');
    assert.match(failed[0]!.label, /^Last backup failed \(just now\): .*is a file, not a folder/);
    assert.equal(failed[0]!.element.kind === 'message' && failed[0]!.element.command?.id, 'fcbackup.showLog');

    fs.rmSync(folder);
    await backUp(rows);
    assert.equal(api.backupsTree.viewDescription(), folder);
    const after = await treeRows(api.backupsTree);
    assert.ok(!after.some((r) => r.contextValue === 'message-error'), JSON.stringify(after.map((r) => r.label)));
  });

  it('marks a set that retention found damaged at once, without a Verify', async () => {
    const api = await testApi();
    const { rows } = await prepare();
    await setSetting('keepBackups', 5);
    const { result: older } = await backUp(rows);
    // A damaged file: the listing reads manifests only, so only a check that hashes the files can tell.
    fs.appendFileSync(path.join(older.path, ...older.files[0]!.path.split('/')), 'x');
    assert.notEqual(rowOf(await setRows(), older.path).contextValue, 'backupSet-invalid', 'the listing alone already marked it');
    // The next backup's retention verifies every set of the cluster and reports this one.
    await backUp(rows);
    const row = rowOf(await setRows(), older.path);
    assert.equal(row.contextValue, 'backupSet-invalid');
    assert.equal(row.icon, 'error');
    assert.equal(menuMatches('fcbackup.restoreCluster', row.contextValue), false);
    assert.ok(api.logLines().some((l) => l.includes('failed validation and is left in place')));
  });

  it('Delete Backup Set… asks with the safe button first, deletes only when confirmed, and refuses a folder that is not a set', async () => {
    const api = await testApi();
    const { folder, rows } = await prepare();
    const { result } = await backUp(rows);
    const element = rowOf(await setRows(), result.path).element;
    assert.equal(menuMatches('fcbackup.deleteBackupSet', 'backupSet-invalid'), true);

    const declined = answerDialogs(api, [false]);
    assert.equal(await vscode.commands.executeCommand('fcbackup.deleteBackupSet', element), undefined);
    assert.equal(declined[0]!.message, 'Delete this backup set?');
    assert.deepEqual(declined[0]!.actions, ['Open Manifest', 'Delete Backup Set']);
    assert.ok(fs.existsSync(result.path));

    answerDialogs(api, [true]);
    const deleted = await vscode.commands.executeCommand<DeleteSetResult | undefined>('fcbackup.deleteBackupSet', element);
    assert.equal(deleted?.path, result.path);
    assert.equal(fs.existsSync(result.path), false);
    assert.deepEqual(await setRows(), []);

    // A folder of the user's in the backup folder, handed over by path: asked, then refused by the engine.
    const mine = path.join(folder, 'Documents');
    fs.mkdirSync(mine);
    fs.writeFileSync(path.join(mine, 'manifest.json'), '{}');
    answerDialogs(api, [true]);
    const before = api.notifications().length;
    assert.equal(await vscode.commands.executeCommand('fcbackup.deleteBackupSet', mine), undefined);
    assert.ok(fs.existsSync(path.join(mine, 'manifest.json')));
    assert.match(api.notifications().slice(before)[0]!.message, /is not deleted: its name is not the name of a backup set.*Nothing was changed\./);
  });

  it('Copy Path, Open Manifest and Copy Name act on their rows', async () => {
    const { rows } = await prepare();
    const { result } = await backUp(rows);
    const element = rowOf(await setRows(), result.path).element;
    assert.equal(await vscode.commands.executeCommand('fcbackup.copyBackupPath', element), result.path);
    await vscode.commands.executeCommand('fcbackup.openManifest', element);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, path.join(result.path, 'manifest.json'));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.equal(await vscode.commands.executeCommand('fcbackup.copyName', findRow(rows, 'CLUSTER1').element), 'CLUSTER1');
    assert.equal(await vscode.commands.executeCommand('fcbackup.copyName', findRow(rows, 'NODE2').element), 'NODE2');
    for (const contextValue of ['cluster-local', 'cluster-connected', 'node-local-up', 'node-remote-down']) {
      assert.equal(menuMatches('fcbackup.copyName', contextValue), true, contextValue);
    }
    assert.equal(menuMatches('fcbackup.copyName', 'backupSet-verified'), false);
  });

  it('Change Backup Folder… starts in the current folder and saves where the user chooses', async () => {
    const api = await testApi();
    const { folder, rows } = await prepare();
    await backUp(rows);
    const next = path.join(tempDir('fcb-it-next-'), 'elsewhere');
    fs.mkdirSync(next);
    const asked = answerDialogs(api, [{ folder: next }, { pick: 'Workspace settings' }]);
    const changed = await vscode.commands.executeCommand<{ folder: string; scope: string } | undefined>('fcbackup.changeBackupFolder');
    assert.deepEqual(changed, { folder: next, scope: 'workspace' });
    assert.deepEqual(asked.map((a) => a.kind), ['folder', 'pick']);
    assert.equal(asked[0]!.detail, folder, 'the picker did not start in the current backup folder');
    assert.equal(asked[1]!.actions[0], 'Workspace settings — only this folder (.vscode/settings.json)', 'the place it is saved now comes first');
    assert.equal(vscode.workspace.getConfiguration('fcbackup').inspect('backupFolder')?.workspaceValue, next);
    // The settings change reaches the view through its change event.
    await waitFor('the Backups view to list the new folder', () => api.backupsTree.viewDescription() === next);
    await api.backupsTree.refresh();
    assert.deepEqual(await setRows(), []);
  });

  it('the authoritative restore of a 64-node cluster asks short questions with capped node lists, and the cluster\'s name typed', async () => {
    const api = await testApi();
    const nodes = Array.from({ length: 64 }, (_, i) => ({ name: `NODE${i + 1}` }));
    const { rows } = await prepare({ nodes });
    await backUp(rows);
    const element = (await setRows())[0]!.element;

    // 64 voting nodes: NODE1 cannot form the cluster alone, so the force quorum question is answered "if needed".
    const asked = answerDialogs(api, [true, true, 'Force Quorum If Needed', { type: 'CLUSTER1' }]);
    const restored = await vscode.commands.executeCommand<RestoreResult | undefined>('fcbackup.restoreCluster', element);
    assert.ok(restored, JSON.stringify(api.notifications().slice(-1)));
    assert.deepEqual(asked.map((a) => a.kind), ['confirm', 'confirm', 'explain', 'type']);
    const [first, stop, , typed] = asked;
    assert.equal(first!.message, 'Restore all of CLUSTER1 to this backup?');
    assert.match(first!.detail, /Stop the cluster service on NODE2, NODE3, NODE4, … and 60 more\./);
    assert.match(first!.detail, /^Impact: all \d+ role\(s\) \(.*\) go offline while the cluster service is stopped/m);
    assert.match(first!.detail, / UTC([+-]\d\d:\d\d)?/);
    assert.doesNotMatch(first!.detail, /VSS_RME_|NODE64/);
    assert.deepEqual(first!.actions, ['Show Full Plan', 'Restore Cluster…']);
    assert.equal(stop!.message, 'Stop the cluster service on 63 other nodes?');
    assert.match(stop!.detail, /^Nodes: NODE2, NODE3, NODE4, … and 60 more\.$/m);
    assert.equal(stop!.actions[0], 'Show Full Plan');
    assert.match(typed!.message, /^Type the cluster's name, CLUSTER1, to restore every node of it/);
    assert.equal(restored.authoritative, true);
    const shown = api.notifications().slice(-1)[0]!;
    assert.match(shown.message, /restored authoritatively and is in effect\. Nodes now: \d+ up \(NODE1, NODE2, NODE3, … and \d+ more\)/);
    assert.doesNotMatch(shown.message, /NODE64/);
  });
});
