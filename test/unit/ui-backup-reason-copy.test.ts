/**
 * Back Up's reason box (the CLI's --reason rules, an empty box meaning no reason) and the
 * Backups view's copy-folder rows, from plain data.
 */
import * as assert from 'node:assert/strict';
import { sameFolder } from '../../src/wire/folders';
import { backupReasonRequest, reasonFromInput, reasonInputProblem } from '../../src/ui/backupReasonPrompt';
import { backupFolderElement, backupFolderItem, failedCopyElement } from '../../src/ui/backupRows';
import type { BackupSetElement } from '../../src/ui/treeModel';

function setElement(path: string, verified: boolean | null): BackupSetElement {
  return {
    kind: 'backupSet', id: `backupSet/${path}`,
    set: { path, name: path, cluster: 'CLUSTER1', node: 'NODE1', time: '2026-12-07T05:00:00.000Z', kind: 'vss-cluster-writer', size: 1, verified, problems: [] },
  };
}

describe('UI: the backup reason box', () => {
  it('takes an empty or blank box as no reason, and trims what is typed', () => {
    assert.equal(reasonFromInput(''), undefined);
    assert.equal(reasonFromInput('   '), undefined);
    assert.equal(reasonFromInput('  before the CU  '), 'before the CU');
    assert.equal(reasonInputProblem(''), undefined);
    assert.equal(reasonInputProblem('   '), undefined);
    assert.equal(reasonInputProblem('before the CU — «KB5044284»'), undefined);
  });

  it('refuses what --reason refuses, naming the character or the length', () => {
    assert.equal(reasonInputProblem('two\nlines'), 'The reason contains the control character U+000A at position 4; give one line of plain text.');
    assert.equal(reasonInputProblem('a\u001bb'), 'The reason contains the control character U+001B at position 2; give one line of plain text.');
    assert.equal(reasonInputProblem('x'.repeat(257)), 'The reason is 257 characters long; keep it to 256.');
    assert.equal(reasonInputProblem('x'.repeat(256)), undefined);
    const request = backupReasonRequest();
    assert.equal(request.validate('a\tb'), reasonInputProblem('a\tb'));
    assert.equal(request.validate(''), undefined);
    assert.match(request.prompt, /Optional.*Escape cancels/);
  });
});

describe('UI: the copy folder in the Backups view', () => {
  it('compares folders without regard to case on Windows only, and without trailing separators', () => {
    assert.equal(sameFolder('C:\\Backups\\', 'c:\\backups', 'win32'), true);
    assert.equal(sameFolder('\\\\filer\\Share', '\\\\FILER\\share\\', 'win32'), true);
    assert.equal(sameFolder('/srv/Backups', '/srv/backups', 'linux'), false);
    assert.equal(sameFolder('/srv/backups/', '/srv/backups', 'linux'), true);
  });

  it('a group row names its folder, counts its sets and the damaged ones, and starts expanded', () => {
    const sets = [setElement('/c/a', true), setElement('/c/b', false), setElement('/c/c', null)];
    const copy = backupFolderItem(backupFolderElement('copy', '/srv/copies', sets));
    assert.equal(copy.label, 'Copy Folder');
    assert.equal(copy.description, '/srv/copies · 3 set(s), 1 damaged');
    assert.equal(copy.contextValue, 'backupFolder-copy');
    assert.equal(copy.collapsible, 'expanded');
    assert.match(copy.tooltip ?? '', /fcbackup\.copyFolder.*--copy-to/);
    assert.deepEqual(copy.icon, { id: 'folder', color: 'testing.iconFailed' });
    const local = backupFolderItem(backupFolderElement('backup', '/srv/backups', [setElement('/b/a', true)]));
    assert.equal(local.label, 'Backup Folder');
    assert.equal(local.description, '/srv/backups · 1 set(s)');
  });

  it('a failed copy is a warning row that says the set was kept', () => {
    const at = Date.UTC(2026, 11, 7, 5, 0, 0);
    const row = failedCopyElement({ at, setPath: '/b/SET', destination: '/srv/copies', error: 'EACCES: permission denied\nmore' }, at + 5 * 60_000);
    assert.equal(row.severity, 'warning');
    assert.equal(row.text, 'Last copy failed (5 min ago): EACCES: permission denied');
    assert.match(row.tooltip ?? '', /^The backup set \/b\/SET was made and is kept in the backup folder, but copying it to \/srv\/copies failed /);
    assert.equal(row.command?.id, 'fcbackup.showLog');
  });
});
