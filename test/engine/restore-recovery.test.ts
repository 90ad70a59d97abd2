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
import { planRestore, recoverInterruptedRestore, restoreCluster } from '../../src/engine/restore';
import {
  createJournal, JournalStore, stageFiles, swapStagedFiles, takeSafetyCopy, type RestoreJournal,
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
      assert.throws(() => swapStagedFiles(store, journal, { afterFileReplaced: () => { throw new Error('killed'); } }), /killed/);
      return journal;
    }
    swapStagedFiles(store, journal);
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
});
