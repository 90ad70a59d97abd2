/**
 * Back Up's reason box and the copy folder (issue 15 §4–5), against the simulator: the
 * reason typed is kept in the set's manifest and shown in its tooltip; an empty box backs up
 * without one; Escape backs up nothing; text with a control character is refused under the
 * box with the CLI's rule. With fcbackup.copyFolder set, Back Up copies each new set there
 * (as `backup --copy-to`) and the Backups view has a second group listing that folder's
 * sets the same way (rows, Verify, damaged); a copy that fails keeps the set here and is
 * its own warning, in a notification and as a row in the copy group.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BackupResult, VerifyResult } from '../../../src/protocol';
import type { TreeElement } from '../../../src/ui/treeModel';
import {
  answerDialogs, assertEngineNoLeaks, cleanupTemp, findRow, NO_REASON, setSetting, tempDir, testApi, treeRows, useScenario, type Row,
} from './helpers';

interface BackupOutcome { result: BackupResult; verification: VerifyResult; copyVerification?: VerifyResult }

const threeNodes = { nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3' }] };

async function prepare(): Promise<{ folder: string; rows: Row[] }> {
  const api = await testApi();
  api.useDialogs(undefined);
  await useScenario(threeNodes);
  const folder = path.join(tempDir('fcb-it-reason-'), 'backups');
  await setSetting('backupFolder', folder);
  await api.clusterTree.refresh();
  await api.backupsTree.refresh();
  return { folder, rows: await treeRows(api.clusterTree) };
}

function entries(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

function tooltipOf(provider: { getTreeItem(element: TreeElement): vscode.TreeItem }, element: TreeElement): string {
  const tooltip = provider.getTreeItem(element).tooltip;
  return typeof tooltip === 'string' ? tooltip : tooltip?.value ?? '';
}

describe('Back Up: the reason box and the copy folder', () => {
  afterEach(async () => (await testApi()).useDialogs(undefined));

  after(async () => {
    await assertEngineNoLeaks();
    await setSetting('copyFolder', undefined);
    await setSetting('backupFolder', undefined);
    await setSetting('simulator.scenario', undefined);
    cleanupTemp();
  });

  it('keeps the reason typed in the manifest and the tooltip; refuses a control character; Escape backs up nothing', async () => {
    const api = await testApi();
    const { folder, rows } = await prepare();
    const node1 = findRow(rows, 'NODE1').element;

    // Escape: nothing is backed up.
    const escaped = answerDialogs(api, [undefined]);
    assert.equal(await vscode.commands.executeCommand('fcbackup.backup', node1), undefined);
    assert.deepEqual(escaped.map((a) => a.kind), ['text']);
    assert.match(escaped[0]!.message, /Why is this backup taken\?.*Escape cancels/);
    assert.deepEqual(entries(folder), []);

    // A tab (pasted) is refused under the box, naming the character, as --reason does; the corrected text is taken.
    const asked = answerDialogs(api, [{ text: 'before\tthe CU' }, { text: '  before the December CU  ' }]);
    const outcome = await vscode.commands.executeCommand<BackupOutcome | undefined>('fcbackup.backup', node1);
    assert.ok(outcome, JSON.stringify(api.notifications().slice(-1)));
    assert.deepEqual(asked.map((a) => [a.kind, a.detail]), [
      ['text', 'The reason contains the control character U+0009 at position 7; give one line of plain text.'],
      ['text', ''],
    ]);
    assert.equal(outcome.result.reason, 'before the December CU');
    const manifest = JSON.parse(fs.readFileSync(path.join(outcome.result.path, 'manifest.json'), 'utf8')) as { reason?: string };
    assert.equal(manifest.reason, 'before the December CU');
    const setRow = (await treeRows(api.backupsTree)).find((r) => r.element.kind === 'backupSet' && r.element.set.path === outcome.result.path);
    assert.ok(setRow);
    assert.match(tooltipOf(api.backupsTree, setRow.element), /\nReason: before the December CU(\n|$)/);

    // An empty box: a backup without a reason.
    answerDialogs(api, [NO_REASON]);
    const plain = await vscode.commands.executeCommand<BackupOutcome | undefined>('fcbackup.backup', node1);
    assert.ok(plain);
    assert.equal(plain.result.reason, null);
    const plainManifest = JSON.parse(fs.readFileSync(path.join(plain.result.path, 'manifest.json'), 'utf8')) as object;
    assert.ok(!('reason' in plainManifest));
  });

  it('copies each set to the copy folder, which the view lists as a second group with Verify and damaged states', async () => {
    const api = await testApi();
    const { folder, rows } = await prepare();
    const copyFolder = path.join(tempDir('fcb-it-copies-'), 'share copies');
    await setSetting('copyFolder', copyFolder);
    await api.backupsTree.refresh();
    // Before the first copy: two groups, the copy folder's says it does not exist yet.
    let view = await treeRows(api.backupsTree);
    assert.deepEqual(view.filter((r) => r.depth === 0).map((r) => [r.label, r.contextValue]),
      [['Backup Folder', 'backupFolder-backup'], ['Copy Folder', 'backupFolder-copy']]);
    assert.ok(view.some((r) => r.depth === 1 && /^The copy folder does not exist yet/.test(r.label)), JSON.stringify(view.map((r) => r.label)));

    answerDialogs(api, [{ text: 'pre-update' }]);
    const outcome = await vscode.commands.executeCommand<BackupOutcome | undefined>('fcbackup.backup', findRow(rows, 'NODE1').element);
    assert.ok(outcome, JSON.stringify(api.notifications().slice(-1)));
    const copy = outcome.result.copy!;
    assert.equal(copy.error, null);
    assert.equal(copy.path, path.join(copyFolder, path.basename(outcome.result.path)));
    assert.equal(outcome.copyVerification?.ok, true);
    assert.equal(path.dirname(outcome.result.path), folder);
    assert.ok(api.notifications().some((n) => n.severity === 'info' && n.message.includes(`Copied to ${copy.path}.`)));

    view = await treeRows(api.backupsTree);
    const groups = view.filter((r) => r.depth === 0);
    assert.deepEqual(groups.map((r) => r.label), ['Backup Folder', 'Copy Folder']);
    assert.equal(groups[1]!.description, `${copyFolder} · 1 set(s)`);
    const copyIndex = view.indexOf(groups[1]!);
    const copyRow = view.slice(copyIndex + 1).find((r) => r.depth === 1)!;
    assert.ok(copyRow.element.kind === 'backupSet' && copyRow.element.set.path === copy.path, JSON.stringify(copyRow.label));
    // Listed the same way: age and time, node and size, the status as the icon; the reason in its tooltip.
    assert.match(copyRow.label, /^(just now|\d+ min ago) · \d\d-\d\d \d\d:\d\d$/);
    assert.match(copyRow.description, /^NODE1 · [\d.]+ KB$/);
    assert.equal(copyRow.contextValue, 'backupSet-verified');
    assert.match(tooltipOf(api.backupsTree, copyRow.element), /\nReason: pre-update(\n|$)/);

    // A copy damaged on the share: Verify on its row finds it, and the row says so.
    fs.appendFileSync(path.join(copy.path, ...outcome.result.files[0]!.path.split('/')), 'x');
    const verified = await vscode.commands.executeCommand<VerifyResult | undefined>('fcbackup.verifyBackup', copyRow.element);
    assert.equal(verified?.ok, false);
    view = await treeRows(api.backupsTree);
    const damaged = view.find((r) => r.element.kind === 'backupSet' && r.element.set.path === copy.path)!;
    assert.equal(damaged.contextValue, 'backupSet-invalid');
    assert.match(damaged.description, /^damaged · /);
    assert.match(view.find((r) => r.label === 'Copy Folder')!.description, /1 set\(s\), 1 damaged$/);
    // The local set is untouched by that.
    assert.equal(view.find((r) => r.element.kind === 'backupSet' && r.element.set.path === outcome.result.path)!.contextValue, 'backupSet-verified');
  });

  it('a copy that fails keeps the set here and is its own warning: a notification and a row in the copy group', async () => {
    const api = await testApi();
    const { folder, rows } = await prepare();
    const blocker = path.join(tempDir('fcb-it-copies-'), 'a-file');
    fs.writeFileSync(blocker, 'not a folder');
    const copyFolder = path.join(blocker, 'copies');
    await setSetting('copyFolder', copyFolder);
    const before = api.notifications().length;
    answerDialogs(api, [NO_REASON]);
    const outcome = await vscode.commands.executeCommand<BackupOutcome | undefined>('fcbackup.backup', findRow(rows, 'NODE1').element);
    assert.ok(outcome, 'the set was made although its copy failed');
    assert.equal(outcome.verification.ok, true);
    assert.ok(fs.existsSync(path.join(outcome.result.path, 'manifest.json')));
    assert.equal(path.dirname(outcome.result.path), folder);
    assert.equal(outcome.result.copy?.path, null);
    assert.match(outcome.result.copy?.error ?? '', /a-file/);
    assert.equal(fs.readFileSync(blocker, 'utf8'), 'not a folder');

    const shown = api.notifications().slice(before);
    assert.ok(shown.some((n) => n.severity === 'info' && n.message.startsWith('Backed up CLUSTER1 on NODE1')), JSON.stringify(shown));
    const warning = shown.find((n) => n.severity === 'warning');
    assert.ok(warning, JSON.stringify(shown));
    assert.ok(warning.message.startsWith(`The backup set ${outcome.result.path} was made and is kept, but copying it to the copy folder ${copyFolder} failed: `),
      warning.message);

    const view = await treeRows(api.backupsTree);
    const copyGroup = view.findIndex((r) => r.label === 'Copy Folder');
    assert.ok(copyGroup >= 0);
    const copyRows = view.slice(copyGroup + 1).filter((r) => r.depth === 1);
    assert.equal(copyRows[0]!.contextValue, 'message-warning');
    assert.match(copyRows[0]!.label, /^Last copy failed \(just now\): .*a-file/);
    // The backup itself did not fail: no "last backup failed" row, and the set is listed in its group.
    assert.ok(!view.some((r) => r.label.startsWith('Last backup failed')), JSON.stringify(view.map((r) => r.label)));
    assert.equal(api.backupsTree.viewDescription(), folder);
    assert.ok(view.some((r) => r.element.kind === 'backupSet' && r.element.set.path === outcome.result.path));
    await setSetting('copyFolder', undefined);
    await api.backupsTree.refresh();
    assert.ok(!(await treeRows(api.backupsTree)).some((r) => r.element.kind === 'backupFolder'), 'without a copy folder the view has no groups');
  });
});
