/**
 * backup --reason and --copy-to through real koffi against the simulator: the reason in
 * the manifest and the log; the copy made the careful way (a hidden partial folder,
 * checked by the verify code, renamed), byte-identical to the set with the same manifest;
 * a copy that fails — its folder cannot be made, or the set changed under it — keeps the
 * set here, reports the failure in the result and leaves nothing in the copy folder; a
 * cancellation during the copy removes the partial copy and says the set was kept;
 * retention in the copy folder; bad parameters refused before anything is called.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { backupCluster, type BackupOptions } from '../../src/engine/backup';
import { MANIFEST_FILE, readBackupSet, type BackupManifest } from '../../src/engine/backupSet';
import { EngineError } from '../../src/engine/errors';
import type { BackupResult } from '../../src/engine/model';
import { simulatorCallLog } from '../../src/native/simulator';
import { recordingContext } from '../support/context';
import type { ScenarioSpec, TempScenario } from '../support/scenario';
import { suiteScenarios } from '../support/sim';

describe('backup --reason and --copy-to (simulator)', function () {
  this.timeout(60_000);
  const openScenario = suiteScenarios();
  let lockFolder: string;
  let destination: string;
  let copyTo: string;
  let options: BackupOptions;

  function scenario(spec: ScenarioSpec = {}): TempScenario {
    const s = openScenario(spec);
    simulatorCallLog();
    destination = path.join(s.dir, 'backups');
    copyTo = path.join(s.dir, 'share', 'cluster copies');
    return s;
  }

  const entries = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
  const manifestText = (set: string): string => fs.readFileSync(path.join(set, MANIFEST_FILE), 'utf8');

  before(() => {
    lockFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-lock-'));
  });
  beforeEach(() => {
    options = { pollIntervalMs: { min: 1, max: 4 }, snapshotSetRetry: { attempts: 4, initialDelayMs: 2, maxDelayMs: 10 }, lockFolder };
  });
  after(() => fs.rmSync(lockFolder, { recursive: true, force: true }));

  it('records the reason in the manifest, the result and the log; a set without one has no reason field', async () => {
    scenario();
    const ctx = recordingContext();
    const reason = 'Before KB5044284 — «CAU» run 7';
    const result = await backupCluster({ destination, reason }, ctx, options);
    assert.equal(result.reason, reason);
    const manifest = JSON.parse(manifestText(result.path)) as BackupManifest;
    assert.equal(manifest.reason, reason);
    const verified = await readBackupSet(result.path);
    assert.equal(verified.ok, true, verified.problems.join('\n'));
    assert.equal(verified.summary.reason, reason);
    assert.match(ctx.text(), /Backup complete: .*reason: "Before KB5044284 — «CAU» run 7"/);

    const plain = await backupCluster({ destination }, recordingContext(), options);
    assert.equal(plain.reason, null);
    assert.ok(!('reason' in (JSON.parse(manifestText(plain.path)) as object)), 'no reason field when none was given');
    assert.equal((await readBackupSet(plain.path)).summary.reason, null);
  });

  it('copies the set to --copy-to through a partial folder, verified, with the same manifest bytes', async () => {
    scenario();
    const ctx = recordingContext();
    const result = await backupCluster({ destination, copyTo, reason: 'pre-update' }, ctx, options);
    const copy = result.copy!;
    assert.equal(copy.error, null);
    assert.equal(copy.destination, copyTo);
    assert.equal(copy.path, path.join(copyTo, path.basename(result.path)));
    assert.deepEqual(entries(copyTo), [path.basename(result.path)], 'no partial folder or marker left');
    assert.equal(manifestText(copy.path), manifestText(result.path));
    const verified = await readBackupSet(copy.path);
    assert.equal(verified.ok, true, verified.problems.join('\n'));
    assert.equal(verified.summary.reason, 'pre-update');
    for (const f of result.files) {
      assert.deepEqual(fs.readFileSync(path.join(copy.path, ...f.path.split('/'))), fs.readFileSync(path.join(result.path, ...f.path.split('/'))));
    }
    assert.ok(ctx.steps.some((s) => s.startsWith(`Copying to ${copyTo}: files/`)), ctx.steps.join('\n'));
    assert.ok(ctx.steps.includes(`Verifying the copy in ${copyTo}`), ctx.steps.join('\n'));
    // The copy comes after the set is in place and verified here.
    assert.ok(ctx.steps.indexOf(`Copying the set to ${copyTo}`) > ctx.steps.indexOf('Writing the manifest'));
  });

  it('a copy folder that cannot be made: the set here is kept, the failure is the copy\'s, nothing is left there', async () => {
    const s = scenario();
    const blocker = path.join(s.dir, 'not-a-folder');
    fs.writeFileSync(blocker, 'x');
    copyTo = path.join(blocker, 'copies');
    const ctx = recordingContext();
    const result = await backupCluster({ destination, copyTo }, ctx, options);
    assert.equal(result.copy!.path, null);
    // Called the copy folder, not the backup folder: the backup folder was written.
    assert.equal(result.copy!.error, `The copy folder ${copyTo} is not a folder: it, or a folder above it, is a file (ENOTDIR). Choose a folder.`);
    assert.equal((await readBackupSet(result.path)).ok, true);
    assert.equal(fs.readFileSync(blocker, 'utf8'), 'x');
    assert.match(ctx.text(), /\[error\] The backup set .* was made, but copying it to .* failed/);
  });

  it('a file that changed in the set after it was verified: the copy is refused and its partial folder removed', async () => {
    scenario();
    let victim: string | undefined;
    const ctx = recordingContext(undefined, (step) => {
      // The set is in place and verified; change its last file before the copy reaches it.
      if (step.startsWith('Copying the set to ')) {
        const setPath = path.join(destination, entries(destination)[0]);
        const manifest = JSON.parse(manifestText(setPath)) as BackupManifest;
        victim = path.join(setPath, ...manifest.files[manifest.files.length - 1].path.split('/'));
        const bytes = fs.readFileSync(victim);
        bytes[0] ^= 0xff;
        fs.writeFileSync(victim, bytes);
      }
    });
    const result = await backupCluster({ destination, copyTo }, ctx, options);
    assert.ok(victim, 'the copy step was reported');
    assert.equal(result.copy!.path, null);
    assert.match(result.copy!.error ?? '', /changed in the backup set after it was verified/);
    assert.deepEqual(entries(copyTo), [], 'the documents and files already copied are removed with the partial folder');
    assert.ok(fs.existsSync(result.path), 'the set here is kept');
  });

  it('cancelled during the copy: the partial copy is removed, the set here is kept, and the error says so', async () => {
    scenario({ clusdb: { files: [{ name: 'CLUSDB', size: 8 * 1024 * 1024 }, { name: 'CLUSDB.blf', size: 4096 }] } });
    const controller = new AbortController();
    const ctx = recordingContext(controller.signal, (step) => {
      if (step.startsWith(`Copying to ${copyTo}: `)) controller.abort();
    });
    await assert.rejects(backupCluster({ destination, copyTo }, ctx, options), (err: unknown) =>
      err instanceof EngineError && err.code === 'CANCELLED' && /copy to .* was cancelled.*the backup set .* was made and is kept/.test(err.message));
    assert.deepEqual(entries(copyTo), []);
    const kept = entries(destination);
    assert.equal(kept.length, 1);
    assert.equal((await readBackupSet(path.join(destination, kept[0]))).ok, true);
  });

  it('keeps the newest N sets in the copy folder too', async () => {
    scenario();
    let minute = 0;
    options.now = () => new Date(Date.UTC(2024, 5, 1, 8, minute++, 0));
    const results: BackupResult[] = [];
    for (let i = 0; i < 3; i++) results.push(await backupCluster({ destination, keep: 2, copyTo }, recordingContext(), options));
    assert.deepEqual(entries(copyTo), results.slice(1).map((r) => path.basename(r.path)).sort());
    assert.deepEqual(results[2].copy!.removedByRetention, [path.join(copyTo, path.basename(results[0].path))]);
    assert.deepEqual(results[2].copy!.retentionProblems, []);
  });

  it('refuses a bad reason or a copy folder that is the backup folder before anything is called', async () => {
    scenario();
    const refused = async (params: Parameters<typeof backupCluster>[0], message: RegExp): Promise<void> => {
      await assert.rejects(backupCluster(params, recordingContext(), options),
        (err: unknown) => err instanceof EngineError && err.code === 'BAD_ARGUMENT' && message.test(err.message));
    };
    await refused({ destination, reason: 'two\nlines' }, /control character U\+000A at position 4/);
    await refused({ destination, reason: 'x'.repeat(257) }, /257 characters long; keep it to 256/);
    await refused({ destination, reason: '  ' }, /is empty/);
    await refused({ destination, copyTo: `${destination}${path.sep}` }, /is the backup folder itself/);
    assert.deepEqual(simulatorCallLog(), []);
    assert.deepEqual(entries(destination), []);
  });
});
