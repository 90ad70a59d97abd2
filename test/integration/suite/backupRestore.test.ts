/**
 * Backup and restore through the commands, against the simulator: a backup from
 * the tree gives a verified set in the Backups tree; another node's backup is
 * explained, not done; a damaged set fails verification and loses its restore
 * menus; node and authoritative restores ask (answered here through the test API)
 * and refresh both trees.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackupResult, RestoreResult, VerifyResult } from '../../../src/protocol';
import type { ScenarioSpec } from '../../support/scenario';
import {
  answerDialogs, cleanupTemp, extension, findRow, NO_REASON, setSetting, tempDir, testApi, treeRows, useScenario, waitFor, type Row, assertEngineNoLeaks } from './helpers';

interface BackupOutcome { result: BackupResult; verification: VerifyResult }

const threeNodes: ScenarioSpec = { nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3' }] };

function setFolders(folder: string): string[] {
  return fs.existsSync(folder) ? fs.readdirSync(folder).filter((n) => fs.statSync(path.join(folder, n)).isDirectory()) : [];
}

/** Every file under `dir`, relative, with forward slashes. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((rel) => fs.statSync(path.join(dir, rel)).isFile())
    .map((rel) => rel.split(path.sep).join('/'));
}

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
  const folder = path.join(tempDir('fcb-it-backups-'), 'backups');
  await setSetting('backupFolder', folder);
  await api.clusterTree.refresh();
  await api.backupsTree.refresh();
  return { folder, rows: await treeRows(api.clusterTree) };
}

async function backUpLocalNode(rows: Row[]): Promise<BackupOutcome> {
  answerDialogs(await testApi(), [NO_REASON]);
  const outcome = await vscode.commands.executeCommand<BackupOutcome | undefined>('fcbackup.backup', findRow(rows, 'NODE1').element);
  const api = await testApi();
  assert.ok(outcome, `the backup did not finish: ${JSON.stringify(api.notifications().slice(-1))}`);
  return outcome;
}

describe('backup and restore commands', () => {
  afterEach(async () => (await testApi()).useDialogs(undefined));

  after(async () => {
    await assertEngineNoLeaks();
    await setSetting('backupFolder', undefined);
    await setSetting('simulator.scenario', undefined);
    cleanupTemp();
  });

  it('Back Up on the local node makes a verified set that the Backups tree lists', async () => {
    const api = await testApi();
    const { folder, rows } = await prepare();
    const before = api.notifications().length;
    const { result, verification } = await backUpLocalNode(rows);
    assert.equal(result.cluster, 'CLUSTER1');
    assert.equal(result.node, 'NODE1');
    assert.equal(result.kind, 'vss-cluster-writer');
    assert.equal(path.dirname(result.path), folder);
    assert.ok(fs.existsSync(path.join(result.path, 'manifest.json')));
    assert.deepEqual(result.files.map((f) => path.posix.basename(f.path)).sort(), ['CLUSDB', 'CLUSDB.blf']);
    assert.equal(verification.ok, true, verification.problems.join('; '));

    // Sets expand into their configuration; the sets themselves are the top rows.
    const backupRows = (await treeRows(api.backupsTree)).filter((r) => r.depth === 0);
    assert.equal(backupRows.length, 1);
    // Age and time lead (they stay visible at the default sidebar width); node and size follow; the status is the icon.
    assert.match(backupRows[0]!.label, /^(just now|\d+ min ago) · \d\d-\d\d \d\d:\d\d$/);
    assert.match(backupRows[0]!.description, /^NODE1 · [\d.]+ KB$/);
    assert.equal(backupRows[0]!.contextValue, 'backupSet-verified');
    assert.equal(backupRows[0]!.icon, 'pass-filled');
    assert.equal(api.contextKeys()['fcbackup.backupsState'], 'sets');

    const shown = api.notifications().slice(before);
    assert.ok(shown.some((n) => n.severity === 'info' && n.message.startsWith('Backed up CLUSTER1 on NODE1')
      && n.actions.join() === 'Reveal in Explorer,Show Log'), JSON.stringify(shown));
    assert.ok(api.logLines().some((l) => l.includes('Back Up Cluster Configuration: finished')));
  });

  it('Back Up on another node explains how to back it up there and backs up nothing', async () => {
    const api = await testApi();
    const { folder, rows } = await prepare();
    const asked = answerDialogs(api, [undefined]);
    const outcome = await vscode.commands.executeCommand('fcbackup.backup', findRow(rows, 'NODE2').element);
    assert.equal(outcome, undefined);
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!.kind, 'explain');
    assert.match(asked[0]!.message, /NODE2/);
    assert.match(asked[0]!.detail, /Remote window on NODE2/);
    assert.deepEqual(setFolders(folder), []);

    answerDialogs(api, ['Back Up NODE1 Instead', NO_REASON]);
    const instead = await vscode.commands.executeCommand<BackupOutcome | undefined>('fcbackup.backup', findRow(rows, 'NODE2').element);
    assert.equal(instead?.result.node, 'NODE1');
    assert.equal(setFolders(folder).length, 1);
  });

  it('Back Up from the palette asks for the node, and explains a node of a cluster connected by name', async () => {
    const api = await testApi();
    // A management server that is not a cluster node, with CLUSTER1 connected by name.
    const { folder } = await prepare({ machine: 'ADMIN1', configured: false, nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3' }] });
    await vscode.commands.executeCommand('fcbackup.connect', 'NODE2');
    const connected = await waitFor('the connected cluster', () => api.clusterTree.clusters().find((c) => c.source === 'connected' && c.status));
    try {
      const asked = answerDialogs(api, [{ pick: 'NODE3' }, undefined]);
      const outcome = await vscode.commands.executeCommand('fcbackup.backup');
      assert.equal(outcome, undefined);
      assert.deepEqual(asked.map((a) => a.kind), ['pick', 'explain']);
      assert.equal(asked[0]!.detail, 'CLUSTER1');
      assert.deepEqual(asked[0]!.actions, ['NODE1', 'NODE2', 'NODE3']);
      assert.match(asked[1]!.message, /NODE3/);
      assert.match(asked[1]!.detail, /Remote window on NODE3/);
      assert.deepEqual(setFolders(folder), []);
    } finally {
      await vscode.commands.executeCommand('fcbackup.disconnect', connected);
    }
  });

  it('backs up a stand-alone server (cluster service stopped) as an offline hive from the palette', async () => {
    await prepare({ nodes: [{ name: 'NODE1', service: 'stopped' }, { name: 'NODE2' }] });
    answerDialogs(await testApi(), [NO_REASON]);
    const outcome = await vscode.commands.executeCommand<BackupOutcome | undefined>('fcbackup.backup');
    assert.ok(outcome);
    assert.equal(outcome.result.kind, 'offline-hive');
    assert.equal(outcome.verification.ok, true);
  });

  it('Cancel stops a running backup in the engine, quietly, and leaves nothing in the backup folder', async () => {
    const api = await testApi();
    // Every asynchronous VSS step stays pending for many polls: the backup runs long enough to be cancelled.
    const { folder, rows } = await prepare({ ...threeNodes, asyncPendingPolls: 60 });
    const before = api.notifications().length;
    answerDialogs(api, [NO_REASON]);
    const running = vscode.commands.executeCommand('fcbackup.backup', findRow(rows, 'NODE1').element);
    await waitFor('the backup to run', () => api.runningOperations().some((t) => t.startsWith('Backing up CLUSTER1')));
    // A VSS step's progress (the VSS call traces are debug details the engine does not send at the default level).
    await waitFor('a VSS step in the log', () => api.logLines().some((l) => l.includes('Gathering writer metadata')));
    assert.equal(api.cancelOperations(), 1);
    // Without the cancellation the backup would run on through many pending polls; how fast it stops is a figure for bench/, not an assertion.
    assert.equal(await running, undefined);
    assert.ok(api.logLines().some((l) => l.includes('Back Up Cluster Configuration: cancelled.')));
    assert.deepEqual(api.notifications().slice(before), [], 'a cancellation is not reported as an error');
    assert.deepEqual(fs.existsSync(folder) ? fs.readdirSync(folder) : [], [], 'the cancelled backup left files behind');
    assert.deepEqual(api.runningOperations(), []);
  });

  it('Reveal Backup Folder offers the server-side folder, and says when there is none yet', async () => {
    const api = await testApi();
    const { folder } = await prepare();
    let before = api.notifications().length;
    await vscode.commands.executeCommand('fcbackup.revealBackupFolder');
    let shown = api.notifications().slice(before);
    assert.equal(shown.length, 1);
    assert.equal(shown[0]!.severity, 'error');
    assert.match(shown[0]!.message, /does not exist yet; it is created by the first backup/);

    fs.mkdirSync(folder, { recursive: true });
    before = api.notifications().length;
    await vscode.commands.executeCommand('fcbackup.revealBackupFolder');
    shown = api.notifications().slice(before);
    if (vscode.env.remoteName === undefined && vscode.env.uiKind === vscode.UIKind.Desktop) {
      // A local desktop window opens the OS file manager: nothing to report.
      assert.deepEqual(shown, []);
    } else {
      // The folder is on the server, outside the opened folder.
      assert.equal(shown.length, 1, JSON.stringify(shown));
      assert.ok(shown[0]!.message.startsWith(folder), shown[0]!.message);
      assert.deepEqual(shown[0]!.actions, ['Open in New Window', 'Copy Path']);
    }
  });

  it('Restore from the palette verifies every set first and never offers one found damaged', async () => {
    const api = await testApi();
    const { rows } = await prepare();
    const { result: older } = await backUpLocalNode(rows);
    const { result } = await backUpLocalNode(rows);
    assert.equal((await treeRows(api.backupsTree))[0]!.icon, 'pass-filled');
    // Damaged after the backup verified it: only a fresh verification can tell.
    const damaged = filesUnder(path.join(result.path, 'files'))[0]!;
    fs.appendFileSync(path.join(result.path, 'files', damaged), 'x');
    const asked = answerDialogs(api, [undefined]);
    const outcome = await vscode.commands.executeCommand('fcbackup.restoreNode');
    assert.equal(outcome, undefined);
    assert.deepEqual(asked.map((a) => a.kind), ['pick']);
    assert.equal(asked[0]!.actions.length, 1, JSON.stringify(asked[0]!.actions));
    assert.match(asked[0]!.actions[0]!, / · verified$/);
    const marked = (await treeRows(api.backupsTree)).filter((r) => r.depth === 0);
    const row = marked.find((r) => (r.element as { set?: { path: string } }).set?.path === result.path)!;
    assert.equal(row.contextValue, 'backupSet-invalid');
    assert.match(row.description, /^damaged · NODE1 · /);
    assert.equal(row.icon, 'error');

    // With every set damaged there is nothing to offer: the command says so and asks nothing.
    fs.appendFileSync(path.join(older.path, 'files', damaged), 'x');
    const none = answerDialogs(api, []);
    const before = api.notifications().length;
    assert.equal(await vscode.commands.executeCommand('fcbackup.restoreNode'), undefined);
    assert.deepEqual(none, []);
    assert.match(api.notifications().slice(before)[0]!.message, /None of the 2 backup set\(s\) in .* is intact/);
  });

  it('Restore from the palette hashes the picked set once: the plan reuses the pick\'s verification', async () => {
    const api = await testApi();
    const { rows } = await prepare();
    await backUpLocalNode(rows);
    // First look at the pick to learn the set's label, then pick it and confirm.
    const looked = answerDialogs(api, [undefined]);
    assert.equal(await vscode.commands.executeCommand('fcbackup.restoreNode'), undefined);
    const label = looked[0]!.actions[0]!.split(' — ')[0]!;
    const mark = api.logLineCount();
    answerDialogs(api, [{ pick: label }, true]);
    const restored = await vscode.commands.executeCommand<RestoreResult | undefined>('fcbackup.restoreNode');
    assert.ok(restored, JSON.stringify(api.notifications().slice(-1)));
    const lines = api.logLinesSince(mark);
    assert.ok(lines.some((l) => l.includes('is unchanged since it was verified')), lines.join('\n'));
  });

  it('Verify Backup… finds a damaged file and the set loses its restore menus', async () => {
    const api = await testApi();
    const { rows } = await prepare();
    const { result } = await backUpLocalNode(rows);
    const damaged = filesUnder(path.join(result.path, 'files'))[0]!;
    fs.appendFileSync(path.join(result.path, 'files', damaged), 'x');
    const element = (await treeRows(api.backupsTree))[0]!.element;
    const verification = await vscode.commands.executeCommand<VerifyResult | undefined>('fcbackup.verifyBackup', element);
    assert.ok(verification);
    assert.equal(verification.ok, false);
    assert.ok(verification.problems.some((p) => p.includes(path.posix.basename(damaged))), verification.problems.join('; '));
    const row = (await treeRows(api.backupsTree))[0]!;
    assert.equal(row.contextValue, 'backupSet-invalid');
    assert.match(row.description, /^damaged · /);
    assert.equal(menuMatches('fcbackup.restoreNode', row.contextValue), false);
    assert.equal(menuMatches('fcbackup.restoreCluster', row.contextValue), false);
    assert.equal(menuMatches('fcbackup.restoreNode', 'backupSet-verified'), true);
  });

  it('Restore This Node… says what will happen, does nothing when declined, and restores when confirmed', async () => {
    const api = await testApi();
    const { rows } = await prepare();
    const { result: backup } = await backUpLocalNode(rows);
    const element = (await treeRows(api.backupsTree))[0]!.element;

    const declined = answerDialogs(api, [false]);
    assert.equal(await vscode.commands.executeCommand('fcbackup.restoreNode', element), undefined);
    assert.equal(declined.length, 1);
    assert.match(declined[0]!.message, /NODE1/);
    assert.ok(api.logLines().some((l) => l.includes('Restore not confirmed')));

    const asked = answerDialogs(api, [true]);
    const restored = await vscode.commands.executeCommand<RestoreResult | undefined>('fcbackup.restoreNode', element);
    assert.ok(restored, JSON.stringify(api.notifications().slice(-1)));
    assert.equal(asked.length, 1, 'a node restore asks once');
    assert.equal(asked[0]!.kind, 'confirm');
    assert.match(asked[0]!.detail, /Only NODE1 is restored/);
    assert.match(asked[0]!.detail, new RegExp(path.basename(backup.path)));
    assert.equal(restored.authoritative, false);
    assert.ok(restored.nodes.some((n) => n.name === 'NODE1'));
    assert.equal(findRow(await treeRows(api.clusterTree), 'NODE1').description, 'up · id 1 · this machine');
  });

  it('Restore Cluster (Authoritative)… asks again before stopping the other nodes and stops them only then', async () => {
    const api = await testApi();
    const { rows } = await prepare();
    await backUpLocalNode(rows);
    const element = (await treeRows(api.backupsTree))[0]!.element;

    const refused = answerDialogs(api, [true, false]);
    assert.equal(await vscode.commands.executeCommand('fcbackup.restoreCluster', element), undefined);
    assert.equal(refused.length, 2);
    assert.match(refused[0]!.detail, /^Every node of CLUSTER1 goes back to the configuration of/);
    assert.equal(refused[1]!.message, 'Stop the cluster service on 2 other nodes?');
    assert.match(refused[1]!.detail, /^Nodes: NODE2, NODE3\.$/m);
    // The button that goes ahead is never the modal's default (first) button.
    assert.deepEqual(refused.map((a) => a.actions[0]), ['Show Full Plan', 'Show Full Plan']);
    await api.clusterTree.refresh();
    assert.equal(findRow(await treeRows(api.clusterTree), 'NODE2').description, 'up · id 2', 'NODE2 was stopped without consent');

    // Both questions answered yes, but the cluster's name typed wrong: nothing happens either.
    const mistyped = answerDialogs(api, [true, true, 'Force Quorum If Needed', { type: 'CLUSTER2' }]);
    assert.equal(await vscode.commands.executeCommand('fcbackup.restoreCluster', element), undefined);
    assert.deepEqual(mistyped.map((a) => a.kind), ['confirm', 'confirm', 'explain', 'type']);
    assert.match(mistyped[3]!.message, /^Type the cluster's name, CLUSTER1, to restore every node of it/);
    assert.ok(api.logLines().some((l) => l.includes('The cluster\'s name was not typed')));
    await api.clusterTree.refresh();
    assert.equal(findRow(await treeRows(api.clusterTree), 'NODE2').description, 'up · id 2', 'NODE2 was stopped without the typed name');

    const asked = answerDialogs(api, [true, true, 'Force Quorum If Needed', { type: 'cluster1' }]);
    const restored = await vscode.commands.executeCommand<RestoreResult | undefined>('fcbackup.restoreCluster', element);
    assert.ok(restored, JSON.stringify(api.notifications().slice(-1)));
    assert.equal(asked.length, 4);
    assert.equal(asked[2]!.kind, 'explain');
    assert.match(asked[2]!.detail, /replicated to every node/);
    assert.deepEqual(asked[2]!.actions, ['Do Not Force Quorum', 'Force Quorum If Needed'], 'the safe answer is the first (default) button');
    assert.equal(restored.authoritative, true);
    assert.ok(restored.nodes.some((n) => n.name === 'NODE1' && n.state === 'up'), JSON.stringify(restored.nodes));
    const shown = api.notifications().slice(-1)[0]!;
    assert.match(shown.message, /restored authoritatively/);
    assert.match(shown.message, /NODE1 up/);
  });
});
