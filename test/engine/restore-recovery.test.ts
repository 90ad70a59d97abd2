/**
 * Recovering a restore that was interrupted (the engine process died): the journal a
 * dead restore left behind is found by recoverInterruptedRestore, by restoreCluster
 * (which recovers first, then restores) and by planRestore (which only reports it).
 * Before the commit point the node is rolled back; after it the restore is completed.
 * (test/process/restore-crash.test.ts kills a real engine process at every step.)
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeContext } from '../../src/engine/context';
import { planRestore, recoverInterruptedRestore, restoreCluster, type RestoreOptions } from '../../src/engine/restore';
import {
  createJournal, JournalStore, replaceLiveFiles, takeSafetyCopy, type RestoreJournal,
} from '../../src/engine/restoreJournal';
import { startServiceAndWait, stopServiceAndWait } from '../../src/engine/serviceControl';
import { simulatorClearCallLog } from '../../src/native/simulator';
import { assertNoLeaks } from '../support/sim';
import {
  assertSameFiles, liveFiles, prepareRestore, recordingContext, restoreArtifacts, serviceStates, type RestoreFixture,
} from './restore-fixture';

describe('recovering an interrupted restore (simulator)', function () {
  this.timeout(120_000);
  let lockFolder: string;
  let options: RestoreOptions;
  const fixtures: RestoreFixture[] = [];

  async function prepare(): Promise<RestoreFixture> {
    const f = await prepareRestore({}, { lockFolder });
    fixtures.push(f);
    simulatorClearCallLog();
    return f;
  }

  /** What a restore killed at `upTo` leaves on disk and in the services (built with the restore's own steps). */
  async function interruptedAt(f: RestoreFixture, upTo: 'servicesStopped' | 'replacing' | 'servicesStarted'): Promise<RestoreJournal> {
    const store = new JournalStore(f.clusDb);
    const setFiles = [...f.setFiles.keys()];
    const manifest = JSON.parse(fs.readFileSync(path.join(f.setPath, 'manifest.json'), 'utf8')) as { files: { originalPath: string; path: string; sha256: string; size: number }[] };
    const journal = createJournal({
      set: f.setPath, kind: 'vss-cluster-writer', authoritative: true, localNode: 'NODE1', serviceName: 'ClusSvc',
      localServiceWasRunning: true, clusDbDir: f.clusDb,
      files: setFiles.map((name) => {
        const entry = manifest.files.find((e) => path.basename(e.originalPath) === name)!;
        return { target: path.join(f.clusDb, name), source: path.join(f.setPath, ...entry.path.split('/')), sha256: entry.sha256, size: entry.size };
      }),
    });
    store.advance(journal, 'planned');
    journal.otherNodesToRestart.push('NODE2');
    store.write(journal);
    await stopServiceAndWait({ node: 'NODE2', isLocal: false }, 'ClusSvc', makeContext());
    await stopServiceAndWait({ node: 'NODE1', isLocal: true }, 'ClusSvc', makeContext());
    store.advance(journal, 'servicesStopped');
    if (upTo === 'servicesStopped') return journal;
    takeSafetyCopy(store, journal);
    if (upTo === 'replacing') {
      // Dies after the first file was renamed into place.
      assert.throws(() => replaceLiveFiles(store, journal, { afterFileReplaced: () => { throw new Error('killed'); } }), /killed/);
      return journal;
    }
    replaceLiveFiles(store, journal);
    store.advance(journal, 'postRestored');
    await startServiceAndWait({ node: 'NODE1', isLocal: true }, 'ClusSvc', makeContext());
    store.advance(journal, 'servicesStarted');
    return journal;
  }

  before(() => {
    lockFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-restore-lock-'));
    options = { lockFolder };
  });
  afterEach(() => assertNoLeaks());
  after(() => {
    assertNoLeaks();
    for (const f of fixtures) f.scenario.cleanup();
    fs.rmSync(lockFolder, { recursive: true, force: true });
  });

  it('finds nothing to do without a journal', async () => {
    await prepare();
    assert.equal(await recoverInterruptedRestore(makeContext(), options), null);
  });

  it('rolls back a restore that died while replacing files: old files, services started again', async () => {
    const f = await prepare();
    await interruptedAt(f, 'replacing');
    assert.notDeepEqual(liveFiles(f.clusDb), f.before, 'a mix of old and new files before recovery');
    assert.deepEqual(serviceStates(['NODE1', 'NODE2'], 'NODE1'), { NODE1: 'stopped', NODE2: 'stopped' });
    const ctx = recordingContext();
    assert.equal(await recoverInterruptedRestore(ctx, options), 'rolledBack');
    assertSameFiles(liveFiles(f.clusDb), f.before, 'the files from before the restore');
    assert.deepEqual(restoreArtifacts(f), []);
    assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'running' });
    assert.match(ctx.text(), /Found the journal of an interrupted restore .* last step "replacing"/);
  });

  it('rolls back a restore that died with only the services stopped', async () => {
    const f = await prepare();
    await interruptedAt(f, 'servicesStopped');
    assert.equal(await recoverInterruptedRestore(makeContext(), options), 'rolledBack');
    assertSameFiles(liveFiles(f.clusDb), f.before, 'unchanged');
    assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'running' });
  });

  it('completes a restore that died after this node ran on the restored files: the stopped nodes are started', async () => {
    const f = await prepare();
    await interruptedAt(f, 'servicesStarted');
    assert.equal(serviceStates(['NODE2'], 'NODE1').NODE2, 'stopped');
    assert.equal(await recoverInterruptedRestore(makeContext(), options), 'completed');
    assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'the restored files stay');
    assert.deepEqual(restoreArtifacts(f), []);
    assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'running' });
  });

  it('planRestore reports the interrupted restore and changes nothing; restoreCluster recovers it first', async () => {
    const f = await prepare();
    await interruptedAt(f, 'replacing');
    const mixed = liveFiles(f.clusDb);
    const plan = await planRestore({ set: f.setPath, authoritative: false, stopOtherNodes: false }, recordingContext());
    assert.match(plan.steps[0], /First, an earlier restore of .* interrupted at "replacing" is finished: it is rolled back/);
    assertSameFiles(liveFiles(f.clusDb), mixed, 'the plan changes nothing');
    assert.ok(fs.existsSync(path.join(path.dirname(f.clusDb), 'ClusterRestoreJournal.json')));

    const result = await restoreCluster({ set: f.setPath, authoritative: false, stopOtherNodes: false }, recordingContext(), options);
    assert.equal(result.recovered, 'rolledBack');
    assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'then restored');
    assert.deepEqual(restoreArtifacts(f), []);
    assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'running' });
  });
});
