/**
 * Node and authoritative restores end to end, through real koffi against the
 * simulator: a real backup is made, the live configuration changes, and the restore
 * brings it back — the live ClusDb files equal the set's files, the call log shows the
 * §4.2 sequence in the order of the writer's restore method (RESTORE_STOP_START:
 * PreRestore and PostRestore while ClusSvc runs here, the files staged in between, then
 * ClusSvc stopped, the files swapped in, ClusSvc started; the other nodes after this
 * one), and discovery sees the restored configuration. The simulator's Cluster Database
 * writer exists only while ClusSvc runs here, as on Windows: a stopped service is started
 * first, and a STOP_RESTORE_START set fails safely. Also the offline-hive restore, the
 * plan, Unicode names, cancellation, and zero leaks.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sealManifest, type BackupManifest } from '../../src/engine/backupSet';
import { detectLocalCluster } from '../../src/engine/discovery';
import { makeContext } from '../../src/engine/context';
import { EngineError } from '../../src/engine/errors';
import { planRestore, restoreCluster } from '../../src/engine/restore';
import { describeRefusal, describeStep } from '../../src/wire/restoreWords';
import { stopServiceAndWait } from '../../src/engine/serviceControl';
import { simulatorCallLog, simulatorClearCallLog, simulatorInjectFault } from '../../src/native/simulator';
import { makeTempScenario } from '../support/scenario';
import { recordingContext } from '../support/context';
import { assertSubsequence, useScenario } from '../support/sim';
import {
  assertRestored, assertSameFiles, liveFiles, restoreArtifacts, restoreSuite, serviceStates, type RestoreFixture, type RestoreSuite,
} from './restore-fixture';
import { copyTree } from '../support/files';

const serviceCalls = (log: string[]): string[] => log.filter((c) => c.startsWith('ControlService') || c.startsWith('StartServiceW'));

describe('restore (simulator)', function () {
  this.timeout(120_000);
  const suite = restoreSuite();

  async function prepare(...args: Parameters<RestoreSuite['prepare']>): Promise<RestoreFixture> {
    const f = await suite.prepare(...args);
    simulatorClearCallLog();
    return f;
  }

  async function stopEverywhere(nodes: string[], local: string): Promise<void> {
    for (const n of nodes) await stopServiceAndWait({ node: n, isLocal: n === local }, 'ClusSvc', makeContext());
  }


  describe('node restore', () => {
    it('restores this node in the documented order: PreRestore, the files to their original locations (MoveFileExW) while ClusSvc runs, PostRestore, stop, start; observed Up', async () => {
      const f = await prepare({});
      const changed = await detectLocalCluster(makeContext());
      assert.deepEqual(changed.nodes.map((n) => n.name), ['NODE1', 'NODE2', 'NODE3'], 'the live configuration changed after the backup');
      simulatorClearCallLog();

      // What this node looks like at the VSS steps: the service runs and the live files are still the old ones.
      const seen: Record<string, { service: string; liveUnchanged: boolean; staged: number }> = {};
      const ctx = recordingContext(undefined, (step) => {
        if (step === 'PreRestore' || step === 'PostRestore' || step === 'Replacing the cluster database files') {
          const live = liveFiles(f.clusDb);
          seen[step] = {
            service: serviceStates(['NODE1'], 'NODE1').NODE1,
            liveUnchanged: [...live].every(([name, data]) => f.before.get(name)?.equals(data)),
            staged: fs.readdirSync(f.clusDb).filter((n) => n.endsWith('.fcbnew')).length,
          };
        }
      });
      const result = await restoreCluster({ set: f.setPath, authoritative: false, stopOtherNodes: false }, ctx, suite.options);

      assert.deepEqual(seen, {
        PreRestore: { service: 'running', liveUnchanged: true, staged: 0 },
        'Replacing the cluster database files': { service: 'running', liveUnchanged: true, staged: 2 },
        PostRestore: { service: 'running', liveUnchanged: false, staged: 0 },
      }, 'the writer\'s PostRestore sees the restored files in their original locations');
      assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'the live ClusDb files are the set\'s files');
      assert.deepEqual(restoreArtifacts(f), [], 'no journal, safety folder or staged file is left');
      const log = simulatorCallLog();
      assert.deepEqual(serviceCalls(log), ['ControlService:NODE1:1', 'StartServiceW:NODE1'], 'only this node\'s service is stopped and started');
      assert.ok(!log.some((c) => c.startsWith('IVssBackupComponentsEx2::SetAuthoritativeRestore')), 'a node restore is not authoritative');
      assertSubsequence(log, [
        'CreateVssBackupComponentsInternal',
        'IVssBackupComponents::InitializeForRestore',
        'IVssBackupComponents::SetRestoreState',
        'IVssBackupComponents::GatherWriterMetadata',
        'IVssBackupComponents::GetWriterMetadataCount',
        'IVssBackupComponents::SetSelectedForRestore:1',
        'IVssBackupComponents::PreRestore',
        'IVssComponent::GetRestoreTarget',
        'MoveFileExW:CLUSDB',
        'MoveFileExW:CLUSDB.blf',
        'IVssBackupComponents::SetFileRestoreStatus:2',
        'IVssBackupComponents::PostRestore',
        'ControlService:NODE1:1',
        'StartServiceW:NODE1',
      ]);
      // PreRestore < the live file replaced < PostRestore < stop < start (VSS_RME_RESTORE_STOP_START).
      const order = ['IVssBackupComponents::PreRestore', 'MoveFileExW:CLUSDB', 'IVssBackupComponents::PostRestore', 'ControlService:NODE1:1', 'StartServiceW:NODE1']
        .map((c) => log.indexOf(c));
      assert.deepEqual([...order].sort((a, b) => a - b), order, `call order ${JSON.stringify(order)}`);
      assert.ok(order.every((i) => i >= 0));
      assert.equal(log.filter((c) => c === 'MoveFileExW:CLUSDB').length, 1, 'one rename, no scheduled one');
      assert.ok(log.includes('CreateVssExamineWriterMetadataInternal'), 'the saved writer metadata is examined');

      assert.equal(result.authoritative, false);
      assert.equal(result.set, f.setPath);
      assert.deepEqual(result.nodes.map((n) => [n.name, n.state, n.isLocal]), [['NODE1', 'up', true]]);
      assert.equal(result.recovered, undefined);
      assert.equal(result.outcome, 'completed');
      assert.equal(result.observed?.localNodeState, 'up');
      const after = await detectLocalCluster(makeContext());
      assert.deepEqual(after.nodes.map((n) => n.name), ['NODE1', 'NODE2', 'NODE3', 'NODE4'], 'discovery sees the restored configuration');
      assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'running' });

      // Progress for every step, in order, and every step in the log.
      assertSubsequence(ctx.steps, ['Verifying the backup set', 'Initialising the VSS restore', 'Gathering writer metadata', 'PreRestore',
        'Copying the current files to the safety folder', 'Writing the restored files', 'Replacing the cluster database files', 'PostRestore',
        'Stopping ClusSvc on NODE1 (this node)', 'Starting ClusSvc on NODE1 (this node)', 'Checking that the restore is in effect', 'Reading the resulting node states']);
      assert.match(ctx.text(), /IVssBackupComponents::PreRestore → S_OK/);
      assert.match(ctx.text(), /Replaced 2 file\(s\) in .* through MoveFileExW/);
      assert.match(ctx.text(), /SetFileRestoreStatus: VSS_RS_ALL/);
      assert.match(ctx.text(), /Safety copy of 2 file\(s\)/);
      assert.match(ctx.text(), /node restore .* is complete and in effect/);
    });

    it('a node whose cluster service is stopped: starts it first (the writer lives in it), then restores and leaves it running', async () => {
      const f = await prepare({});
      await stopServiceAndWait({ node: 'NODE1', isLocal: true }, 'ClusSvc', makeContext());
      simulatorClearCallLog();
      const ctx = recordingContext();
      const result = await restoreCluster({ set: f.setPath, authoritative: false, stopOtherNodes: false }, ctx, suite.options);
      assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'restored');
      assert.deepEqual(restoreArtifacts(f), []);
      const log = simulatorCallLog();
      assert.deepEqual(serviceCalls(log), ['StartServiceW:NODE1', 'ControlService:NODE1:1', 'StartServiceW:NODE1']);
      assertSubsequence(log, ['StartServiceW:NODE1', 'CreateVssBackupComponentsInternal', 'IVssBackupComponents::GatherWriterMetadata',
        'IVssBackupComponents::SetSelectedForRestore:1', 'IVssBackupComponents::PreRestore', 'IVssBackupComponents::PostRestore',
        'ControlService:NODE1:1', 'StartServiceW:NODE1']);
      assert.deepEqual(result.nodes.map((n) => [n.name, n.state]), [['NODE1', 'up']]);
      assert.equal(serviceStates(['NODE1'], 'NODE1').NODE1, 'running');
      assert.match(ctx.text(), /ClusSvc on NODE1 is stopped; starting it, because the Cluster Database VSS writer runs inside the cluster service/);
    });

    it('a stopped node whose writer does not appear once its service runs: looks again for a while, then fails clearly and stops the service again', async () => {
      const f = await prepare({});
      const other = makeTempScenario({});
      try {
        fs.writeFileSync(f.scenario.path, fs.readFileSync(f.scenario.path, 'utf8').replace('"present": true', '"present": false'));
        fs.rmSync(`${f.scenario.path}.state.json`, { force: true });
        useScenario(other.path);
        useScenario(f.scenario.path);
        await stopServiceAndWait({ node: 'NODE1', isLocal: true }, 'ClusSvc', makeContext());
        assertSameFiles(liveFiles(f.clusDb), f.before, 'the live files changed after the backup');
        simulatorClearCallLog();
        const ctx = recordingContext();
        await assert.rejects(restoreCluster({ set: f.setPath, authoritative: false, stopOtherNodes: false }, ctx, { ...suite.options, writerWaitMs: 400 }),
          (err: unknown) => err instanceof EngineError && err.code === 'WRITER_NOT_FOUND' &&
            /not among the running writers although ClusSvc on NODE1 runs/.test(err.message) &&
            /rolled back: .*\(ClusSvc is stopped on NODE1\)/.test(err.message));
        const log = simulatorCallLog();
        assert.ok(log.filter((c) => c === 'IVssBackupComponents::GatherWriterMetadata').length >= 2, 'the writer was looked for again');
        assert.ok(!log.some((c) => /SetSelectedForRestore|PreRestore/.test(c)));
        assert.deepEqual(serviceCalls(log), ['StartServiceW:NODE1', 'ControlService:NODE1:1'], 'started for the writer, then stopped again');
        assertSameFiles(liveFiles(f.clusDb), f.before, 'unchanged');
        assert.deepEqual(restoreArtifacts(f), []);
        assert.equal(serviceStates(['NODE1'], 'NODE1').NODE1, 'stopped');
        assert.match(ctx.text(), /The Cluster Database writer is not there yet after ClusSvc on NODE1 was started \(attempt 1\); looking again/);
        assert.ok(ctx.steps.includes('Waiting for the Cluster Database writer'));
      } finally {
        other.cleanup();
      }
    });

    it('restores an offline-hive set (made while the service was stopped) without VSS, then starts the service', async () => {
      const f = await prepare({ nodes: [{ name: 'NODE1', service: 'stopped' }, { name: 'NODE2' }, { name: 'NODE3' }] });
      const manifest = JSON.parse(fs.readFileSync(path.join(f.setPath, 'manifest.json'), 'utf8')) as { kind: string };
      assert.equal(manifest.kind, 'offline-hive');
      const ctx = recordingContext();
      await restoreCluster({ set: f.setPath, authoritative: false, stopOtherNodes: false }, ctx, suite.options);
      assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'the live files are the set\'s');
      assert.deepEqual(restoreArtifacts(f), []);
      const log = simulatorCallLog();
      // COM set-up (IGlobalOptions, docs/windows.md "COM global options") is not a VSS call.
      const vssCalls = log.filter((c) => c.startsWith('CreateVss') || (c.includes('::') && !c.startsWith('IGlobalOptions::')));
      assert.deepEqual(vssCalls, [], `no VSS call: ${vssCalls.join(' ')}`);
      assert.deepEqual(serviceCalls(log), ['StartServiceW:NODE1']);
      assert.equal(serviceStates(['NODE1'], 'NODE1').NODE1, 'running');
      assertSubsequence(ctx.steps, ['Copying the current files to the safety folder', 'Writing the restored files', 'Replacing the cluster database files',
        'Starting ClusSvc on NODE1 (this node)']);
    });

    it('works with Cyrillic, Japanese and emoji cluster and node names', async () => {
      const nodes = [{ name: 'УЗЕЛ-1' }, { name: 'ノード2' }, { name: 'node-🚀' }];
      const f = await prepare({ nodes, cluster: { name: 'Кластер-クラスタ-🚀' } });
      const result = await restoreCluster({ set: f.setPath, authoritative: true, stopOtherNodes: true, forceQuorum: true }, recordingContext(), suite.options);
      assertRestored(f, true, 'restored');
      assert.equal(result.outcome, 'completed');
      assert.deepEqual(result.nodes.map((n) => n.name), ['УЗЕЛ-1', 'ノード2', 'node-🚀']);
      assertSubsequence(simulatorCallLog(), ['ControlService:ノード2:1', 'IVssBackupComponents::PostRestore', 'ControlService:УЗЕЛ-1:1',
        'StartServiceW:УЗЕЛ-1', 'StartServiceW:ノード2']);
    });
  });

  describe('authoritative restore', () => {
    it('stops every other node, marks the restore authoritative while this node runs, then restarts this node first and the others after', async () => {
      // A fifth node joined after the backup: the live configuration lists it, the set does not.
      // The quorum and replication model on, NODE1 the only node with a vote (NodeWeight 0 elsewhere), so it forms the cluster alone: the restored copy must win.
      const f = await prepare({ cluster: { replication: true }, nodes: ['NODE1', 'NODE2', 'NODE3', 'NODE4', 'NODE5'].map((name) => ({ name, votes: name === 'NODE1' ? 1 : 0 })) },
        { backupMembers: ['NODE1', 'NODE2', 'NODE3', 'NODE4'], liveMembers: ['NODE1', 'NODE2', 'NODE3', 'NODE4', 'NODE5'] });
      const ctx = recordingContext();
      const result = await restoreCluster({ set: f.setPath, authoritative: true, stopOtherNodes: true }, ctx, suite.options);

      assertRestored(f, true, 'the live ClusDb files are the set\'s files');
      assert.equal(result.outcome, 'completed', result.problems.join("; "));
      assert.equal(result.observed?.configurationMatches, true);
      assert.deepEqual(result.observed?.liveMembers, ['NODE1', 'NODE2', 'NODE3', 'NODE4']);
      assert.equal(result.observed?.livePaxosTag, (result.observed?.setPaxosTag ?? 0) + 1);
      assert.deepEqual(restoreArtifacts(f), []);
      const log = simulatorCallLog();
      assert.deepEqual(serviceCalls(log), [
        'ControlService:NODE2:1', 'ControlService:NODE3:1', 'ControlService:NODE4:1', 'ControlService:NODE5:1', 'ControlService:NODE1:1',
        'StartServiceW:NODE1', 'StartServiceW:NODE2', 'StartServiceW:NODE3', 'StartServiceW:NODE4', 'StartServiceW:NODE5',
      ]);
      assertSubsequence(log, [
        'ControlService:NODE5:1',
        'IVssBackupComponents::InitializeForRestore',
        'IVssBackupComponents::GatherWriterMetadata',
        'IVssBackupComponents::SetSelectedForRestore:1',
        'IVssBackupComponentsEx2::SetAuthoritativeRestore:1',
        'IVssBackupComponents::PreRestore',
        'IVssBackupComponents::SetFileRestoreStatus:2',
        'IVssBackupComponents::PostRestore',
        'ControlService:NODE1:1',
        'StartServiceW:NODE1',
        'StartServiceW:NODE2',
      ]);
      assert.ok(log.indexOf('ControlService:NODE1:1') > log.lastIndexOf('IVssBackupComponents::PostRestore'), 'PreRestore/PostRestore while this node runs');
      // This node runs before any other node is started.
      const firstOtherStart = log.indexOf('StartServiceW:NODE2');
      const localRunning = log.lastIndexOf('QueryServiceStatusEx:NODE1', firstOtherStart);
      assert.ok(localRunning > log.indexOf('StartServiceW:NODE1'), 'this node was waited for before the others started');

      assert.equal(result.authoritative, true);
      assert.deepEqual(result.nodes.map((n) => [n.name, n.state]), [['NODE1', 'up'], ['NODE2', 'up'], ['NODE3', 'up'], ['NODE4', 'up']],
        'every node of the restored configuration, as the cluster reports it');
      assert.deepEqual(serviceStates(f.nodes, f.machine),
        { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'running', NODE5: 'running' });
      assert.match(ctx.text(), /Marking Cluster Database for an authoritative restore/);
    });

    it('needs no stopping when the other nodes are already stopped, and starts only what it stopped', async () => {
      const f = await prepare({ nodes: [{ name: 'NODE1' }, { name: 'NODE2', service: 'stopped' }, { name: 'NODE3', service: 'stopped' }] },
        { liveMembers: ['NODE1', 'NODE2'] });
      await restoreCluster({ set: f.setPath, authoritative: true, stopOtherNodes: false, forceQuorum: true }, recordingContext(), suite.options);
      assertRestored(f, true, 'restored');
      assert.deepEqual(serviceCalls(simulatorCallLog()), ['ControlService:NODE1:1', 'StartServiceW:NODE1']);
      assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'stopped', NODE3: 'stopped' });
    });

    it('with the cluster down (the service stopped on every node): the offline path — checks the recorded nodes, restores ClusDb as a plain hive, starts this node', async () => {
      const f = await prepare({ nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3' }] }, { liveMembers: ['NODE1', 'NODE2', 'NODE3'] });
      const manifest = JSON.parse(fs.readFileSync(path.join(f.setPath, 'manifest.json'), 'utf8')) as BackupManifest;
      assert.deepEqual(manifest.nodes, ['NODE1', 'NODE2', 'NODE3'], 'the backup recorded the cluster\'s nodes');
      await stopEverywhere(f.nodes, f.machine);
      simulatorClearCallLog();

      const plan = await planRestore({ set: f.setPath, authoritative: true, stopOtherNodes: false, forceQuorum: true }, recordingContext(), suite.options);
      assert.equal(plan.refusal, null);
      assert.deepEqual(plan.steps.map((s) => s.kind), ['verifySet', 'offlinePath', 'otherNodesStopped', 'safetyCopy', 'restoreFiles', 'startLocalService',
        'checkInEffect']);
      assert.deepEqual(plan.steps[1], { kind: 'offlinePath', node: 'NODE1', reason: 'clusterDown', detail: 'the cluster service runs on no node that answers' });
      assert.deepEqual(plan.steps.find((s) => s.kind === 'otherNodesStopped'), { kind: 'otherNodesStopped', nodes: ['NODE2', 'NODE3'], fromSet: true });
      assert.match(describeStep(plan.steps[1]), /The cluster is down .* as a plain registry hive with the cluster service stopped/);

      const ctx = recordingContext();
      const result = await restoreCluster({ set: f.setPath, authoritative: true, stopOtherNodes: false, forceQuorum: true }, ctx, suite.options);
      assertRestored(f, false, 'restored byte for byte (no writer took part)');
      assert.deepEqual(restoreArtifacts(f), []);
      const log = simulatorCallLog();
      assert.ok(log.includes('OpenSCManagerW:NODE2') && log.includes('OpenSCManagerW:NODE3'), 'the recorded nodes were queried');
      assert.ok(!log.some((c) => /^IVssBackupComponents::(GatherWriterMetadata|PreRestore|PostRestore)/.test(c)), 'no VSS restore session: the writer cannot run');
      assert.deepEqual(serviceCalls(log), ['StartServiceW:NODE1']);
      assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'stopped', NODE3: 'stopped' });
      assert.equal(result.outcome, 'completed');
      assert.equal(result.observed?.configurationMatches, true);
      assert.match(ctx.text(), /The set records the cluster's nodes at backup time: NODE1, NODE2, NODE3/);
    });

    it('with the cluster down, a member added since the backup (in the live CLUSDB) that runs is found and must be stopped', async () => {
      // NODE4 joined after the backup and runs; the cluster was renamed since, so its old name answers nowhere.
      const f = await prepare({ nodes: ['NODE1', 'NODE2', 'NODE3', 'NODE4'].map((name) => ({ name })) },
        { backupMembers: ['NODE1', 'NODE2', 'NODE3'], liveMembers: ['NODE1', 'NODE2', 'NODE3', 'NODE4'] });
      const renamed = path.join(f.scenario.dir, 'backups', 'renamed');
      copyTree(f.setPath, renamed);
      const file = path.join(renamed, 'manifest.json');
      const { integrity: _seal, ...unsealed } = JSON.parse(fs.readFileSync(file, 'utf8')) as BackupManifest;
      unsealed.cluster.name = 'OLDNAME';
      fs.writeFileSync(file, JSON.stringify(sealManifest(unsealed), null, 2));
      await stopEverywhere(['NODE1', 'NODE2', 'NODE3'], f.machine);
      simulatorClearCallLog();

      const plan = await planRestore({ set: renamed, authoritative: true, stopOtherNodes: false }, recordingContext(), suite.options);
      assert.deepEqual(plan.refusal, { code: 'nodesRunning', nodes: ['NODE4'] });
      await assert.rejects(restoreCluster({ set: renamed, authoritative: true, stopOtherNodes: false }, recordingContext(), suite.options), (err: unknown) =>
        err instanceof EngineError && err.code === 'NODES_RUNNING' && /NODE4/.test(err.message));
      const log = simulatorCallLog();
      assert.deepEqual(serviceCalls(log), [], 'nothing was started or stopped');
      assertSameFiles(liveFiles(f.clusDb), f.before, 'unchanged');
      assert.deepEqual(restoreArtifacts(f), []);
      assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'stopped', NODE2: 'stopped', NODE3: 'stopped', NODE4: 'running' });
    });
  });

  describe('restore methods', () => {
    it('STOP_RESTORE_START in its documented order: PreRestore, stop, the files replaced, start, then PostRestore', async () => {
      const f = await prepare({ writer: { restoreMethod: 3 } });
      const plan = await planRestore({ set: f.setPath, authoritative: false, stopOtherNodes: false }, recordingContext(), suite.options);
      assert.deepEqual(plan.steps.map((s) => s.kind), ['verifySet', 'vssPreRestore', 'stopLocalService', 'safetyCopy', 'restoreFiles', 'startLocalService',
        'vssPostRestore', 'checkInEffect']);
      simulatorClearCallLog();
      const result = await restoreCluster({ set: f.setPath, authoritative: false, stopOtherNodes: false }, recordingContext(), suite.options);
      assert.deepEqual(result.problems, []);
      assert.equal(result.outcome, 'completed');
      const log = simulatorCallLog();
      const order = ['IVssBackupComponents::PreRestore', 'ControlService:NODE1:1', 'MoveFileExW:CLUSDB', 'StartServiceW:NODE1', 'IVssBackupComponents::PostRestore']
        .map((c) => log.indexOf(c));
      assert.ok(order.every((i) => i >= 0), JSON.stringify(order));
      assert.deepEqual([...order].sort((a, b) => a - b), order, 'the documented order of VSS_RME_STOP_RESTORE_START');
      assertRestored(f, false);
      assert.deepEqual(restoreArtifacts(f), []);
    });

    it('a method this tool does not carry out (VSS_RME_RESTORE_IF_CAN_REPLACE) is refused before any change, with a typed refusal', async () => {
      const f = await prepare({ writer: { restoreMethod: 2 } });
      const plan = await planRestore({ set: f.setPath, authoritative: false, stopOtherNodes: false }, recordingContext(), suite.options);
      assert.deepEqual(plan.refusal, { code: 'unsupportedRestoreMethod', method: 'restoreIfCanReplace' });
      simulatorClearCallLog();
      await assert.rejects(restoreCluster({ set: f.setPath, authoritative: false, stopOtherNodes: false }, recordingContext(), suite.options),
        /restore method VSS_RME_RESTORE_IF_CAN_REPLACE, which this tool does not carry out\. Nothing was changed\./);
      assert.deepEqual(serviceCalls(simulatorCallLog()), []);
      assertSameFiles(liveFiles(f.clusDb), f.before, 'unchanged');
    });
  });

  describe('plan', () => {
    it('describes the steps in the writer\'s order and the nodes that run, and changes nothing', async () => {
      const f = await prepare({ nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3', service: 'stopped' }, { name: 'NODE4', reachable: false }] },
        { liveMembers: ['NODE1', 'NODE2', 'NODE3', 'NODE4'] });
      const plan = await planRestore({ set: f.setPath, authoritative: true, stopOtherNodes: true }, recordingContext(), suite.options);
      assert.equal(plan.node, 'NODE1');
      assert.equal(plan.cluster, 'CLUSTER1');
      assert.equal(plan.set.verified, true);
      assert.deepEqual(plan.nodesToStop, ['NODE2']);
      assert.deepEqual(plan.refusal, { code: 'nodesUnreachable', nodes: [{ node: 'NODE4', error: plan.refusal?.code === 'nodesUnreachable' ? plan.refusal.nodes[0].error : '' }] });
      assert.match(describeRefusal(plan.refusal!), /cannot be queried on NODE4 \(OpenSCManagerW failed: RPC_S_SERVER_UNAVAILABLE \(1722\)/);
      const log = simulatorCallLog();
      assert.ok(!log.some((c) => /^(ControlService|StartServiceW|IVssBackupComponents::(GatherWriterMetadata|PreRestore))/.test(c)), log.join(' '));
      assertSameFiles(liveFiles(f.clusDb), f.before, 'unchanged');

      const safety = path.join(path.dirname(f.clusDb), 'ClusterRestoreSafety');
      const nodePlan = await planRestore({ set: f.setPath, authoritative: false, stopOtherNodes: false }, recordingContext(), suite.options);
      assert.equal(nodePlan.refusal, null);
      assert.deepEqual(nodePlan.steps.slice(1), [
        { kind: 'vssPreRestore', method: 'restoreStopStart', authoritative: false },
        { kind: 'safetyCopy', folder: safety, files: ['CLUSDB', 'CLUSDB.blf'], companions: [] },
        { kind: 'restoreFiles', folder: f.clusDb, files: ['CLUSDB', 'CLUSDB.blf'], companions: [] },
        { kind: 'vssPostRestore', method: 'restoreStopStart' },
        { kind: 'stopLocalService', node: 'NODE1', service: 'ClusSvc' },
        { kind: 'startLocalService', node: 'NODE1', service: 'ClusSvc', rejoins: true },
        { kind: 'checkInEffect', authoritative: false },
      ]);
      assert.equal(describeStep(nodePlan.steps[1]), 'Start the restore through the Cluster Database VSS writer (VSS_RME_RESTORE_STOP_START): PreRestore.');
      assert.match(describeStep(nodePlan.steps[3]), /^Write the set's 2 file\(s\) to their original locations in .* MoveFileExW\): CLUSDB, CLUSDB\.blf\. A file in use is replaced at the next restart/);
      assert.match(describeStep(nodePlan.steps[7]), /this node must be Up in the cluster.*takes the running cluster's current configuration/);
      await stopServiceAndWait({ node: 'NODE1', isLocal: true }, 'ClusSvc', makeContext());
      const stoppedPlan = await planRestore({ set: f.setPath, authoritative: false, stopOtherNodes: false }, recordingContext(), suite.options);
      assert.deepEqual(stoppedPlan.steps[1], { kind: 'startServiceForWriter', node: 'NODE1', service: 'ClusSvc' });
    });
  });

  describe('what a restore displaces and what it reports', () => {
    it('moves live companions the set does not hold out with the swap, names them in the plan, and puts them back on a roll-back (defect 3)', async () => {
      const f = await prepare({});
      // Written after the backup: transaction logs and containers of the newer live hive.
      const companions = ['CLUSDB.LOG1', 'CLUSDB.LOG2', 'CLUSDB{0b1c}.TMContainer00000000000000000001.regtrans-ms'];
      for (const name of companions) fs.writeFileSync(path.join(f.clusDb, name), `newer records of ${name}`);
      const before = liveFiles(f.clusDb);
      const params = { set: f.setPath, authoritative: false, stopOtherNodes: false };

      const plan = await planRestore(params, recordingContext(), suite.options);
      assert.deepEqual(plan.steps.find((s) => s.kind === 'restoreFiles'), { kind: 'restoreFiles', folder: f.clusDb, files: ['CLUSDB', 'CLUSDB.blf'], companions });
      assert.match(describeStep(plan.steps.find((s) => s.kind === 'restoreFiles')!), /move CLUSDB\.LOG1, CLUSDB\.LOG2, .* into the safety folder/);

      // A failure after the first file went into place: everything back, the companions included.
      await assert.rejects(restoreCluster(params, recordingContext(), {
        ...suite.options, hooks: { afterFileReplaced: () => { throw new Error('disk failure'); } },
      }), /disk failure — the restore failed, so NODE1 was rolled back: 4 file\(s\) were put back from the safety copy \(CLUSDB, CLUSDB\.LOG1, CLUSDB\.LOG2, /);
      assertSameFiles(liveFiles(f.clusDb), before, 'the files and their companions are back');
      assert.deepEqual(restoreArtifacts(f), []);

      await restoreCluster(params, recordingContext(), suite.options);
      assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'exactly the set\'s files: no log of the newer hive beside the restored one');
      assert.deepEqual(restoreArtifacts(f), []);
    });

    it('an authoritative restore after which a stopped node does not start again: the outcome is notInEffect and names the node (defect 12)', async () => {
      const f = await prepare({}, { liveMembers: ['NODE1', 'NODE2', 'NODE3', 'NODE4'] });
      simulatorClearCallLog();
      // StartServiceW: NODE1 (this node, the commit point), NODE2, NODE3, then NODE4 fails (ERROR_SERVICE_DISABLED).
      simulatorInjectFault('StartServiceW', 4, 1058);
      const result = await restoreCluster({ set: f.setPath, authoritative: true, stopOtherNodes: true }, recordingContext(), suite.options);
      assert.equal(result.outcome, 'notInEffect');
      assert.equal(result.problems.length, 2);
      assert.match(result.problems[0], /^ClusSvc on NODE4: StartServiceW failed: ERROR_SERVICE_DISABLED \(1058\)/);
      assert.match(result.problems[1], /The cluster service runs no more on NODE4 \(it is stopped\); it ran before the restore/);
      assert.deepEqual(result.observed?.notRunning, ['NODE4']);
      assertRestored(f, true, 'the restored files stay (the restore had committed)');
      assert.deepEqual(restoreArtifacts(f), []);
      assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'stopped' });
    });

    it('hashes the set once: the restore that presents the plan\'s token does not verify it again, unless the set changed', async () => {
      const f = await prepare({});
      const params = { set: f.setPath, authoritative: false, stopOtherNodes: false };
      const plan = await planRestore(params, recordingContext(), suite.options);
      assert.equal(plan.verification.files, 2);
      const ctx = recordingContext();
      await restoreCluster({ ...params, verificationToken: plan.verification.token }, ctx, suite.options);
      assert.match(ctx.text(), /unchanged since it was verified/);
      assert.doesNotMatch(ctx.text(), /Verifying the backup set/);

      // A set changed after the plan (another size) is verified again, and refused.
      const again = await planRestore(params, recordingContext(), suite.options);
      const manifest = JSON.parse(fs.readFileSync(path.join(f.setPath, 'manifest.json'), 'utf8')) as BackupManifest;
      fs.appendFileSync(path.join(f.setPath, ...manifest.files[0].path.split('/')), 'x');
      const changed = recordingContext();
      await assert.rejects(restoreCluster({ ...params, verificationToken: again.verification.token }, changed, suite.options),
        (err: unknown) => err instanceof EngineError && err.code === 'INVALID_SET');
      assert.match(changed.text(), /Verifying the backup set/);
    });

    it('a restore whose services all run again is completed', async () => {
      const f = await prepare({});
      const result = await restoreCluster({ set: f.setPath, authoritative: true, stopOtherNodes: true }, recordingContext(), suite.options);
      assert.equal(result.outcome, 'completed');
      assert.deepEqual(result.problems, []);
    });
  });

  describe('cancellation', () => {
    for (const at of ['PreRestore', 'Writing the restored files', 'Replacing the cluster database files']) {
      it(`cancelled at "${at}" (before PostRestore): rolled back, files byte-identical to before, services running`, async () => {
        const f = await prepare({});
        const controller = new AbortController();
        const ctx = recordingContext(controller.signal, (step) => {
          if (step === at) controller.abort();
        });
        await assert.rejects(restoreCluster({ set: f.setPath, authoritative: true, stopOtherNodes: true }, ctx, suite.options),
          (err: unknown) => err instanceof EngineError && err.code === 'CANCELLED' && /rolled back/.test(err.message));
        assertSameFiles(liveFiles(f.clusDb), f.before, 'the live files are as before the restore');
        assert.deepEqual(restoreArtifacts(f), []);
        assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'running' });
        assert.ok(simulatorCallLog().some((c) => /^IVssBackupComponents::SetFileRestoreStatus:[13]$/.test(c)) || at === 'PreRestore',
          'the writer is told that the restore did not happen (VSS_RS_NONE or VSS_RS_FAILED)');
      });
    }
    for (const at of ['Stopping ClusSvc on NODE1 (this node)', 'Waiting for ClusSvc on NODE1 (this node) to be running']) {
      it(`cancelled at "${at}" (after PostRestore, the commit point): not honoured, the restore completes in effect`, async () => {
        const f = await prepare({});
        const controller = new AbortController();
        const ctx = recordingContext(controller.signal, (step) => {
          if (step === at) controller.abort();
        });
        const result = await restoreCluster({ set: f.setPath, authoritative: true, stopOtherNodes: true }, ctx, suite.options);
        assert.equal(result.outcome, 'completed', result.problems.join('; '));
        assertRestored(f, true);
        assert.deepEqual(restoreArtifacts(f), []);
        assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'running' });
      });
    }
  });
});
