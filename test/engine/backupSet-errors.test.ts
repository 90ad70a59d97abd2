/**
 * A backup folder that cannot hold a set says so plainly (issue 12, defect 12): a
 * destination that is a file, one below a file, and a read-only one — each names the
 * folder the user chose (never the hidden temporary folder) and leaves nothing behind.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BackupSetWriter } from '../../src/engine/backupSet';
import { EngineError } from '../../src/engine/errors';
import { assertNoLeaks } from '../support/sim';

describe('backup sets: a destination that cannot hold one', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-dest-'));
  });
  afterEach(() => {
    fs.chmodSync(dir, 0o755);
    for (const entry of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, entry), 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  after(assertNoLeaks);

  it('a destination that is a file', async () => {
    const file = path.join(dir, 'backups');
    fs.writeFileSync(file, 'not a folder');
    await assert.rejects(BackupSetWriter.create(file, 'CLUSTER1_NODE1_20240501T120000Z'), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.equal(err.message, `The backup folder ${file} is a file, not a folder. Choose a folder for the backup sets.`);
      return true;
    });
    assert.equal(fs.readFileSync(file, 'utf8'), 'not a folder');
  });

  it('a destination below a file', async () => {
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    const below = path.join(dir, 'file', 'backups');
    await assert.rejects(BackupSetWriter.create(below, 'CLUSTER1_NODE1_20240501T120000Z'), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.match(err.message, new RegExp(`^The backup folder ${below.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')} is not a folder: it, or a folder above it, is a file \\((ENOTDIR|EEXIST)\\)\\. Choose a folder\\.$`));
      return true;
    });
  });

  // POSIX permissions; under Wine (the Windows-ABI stage) a folder's read-only attribute does not stop new files.
  const posixIt = process.platform === 'win32' ? it.skip : it;
  posixIt('a read-only destination names the folder and the code, and leaves nothing behind', () => {
    const readOnly = path.join(dir, 'read-only');
    fs.mkdirSync(readOnly);
    fs.chmodSync(readOnly, 0o555);
    fs.chmodSync(dir, 0o755);
    // root may write anywhere: run the writer as "nobody" then (setpriv, util-linux).
    const child = path.join(__dirname, 'write-set-child.js');
    const asRoot = process.getuid?.() === 0;
    const command = asRoot ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, child, readOnly]] as const
      : [process.execPath, [child, readOnly]] as const;
    const run = spawnSync(command[0], [...command[1]], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const result = JSON.parse(run.stdout) as { ok: boolean; engineCode: string | null; message: string };
    assert.deepEqual(result, {
      ok: false, engineCode: 'BAD_ARGUMENT',
      message: `The backup folder ${readOnly} cannot be written to (EACCES: access denied). Choose a folder this account can write to, or give it write access.`,
    });
    assert.deepEqual(fs.readdirSync(readOnly), []);
  });
});
