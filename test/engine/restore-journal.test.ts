/**
 * The restore journal and the crash-safe file replacement (no native code): staging
 * beside the live files, safety copy, the swap by rename, roll-back from any point (also
 * from the journal as a crashed process left it on disk), and the journal's own atomic
 * writes.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineError } from '../../src/engine/errors';
import { Win32Error } from '../../src/native/errors';
import {
  createJournal, isCommitted, JournalStore, NEW_FILE_SUFFIX, removeSafetyCopy, removeStagedFiles, RESTORE_PHASES, restoreSafetyCopy,
  replaceLiveFiles, stageFiles, stagedPathFor, takeSafetyCopy, type FileMover, type RestoreJournal,
} from '../../src/engine/restoreJournal';

/** Renames with Node (this suite loads no native code); nothing is ever in use. */
const fsMover: FileMover = {
  replaceNow: (from, to) => fs.renameSync(from, to),
  atReboot: () => {
    throw new Error('nothing is in use here');
  },
};

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

interface Fixture {
  root: string;
  clusDb: string;
  setDir: string;
  oldContent: Map<string, Buffer>;
  newContent: Map<string, Buffer>;
  journal: RestoreJournal;
  store: JournalStore;
}

/** A ClusDb folder with CLUSDB + CLUSDB.blf, and a "set" with new CLUSDB, CLUSDB.blf and a file that is not live yet. */
function fixture(): Fixture {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-journal-'));
  const clusDb = path.join(root, 'Windows', 'Cluster');
  const setDir = path.join(root, 'set', 'files');
  fs.mkdirSync(clusDb, { recursive: true });
  fs.mkdirSync(setDir, { recursive: true });
  const oldContent = new Map<string, Buffer>([
    ['CLUSDB', Buffer.from('old hive '.repeat(5000))],
    ['CLUSDB.blf', Buffer.from('old log')],
  ]);
  const newContent = new Map<string, Buffer>([
    ['CLUSDB', Buffer.from('NEW HIVE — Кластер クラスタ 🚀 '.repeat(3000))],
    ['CLUSDB.blf', Buffer.from('new log')],
    ['CLUSDB.0.container', Buffer.from('new container')],
  ]);
  for (const [name, data] of oldContent) fs.writeFileSync(path.join(clusDb, name), data);
  for (const [name, data] of newContent) fs.writeFileSync(path.join(setDir, name), data);
  const journal = createJournal({
    set: path.join(root, 'set'), kind: 'vss-cluster-writer', authoritative: false, restoreMethod: 8, localNode: 'NODE1', serviceName: 'ClusSvc',
    localServiceWasRunning: true, clusDbDir: clusDb,
    files: [...newContent].map(([name, data]) => ({ target: path.join(clusDb, name), source: path.join(setDir, name), sha256: sha(data), size: data.length })),
  });
  const store = new JournalStore(clusDb);
  store.advance(journal, 'planned');
  return { root, clusDb, setDir, oldContent, newContent, journal, store };
}

function liveState(f: Fixture): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const name of new Set([...f.oldContent.keys(), ...f.newContent.keys()])) {
    const p = path.join(f.clusDb, name);
    out[name] = fs.existsSync(p) ? sha(fs.readFileSync(p)) : null;
  }
  return out;
}

function stagedNames(f: Fixture): string[] {
  return fs.readdirSync(f.clusDb).filter((n) => n.endsWith(NEW_FILE_SUFFIX)).sort();
}

function expectOld(f: Fixture): void {
  assert.deepEqual(liveState(f), {
    CLUSDB: sha(f.oldContent.get('CLUSDB')!), 'CLUSDB.blf': sha(f.oldContent.get('CLUSDB.blf')!), 'CLUSDB.0.container': null,
  });
  assert.deepEqual(stagedNames(f), []);
}

/** The live files are the old ones (staged files may exist beside them). */
function expectOldLive(f: Fixture): void {
  assert.deepEqual(liveState(f), {
    CLUSDB: sha(f.oldContent.get('CLUSDB')!), 'CLUSDB.blf': sha(f.oldContent.get('CLUSDB.blf')!), 'CLUSDB.0.container': null,
  });
}

function expectNew(f: Fixture): void {
  const expected: Record<string, string> = {};
  for (const [name, data] of f.newContent) expected[name] = sha(data);
  assert.deepEqual(liveState(f), expected);
}

describe('restore journal and file replacement', () => {
  const fixtures: Fixture[] = [];
  function make(): Fixture {
    const f = fixture();
    fixtures.push(f);
    return f;
  }
  after(() => {
    for (const f of fixtures) fs.rmSync(f.root, { recursive: true, force: true });
  });

  it('keeps the journal next to the ClusDb folder and writes it atomically', () => {
    const f = make();
    assert.equal(f.store.path, path.join(f.root, 'Windows', 'ClusterRestoreJournal.json'));
    assert.equal(path.dirname(path.dirname(f.journal.safetyDir)), path.join(f.root, 'Windows'));
    const onDisk = f.store.read();
    assert.equal(onDisk?.phase, 'planned');
    assert.equal(onDisk?.id, f.journal.id);
    assert.equal(onDisk?.restoreMethod, 8);
    assert.equal(onDisk?.safetyCopied, false);
    assert.ok(!fs.existsSync(`${f.store.path}${NEW_FILE_SUFFIX}`));
    f.store.remove();
    assert.equal(f.store.read(), null);
  });

  it('refuses a damaged or foreign journal with a message that says what to do', () => {
    const f = make();
    fs.writeFileSync(f.store.path, '{"version": 2, "phase": "repl');
    assert.throws(() => f.store.read(), (err: unknown) => err instanceof EngineError && err.code === 'RESTORE_FAILED' && /cannot be read.*safety copies/s.test(err.message));
    fs.writeFileSync(f.store.path, JSON.stringify({ version: 99, phase: 'done', files: [] }));
    assert.throws(() => f.store.read(), (err: unknown) => err instanceof EngineError && /unknown format \(version 99\)/.test(err.message));
    // A journal of the earlier format (phases in another order) is not guessed at.
    fs.writeFileSync(f.store.path, JSON.stringify({ version: 1, phase: 'servicesStopped', files: [], replaced: [] }));
    assert.throws(() => f.store.read(), (err: unknown) => err instanceof EngineError && /unknown format \(version 1\)/.test(err.message));
  });

  it('staging writes verified copies beside the live files and changes no live file', () => {
    const f = make();
    stageFiles(f.store, f.journal);
    expectOldLive(f);
    const id = f.journal.id.slice(-8);
    // Sorted on both sides: the restore id is random hex, so where "CLUSDB.<id>" sorts against "CLUSDB.blf" varies.
    assert.deepEqual(stagedNames(f), [`CLUSDB.0.container.${id}.fcbnew`, `CLUSDB.${id}.fcbnew`, `CLUSDB.blf.${id}.fcbnew`].sort(), 'named by the restore');
    for (const [name, data] of f.newContent) assert.equal(sha(fs.readFileSync(stagedPathFor(f.journal, path.join(f.clusDb, name)))), sha(data), name);
    const onDisk = f.store.read()!;
    assert.equal(onDisk.phase, 'staged');
    assert.equal(onDisk.staged.length, 3);
    assert.equal(onDisk.safetyCopied, false);
    // Rolling back before the safety copy only deletes the staged files.
    assert.deepEqual(restoreSafetyCopy(onDisk), []);
    expectOld(f);
  });

  it('stage, safety copy, swap, and a full roll-back leave the live files byte-identical to before', () => {
    const f = make();
    stageFiles(f.store, f.journal);
    takeSafetyCopy(f.store, f.journal);
    assert.equal(f.store.read()?.phase, 'safetyCopied');
    assert.deepEqual(f.journal.files.map((x) => x.existed), [true, true, false]);
    expectOldLive(f);
    replaceLiveFiles(f.store, f.journal, fsMover);
    expectNew(f);
    assert.deepEqual(stagedNames(f), [], 'the staged files were renamed into place');
    const onDisk = f.store.read()!;
    assert.equal(onDisk.phase, 'replaced');
    assert.equal(onDisk.replaced.length, 3);
    assert.equal(isCommitted(onDisk), false);
    const changed = restoreSafetyCopy(onDisk);
    assert.equal(changed.length, 3);
    expectOld(f);
    // Idempotent: a second roll-back (a crash during the first) changes nothing.
    assert.deepEqual(restoreSafetyCopy(onDisk), []);
    removeSafetyCopy(onDisk);
    assert.ok(!fs.existsSync(onDisk.safetyDir));
  });

  it('refuses to swap before the safety copy is recorded', () => {
    const f = make();
    stageFiles(f.store, f.journal);
    assert.throws(() => replaceLiveFiles(f.store, f.journal, fsMover), /before their safety copy/);
    expectOldLive(f);
  });

  it('rolls back from the journal a failure left after each number of staged files', () => {
    for (let k = 1; k <= 3; k++) {
      const f = make();
      const failAfter = (_target: string, index: number): void => {
        if (index + 1 === k) throw new Error(`injected failure after ${k} staged file(s)`);
      };
      assert.throws(() => stageFiles(f.store, f.journal, { afterFileStaged: failAfter }), /injected failure/);
      const onDisk = f.store.read()!;
      assert.equal(onDisk.staged.length, k);
      assert.equal(onDisk.phase, 'planned');
      assert.equal(stagedNames(f).length, k);
      expectOldLive(f);
      assert.equal(removeStagedFiles(onDisk).length, k);
      expectOld(f);
    }
  });

  it('rolls back from the journal a failure left after each number of replaced files', () => {
    for (let k = 0; k <= 3; k++) {
      const f = make();
      stageFiles(f.store, f.journal);
      takeSafetyCopy(f.store, f.journal);
      const failAfter = (_target: string, index: number): void => {
        if (index + 1 === k) throw new Error(`injected failure after ${k} file(s)`);
      };
      if (k === 0) {
        // The first staged copy vanished while it waited: nothing is renamed.
        fs.rmSync(stagedPathFor(f.journal, path.join(f.clusDb, 'CLUSDB')));
        assert.throws(() => replaceLiveFiles(f.store, f.journal, fsMover), (err: unknown) =>
          err instanceof EngineError && /staged in .*CLUSDB\.[0-9a-f]{8}\.fcbnew is missing or no longer matches/.test(err.message));
      } else if (k < 3) {
        assert.throws(() => replaceLiveFiles(f.store, f.journal, fsMover, { afterFileReplaced: failAfter }), /injected failure/);
      } else {
        replaceLiveFiles(f.store, f.journal, fsMover);
      }
      const onDisk = f.store.read()!;
      assert.equal(onDisk.replaced.length, k, `k=${k}`);
      assert.equal(onDisk.phase, k === 3 ? 'replaced' : 'replacing');
      restoreSafetyCopy(onDisk);
      expectOld(f);
    }
  });

  it('also rolls back a file renamed into place whose record never reached the journal', () => {
    const f = make();
    stageFiles(f.store, f.journal);
    takeSafetyCopy(f.store, f.journal);
    // As if the process died right after renaming CLUSDB, before recording it.
    fs.renameSync(stagedPathFor(f.journal, path.join(f.clusDb, 'CLUSDB')), path.join(f.clusDb, 'CLUSDB'));
    const onDisk = f.store.read()!;
    assert.equal(onDisk.replaced.length, 0);
    restoreSafetyCopy(onDisk);
    expectOld(f);
  });

  it('refuses a source that changed after verification: nothing staged for it, no live file changed', () => {
    const f = make();
    fs.appendFileSync(path.join(f.setDir, 'CLUSDB.blf'), 'tampered');
    assert.throws(() => stageFiles(f.store, f.journal), (err: unknown) =>
      err instanceof EngineError && err.code === 'RESTORE_FAILED' && /CLUSDB\.blf changed while it was being restored/.test(err.message));
    assert.deepEqual(stagedNames(f), [path.basename(stagedPathFor(f.journal, path.join(f.clusDb, 'CLUSDB')))]);
    expectOldLive(f);
    restoreSafetyCopy(f.store.read()!);
    expectOld(f);
  });

  it('refuses a staged copy that changed before the swap (and the roll-back puts back what was swapped)', () => {
    const f = make();
    stageFiles(f.store, f.journal);
    takeSafetyCopy(f.store, f.journal);
    fs.appendFileSync(stagedPathFor(f.journal, path.join(f.clusDb, 'CLUSDB.blf')), 'changed while waiting');
    assert.throws(() => replaceLiveFiles(f.store, f.journal, fsMover), (err: unknown) =>
      err instanceof EngineError && /CLUSDB\.blf staged in .* no longer matches the backup set/.test(err.message));
    assert.equal(f.store.read()!.replaced.length, 1, 'CLUSDB was swapped before');
    restoreSafetyCopy(f.store.read()!);
    expectOld(f);
  });

  it('refuses to roll back from a damaged safety copy (and says so) rather than write wrong content', () => {
    const f = make();
    stageFiles(f.store, f.journal);
    takeSafetyCopy(f.store, f.journal);
    replaceLiveFiles(f.store, f.journal, fsMover);
    fs.writeFileSync(f.journal.files[0].safetyCopy!, 'damaged');
    assert.throws(() => restoreSafetyCopy(f.store.read()!), (err: unknown) =>
      err instanceof EngineError && /safety copy of .*CLUSDB .* is missing or damaged/.test(err.message));
  });

  it('a live file in use (ERROR_SHARING_VIOLATION): it and every file after it are scheduled for the restart, replace-existing; a roll-back before the restart leaves the old files', () => {
    const f = make();
    stageFiles(f.store, f.journal);
    takeSafetyCopy(f.store, f.journal);
    const scheduled: [string, string | null][] = [];
    const busyFromBlf: FileMover = {
      replaceNow: (from, to) => {
        if (path.basename(to) === 'CLUSDB.blf') throw new Win32Error('MoveFileExW', 32);
        fs.renameSync(from, to);
      },
      atReboot: (from, to) => {
        scheduled.push([path.basename(from), to && path.basename(to)]);
      },
    };
    assert.equal(replaceLiveFiles(f.store, f.journal, busyFromBlf), 'rebootPending');
    const onDisk = f.store.read()!;
    assert.equal(onDisk.phase, 'rebootPending');
    assert.deepEqual(onDisk.replaced.map((t) => path.basename(t)), ['CLUSDB']);
    assert.deepEqual(onDisk.atReboot.map((t) => path.basename(t)), ['CLUSDB.blf', 'CLUSDB.0.container']);
    const id = f.journal.id.slice(-8);
    assert.deepEqual(scheduled, [[`CLUSDB.blf.${id}.fcbnew`, 'CLUSDB.blf'], [`CLUSDB.0.container.${id}.fcbnew`, 'CLUSDB.0.container']]);
    assert.equal(isCommitted(onDisk), false);
    restoreSafetyCopy(onDisk);
    expectOld(f);
  });

  it('another error than a sharing violation fails the replacement (nothing is scheduled)', () => {
    const f = make();
    stageFiles(f.store, f.journal);
    takeSafetyCopy(f.store, f.journal);
    const denied: FileMover = {
      replaceNow: () => {
        throw new Win32Error('MoveFileExW', 5);
      },
      atReboot: () => assert.fail('nothing may be scheduled'),
    };
    assert.throws(() => replaceLiveFiles(f.store, f.journal, denied), /ERROR_ACCESS_DENIED/);
    restoreSafetyCopy(f.store.read()!);
    expectOld(f);
  });

  it('counts a restore as committed from servicesStarted on', () => {
    const f = make();
    for (const phase of RESTORE_PHASES) {
      assert.equal(isCommitted({ ...f.journal, phase }), phase === 'servicesStarted' || phase === 'done', phase);
    }
  });
});
