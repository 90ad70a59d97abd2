/**
 * The machine-wide operation lock: exclusive, refused clearly while held, stale locks
 * of processes that no longer run taken over, released only by its owner.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineError } from '../../src/engine/errors';
import { acquireOperationLock, defaultLockFolder, isProcessAlive, LOCK_FILE_NAME } from '../../src/engine/lock';
import { assertNoLeaks } from '../support/sim';
import { LockRacers } from './lock-racers';

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
    const guard = `${LOCK_FILE_NAME}.takeover-${createHash('sha256').update(stale).digest('hex').slice(0, 32)}`;
    fs.writeFileSync(path.join(folder, guard), JSON.stringify({ pid: deadPid - 1, operation: 'lock takeover', started: 'x', token: 'b' }));
    const lock = await acquireOperationLock(folder);
    assert.equal((JSON.parse(fs.readFileSync(lock.path, 'utf8')) as { pid: number }).pid, process.pid);
    await lock.release();
    assert.deepEqual(fs.readdirSync(folder), [], 'no guard, candidate or lock file is left behind');
  });

  // The racers are started once and race in every trial (lock-racers.ts): a Windows node.exe
  // start under Wine costs seconds (one trial of 16 fresh processes took 45 s), so the
  // Windows-ABI stage runs the same 20 trials as Linux.
  it('never has two holders: 20 trials of 16 processes racing for a stale lock', async function () {
    this.timeout(10 * 60_000);
    const deadPid = 0x7ffffff0;
    const racers = await LockRacers.start(16, folder);
    try {
      for (let trial = 1; trial <= 20; trial++) {
        const lockFolder = path.join(folder, `trial-${trial}`);
        fs.mkdirSync(lockFolder);
        const stale = JSON.stringify({ pid: deadPid, operation: 'backup', started: 'x', token: `stale-${trial}` });
        fs.writeFileSync(path.join(lockFolder, LOCK_FILE_NAME), stale);
        if (trial % 2 === 0) {
          // Every other trial the takeover of the stale lock was itself left half-done by a process that died.
          const guard = `${LOCK_FILE_NAME}.takeover-${createHash('sha256').update(stale).digest('hex').slice(0, 32)}`;
          fs.writeFileSync(path.join(lockFolder, guard), JSON.stringify({ pid: deadPid - 1, operation: 'lock takeover', started: 'x', token: 'dead' }));
        }
        const outcomes = await racers.trial(trial, lockFolder);
        // A holder never releases, so two 'held' answers would be two holders at once.
        const holders = outcomes.flatMap((o, i) => (o === 'held' ? [i] : []));
        assert.equal(holders.length, 1, `trial ${trial}: exactly one racer holds the lock (holders: racers ${holders.join(', ') || 'none'})`);
        assert.deepEqual(fs.readdirSync(lockFolder), [LOCK_FILE_NAME], `trial ${trial}: no guard or candidate file is left`);
        const record = JSON.parse(fs.readFileSync(path.join(lockFolder, LOCK_FILE_NAME), 'utf8')) as { pid: number; operation: string };
        assert.deepEqual([record.pid, record.operation], [racers.pids[holders[0]!], 'race'], `trial ${trial}: the lock is the holder's`);
      }
    } finally {
      assert.deepEqual(await racers.stop(), [], 'every racer ended cleanly');
    }
  });
});
