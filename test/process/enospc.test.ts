/**
 * Issue #12: a full disk for real, not only its message. Each case runs a child
 * (enospc-child.ts) in a mount namespace of its own with a small tmpfs mounted over the
 * folder that fills up: the backup destination, or the cluster folder a restore writes into
 * (enospc-disk.ts: through an unprivileged user namespace where the kernel allows one, else
 * as real root; neither makes the suite fail, saying why). The backup and the restore must
 * fail with the clear message and leave nothing half-written: no unfinished set, the live
 * cluster files as they were. Linux only (tmpfs and namespaces).
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeTempScenario } from '../support/scenario';
import { assertNoLeaks } from '../support/sim';
import { prepareRestore } from '../engine/restore-fixture';
import { chooseSmallDisk, runOnSmallDisk, type SmallDiskMethod } from './enospc-disk';

interface ChildOutcome {
  ok: boolean;
  engineCode?: string | null;
  message?: string;
  crashed?: string;
  files: Record<string, string>;
  /** The file system the folder was on, as the child saw it. */
  disk: { type: number; bytes: number };
}

const child = path.join(__dirname, 'enospc-child.js');
/** statfs f_type of tmpfs (TMPFS_MAGIC, linux/magic.h). */
const TMPFS_MAGIC = 0x01021994;
const PAGE = 4096;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Runs the child with `folder` on a tmpfs of `bytes`, after copying in what `folder` held; checks that it was. */
function runChild(method: SmallDiskMethod, bytes: number, folder: string, args: string[]): ChildOutcome {
  const stdout = runOnSmallDisk(method, bytes, folder, [process.execPath, child, ...args]);
  const line = stdout.trim().split('\n').pop() ?? '';
  const outcome = JSON.parse(line) as ChildOutcome;
  if (outcome.crashed) throw new Error(`The child failed: ${outcome.crashed}`);
  // Otherwise a failure below could be anything but a full disk.
  assert.equal(outcome.disk.type, TMPFS_MAGIC, `the child's ${folder} was on the small tmpfs (${method})`);
  assert.equal(outcome.disk.bytes, Math.ceil(bytes / PAGE) * PAGE, `the child's ${folder} was on the small tmpfs of ${bytes} bytes`);
  return outcome;
}

function sha256Files(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).filter((n) => fs.statSync(path.join(dir, n)).isFile())
    .map((n) => [n, createHash('sha256').update(fs.readFileSync(path.join(dir, n))).digest('hex')]));
}

describe('a full disk (tmpfs in a mount namespace, simulator)', function () {
  this.timeout(180_000);
  let lockFolder: string;
  let method: SmallDiskMethod;
  const cleanups: (() => void)[] = [];

  before(function () {
    if (process.platform !== 'linux') this.skip();
    method = chooseSmallDisk();
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
    const outcome = runChild(method, 512 * 1024, destination, ['backup', scenario.path, destination, lockFolder]);
    assert.equal(outcome.ok, false, `the backup failed: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.engineCode, 'BAD_ARGUMENT', `the full disk is reported as such: ${outcome.message}`);
    assert.match(outcome.message ?? '', new RegExp(`^The disk holding ${escape(destination)} is full \\(ENOSPC\\) while writing .*the unfinished set was removed\\.$`));
    assert.deepEqual(outcome.files, {}, 'nothing is left in the destination');
  });

  it('a restore whose cluster folder fills up while staging fails clearly, and the live files are as they were', async () => {
    const f = await prepareRestore({}, { lockFolder });
    cleanups.push(() => f.scenario.cleanup());
    const before = sha256Files(f.clusDb);
    const liveBytes = fs.readdirSync(f.clusDb).reduce((sum, n) => sum + Math.ceil(fs.statSync(path.join(f.clusDb, n)).size / PAGE) * PAGE, 0);
    // Room for the live files and one small staged file, not for the staged CLUSDB (64 KiB).
    const outcome = runChild(method, liveBytes + 16 * 1024, f.clusDb, ['restore', f.scenario.path, f.clusDb, lockFolder, f.setPath]);
    assert.equal(outcome.ok, false, `the restore failed: ${JSON.stringify(outcome)}`);
    assert.equal(outcome.engineCode, 'RESTORE_FAILED', `the full disk is reported as such: ${outcome.message}`);
    assert.match(outcome.message ?? '', new RegExp(`^The disk holding the cluster folder ${escape(f.clusDb)} is full \\(ENOSPC\\) while writing ${escape(f.clusDb)}`));
    assert.deepEqual(outcome.files, before, 'the live cluster files are unchanged and no staged file is left');
  });
});
