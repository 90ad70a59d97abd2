/**
 * Issue #12: a full disk for real, not only its message. Each case runs a child
 * (enospc-child.ts) in a mount namespace of its own (`unshare --user --map-root-user
 * --mount`, no root needed where the kernel allows user namespaces) with a small tmpfs
 * mounted over the folder that fills up: the backup destination, or the cluster folder a
 * restore writes into. The backup and the restore must fail with the clear message and leave
 * nothing half-written: no unfinished set, the live cluster files as they were.
 * Linux only (tmpfs and namespaces).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeTempScenario } from '../support/scenario';
import { assertNoLeaks } from '../support/sim';
import { prepareRestore } from '../engine/restore-fixture';

interface ChildOutcome {
  ok: boolean;
  engineCode?: string | null;
  message?: string;
  crashed?: string;
  files: Record<string, string>;
}

const child = path.join(__dirname, 'enospc-child.js');

/** Runs the child with `folder` on a tmpfs of `bytes`, after copying in what `folder` held. */
function runOnSmallDisk(bytes: number, folder: string, args: string[]): ChildOutcome {
  const saved = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-enospc-saved-'));
  try {
    const script = 'set -e; cp -a "$1/." "$2/"; mount -t tmpfs -o "size=$3" fcb-enospc "$1"; cp -a "$2/." "$1/"; shift 3; exec "$@"';
    const run = spawnSync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', script, 'sh', folder, saved, String(bytes),
      process.execPath, child, ...args], { encoding: 'utf8', timeout: 120_000 });
    if (run.error) throw new Error(`unshare could not run (${run.error.message}): this test needs util-linux's unshare`);
    const line = run.stdout.trim().split('\n').pop() ?? '';
    if (run.status !== 0 || !line.startsWith('{')) {
      throw new Error(`The small file system could not be set up (exit ${run.status}): ${run.stderr.trim()} — ` +
        'this test needs user and mount namespaces (unshare --user --mount), which the kernel or the container may forbid.');
    }
    const outcome = JSON.parse(line) as ChildOutcome;
    if (outcome.crashed) throw new Error(`The child failed: ${outcome.crashed}`);
    return outcome;
  } finally {
    fs.rmSync(saved, { recursive: true, force: true });
  }
}

function sha256Files(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).filter((n) => fs.statSync(path.join(dir, n)).isFile())
    .map((n) => [n, createHash('sha256').update(fs.readFileSync(path.join(dir, n))).digest('hex')]));
}

describe('a full disk (tmpfs in a mount namespace, simulator)', function () {
  this.timeout(180_000);
  let lockFolder: string;
  const cleanups: (() => void)[] = [];

  before(function () {
    if (process.platform !== 'linux') this.skip();
    lockFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-enospc-lock-'));
  });

  after(() => {
    for (const c of cleanups) c();
    if (lockFolder) fs.rmSync(lockFolder, { recursive: true, force: true });
    assertNoLeaks();
  });

  it('a backup whose destination fills up fails naming the folder and the full disk, and leaves no unfinished set', () => {
    const scenario = makeTempScenario({ clusdb: { files: [{ name: 'CLUSDB', size: 2 * 1024 * 1024 }, { name: 'CLUSDB.blf', size: 4096 }] } });
    cleanups.push(() => scenario.cleanup());
    const destination = path.join(scenario.dir, 'backups');
    fs.mkdirSync(destination);
    const outcome = runOnSmallDisk(512 * 1024, destination, ['backup', scenario.path, destination, lockFolder]);
    assert.equal(outcome.ok, false, JSON.stringify(outcome));
    assert.equal(outcome.engineCode, 'BAD_ARGUMENT');
    assert.match(outcome.message ?? '', new RegExp(`The disk holding ${destination.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is full \\(ENOSPC\\) while writing .*the unfinished set was removed\\.`));
    assert.deepEqual(outcome.files, {}, 'nothing is left in the destination');
  });

  it('a restore whose cluster folder fills up while staging fails clearly, and the live files are as they were', async () => {
    const f = await prepareRestore({}, { lockFolder });
    cleanups.push(() => f.scenario.cleanup());
    const before = sha256Files(f.clusDb);
    const liveBytes = fs.readdirSync(f.clusDb).reduce((sum, n) => sum + Math.ceil(fs.statSync(path.join(f.clusDb, n)).size / 4096) * 4096, 0);
    // Room for the live files and one small staged file, not for the staged CLUSDB (64 KiB).
    const outcome = runOnSmallDisk(liveBytes + 16 * 1024, f.clusDb, ['restore', f.scenario.path, f.clusDb, lockFolder, f.setPath]);
    assert.equal(outcome.ok, false, JSON.stringify(outcome));
    assert.match(outcome.message ?? '', /ENOSPC|full/i);
    assert.match(outcome.message ?? '', new RegExp(f.clusDb.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.deepEqual(outcome.files, before, 'the live cluster files are unchanged and no staged file is left');
  });
});
