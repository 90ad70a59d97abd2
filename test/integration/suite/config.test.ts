/**
 * The configuration inside backup sets, against the simulator's cluster database: a set
 * expands into its roles, resources, nodes and networks with its PaxosTag against the live
 * cluster's; the compare commands open the diff editor on both renderings; the restore
 * confirmations say what the restore rolls back; and without any cluster (no simulator,
 * not Windows) the Backups view still lists, verifies, shows and compares sets.
 *
 * Two "worlds" of the same cluster stand for before and after an administrator's changes:
 * the backup is made in the first, the live cluster is the second.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackupResult, VerifyResult } from '../../../src/protocol';
import type { OpenedComparison } from '../../../src/ui/configDocuments';
import type { ConfirmationText } from '../../../src/ui/restoreText';
import { resolveScenario, writeScenarioText } from '../../support/scenario';
import {
  answerDialogs, assertEngineNoLeaks, cleanupTemp, extension, findRow, NO_REASON, setSetting, tempDir, testApi, treeRows, type Row,
} from './helpers';

const NODES = [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3' }];

const GROUPS = [
  { name: 'Cluster Group', type: 1 },
  { name: 'Available Storage', type: 2 },
  { name: 'SQL1', type: 100, preferredOwners: ['NODE1', 'NODE2'] },
];
const RESOURCES = [
  { name: 'Cluster IP Address', type: 'IP Address', group: 'Cluster Group', parameters: { Address: '10.0.0.10', SubnetMask: '255.255.255.0' } },
  { name: 'Cluster Name', type: 'Network Name', group: 'Cluster Group', dependsOn: ['Cluster IP Address'], parameters: { Name: 'CLUSTER1' } },
  { name: 'Cluster Disk Witness', type: 'Physical Disk', group: 'Cluster Group' },
  { name: 'Cluster Disk 1', type: 'Physical Disk', group: 'Available Storage' },
  { name: 'SQL IP Address', type: 'IP Address', group: 'SQL1', parameters: { Address: '10.0.0.20' } },
  { name: 'SQL Server', type: 'SQL Server', group: 'SQL1', dependsOn: ['SQL IP Address'] },
];
const NETWORKS = [{ name: 'Cluster Network 1', role: 3, address: '10.0.0.0', addressMask: '255.255.255.0' }];

/** The cluster as backed up (PaxosTag 3), and as it runs later (PaxosTag 7): role SQL2 added, SQL1's owners swapped. */
const BEFORE = { paxosTag: 3, groups: GROUPS, resources: RESOURCES };
const AFTER = {
  paxosTag: 7,
  groups: [...GROUPS.map((g) => (g.name === 'SQL1' ? { ...g, preferredOwners: ['NODE2', 'NODE1'] } : g)), { name: 'SQL2', type: 100 }],
  resources: [...RESOURCES, { name: 'SQL2 IP Address', type: 'IP Address', group: 'SQL2', parameters: { Address: '10.0.0.30' } }],
};

/** Points the extension at a new simulated world of CLUSTER1 with this configuration, and refreshes both trees. */
async function useWorld(world: typeof BEFORE): Promise<void> {
  await assertEngineNoLeaks();
  const resolved = resolveScenario({ nodes: NODES });
  const text = JSON.stringify({
    ...resolved, cluster: { ...resolved.cluster, paxosTag: world.paxosTag }, groups: world.groups, resources: world.resources, networks: NETWORKS,
  }, null, 2);
  await setSetting('simulator.scenario', writeScenarioText(tempDir('fcb-it-config-'), text));
  const api = await testApi();
  await api.clusterTree.refresh();
  await api.backupsTree.refresh();
}

async function backUp(): Promise<BackupResult> {
  const api = await testApi();
  const rows = await treeRows(api.clusterTree);
  answerDialogs(api, [NO_REASON]);
  const outcome = await vscode.commands.executeCommand<{ result: BackupResult } | undefined>('fcbackup.backup', findRow(rows, 'NODE1').element);
  assert.ok(outcome, `the backup did not finish: ${JSON.stringify(api.notifications().slice(-1))}`);
  await api.backupsTree.refresh();
  return outcome.result;
}

/** The Backups tree's rows under the set named `name` (the set row first). */
async function setRows(name: string): Promise<Row[]> {
  const rows = await treeRows((await testApi()).backupsTree);
  const start = rows.findIndex((r) => r.depth === 0 && r.element.kind === 'backupSet' && r.element.set.name === name);
  assert.ok(start >= 0, `no set ${name} in ${JSON.stringify(rows.filter((r) => r.depth === 0).map((r) => r.label))}`);
  const end = rows.findIndex((r, i) => i > start && r.depth === 0);
  return rows.slice(start, end < 0 ? undefined : end);
}

function describeRows(rows: Row[]): string[] {
  return rows.map((r) => `${'  '.repeat(r.depth)}${r.label}${r.description ? ` — ${r.description}` : ''}`);
}

async function text(uri: vscode.Uri): Promise<string> {
  return (await vscode.workspace.openTextDocument(uri)).getText();
}

/** The diff editor in front: its two documents. */
function activeDiff(): { original: vscode.Uri; modified: vscode.Uri } {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  assert.ok(input instanceof vscode.TabInputTextDiff, `the active tab is not a diff editor: ${JSON.stringify(input)}`);
  return { original: input.original, modified: input.modified };
}

describe('cluster configuration in backup sets', () => {
  let folder: string;
  let older: BackupResult;
  let newer: BackupResult;

  before(async () => {
    const api = await testApi();
    api.useDialogs(undefined);
    folder = path.join(tempDir('fcb-it-config-sets-'), 'backups');
    await setSetting('backupFolder', folder);
    await useWorld(BEFORE);
    older = await backUp();
    await useWorld(AFTER);
    newer = await backUp();
  });

  afterEach(async () => (await testApi()).useDialogs(undefined));

  after(async () => {
    await assertEngineNoLeaks();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await setSetting('backupFolder', undefined);
    await setSetting('simulator.scenario', undefined);
    cleanupTemp();
  });

  it('a set expands into roles with their resources, nodes and networks, with its PaxosTag against the live cluster\'s', async () => {
    const rows = describeRows(await setRows(path.basename(older.path)));
    assert.deepEqual(rows.slice(1), [
      '  Cluster CLUSTER1 — PaxosTag 3 · older than the live cluster\'s (7)',
      '  Roles — 3',
      '    Available Storage — 1 resource(s)',
      '      Cluster Disk 1 — Physical Disk',
      '    Cluster Group — 3 resource(s)',
      '      Cluster Disk Witness — Physical Disk',
      '      Cluster IP Address — IP Address',
      '      Cluster Name — Network Name · depends on Cluster IP Address',
      '    SQL1 — 2 resource(s) · preferred NODE1, NODE2',
      '      SQL IP Address — IP Address',
      '      SQL Server — SQL Server · depends on SQL IP Address',
      '  Nodes — 3',
      '    NODE1 — id 1',
      '    NODE2 — id 2',
      '    NODE3 — id 3',
      '  Networks — 1',
      '    Cluster Network 1 — 10.0.0.0/255.255.255.0 · role 3',
    ]);
    const newerRows = describeRows(await setRows(path.basename(newer.path)));
    assert.equal(newerRows[1], '  Cluster CLUSTER1 — PaxosTag 7 · same as the live cluster');
    const api = await testApi();
    const sqlServer = (await setRows(path.basename(older.path))).find((r) => r.label === 'SQL Server')!;
    const item = await api.backupsTree.getTreeItem(sqlServer.element);
    assert.match(String(item.tooltip), /Type: SQL Server\nDepends on: SQL IP Address/);
    assert.equal(item.contextValue, 'config-resource');
  });

  it('Compare with Live Configuration opens the diff editor on both configurations, headed by a summary line', async () => {
    const element = (await setRows(path.basename(older.path)))[0]!.element;
    const opened = await vscode.commands.executeCommand<OpenedComparison | undefined>('fcbackup.compareWithLive', element);
    assert.ok(opened, JSON.stringify((await testApi()).notifications().slice(-1)));
    const summary = '4 changes: 1 role added, 1 resource added, 2 properties changed';
    assert.equal(opened.diff.summary, summary);
    assert.equal(opened.title, `backup ${path.basename(older.path)} ↔ live cluster CLUSTER1 (${summary})`);
    const shown = activeDiff();
    assert.equal(shown.original.toString(), opened.left.toString());
    assert.equal(shown.modified.toString(), opened.right.toString());
    assert.equal(shown.original.scheme, 'fcbackup-config');
    const left = await text(shown.original);
    const right = await text(shown.modified);
    const header = `backup ${path.basename(older.path)} → live cluster CLUSTER1: ${summary}`;
    assert.equal(left.split('\n')[0], header);
    assert.equal(right.split('\n')[0], header);
    assert.match(left, /\n {2}PaxosTag: 3\n/);
    assert.match(right, /\n {2}PaxosTag: 7\n/);
    assert.doesNotMatch(left, /Role "SQL2"/);
    assert.match(right, /\n {2}Role "SQL2" \{[0-9a-f-]+\}\n {4}GroupType: 100\n/);
    assert.match(left, /Role "SQL1" \{[^}]+\}\n(?: {4}.*\n)*? {4}Preferred owners: NODE1, NODE2\n/);
    assert.match(right, /Role "SQL1" \{[^}]+\}\n(?: {4}.*\n)*? {4}Preferred owners: NODE2, NODE1\n/);
    // Read-only: the scheme has no file system provider to save to.
    const document = await vscode.workspace.openTextDocument(shown.modified);
    assert.equal(document.isUntitled, false);
    assert.equal(vscode.workspace.fs.isWritableFileSystem('fcbackup-config'), undefined);
  });

  it('Compare with Backup… compares with the set picked in the quick pick', async () => {
    const api = await testApi();
    const element = (await setRows(path.basename(older.path)))[0]!.element;
    const asked = answerDialogs(api, [{ pick: (await setRows(path.basename(newer.path)))[0]!.label, description: path.basename(newer.path) }]);
    const opened = await vscode.commands.executeCommand<OpenedComparison | undefined>('fcbackup.compareWithBackup', element);
    assert.ok(opened, JSON.stringify(api.notifications().slice(-1)));
    assert.equal(asked.length, 1);
    assert.deepEqual(asked[0]!.actions.map((a) => a.endsWith(path.basename(newer.path))), [true], 'the pick offers the other sets only');
    assert.equal(opened.diff.summary, '4 changes: 1 role added, 1 resource added, 2 properties changed');
    assert.equal(activeDiff().modified.toString(), opened.right.toString());
    assert.match(await text(opened.right), /^backup \S+ → backup \S+: 4 changes/);
  });

  it('the restore confirmations say what the restore rolls back, and Show Full Difference opens the comparison', async () => {
    const api = await testApi();
    const element = (await setRows(path.basename(older.path)))[0]!.element;
    const expected = [
      '• role "SQL1": Preferred owners changed since the backup ("NODE1, NODE2" → "NODE2, NODE1")',
      '• role "SQL2" added since the backup',
      '• resource "SQL2 IP Address" (role "SQL2") added since the backup',
    ].join('\n');

    const node = answerDialogs(api, [false]);
    assert.equal(await vscode.commands.executeCommand('fcbackup.restoreNode', element), undefined);
    assert.equal(node.length, 1);
    assert.ok(node[0]!.detail.includes(`This node's copy rolls back 3 change(s) made since the backup (when the node rejoins, it takes the running cluster's configuration again):\n${expected}`), node[0]!.detail);

    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const asked: ConfirmationText[] = [];
    api.useDialogs({
      async confirm(confirmation) {
        asked.push(confirmation);
        await confirmation.more?.run();
        return false;
      },
      explain: async () => undefined,
      pick: async () => undefined,
      typeToConfirm: async () => false,
      chooseFolder: async () => undefined,
      askText: async () => undefined,
    });
    assert.equal(await vscode.commands.executeCommand('fcbackup.restoreCluster', element), undefined);
    assert.equal(asked.length, 1);
    assert.ok(asked[0]!.detail.includes(`The restore rolls back 3 change(s) made since the backup:\n${expected}`), asked[0]!.detail);
    assert.equal(asked[0]!.more?.title, 'Show Full Difference');
    const shown = activeDiff();
    assert.equal(shown.original.scheme, 'fcbackup-config');
    assert.match(await text(shown.modified), /Role "SQL2"/);

    // The newest set is the live configuration: nothing to roll back, and no Show Full Difference.
    const same = answerDialogs(api, [false]);
    assert.equal(await vscode.commands.executeCommand('fcbackup.restoreNode', (await setRows(path.basename(newer.path)))[0]!.element), undefined);
    assert.match(same[0]!.detail, /The live configuration matches the backup: the restore rolls back no configuration change\.$/);
  });

  // Off Windows only: on Windows the system DLLs are always a native target.
  if (process.platform !== 'win32') it('without a cluster the Backups view lists, verifies, shows and compares sets, and offers no backup or restore', async () => {
    const api = await testApi();
    await assertEngineNoLeaks(); // the last simulator engine of this suite
    await setSetting('simulator.scenario', undefined);
    await api.clusterTree.refresh();
    assert.equal(api.contextKeys()['fcbackup.clusterState'], 'notWindows');
    await api.backupsTree.refresh();
    assert.equal(api.contextKeys()['fcbackup.backupsState'], 'sets');
    assert.ok(api.engineProcessId() !== undefined, 'no engine serves the file work');

    const rows = describeRows(await setRows(path.basename(older.path)));
    assert.equal(rows[1], '  Cluster CLUSTER1 — PaxosTag 3', 'no live cluster to compare the PaxosTag with');
    assert.ok(rows.includes('      SQL Server — SQL Server · depends on SQL IP Address'), rows.join('\n'));

    const element = (await setRows(path.basename(older.path)))[0]!.element;
    const verification = await vscode.commands.executeCommand<VerifyResult | undefined>('fcbackup.verifyBackup', element);
    assert.equal(verification?.ok, true, JSON.stringify(verification ?? api.notifications().slice(-1)));
    const opened = await vscode.commands.executeCommand<OpenedComparison | undefined>('fcbackup.compareWithBackup', element, newer.path);
    assert.equal(opened?.diff.summary, '4 changes: 1 role added, 1 resource added, 2 properties changed');

    // Backup, restore and the live comparison are not offered: every menu entry of theirs needs a cluster here.
    const menus = (extension().packageJSON as { contributes: { menus: Record<string, Array<{ command: string; when?: string }>> } }).contributes.menus;
    const entries = Object.values(menus).flat();
    for (const command of ['fcbackup.backup', 'fcbackup.restoreNode', 'fcbackup.restoreCluster']) {
      const mine = entries.filter((m) => m.command === command && !/viewItem =~ \/\^\(cluster-local/.test(m.when ?? ''));
      assert.ok(mine.length >= 2, `${command} has no menu entries`);
      for (const m of mine) assert.match(m.when ?? '', /fcbackup\.clusterState != notWindows/, `${command}: ${m.when}`);
    }
    for (const m of entries.filter((e) => e.command === 'fcbackup.compareWithLive')) assert.match(m.when ?? '', /fcbackup\.clusterState == none/);
    const live = await vscode.commands.executeCommand('fcbackup.compareWithLive', element);
    assert.equal(live, undefined, 'compare with live has no cluster to read here');
  });
});
