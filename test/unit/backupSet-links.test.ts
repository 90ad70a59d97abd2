/**
 * Links inside a backup set are refused by verify (they could point anywhere). Linux
 * only: Wine's file system cannot hold links, so this is not part of the engine suite
 * that also runs under Wine.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BackupSetWriter, readBackupSet } from '../../src/engine/backupSet';

describe('backup sets: links', () => {
  let dest: string;
  let src: string;
  beforeEach(() => {
    dest = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-links-'));
    src = path.join(dest, 'CLUSDB.src');
    fs.writeFileSync(src, 'hive');
  });
  afterEach(() => fs.rmSync(dest, { recursive: true, force: true }));

  async function makeSet(): Promise<string> {
    const writer = await BackupSetWriter.create(dest, 'C_N_20240101T000000Z');
    await writer.copyFile(src, writer.allocatePath(['ClusDb', 'CLUSDB']), '/x/Windows/Cluster/CLUSDB', null);
    const { path: setPath } = await writer.commit({
      schemaVersion: 1, toolVersion: 't', kind: 'offline-hive', time: '2024-01-01T00:00:00.000Z', cluster: { name: 'C', version: null },
      node: 'N', writer: null, components: [], snapshot: null,
    });
    return setPath;
  }

  it('a directory link and a file link are each reported, and the linked content is not read', async () => {
    const setPath = await makeSet();
    assert.deepEqual((await readBackupSet(setPath)).problems, []);
    fs.symlinkSync(os.tmpdir(), path.join(setPath, 'files', 'dirlink'), 'dir');
    fs.symlinkSync(src, path.join(setPath, 'files', 'filelink'));
    const r = await readBackupSet(setPath);
    assert.equal(r.ok, false);
    assert.deepEqual(r.problems.sort(), [
      'files/dirlink: is a symbolic link; a backup set holds only regular files',
      'files/filelink: is a symbolic link; a backup set holds only regular files',
    ]);
  });

  it('a listed file replaced by a link is reported, not followed', async () => {
    const setPath = await makeSet();
    const listed = path.join(setPath, 'files', 'ClusDb', 'CLUSDB');
    fs.rmSync(listed);
    fs.symlinkSync(src, listed);
    const r = await readBackupSet(setPath);
    assert.deepEqual(r.problems.sort(), [
      'files/ClusDb/CLUSDB: is a symbolic link; a backup set holds only regular files',
      'files/ClusDb/CLUSDB: missing (listed in the manifest)',
    ]);
  });
});
