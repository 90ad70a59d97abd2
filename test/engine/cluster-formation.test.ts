/**
 * Quorum and replication, through real koffi against the simulator's model (test/simulator/README.md,
 * "Quorum and replication"): a cluster forms by a majority of votes (the witness adds one), a running
 * node without a formed cluster is joining, the newest PaxosTag wins at formation, a joiner takes the
 * cluster's copy, /fq (after the service's name in lpServiceArgVectors) wins regardless of tag. Then the
 * engine's authoritative restore on a node that cannot reach quorum alone: rolled back without consent,
 * completed with --force-quorum, the restored configuration on every node, the other nodes started one at
 * a time after this node is Up. Pure Node (no child processes): also runs under Wine.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { forceQuorumArgs, nativeMembership, waitUntilUp } from '../../src/engine/clusterFormation';
import { makeContext } from '../../src/engine/context';
import { detectLocalCluster } from '../../src/engine/discovery';
import { CancelledError, EngineError } from '../../src/engine/errors';
import { planRestore, restoreCluster } from '../../src/engine/restore';
import { queryServiceState, startServiceAndWait, stopServiceAndWait } from '../../src/engine/serviceControl';
import { simulatorCallLog, simulatorClearCallLog, simulatorNodeConfiguration, simulatorWriteDatabase } from '../../src/native/simulator';
import { describeStep } from '../../src/wire/restoreWords';
import { recordingContext } from '../support/context';
import { makeTempScenario, scenarioText, type ScenarioSpec, type TempScenario } from '../support/scenario';
import { assertNoLeaks, useScenario } from '../support/sim';
import { assertSameFiles, liveFiles, restoreArtifacts, restoreSuite, serviceStates } from './restore-fixture';

const THREE = [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3' }];

function copyOf(node: string): NonNullable<ReturnType<typeof simulatorNodeConfiguration>> {
  const copy = simulatorNodeConfiguration(node);
  assert.ok(copy, `${node} is a scenario node`);
  return copy;
}

/** This machine's live CLUSDB replaced by a database of the same members with `paxosTag`. */
function writeLocalCopy(s: TempScenario, paxosTag: number, nodes = THREE): void {
  simulatorWriteDatabase(scenarioText({ cluster: { name: 'CLUSTER1', paxosTag }, nodes }),
    path.join(s.dir, 'Windows', 'Cluster', 'CLUSDB'), 65536);
}

async function start(node: string, args?: string[]): Promise<void> {
  await startServiceAndWait({ node, isLocal: node === 'NODE1' }, 'ClusSvc', makeContext(), { args });
}

async function stop(node: string): Promise<void> {
  await stopServiceAndWait({ node, isLocal: node === 'NODE1' }, 'ClusSvc', makeContext());
}

describe('quorum and replication (simulator)', function () {
  this.timeout(120_000);
  const scenarios: TempScenario[] = [];

  /** A scenario of the model with every node's service stopped. */
  async function stoppedCluster(spec: ScenarioSpec): Promise<TempScenario> {
    const s = makeTempScenario({ ...spec, cluster: { replication: true, ...spec.cluster } });
    scenarios.push(s);
    useScenario(s.path);
    for (const n of spec.nodes ?? THREE) await stop(n.name);
    return s;
  }

  afterEach(() => assertNoLeaks());
  after(() => {
    assertNoLeaks();
    for (const s of scenarios) s.cleanup();
  });

  it('forms only when the running nodes hold a majority of the votes: one of three is joining, two form', async () => {
    await stoppedCluster({ nodes: THREE, cluster: { quorum: null } });
    await start('NODE1');
    assert.equal(nativeMembership.nodeState('NODE1'), 'joining', 'GetClusterNodeState: ClusterNodeJoining without a formed cluster');
    assert.equal(copyOf('NODE1').clusterFormed, false);
    await start('NODE2');
    assert.equal(nativeMembership.nodeState('NODE1'), 'up');
    assert.equal(nativeMembership.nodeState('NODE2'), 'up');
    assert.equal(copyOf('NODE3').state, 'down');
    assert.equal(copyOf('NODE1').clusterFormed, true);
    // Losing the majority stops the cluster: the node still running is joining again.
    await stop('NODE2');
    assert.equal(nativeMembership.nodeState('NODE1'), 'joining');
  });

  it('the witness adds a vote: one of two nodes forms the cluster with it, and not without it', async () => {
    await stoppedCluster({ nodes: THREE.slice(0, 2) });
    await start('NODE1');
    assert.equal(nativeMembership.nodeState('NODE1'), 'up', 'NODE1 and the witness hold 2 of 3 votes');
    await stoppedCluster({ nodes: THREE.slice(0, 2), cluster: { quorum: null } });
    await start('NODE1');
    assert.equal(nativeMembership.nodeState('NODE1'), 'joining', '1 of 2 votes is no majority');
  });

  it('a node with no vote does not count: two of three nodes with one of them at 0 votes stay joining', async () => {
    await stoppedCluster({ nodes: [{ name: 'NODE1' }, { name: 'NODE2', votes: 0 }, { name: 'NODE3' }], cluster: { quorum: null } });
    await start('NODE1');
    await start('NODE2');
    assert.equal(nativeMembership.nodeState('NODE1'), 'joining', '1 of 2 votes');
    await start('NODE3');
    assert.equal(nativeMembership.nodeState('NODE2'), 'up');
  });

  it('the newest PaxosTag among the running nodes wins when the cluster forms, and is copied to every running node', async () => {
    const s = await stoppedCluster({ nodes: THREE, cluster: { quorum: null, paxosTag: 500 } });
    writeLocalCopy(s, 7);
    await start('NODE1');
    assert.equal(copyOf('NODE1').paxosTag, 7, 'joining: nothing is copied yet');
    await start('NODE2');
    const [one, two, three] = ['NODE1', 'NODE2', 'NODE3'].map(copyOf);
    assert.equal(two!.paxosTag, 500);
    assert.equal(one!.paxosTag, 500, 'NODE1 took the newer copy of NODE2');
    assert.equal(one!.hash, two!.hash);
    assert.equal(fs.readFileSync(one!.file).equals(fs.readFileSync(two!.file)), true, 'this machine\'s live CLUSDB is that copy');
    assert.equal(three!.state, 'down');

    // The other way round: this machine's copy is the newest and goes to the others.
    await stop('NODE1');
    await stop('NODE2');
    writeLocalCopy(s, 900);
    await start('NODE2');
    await start('NODE1');
    assert.equal(copyOf('NODE2').paxosTag, 900);
    assert.equal(copyOf('NODE2').hash, copyOf('NODE1').hash);
    assert.equal(copyOf('NODE3').paxosTag, 500, 'a node that does not run keeps its copy');
  });

  it('a node that joins a formed cluster takes the cluster\'s copy, even when its own is newer', async () => {
    const s = await stoppedCluster({ nodes: THREE, cluster: { quorum: null, paxosTag: 500 } });
    await start('NODE2');
    await start('NODE3');
    writeLocalCopy(s, 900);
    await start('NODE1');
    assert.equal(nativeMembership.nodeState('NODE1'), 'up');
    assert.equal(copyOf('NODE1').paxosTag, 500, 'the joiner took the cluster\'s configuration');
    assert.equal(copyOf('NODE1').hash, copyOf('NODE2').hash);
  });

  it('/fq after the service\'s name forms the cluster alone and its copy wins regardless of tag; /fq in argv[0] is the name slot', async () => {
    const s = await stoppedCluster({ nodes: THREE, cluster: { quorum: null, paxosTag: 500 } });
    writeLocalCopy(s, 7);
    await start('NODE1', ['/fq']);
    assert.equal(nativeMembership.nodeState('NODE1'), 'joining', 'lpServiceArgVectors[0] is the service\'s name, not an argument');
    await stop('NODE1');
    assert.deepEqual(forceQuorumArgs('ClusSvc'), ['ClusSvc', '/fq']);
    await start('NODE1', forceQuorumArgs('ClusSvc'));
    assert.equal(nativeMembership.nodeState('NODE1'), 'up', 'forced quorum');
    assert.equal(copyOf('NODE1').forced, true);
    await start('NODE2');
    await start('NODE3');
    for (const n of ['NODE2', 'NODE3']) {
      assert.equal(copyOf(n).paxosTag, 7, `${n} took the forced node's older copy`);
      assert.equal(copyOf(n).hash, copyOf('NODE1').hash);
    }
    // /forcequorum, in any case, works too.
    await stoppedCluster({ nodes: THREE, cluster: { quorum: null } });
    await start('NODE2', ['ClusSvc', '/ForceQuorum']);
    assert.equal(nativeMembership.nodeState('NODE2'), 'up');
  });

  it('waiting for a node to be Up stops at a cancel and leaves its service running', async () => {
    await stoppedCluster({ nodes: THREE, cluster: { quorum: null } });
    await start('NODE1');
    const controller = new AbortController();
    const ctx = recordingContext(controller.signal, (step) => {
      if (step.startsWith('Waiting for NODE1')) controller.abort();
    });
    await assert.rejects(waitUntilUp('NODE1', ctx, { timeoutMs: 600_000 }), (err: unknown) => err instanceof CancelledError);
    assert.equal(queryServiceState({ node: 'NODE1', isLocal: true }), 'running', 'a cancel never stops a node');
    assert.equal(nativeMembership.nodeState('NODE1'), 'joining');
  });
});

describe('authoritative restore on a node that cannot reach quorum alone (simulator)', function () {
  this.timeout(180_000);
  const suite = restoreSuite();
  // Four nodes (NODE4's service stopped) and the witness: NODE1 alone holds 2 of 5 votes. The set lists all four nodes,
  // the live configuration NODE1–NODE3 (restore-fixture.ts).
  const spec: ScenarioSpec = {
    cluster: { replication: true },
    nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3' }, { name: 'NODE4', service: 'stopped' }],
  };

  it('the plan says this node forms the cluster first, with /fq only when allowed, then the others one at a time', async () => {
    const f = await suite.prepare(spec);
    const without = await planRestore({ set: f.setPath, authoritative: true, stopOtherNodes: true }, makeContext());
    const start = without.steps.find((s) => s.kind === 'startLocalService');
    assert.deepEqual(start, { kind: 'startLocalService', node: 'NODE1', service: 'ClusSvc', rejoins: false, formsCluster: true, forceQuorum: false });
    assert.match(describeStep(start!), /Up in a cluster formed on the restored configuration.*not in effect/);
    assert.deepEqual(without.refusal, { code: 'needsForceQuorum', node: 'NODE1', nodeVotes: 1, totalVotes: 5, witness: true }, 'NODE1 holds 2 of 5 votes with the witness');
    const others = without.steps.find((s) => s.kind === 'startOtherNodes');
    assert.match(describeStep(others!), /one node at a time/);
    const allowed = await planRestore({ set: f.setPath, authoritative: true, stopOtherNodes: true, forceQuorum: true }, makeContext());
    assert.match(describeStep(allowed.steps.find((s) => s.kind === 'startLocalService')!), /force quorum \(\/fq\)/);
    const node = await planRestore({ set: f.setPath, authoritative: false, stopOtherNodes: false }, makeContext());
    assert.match(describeStep(node.steps.find((s) => s.kind === 'startLocalService')!), /takes its current configuration/);
  });

  it('force quorum on a node restore, or not a boolean, is bad input and changes nothing', async () => {
    const f = await suite.prepare(spec);
    for (const params of [{ set: f.setPath, authoritative: false, stopOtherNodes: false, forceQuorum: true },
      { set: f.setPath, authoritative: true, stopOtherNodes: true, forceQuorum: 'yes' as unknown as boolean }]) {
      await assert.rejects(restoreCluster(params, makeContext(), suite.options),
        (err: unknown) => err instanceof EngineError && err.code === 'BAD_ARGUMENT' && /forceQuorum/.test(err.message));
    }
    assertSameFiles(liveFiles(f.clusDb), f.before, 'nothing changed');
  });

  it('without consent: refused with QUORUM_NOT_REACHED before any change — the previous files byte-identical, every service as it was', async () => {
    const f = await suite.prepare(spec);
    simulatorClearCallLog();
    const err = await restoreCluster({ set: f.setPath, authoritative: true, stopOtherNodes: true }, makeContext(),
      { ...suite.options, formationTimeoutMs: 0 }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof EngineError, String(err));
    assert.equal(err.code, 'QUORUM_NOT_REACHED');
    assert.match(err.message, /--force-quorum/);
    assert.match(err.message, /Nothing was changed\.$/);
    assertSameFiles(liveFiles(f.clusDb), f.before, 'the live files are the ones from before the restore');
    assert.deepEqual(restoreArtifacts(f), []);
    assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'stopped' });
    const log = simulatorCallLog();
    assert.ok(!log.some((c) => c.startsWith('ControlService') || c.startsWith('StartServiceW') || c.includes('PreRestore')), log.join(' '));
    assert.equal(copyOf('NODE1').forced, false, 'no forced quorum without consent');
  });

  it('with consent: this node is started with /fq, forms the cluster, and every node ends with the restored configuration; the others start one at a time after it is Up', async () => {
    const f = await suite.prepare(spec);
    simulatorClearCallLog();
    const ctx = recordingContext();
    const result = await restoreCluster({ set: f.setPath, authoritative: true, stopOtherNodes: true, forceQuorum: true }, ctx,
      { ...suite.options, formationTimeoutMs: 0 });
    assert.equal(result.outcome, 'completed', ctx.text());
    assert.deepEqual(result.problems, []);
    assert.equal(copyOf('NODE1').forced, true, `NODE1 formed the cluster with force quorum\n${ctx.text()}`);

    // Every node holds this node's copy, and that copy is the set's configuration (its members).
    const local = copyOf('NODE1');
    for (const n of ['NODE2', 'NODE3']) assert.equal(copyOf(n).hash, local.hash, `${n} holds the restored configuration`);
    assert.notEqual(copyOf('NODE4').hash, local.hash, 'NODE4 does not run: it keeps its copy until it joins');
    const status = await detectLocalCluster(makeContext());
    assert.deepEqual(status.nodes.map((n) => n.name), ['NODE1', 'NODE2', 'NODE3', 'NODE4'], 'the set\'s members');
    assert.deepEqual(status.nodes.map((n) => n.state), ['up', 'up', 'up', 'down']);

    // The order: NODE1 restarted with /fq and Up before any other node starts; each other node Up before the next starts.
    const log = simulatorCallLog().filter((c) => c.startsWith('StartServiceW'));
    assert.deepEqual(log.slice(-3), ['StartServiceW:NODE1', 'StartServiceW:NODE2', 'StartServiceW:NODE3']);
    const lines = ctx.lines.map((l) => l.message);
    const at = (re: RegExp): number => lines.findIndex((l) => re.test(l));
    assert.ok(at(/Starting ClusSvc on NODE1.* with ClusSvc \/fq/) >= 0, ctx.text());
    const order = [/NODE1 is up in the formed cluster/, /Starting ClusSvc on NODE2/, /NODE2 is up in the formed cluster/,
      /Starting ClusSvc on NODE3/, /NODE3 is up in the formed cluster/];
    const positions = order.map(at);
    assert.ok(positions.every((p) => p >= 0), ctx.text());
    assert.deepEqual([...positions].sort((a, b) => a - b), positions, `in order:\n${ctx.text()}`);
  });
});
