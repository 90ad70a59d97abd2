/**
 * Recovering a restore that was interrupted (the engine process died): the journal a
 * dead restore left behind is found by recoverInterruptedRestore, by restoreCluster
 * (which recovers first, then restores) and by planRestore (which only reports it).
 * Before the commit point the node is rolled back; after it the restore is completed.
 * (test/process/restore-crash.test.ts kills a real engine process at every step.)
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeContext } from '../../src/engine/context';
import { backupCluster } from '../../src/engine/backup';
import { EngineError } from '../../src/engine/errors';
import { acquireOperationLock } from '../../src/engine/lock';
import { pendingRestore, planRestore, recoverInterruptedRestore, recoverRestore, restoreCluster } from '../../src/engine/restore';
import {
  createJournal, JournalStore, replaceLiveFiles, stageFiles, takeSafetyCopy, type RestoreJournal,
} from '../../src/engine/restoreJournal';
import { startServiceAndWait, stopServiceAndWait } from '../../src/engine/serviceControl';
import { simulatorCallLog, simulatorClearCallLog } from '../../src/native/simulator';
import { recordingContext } from '../support/context';
import {
  assertSameFiles, liveFiles, restoreArtifacts, restoreSuite, serviceStates, type RestoreFixture,
} from './restore-fixture';

describe('recovering an interrupted restore (simulator)', function () {
  this.timeout(120_000);
  const suite = restoreSuite();

  async function prepare(): Promise<RestoreFixture> {
    const f = await suite.prepare({});
    simulatorClearCallLog();
    return f;
  }

  /** The staged `.fcbnew` files beside the live ones. */
  function stagedFiles(f: RestoreFixture): string[] {
    return fs.readdirSync(f.clusDb).filter((n) => n.endsWith('.fcbnew'));
  }

  type Stop = 'staged' | 'serviceStopped' | 'replacing' | 'servicesStarted';

  /**
   * What a RESTORE_STOP_START restore killed at `upTo` leaves on disk and in the services (built with the
   * restore's own steps): NODE2 stopped, the files staged while NODE1 runs, NODE1 stopped, the swap, NODE1 started.
   */
  async function interruptedAt(f: RestoreFixture, upTo: Stop, localWasRunning = true): Promise<RestoreJournal> {
    const store = new JournalStore(f.clusDb);
    const setFiles = [...f.setFiles.keys()];
    const manifest = JSON.parse(fs.readFileSync(path.join(f.setPath, 'manifest.json'), 'utf8')) as { files: { originalPath: string; path: string; sha256: string; size: number }[] };
    const journal = createJournal({
      set: f.setPath, kind: 'vss-cluster-writer', authoritative: true, restoreMethod: 8, localNode: 'NODE1', serviceName: 'ClusSvc',
      localServiceWasRunning: localWasRunning, clusDbDir: f.clusDb,
      files: setFiles.map((name) => {
        const entry = manifest.files.find((e) => path.basename(e.originalPath) === name)!;
        return { target: path.join(f.clusDb, name), source: path.join(f.setPath, ...entry.path.split('/')), sha256: entry.sha256, size: entry.size };
      }),
    });
    store.advance(journal, 'planned');
    // The writer runs inside the cluster service: a restore starts it here first when it is stopped.
    await startServiceAndWait({ node: 'NODE1', isLocal: true }, 'ClusSvc', makeContext());
    journal.otherNodesToRestart.push('NODE2');
    store.write(journal);
    await stopServiceAndWait({ node: 'NODE2', isLocal: false }, 'ClusSvc', makeContext());
    store.advance(journal, 'otherNodesStopped');
    stageFiles(store, journal);
    if (upTo === 'staged') return journal;
    store.advance(journal, 'postRestored');
    await stopServiceAndWait({ node: 'NODE1', isLocal: true }, 'ClusSvc', makeContext());
    store.advance(journal, 'serviceStopped');
    if (upTo === 'serviceStopped') return journal;
    takeSafetyCopy(store, journal);
    if (upTo === 'replacing') {
      // Dies after the first file was renamed into place.
      assert.throws(() => replaceLiveFiles(store, journal, undefined, { afterFileReplaced: () => { throw new Error('killed'); } }), /killed/);
      return journal;
    }
    replaceLiveFiles(store, journal);
    await startServiceAndWait({ node: 'NODE1', isLocal: true }, 'ClusSvc', makeContext());
    store.advance(journal, 'servicesStarted');
    return journal;
  }


  it('finds nothing to do without a journal', async () => {
    await prepare();
    assert.equal(await recoverInterruptedRestore(makeContext(), suite.options), null);
  });

  it('rolls back a restore that died while replacing files: old files, services started again', async () => {
    const f = await prepare();
    await interruptedAt(f, 'replacing');
    assert.notDeepEqual(liveFiles(f.clusDb), f.before, 'a mix of old and new files before recovery');
    assert.deepEqual(serviceStates(['NODE1', 'NODE2'], 'NODE1'), { NODE1: 'stopped', NODE2: 'stopped' });
    const ctx = recordingContext();
    assert.equal(await recoverInterruptedRestore(ctx, suite.options), 'rolledBack');
    assertSameFiles(liveFiles(f.clusDb), f.before, 'the files from before the restore');
    assert.deepEqual(restoreArtifacts(f), []);
    assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'running' });
    assert.match(ctx.text(), /Found the journal of an interrupted restore .* last step "replacing"/);
  });

  it('rolls back a restore that died with its files staged: the staged files go, the live files were never touched', async () => {
    const f = await prepare();
    await interruptedAt(f, 'staged');
    assert.equal(stagedFiles(f).length, 2, 'two staged files beside the live ones');
    assertSameFiles(liveFiles(f.clusDb), f.before, 'the live files are still the old ones');
    const ctx = recordingContext();
    assert.equal(await recoverInterruptedRestore(ctx, suite.options), 'rolledBack');
    assert.deepEqual(stagedFiles(f), []);
    assertSameFiles(liveFiles(f.clusDb), f.before, 'unchanged');
    assert.deepEqual(restoreArtifacts(f), []);
    assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'running' });
    assert.match(ctx.text(), /Deleted the staged file\(s\)/);
  });

  it('rolls back a restore that died with this node\'s service stopped for the swap', async () => {
    const f = await prepare();
    await interruptedAt(f, 'serviceStopped');
    assert.deepEqual(serviceStates(['NODE1', 'NODE2'], 'NODE1'), { NODE1: 'stopped', NODE2: 'stopped' });
    assert.equal(await recoverInterruptedRestore(makeContext(), suite.options), 'rolledBack');
    assertSameFiles(liveFiles(f.clusDb), f.before, 'unchanged');
    assert.deepEqual(restoreArtifacts(f), []);
    assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'running' });
  });

  it('a roll-back stops this node\'s service again when the restore had started it (it was stopped before)', async () => {
    const f = await prepare();
    await stopServiceAndWait({ node: 'NODE1', isLocal: true }, 'ClusSvc', makeContext());
    await interruptedAt(f, 'staged', false);
    assert.equal(serviceStates(['NODE1'], 'NODE1').NODE1, 'running', 'the restore started it for the writer');
    simulatorClearCallLog();
    assert.equal(await recoverInterruptedRestore(makeContext(), suite.options), 'rolledBack');
    assertSameFiles(liveFiles(f.clusDb), f.before, 'unchanged');
    assert.deepEqual(restoreArtifacts(f), []);
    assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'stopped', NODE2: 'running', NODE3: 'running', NODE4: 'running' });
    assert.deepEqual(simulatorCallLog().filter((c) => /^(ControlService|StartServiceW)/.test(c)), ['ControlService:NODE1:1', 'StartServiceW:NODE2']);
  });

  it('completes a restore that died after this node ran on the restored files: the stopped nodes are started', async () => {
    const f = await prepare();
    await interruptedAt(f, 'servicesStarted');
    assert.equal(serviceStates(['NODE2'], 'NODE1').NODE2, 'stopped');
    assert.equal(await recoverInterruptedRestore(makeContext(), suite.options), 'completed');
    assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'the restored files stay');
    assert.deepEqual(restoreArtifacts(f), []);
    assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'running' });
  });

  it('planRestore reports the interrupted restore and changes nothing; restoreCluster recovers it first', async () => {
    const f = await prepare();
    await interruptedAt(f, 'replacing');
    const mixed = liveFiles(f.clusDb);
    const plan = await planRestore({ set: f.setPath, authoritative: false, stopOtherNodes: false }, recordingContext(), suite.options);
    assert.deepEqual(plan.steps[0], { kind: 'finishInterrupted', set: path.basename(f.setPath), phase: 'replacing', action: 'rollBack' });
    assertSameFiles(liveFiles(f.clusDb), mixed, 'the plan changes nothing');
    assert.ok(fs.existsSync(path.join(path.dirname(f.clusDb), 'ClusterRestoreJournal.json')));

    const result = await restoreCluster({ set: f.setPath, authoritative: false, stopOtherNodes: false }, recordingContext(), suite.options);
    assert.equal(result.recovered, 'rolledBack');
    assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'then restored');
    assert.deepEqual(restoreArtifacts(f), []);
    assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'running' });
  });

  describe('an interrupted restore is reported and finished (defect 7)', () => {
    const setsIn = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => fs.existsSync(path.join(dir, n, 'manifest.json'))) : []);

    it('status reports it, a backup is refused until it is finished, recover rolls it back and says so', async () => {
      const f = await prepare();
      await interruptedAt(f, 'replacing');
      const pending = await pendingRestore(suite.options);
      assert.ok(pending);
      assert.deepEqual({ ...pending, id: '', startedAt: '' },
        { id: '', startedAt: '', set: f.setPath, authoritative: true, phase: 'replacing', finish: 'rollBack', running: false, rebootRequired: false });

      const destination = path.join(f.scenario.dir, 'after-crash');
      await assert.rejects(backupCluster({ destination }, makeContext(), { lockFolder: suite.lockFolder, pollIntervalMs: { min: 1, max: 4 } }),
        (err: unknown) => err instanceof EngineError && err.code === 'RESTORE_PENDING' &&
          /interrupted at "replacing".*Run `fcbackup recover` .* to roll it back, then back up again\. Nothing was backed up\./.test(err.message));
      assert.deepEqual(setsIn(destination), [], 'no mixed set was written');

      const recovered = await recoverRestore(recordingContext(), suite.options);
      assert.equal(recovered.outcome, 'rolledBack');
      assert.equal(recovered.restore?.phase, 'replacing');
      assert.deepEqual(recovered.problems, []);
      assertSameFiles(liveFiles(f.clusDb), f.before, 'rolled back');
      assert.equal(await pendingRestore(suite.options), null);
      await backupCluster({ destination }, makeContext(), { lockFolder: suite.lockFolder, pollIntervalMs: { min: 1, max: 4 } });
      assert.equal(setsIn(destination).length, 1, 'then the backup runs');
    });

    it('recover completes a restore that had committed, and says so', async () => {
      const f = await prepare();
      await interruptedAt(f, 'servicesStarted');
      assert.equal((await pendingRestore(suite.options))?.finish, 'complete');
      const recovered = await recoverRestore(recordingContext(), suite.options);
      assert.equal(recovered.outcome, 'completed');
      assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'the restored files stay');
      assert.deepEqual(await recoverRestore(recordingContext(), suite.options), { outcome: null, restore: null, problems: [] });
    });

    it('while a restore runs, status says it runs and a second plan is refused as busy — not described as interrupted (defect 12)', async () => {
      const f = await prepare();
      await interruptedAt(f, 'staged');
      const lock = await acquireOperationLock(suite.lockFolder, 'node restore');
      try {
        assert.equal((await pendingRestore(suite.options))?.running, true);
        await assert.rejects(planRestore({ set: f.setPath, authoritative: false, stopOtherNodes: false }, recordingContext(), suite.options),
          (err: unknown) => err instanceof EngineError && err.code === 'BUSY' && /Another backup or restore is running \(pid \d+, node restore/.test(err.message) &&
            !/interrupted/.test(err.message));
      } finally {
        await lock.release();
      }
      assert.equal((await recoverRestore(recordingContext(), suite.options)).outcome, 'rolledBack');
    });
  });

  it('a restore refused after it finished an interrupted one says what that changed — not "Nothing was changed" (defect 12)', async () => {
    const f = await prepare();
    await interruptedAt(f, 'replacing');
    await assert.rejects(restoreCluster({ set: f.setPath, authoritative: true, stopOtherNodes: false }, recordingContext(), suite.options),
      (err: unknown) => err instanceof EngineError && err.code === 'NODES_RUNNING' && !/Nothing was changed/.test(err.message) &&
        /This restore changed nothing itself, but first the interrupted restore of .* \(stopped at "replacing"\) was finished: it was rolled back/.test(err.message));
    assertSameFiles(liveFiles(f.clusDb), f.before, 'the interrupted restore was rolled back');
  });

  describe('a tampered journal (defect 10)', () => {
    for (const [label, tamper] of [
      ['a target outside the cluster folder', (j: RestoreJournal, outside: { file: string; dir: string }) => {
        j.files[0].target = outside.file;
        j.files[0].existed = false;
      }],
      ['a safety folder outside the safety root', (j: RestoreJournal, outside: { file: string; dir: string }) => { j.safetyDir = outside.dir; }],
      ['a safety copy outside the safety folder', (j: RestoreJournal, outside: { file: string; dir: string }) => { j.files[0].safetyCopy = outside.file; }],
      ['an alternate data stream of a live file', (j: RestoreJournal) => { j.files[0].target = `${j.files[0].target}:evil`; }],
    ] as const) {
      it(`${label}: recovery refuses it and deletes nothing outside`, async () => {
        const f = await prepare();
        const journal = await interruptedAt(f, 'replacing');
        const outside = { file: path.join(f.scenario.dir, 'precious.txt'), dir: path.join(f.scenario.dir, 'precious') };
        fs.writeFileSync(outside.file, 'keep me');
        fs.mkdirSync(outside.dir, { recursive: true });
        fs.writeFileSync(path.join(outside.dir, 'data'), 'keep me too');
        tamper(journal, outside);
        new JournalStore(f.clusDb).write(journal);
        const mixed = liveFiles(f.clusDb);

        await assert.rejects(recoverInterruptedRestore(recordingContext(), suite.options), (err: unknown) =>
          err instanceof EngineError && err.code === 'RESTORE_FAILED' && /names paths outside the cluster folder .* nothing was changed/.test(err.message));
        assert.equal(fs.readFileSync(outside.file, 'utf8'), 'keep me');
        assert.equal(fs.readFileSync(path.join(outside.dir, 'data'), 'utf8'), 'keep me too');
        assertSameFiles(liveFiles(f.clusDb), mixed, 'nothing in the cluster folder changed either');
        // status still reports the restore; a backup is refused.
        assert.match((await pendingRestore(suite.options))?.phase ?? '', /^unreadable \(The restore journal .* names paths outside/);
        await assert.rejects(backupCluster({ destination: path.join(f.scenario.dir, 'b') }, makeContext(), { lockFolder: suite.lockFolder }),
          (err: unknown) => err instanceof EngineError && err.code === 'RESTORE_PENDING');
      });
    }
  });
});
