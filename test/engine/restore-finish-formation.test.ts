/**
 * A restore finished later — `recover` after a crash past PostRestore — starts the nodes by the
 * formation rules (src/engine/restoreFinish.ts), with the simulator's quorum model on: this node
 * is stopped and started again on the restored files, forms the cluster first (with /fq only when
 * the journal records the user's consent), and only then the other nodes start, one at a time.
 * Started all at once, the other nodes' newer copy (a higher PaxosTag) would win when the cluster
 * forms and overwrite the restored configuration. Pure Node: also runs under Wine.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeContext } from '../../src/engine/context';
import { recoverRestore } from '../../src/engine/restore';
import { createJournal, JournalStore, replaceLiveFiles, stageFiles, takeSafetyCopy } from '../../src/engine/restoreJournal';
import { configurationDigest, paxosTagOf } from '../../src/engine/restoreOutcome';
import { startServiceAndWait, stopServiceAndWait } from '../../src/engine/serviceControl';
import { readHive } from '../../src/hive/reader';
import { simulatorCallLog, simulatorClearCallLog, simulatorNodeConfiguration, simulatorWriteDatabase } from '../../src/native/simulator';
import { recordingContext } from '../support/context';
import { scenarioText, type ScenarioSpec } from '../support/scenario';
import { liveFiles, restoreArtifacts, restoreSuite, serviceStates, type RestoreFixture } from './restore-fixture';

/** Every node votes and the witness adds one: NODE1 alone holds 2 of 5. */
const SPEC: ScenarioSpec = {
  cluster: { replication: true },
  nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3' }, { name: 'NODE4', service: 'stopped' }],
};

const local = { node: 'NODE1', isLocal: true };

function digestOf(data: Buffer | undefined, what: string): string {
  assert.ok(data, what);
  return configurationDigest(readHive(data, what).root);
}

/**
 * The configuration changed after the backup on every running node: NODE1's copy is replaced by one
 * without NODE4 and with a newer PaxosTag, the cluster forms on it (the newest copy wins) and the
 * others take it — so NODE2 and NODE3 hold a copy newer than the set's, and different from it.
 */
async function changedOnEveryNode(f: RestoreFixture): Promise<void> {
  for (const node of ['NODE2', 'NODE3', 'NODE1']) await stopServiceAndWait({ node, isLocal: node === 'NODE1' }, 'ClusSvc', makeContext());
  simulatorWriteDatabase(scenarioText({ cluster: { name: 'CLUSTER1', paxosTag: 900_000 }, nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3' }] }),
    path.join(f.clusDb, 'CLUSDB'), 65536);
  for (const node of ['NODE1', 'NODE2', 'NODE3']) await startServiceAndWait({ node, isLocal: node === 'NODE1' }, 'ClusSvc', makeContext());
  for (const node of ['NODE2', 'NODE3']) assert.equal(simulatorNodeConfiguration(node)?.paxosTag, 900_000, `${node} holds the changed configuration`);
}

/**
 * What an authoritative VSS_RME_RESTORE_STOP_START restore leaves when its process dies right after
 * PostRestore: NODE2 and NODE3 stopped (recorded), the set's files in place, PostRestore recorded as
 * sent, NODE1's service running without quorum (joining), the stop and start after PostRestore not done.
 */
async function crashedAfterPostRestore(f: RestoreFixture, forceQuorum: boolean): Promise<void> {
  await changedOnEveryNode(f);
  const manifest = JSON.parse(fs.readFileSync(path.join(f.setPath, 'manifest.json'), 'utf8')) as
    { files: { originalPath: string; path: string; sha256: string; size: number }[] };
  const store = new JournalStore(f.clusDb);
  const journal = createJournal({
    set: f.setPath, kind: 'vss-cluster-writer', authoritative: true, restoreMethod: 8, localNode: 'NODE1', serviceName: 'ClusSvc',
    localServiceWasRunning: true, clusDbDir: f.clusDb, forceQuorum,
    files: manifest.files.map((e) => ({
      target: path.join(f.clusDb, path.basename(e.originalPath)), source: path.join(f.setPath, ...e.path.split('/')), sha256: e.sha256, size: e.size,
    })),
  });
  store.advance(journal, 'planned');
  for (const node of ['NODE2', 'NODE3']) {
    journal.otherNodesToRestart.push(node);
    store.write(journal);
    await stopServiceAndWait({ node, isLocal: false }, 'ClusSvc', makeContext());
  }
  store.advance(journal, 'otherNodesStopped');
  store.advance(journal, 'preRestored');
  // The writer released the files at PreRestore; here the service is stopped for the swap and started again, which
  // leaves the same state: NODE1 runs on the set's files without quorum.
  await stopServiceAndWait(local, 'ClusSvc', makeContext());
  takeSafetyCopy(store, journal);
  stageFiles(store, journal);
  assert.equal(replaceLiveFiles(store, journal), 'replaced');
  store.advance(journal, 'replaced');
  journal.postRestoreSent = true;
  store.advance(journal, 'postRestored');
  await startServiceAndWait(local, 'ClusSvc', makeContext());
  assert.equal(simulatorNodeConfiguration('NODE1')?.state, 'joining', 'NODE1 cannot reach quorum alone');
}

describe('finishing an authoritative restore after a crash, by the formation rules (simulator, quorum model on)', function () {
  this.timeout(180_000);
  const suite = restoreSuite();

  it('crash after PostRestore, recover with consent recorded: NODE1 restarted and forced into quorum first, the restored configuration wins on every node', async () => {
    const f = await suite.prepare(SPEC);
    await crashedAfterPostRestore(f, true);
    const setDigest = digestOf(f.setFiles.get('CLUSDB'), 'set CLUSDB');
    const setTag = paxosTagOf(readHive(f.setFiles.get('CLUSDB')!, 'set').root) ?? 0;
    assert.ok(setTag < (simulatorNodeConfiguration('NODE2')?.paxosTag ?? 0), 'the other nodes hold a newer copy than the set');
    assert.notEqual(digestOf(fs.readFileSync(simulatorNodeConfiguration('NODE2')!.file), 'NODE2 copy'), setDigest, 'and a different configuration');
    simulatorClearCallLog();

    const ctx = recordingContext();
    const recovered = await recoverRestore(ctx, suite.options);
    assert.equal(recovered.outcome, 'completed', `${recovered.problems.join('; ')}\n${ctx.text()}`);
    assert.equal(digestOf(liveFiles(f.clusDb).get('CLUSDB'), 'live CLUSDB'), setDigest, 'the restored configuration is in effect here');
    assert.equal(simulatorNodeConfiguration('NODE1')?.forced, true, 'NODE1 formed the cluster with force quorum, as consented');
    for (const n of ['NODE2', 'NODE3']) assert.equal(simulatorNodeConfiguration(n)?.hash, simulatorNodeConfiguration('NODE1')?.hash, `${n} took NODE1's copy`);
    assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'stopped' });
    assert.deepEqual(restoreArtifacts(f), []);

    // The order: NODE1 stopped and started again (the step after PostRestore), then with /fq, Up; then each other node in turn.
    const starts = simulatorCallLog().filter((c) => c.startsWith('StartServiceW'));
    assert.deepEqual(starts, ['StartServiceW:NODE1', 'StartServiceW:NODE1', 'StartServiceW:NODE2', 'StartServiceW:NODE3']);
    const lines = ctx.lines.map((l) => l.message);
    const at = (re: RegExp): number => lines.findIndex((l) => re.test(l));
    const positions = [/was not stopped and started afterwards/, /Starting ClusSvc on NODE1.* with ClusSvc \/fq/, /NODE1 is up in the formed cluster/,
      /Starting ClusSvc on NODE2/, /NODE2 is up in the formed cluster/, /Starting ClusSvc on NODE3/, /NODE3 is up in the formed cluster/].map(at);
    assert.ok(positions.every((p) => p >= 0), ctx.text());
    assert.deepEqual([...positions].sort((a, b) => a - b), positions, `in order:\n${ctx.text()}`);
  });

  it('crash after PostRestore, no consent recorded: the other nodes are not started, so the restored configuration is not overwritten; notInEffect says what to do', async () => {
    const f = await suite.prepare(SPEC);
    await crashedAfterPostRestore(f, false);
    const setDigest = digestOf(f.setFiles.get('CLUSDB'), 'set CLUSDB');
    simulatorClearCallLog();

    const recovered = await recoverRestore(recordingContext(), suite.options);
    assert.equal(recovered.outcome, 'notInEffect');
    const problems = recovered.problems.join('\n');
    assert.match(problems, /cannot reach quorum alone.*Start-ClusterNode -FixQuorum/s);
    assert.match(problems, /ClusSvc on NODE2, NODE3: not started, because NODE1 did not form the cluster/);
    assert.equal(digestOf(liveFiles(f.clusDb).get('CLUSDB'), 'live CLUSDB'), setDigest, 'the restored configuration is still here, not overwritten');
    assert.equal(simulatorNodeConfiguration('NODE1')?.forced, false, 'no force quorum without consent');
    assert.ok(!simulatorCallLog().some((c) => c === 'StartServiceW:NODE2' || c === 'StartServiceW:NODE3'), 'no other node was started');
    assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'stopped', NODE3: 'stopped', NODE4: 'stopped' });
    assert.deepEqual(restoreArtifacts(f), [], 'the restore is finished (committed), its journal gone');
  });
});
