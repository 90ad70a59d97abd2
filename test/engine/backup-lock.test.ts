/**
 * The machine-wide operation lock: exclusive, refused clearly while held, stale locks
 * of processes that no longer run taken over, released only by its owner.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineError } from '../../src/engine/errors';
import { spawn } from 'node:child_process';
import { acquireOperationLock, defaultLockFolder, isProcessAlive, LOCK_FILE_NAME } from '../../src/engine/lock';
import { assertNoLeaks } from '../support/sim';

describe('operation lock', () => {
  let folder: string;
  beforeEach(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-lock-test-'));
  });
  afterEach(() => fs.rmSync(folder, { recursive: true, force: true }));
  after(assertNoLeaks);

  it('is exclusive: a second taker gets BUSY with the holder\'s pid, and can take it after release', async () => {
    const lock = await acquireOperationLock(folder, 'backup');
    const content = JSON.parse(fs.readFileSync(path.join(folder, LOCK_FILE_NAME), 'utf8')) as { pid: number; operation: string };
    assert.equal(content.pid, process.pid);
    assert.equal(content.operation, 'backup');
    await assert.rejects(acquireOperationLock(folder, 'restore'), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.equal(err.code, 'BUSY');
      assert.match(err.message, new RegExp(`^Another backup or restore is running \\(pid ${process.pid}, backup since `));
      return true;
    });
    await lock.release();
    await lock.release();
    assert.ok(!fs.existsSync(path.join(folder, LOCK_FILE_NAME)));
    const again = await acquireOperationLock(folder);
    await again.release();
  });

  it('takes over the lock of a process that no longer runs', async () => {
    const deadPid = 0x7ffffff0;
    assert.equal(isProcessAlive(deadPid), false);
    fs.writeFileSync(path.join(folder, LOCK_FILE_NAME), JSON.stringify({ pid: deadPid, operation: 'restore', started: '2024-01-01T00:00:00.000Z' }));
    const lock = await acquireOperationLock(folder);
    assert.equal((JSON.parse(fs.readFileSync(lock.path, 'utf8')) as { pid: number }).pid, process.pid);
    await lock.release();
  });

  it('takes over an unreadable lock file once it is old enough', async () => {
    const file = path.join(folder, LOCK_FILE_NAME);
    fs.writeFileSync(file, 'garbage');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(file, old, old);
    const lock = await acquireOperationLock(folder);
    await lock.release();
  });

  it('release leaves a lock that someone else took over in place', async () => {
    const lock = await acquireOperationLock(folder);
    fs.writeFileSync(lock.path, JSON.stringify({ pid: process.pid, operation: 'other', started: 'x' }));
    await lock.release();
    assert.ok(fs.existsSync(lock.path));
  });

  it('is machine-wide: %ProgramData% on Windows, not the per-user temp folder; FCBACKUP_LOCK_DIR overrides it', () => {
    const win = { ProgramData: 'D:\\ProgramData', TEMP: 'C:\\Users\\admin\\AppData\\Local\\Temp' };
    assert.equal(defaultLockFolder(win, 'win32'), 'D:\\ProgramData\\FailoverClusterBackup\\lock');
    assert.equal(defaultLockFolder({ ALLUSERSPROFILE: 'C:\\ProgramData' }, 'win32'), 'C:\\ProgramData\\FailoverClusterBackup\\lock');
    assert.equal(defaultLockFolder({ SystemDrive: 'E:' }, 'win32'), 'E:\\ProgramData\\FailoverClusterBackup\\lock');
    assert.equal(defaultLockFolder({ TMPDIR: '/home/u/tmp' }, 'linux'), '/tmp/fcbackup-lock');
    assert.equal(defaultLockFolder({ FCBACKUP_LOCK_DIR: '/x/y', ProgramData: 'C:\\ProgramData' }, 'win32'), '/x/y');
  });

  it('takes over a lock whose takeover was left half-done by a process that died', async () => {
    const deadPid = 0x7ffffff0;
    const stale = JSON.stringify({ pid: deadPid, operation: 'backup', started: 'x', token: 'a' });
    fs.writeFileSync(path.join(folder, LOCK_FILE_NAME), stale);
    const { createHash } = await import('node:crypto');
    const guard = `${LOCK_FILE_NAME}.takeover-${createHash('sha256').update(stale).digest('hex').slice(0, 32)}`;
    fs.writeFileSync(path.join(folder, guard), JSON.stringify({ pid: deadPid - 1, operation: 'lock takeover', started: 'x', token: 'b' }));
    const lock = await acquireOperationLock(folder);
    assert.equal((JSON.parse(fs.readFileSync(lock.path, 'utf8')) as { pid: number }).pid, process.pid);
    await lock.release();
    assert.deepEqual(fs.readdirSync(folder), [], 'no guard, candidate or lock file is left behind');
  });

  // Under Wine (the Windows-ABI stage, whole run bounded to 15 minutes) each Windows node.exe
  // start costs seconds (4 trials took 265 s on the loaded 2-core machine), so that stage
  // runs one trial for the Windows semantics of link and delete; Linux runs all 20.
  const trials = process.platform === 'win32' ? 1 : 20;
  it(`never has two holders: ${trials} trials of 16 processes racing for a stale lock`, async function () {
    this.timeout(30 * 60_000);
    const child = path.join(__dirname, 'lock-race-child.js');
    const deadPid = 0x7ffffff0;
    const racers = 16;
    for (let trial = 0; trial < trials; trial++) {
      const lockFolder = path.join(folder, `trial-${trial}`);
      fs.mkdirSync(lockFolder);
      fs.writeFileSync(path.join(lockFolder, LOCK_FILE_NAME), JSON.stringify({ pid: deadPid, operation: 'backup', started: 'x', token: 'stale' }));
      const witness = path.join(folder, `holder-${trial}`);
      const codes = await Promise.all(Array.from({ length: racers }, () => new Promise<{ code: number | null; stderr: string }>((resolve) => {
        // execArgv carries the Wine stage's preload (koffi for Windows): taking the lock protects its folder through advapi32.
        const p = spawn(process.execPath, [...process.execArgv, child, lockFolder, witness], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        p.on('close', (code) => resolve({ code, stderr }));
      })));
      const failures = codes.filter((c) => c.code !== 0 && c.code !== 5);
      assert.deepEqual(failures, [], `trial ${trial + 1}: a racer either held the lock alone or found it busy`);
      assert.ok(codes.some((c) => c.code === 0), `trial ${trial + 1}: someone took over the stale lock`);
      assert.ok(!fs.existsSync(witness));
      // Only the last holder's (now stale) lock is left: no guard or candidate files.
      assert.deepEqual(fs.readdirSync(lockFolder), [LOCK_FILE_NAME], `trial ${trial + 1}`);
    }
  });
});
