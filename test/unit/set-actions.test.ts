/**
 * The Backups view's folder and set actions: Delete Backup Set… deletes a set and refuses
 * anything that is not one (nothing changed); its confirmation; where Change Backup
 * Folder…'s picker starts and where it offers to save the setting.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BackupSetWriter } from '../../src/engine/backupSet';
import { deleteBackupSet, notASetReason } from '../../src/engine/setDeletion';
import { folderPickerStart, scopeChoices } from '../../src/ui/backupFolderChoice';
import { confirmationButtons } from '../../src/ui/restoreDialogText';
import { deleteSetConfirmation } from '../../src/ui/setActionText';

function listing(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

describe('Delete Backup Set (engine file work)', () => {
  let folder: string;
  // The deletion takes the operation lock: a folder of this suite's own, not the machine's.
  let lock: { lockFolder: string };
  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-delete-'));
    lock = { lockFolder: fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-delete-lock-')) };
  });
  afterEach(() => {
    fs.rmSync(folder, { recursive: true, force: true });
    fs.rmSync(lock.lockFolder, { recursive: true, force: true });
  });

  async function makeSet(name = 'CLUSTER1_NODE1_20261206T215812Z'): Promise<string> {
    const src = path.join(os.tmpdir(), `fcb-delete-src-${process.pid}`);
    fs.writeFileSync(src, 'hive');
    try {
      const writer = await BackupSetWriter.create(folder, name);
      await writer.copyFile(src, writer.allocatePath(['ClusDb', 'CLUSDB']), '/x/Windows/Cluster/CLUSDB', null);
      const { path: setPath } = await writer.commit({
        schemaVersion: 1, toolVersion: 't', kind: 'offline-hive', time: '2026-12-06T21:58:12.000Z', cluster: { name: 'CLUSTER1', version: null },
        node: 'NODE1', writer: null, components: [], snapshot: null,
      });
      return setPath;
    } finally {
      fs.rmSync(src, { force: true });
    }
  }

  it('deletes a set, damaged or not', async () => {
    const set = await makeSet();
    fs.appendFileSync(path.join(set, 'manifest.json'), 'damage');
    assert.equal(await notASetReason(set, folder), null);
    assert.deepEqual(await deleteBackupSet({ path: set, folder }, undefined, lock), { path: set });
    assert.equal(fs.existsSync(set), false);
  });

  it('refuses anything that is not a set in the backup folder, and changes nothing', async () => {
    const set = await makeSet();
    const plain = path.join(folder, 'Documents');
    fs.mkdirSync(plain);
    fs.writeFileSync(path.join(plain, 'manifest.json'), '{}');
    const named = path.join(folder, 'C_N_20261206T215812Z');
    fs.mkdirSync(named);
    const file = path.join(folder, 'X_Y_20261206T215812Z');
    const extra = await makeSet('CLUSTER1_NODE1_20261207T000000Z');
    fs.writeFileSync(path.join(extra, 'notes.txt'), 'mine');
    const link = path.join(folder, 'L_N_20261206T215812Z');
    fs.symlinkSync(set, link);
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-delete-other-'));
    try {
      const before = listing(folder);
      const cases: Array<[string, string, RegExp]> = [
        [plain, folder, /its name is not the name of a backup set/],
        [named, folder, /holds no manifest\.json/],
        [link, folder, /it is a link/],
        [extra, folder, /holds notes\.txt, which a backup set does not/],
        [set, other, /not a folder directly in the backup folder/],
        [path.join(set, 'files'), folder, /not a folder directly in the backup folder/],
        [path.join(folder, 'Z_N_20261206T215812Z'), folder, /does not exist/],
      ];
      fs.writeFileSync(file, 'not a folder');
      cases.push([file, folder, /it is a file/]);
      for (const [target, inFolder, why] of cases) {
        await assert.rejects(deleteBackupSet({ path: target, folder: inFolder }, undefined, lock), (err: Error & { code?: string }) => {
          assert.equal(err.code, 'BAD_ARGUMENT');
          assert.match(err.message, why);
          assert.match(err.message, /Nothing was changed\.$/);
          return true;
        }, target);
      }
      assert.deepEqual(listing(folder), [...before, path.basename(file)].sort());
      await assert.rejects(deleteBackupSet({ path: '', folder }, undefined, lock), /path is missing/);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('asks before deleting, with the safe button first', () => {
    const text = deleteSetConfirmation({
      path: '/b/CLUSTER1_NODE1_20261206T215812Z', name: 'CLUSTER1_NODE1_20261206T215812Z', cluster: 'CLUSTER1', node: 'NODE1',
      time: '2026-12-06T21:58:12Z', kind: 'vss-cluster-writer', size: 69632, verified: false, problems: ['x'],
    }, 'invalid');
    assert.equal(text.message, 'Delete this backup set?');
    assert.match(text.detail, /^CLUSTER1 on NODE1, made 2026-12-0\d \d\d:\d\d:12 UTC/);
    assert.match(text.detail, /VSS snapshot, 68\.0 KB, damaged\./);
    assert.match(text.detail, /cannot be undone\.$/);
    assert.deepEqual(confirmationButtons({ ...text, extras: [{ title: 'Open Manifest', run: async () => undefined }] }), ['Open Manifest', 'Delete Backup Set']);
  });
});

describe('Change Backup Folder', () => {
  it('starts the picker in the current folder, the nearest existing folder above it, or a default', () => {
    const existing = new Set(['D:\\Backups', 'D:\\', '/srv/backups', '/srv']);
    const exists = (f: string): boolean => existing.has(f);
    assert.equal(folderPickerStart('D:\\Backups', exists, 'win32', { SystemDrive: 'C:', home: 'C:\\Users\\a' }), 'D:\\Backups');
    assert.equal(folderPickerStart('D:\\Backups\\Cluster\\new', exists, 'win32', { SystemDrive: 'C:', home: 'C:\\Users\\a' }), 'D:\\Backups');
    assert.equal(folderPickerStart('E:\\gone', exists, 'win32', { SystemDrive: 'C:', home: 'C:\\Users\\a' }), 'C:\\');
    assert.equal(folderPickerStart(undefined, exists, 'win32', { SystemDrive: 'E:', home: 'C:\\Users\\a' }), 'E:\\');
    assert.equal(folderPickerStart(undefined, exists, 'win32', { home: 'C:\\Users\\a' }), 'C:\\');
    assert.equal(folderPickerStart('/srv/backups/c1', exists, 'linux', { home: '/home/a' }), '/srv/backups');
    assert.equal(folderPickerStart(undefined, exists, 'linux', { home: '/home/a' }), '/home/a');
  });

  it('lets the user choose where the setting is saved, the current place first', () => {
    assert.deepEqual(scopeChoices('NODE1', false, undefined).map((c) => c.scope), ['user']);
    assert.deepEqual(scopeChoices('NODE1', true, undefined).map((c) => c.scope), ['user', 'workspace']);
    const [first, second] = scopeChoices('NODE1', true, 'D:\\Old');
    assert.equal(first!.scope, 'workspace');
    assert.equal(second!.label, 'User settings on NODE1');
    assert.match(second!.detail!, /This folder's own setting \(D:\\Old\) still takes precedence here\./);
  });
});
