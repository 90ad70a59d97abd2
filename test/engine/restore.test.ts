/**
 * Node and authoritative restores end to end, through real koffi against the
 * simulator: a real backup is made, the live configuration changes, and the restore
 * brings it back — the live ClusDb files equal the set's files, the call log shows the
 * §4.2 sequence and the service order (this node first, the others after), and
 * discovery sees the restored configuration. Also the offline-hive restore, the plan,
 * Unicode names, cancellation, and zero leaks.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { detectLocalCluster } from '../../src/engine/discovery';
import { makeContext } from '../../src/engine/context';
import { EngineError } from '../../src/engine/errors';
import { planRestore, restoreCluster, type RestoreOptions } from '../../src/engine/restore';
import { simulatorCallLog, simulatorClearCallLog } from '../../src/native/simulator';
import { assertNoLeaks } from '../support/sim';
import {
  assertSameFiles, assertSubsequence, liveFiles, prepareRestore, recordingContext, restoreArtifacts, serviceStates,
  type RestoreFixture,
} from './restore-fixture';

describe('restore (simulator)', function () {
  this.timeout(120_000);
  let lockFolder: string;
  let options: RestoreOptions;
  const fixtures: RestoreFixture[] = [];

  async function prepare(...args: Parameters<typeof prepareRestore>): Promise<RestoreFixture> {
    const f = await prepareRestore(...args);
    fixtures.push(f);
    simulatorClearCallLog();
    return f;
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

  describe('node restore', () => {
    it('restores this node through VSS: live files equal the set, this node\'s service stopped and started, discovery sees the restored nodes', async () => {
      const f = await prepare({}, { lockFolder });
      const changed = await detectLocalCluster(makeContext());
      assert.deepEqual(changed.nodes.map((n) => n.name), ['NODE1', 'NODE2', 'NODE3'], 'the live configuration changed after the backup');

      const ctx = recordingContext();
      const result = await restoreCluster({ set: f.setPath, authoritative: false, stopOtherNodes: false }, ctx, options);

      assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'the live ClusDb files are the set\'s files');
      assert.deepEqual(restoreArtifacts(f), [], 'no journal, safety folder or temporary file is left');
      const log = simulatorCallLog();
      assert.deepEqual(log.filter((c) => c.startsWith('ControlService') || c.startsWith('StartServiceW')),
        ['ControlService:NODE1:1', 'StartServiceW:NODE1'], 'only this node\'s service is stopped and started');
      assert.ok(!log.some((c) => c.startsWith('IVssBackupComponentsEx2::SetAuthoritativeRestore')), 'a node restore is not authoritative');
      assertSubsequence(log, [
        'ControlService:NODE1:1',
        'CreateVssBackupComponentsInternal',
        'IVssBackupComponents::InitializeForRestore',
        'IVssBackupComponents::SetRestoreState',
        'IVssBackupComponents::GatherWriterMetadata',
        'IVssBackupComponents::SetSelectedForRestore:1',
        'IVssBackupComponents::PreRestore',
        'IVssComponent::GetRestoreTarget',
        'IVssBackupComponents::SetFileRestoreStatus:2',
        'IVssBackupComponents::PostRestore',
        'StartServiceW:NODE1',
      ]);
      assert.ok(log.includes('CreateVssExamineWriterMetadataInternal'), 'the saved writer metadata is examined');

      assert.equal(result.authoritative, false);
      assert.equal(result.set, f.setPath);
      assert.deepEqual(result.nodes.map((n) => [n.name, n.state, n.isLocal]), [['NODE1', 'up', true]]);
      assert.equal(result.recovered, undefined);
      const after = await detectLocalCluster(makeContext());
      assert.deepEqual(after.nodes.map((n) => n.name), ['NODE1', 'NODE2', 'NODE3', 'NODE4'], 'discovery sees the restored configuration');
      assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'running' });

      // Progress for every step, and every step in the log.
      for (const step of ['Verifying the backup set', 'Stopping ClusSvc on NODE1 (this node)', 'PreRestore',
        'Copying the current files to the safety folder', 'Replacing the cluster database files', 'PostRestore', 'Starting ClusSvc on NODE1 (this node)']) {
        assert.ok(ctx.steps.includes(step), `progress "${step}" in ${ctx.steps.join(' | ')}`);
      }
      assert.match(ctx.text(), /IVssBackupComponents::PreRestore → S_OK/);
      assert.match(ctx.text(), /Safety copy of 2 file\(s\)/);
      assert.match(ctx.text(), /node restore .* is complete/);
    });

    it('restores an offline-hive set (made while the service was stopped) without VSS, then starts the service', async () => {
      const f = await prepare({ nodes: [{ name: 'NODE1', service: 'stopped' }, { name: 'NODE2' }, { name: 'NODE3' }] }, { lockFolder });
      const manifest = JSON.parse(fs.readFileSync(path.join(f.setPath, 'manifest.json'), 'utf8')) as { kind: string };
      assert.equal(manifest.kind, 'offline-hive');
      await restoreCluster({ set: f.setPath, authoritative: false, stopOtherNodes: false }, recordingContext(), options);
      assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'the live files are the set\'s');
      const log = simulatorCallLog();
      assert.ok(!log.some((c) => c.startsWith('CreateVss') || c.includes('::')), `no VSS call: ${log.filter((c) => c.includes('::')).join(' ')}`);
      assert.deepEqual(log.filter((c) => c.startsWith('ControlService') || c.startsWith('StartServiceW')), ['StartServiceW:NODE1']);
      assert.equal(serviceStates(['NODE1'], 'NODE1').NODE1, 'running');
    });

    it('works with Cyrillic, Japanese and emoji cluster and node names', async () => {
      const nodes = [{ name: 'УЗЕЛ-1' }, { name: 'ノード2' }, { name: 'node-🚀' }];
      const f = await prepare({ nodes, cluster: { name: 'Кластер-クラスタ-🚀' } }, { lockFolder });
      const result = await restoreCluster({ set: f.setPath, authoritative: true, stopOtherNodes: true }, recordingContext(), options);
      assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'restored');
      assert.deepEqual(result.nodes.map((n) => n.name), ['УЗЕЛ-1', 'ノード2', 'node-🚀']);
      assertSubsequence(simulatorCallLog(), ['ControlService:ノード2:1', 'ControlService:УЗЕЛ-1:1', 'StartServiceW:УЗЕЛ-1', 'StartServiceW:ノード2']);
    });
  });

  describe('authoritative restore', () => {
    it('stops every other node, marks the restore authoritative, starts this node first and then the others', async () => {
      // A fifth node joined after the backup: the live configuration lists it, the set does not.
      const f = await prepare({ nodes: ['NODE1', 'NODE2', 'NODE3', 'NODE4', 'NODE5'].map((name) => ({ name })) },
        { lockFolder, backupMembers: ['NODE1', 'NODE2', 'NODE3', 'NODE4'], liveMembers: ['NODE1', 'NODE2', 'NODE3', 'NODE4', 'NODE5'] });
      const ctx = recordingContext();
      const result = await restoreCluster({ set: f.setPath, authoritative: true, stopOtherNodes: true }, ctx, options);

      assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'the live ClusDb files are the set\'s files');
      assert.deepEqual(restoreArtifacts(f), []);
      const log = simulatorCallLog();
      const services = log.filter((c) => c.startsWith('ControlService') || c.startsWith('StartServiceW'));
      assert.deepEqual(services, [
        'ControlService:NODE2:1', 'ControlService:NODE3:1', 'ControlService:NODE4:1', 'ControlService:NODE5:1', 'ControlService:NODE1:1',
        'StartServiceW:NODE1', 'StartServiceW:NODE2', 'StartServiceW:NODE3', 'StartServiceW:NODE4', 'StartServiceW:NODE5',
      ]);
      assertSubsequence(log, [
        'ControlService:NODE1:1',
        'IVssBackupComponents::InitializeForRestore',
        'IVssBackupComponents::GatherWriterMetadata',
        'IVssBackupComponents::SetSelectedForRestore:1',
        'IVssBackupComponentsEx2::SetAuthoritativeRestore:1',
        'IVssBackupComponents::PreRestore',
        'IVssBackupComponents::SetFileRestoreStatus:2',
        'IVssBackupComponents::PostRestore',
        'StartServiceW:NODE1',
      ]);
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
        { lockFolder, liveMembers: ['NODE1', 'NODE2'] });
      await restoreCluster({ set: f.setPath, authoritative: true, stopOtherNodes: false }, recordingContext(), options);
      assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'restored');
      assert.deepEqual(simulatorCallLog().filter((c) => c.startsWith('ControlService') || c.startsWith('StartServiceW')),
        ['ControlService:NODE1:1', 'StartServiceW:NODE1']);
      assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'stopped', NODE3: 'stopped' });
    });

    it('restores when the cluster service is stopped everywhere (the cluster answers nowhere; the set is this node\'s)', async () => {
      const f = await prepare({ nodes: [{ name: 'NODE1', service: 'stopped' }, { name: 'NODE2', service: 'stopped' }] }, { lockFolder, liveMembers: ['NODE1'] });
      // An offline-hive set cannot be authoritative; a node restore works without any running node.
      const result = await restoreCluster({ set: f.setPath, authoritative: false, stopOtherNodes: false }, recordingContext(), options);
      assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'restored');
      assert.deepEqual(result.nodes.map((n) => [n.name, n.state]), [['NODE1', 'up']]);
    });
  });

  describe('plan', () => {
    it('describes the steps and the nodes that run, and changes nothing', async () => {
      const f = await prepare({ nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3', service: 'stopped' }, { name: 'NODE4', reachable: false }] },
        { lockFolder, liveMembers: ['NODE1', 'NODE2', 'NODE3', 'NODE4'] });
      const plan = await planRestore({ set: f.setPath, authoritative: true, stopOtherNodes: true }, recordingContext());
      assert.equal(plan.node, 'NODE1');
      assert.equal(plan.cluster, 'CLUSTER1');
      assert.equal(plan.set.verified, true);
      assert.deepEqual(plan.runningOtherNodes, ['NODE2']);
      assert.deepEqual(plan.unqueryableNodes, ['NODE4']);
      assert.ok(plan.steps.some((s) => /Refused: the cluster service cannot be queried on NODE4/.test(s)), plan.steps.join('\n'));
      const log = simulatorCallLog();
      assert.ok(!log.some((c) => /^(ControlService|StartServiceW|CreateVss)/.test(c)), log.join(' '));
      assertSameFiles(liveFiles(f.clusDb), f.before, 'unchanged');

      const nodePlan = await planRestore({ set: f.setPath, authoritative: false, stopOtherNodes: false }, recordingContext());
      assert.deepEqual(nodePlan.steps.slice(1), [
        'Stop the cluster service (ClusSvc) on NODE1 (this node).',
        `Copy the current cluster database files (2) to a safety folder under ${path.join(path.dirname(f.clusDb), 'ClusterRestoreSafety')}.`,
        `Restore 2 file(s) into ${f.clusDb} through the Cluster Database VSS writer.`,
        'Start the cluster service on NODE1 (this node) and wait until it runs; the node rejoins the cluster and catches up with the running nodes.',
        'If anything fails before the cluster service runs here again, the files are put back from the safety folder and the stopped services are started again.',
      ]);
    });
  });

  describe('cancellation', () => {
    for (const at of ['PreRestore', 'Replacing the cluster database files', 'Waiting for ClusSvc on NODE1 (this node) to be running']) {
      it(`cancelled at "${at}": rolled back, files as before, services running`, async () => {
        const f = await prepare({}, { lockFolder });
        const controller = new AbortController();
        const ctx = recordingContext(controller.signal, (step) => {
          if (step === at) controller.abort();
        });
        await assert.rejects(restoreCluster({ set: f.setPath, authoritative: true, stopOtherNodes: true }, ctx, options),
          (err: unknown) => err instanceof EngineError && err.code === 'CANCELLED' && /rolled back/.test(err.message));
        assertSameFiles(liveFiles(f.clusDb), f.before, 'the live files are as before the restore');
        assert.deepEqual(restoreArtifacts(f), []);
        assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'running' });
      });
    }
  });
});
