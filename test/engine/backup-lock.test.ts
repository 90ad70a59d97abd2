/**
 * The machine-wide operation lock: exclusive, refused clearly while held, stale locks
 * of processes that no longer run taken over, released only by its owner.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineError } from '../../src/engine/errors';
import { acquireOperationLock, isProcessAlive, LOCK_FILE_NAME } from '../../src/engine/lock';
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
});
