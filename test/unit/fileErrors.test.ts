/**
 * What a failed write into the backup folder says (issue 12, defect 12): the folder the
 * user chose, the system's code, and what to do — for a full disk, a read-only or
 * forbidden folder, and a path through a file. (Real read-only folders and files in the
 * way are in test/engine/backupSet-errors.test.ts; a real full disk is not made here.)
 */
import * as assert from 'node:assert/strict';
import { EngineError } from '../../src/engine/errors';
import { backupWriteError } from '../../src/engine/fileErrors';

function fsError(code: string, syscall = 'write'): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed, ${syscall}`), { code, syscall });
}

describe('file errors while writing a backup set', () => {
  it('a full disk names the folder, the file being written and ENOSPC', () => {
    const err = backupWriteError(fsError('ENOSPC'), '/backups', '/backups/.X.partial-1/files/ClusDb/CLUSDB', 'backup folder');
    assert.ok(err instanceof EngineError);
    assert.equal(err.message, 'The disk holding /backups is full (ENOSPC) while writing /backups/.X.partial-1/files/ClusDb/CLUSDB. ' +
      'Free space there or choose another folder; the unfinished set was removed.');
  });

  it('a read-only or forbidden folder names the folder, not the hidden temporary one', () => {
    for (const code of ['EACCES', 'EPERM', 'EROFS']) {
      const err = backupWriteError(fsError(code, 'mkdir'), '/backups', '/backups/.X.partial-1', 'backup folder');
      assert.ok(err instanceof EngineError);
      assert.match(err.message, new RegExp(`^The backup folder /backups cannot be written to \\(${code}: (access denied|read-only file system)\\)\\. Choose a folder this account can write to`));
    }
  });

  it('a copy folder is called the copy folder (the backup folder was written)', () => {
    const err = backupWriteError(fsError('EACCES', 'mkdir'), '//share/copies', '//share/copies/.X.partial-1', 'copy folder');
    assert.equal(err.message, 'The copy folder //share/copies cannot be written to (EACCES: access denied). Choose a folder this account can write to, or give it write access.');
  });

  it('a file in the way while creating the folder; the same code elsewhere is passed on unchanged', () => {
    const inTheWay = backupWriteError(fsError('ENOTDIR', 'mkdir'), '/backups/x', '/backups/x', 'backup folder', true);
    assert.match(inTheWay.message, /^The backup folder \/backups\/x is not a folder: it, or a folder above it, is a file \(ENOTDIR\)/);
    const raw = fsError('EEXIST', 'open');
    assert.equal(backupWriteError(raw, '/backups', '/backups/f', 'backup folder'), raw);
  });
});
