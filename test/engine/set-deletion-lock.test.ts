/**
 * Delete Backup Set… takes the machine-wide operation lock (issue #12 §8): while a restore
 * or a backup holds it the deletion is refused up front, naming it, and deletes nothing;
 * while a deletion holds it a backup and a restore are refused, naming the deletion.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { backupCluster } from '../../src/engine/backup';
import { makeContext } from '../../src/engine/context';
import { EngineError } from '../../src/engine/errors';
import { acquireOperationLock, LOCK_FILE_NAME } from '../../src/engine/lock';
import { restoreCluster } from '../../src/engine/restore';
import { deleteBackupSet } from '../../src/engine/setDeletion';
import { recordingContext } from '../support/context';
import { restoreSuite, sha } from './restore-fixture';

/** Every file under `dir` (relative path → SHA-256). */
function contents(dir: string): Record<string, string> {
  return Object.fromEntries((fs.readdirSync(dir, { recursive: true }) as string[]).sort()
    .filter((rel) => fs.statSync(path.join(dir, rel)).isFile())
    .map((rel) => [rel, sha(fs.readFileSync(path.join(dir, rel)))]));
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function busy(pattern: RegExp): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof EngineError, String(err));
    assert.equal(err.code, 'BUSY');
    assert.match(err.message, pattern);
    return true;
  };
}

describe('Delete Backup Set under the operation lock', () => {
  const suite = restoreSuite();

  it('is refused while a restore holds the lock, naming it, and deletes nothing', async () => {
    const f = await suite.prepare();
    const folder = path.dirname(f.setPath);
    const before = contents(folder);
    const restore = await acquireOperationLock(suite.lockFolder, 'authoritative restore');
    try {
      await assert.rejects(deleteBackupSet({ path: f.setPath, folder }, undefined, { lockFolder: suite.lockFolder }), busy(new RegExp(
        `^${escape(f.setPath)} is not deleted: an authoritative restore is running \\(pid ${process.pid} since [0-9T:.-]+Z\\)\\. ` +
        'Wait for it to finish, then delete the set again\\. Nothing was changed\\.$')));
      assert.deepEqual(contents(folder), before, 'the set is untouched');
    } finally {
      await restore.release();
    }
    // Once the restore is over the same deletion goes ahead, and gives the lock back.
    assert.deepEqual(await deleteBackupSet({ path: f.setPath, folder }, undefined, { lockFolder: suite.lockFolder }), { path: f.setPath });
    assert.equal(fs.existsSync(f.setPath), false);
    assert.deepEqual(fs.readdirSync(suite.lockFolder), [], 'the deletion released the lock');
  });

  it('a deletion asked for while a restore reads the set is refused, and the restore completes from it', async () => {
    const f = await suite.prepare();
    const folder = path.dirname(f.setPath);
    let deletion: Promise<unknown> | undefined;
    // The deletion is asked for at the restore's first step after it took the lock (its outcome kept for later).
    const ctx = recordingContext(undefined, () => {
      deletion ??= deleteBackupSet({ path: f.setPath, folder }, undefined, { lockFolder: suite.lockFolder }).then(
        (done) => done, (err: unknown) => ({ refused: err }));
    });
    const result = await restoreCluster({ set: f.setPath, authoritative: false, stopOtherNodes: false }, ctx, suite.options);
    assert.equal(result.set, f.setPath);
    assert.ok(deletion, 'the restore reported a step');
    const outcome = await deletion;
    assert.ok(outcome !== null && typeof outcome === 'object' && 'refused' in outcome, `the deletion was refused, not ${JSON.stringify(outcome)}`);
    busy(new RegExp(`^${escape(f.setPath)} is not deleted: a node restore is running \\(pid ${process.pid} since `))(outcome.refused);
    assert.ok(fs.existsSync(path.join(f.setPath, 'manifest.json')), 'the set is still there');
  });

  it('while a deletion holds the lock, a backup and a restore are refused naming it', async () => {
    const f = await suite.prepare();
    const folder = path.dirname(f.setPath);
    const deletion = deleteBackupSet({ path: f.setPath, folder }, undefined, { lockFolder: suite.lockFolder });
    // deleteBackupSet takes the lock before its first await, and so do backupCluster and
    // restoreCluster: both meet the deletion's lock, whatever the deletion does next.
    const record = JSON.parse(fs.readFileSync(path.join(suite.lockFolder, LOCK_FILE_NAME), 'utf8')) as { pid: number; operation: string };
    assert.deepEqual([record.pid, record.operation], [process.pid, 'backup set deletion']);
    const [backup, restore] = await Promise.allSettled([
      backupCluster({ destination: folder }, makeContext(), suite.options),
      restoreCluster({ set: f.setPath, authoritative: false, stopOtherNodes: false }, makeContext(), suite.options),
    ]);
    const named = new RegExp(`^A backup set is being deleted \\(pid ${process.pid}, backup set deletion since [0-9T:.-]+Z\\)\\. Wait for it to finish`);
    for (const [what, outcome] of [['backup', backup], ['restore', restore]] as const) {
      assert.equal(outcome.status, 'rejected', `the ${what} was refused`);
      busy(named)((outcome as PromiseRejectedResult).reason);
    }
    assert.deepEqual(await deletion, { path: f.setPath });
    assert.equal(fs.existsSync(f.setPath), false);
    assert.deepEqual(fs.readdirSync(folder), [], 'the refused backup made no set');
  });
});
