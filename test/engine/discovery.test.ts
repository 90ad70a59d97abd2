/**
 * detectLocalCluster / connectToCluster through real koffi against the simulator:
 * the four local states and their welcome views, the OpenCluster(machine name) →
 * OpenCluster(NULL) fallback, long and Unicode names, 1 and 64 nodes, every node
 * state, and every clusapi call failing in turn — always with a clear error naming
 * the call and code (or an unreachable/unknown node), and never a leaked handle.
 */
import * as assert from 'node:assert/strict';
import { connectToCluster, detectLocalCluster, welcomeViewFor } from '../../src/engine/discovery';
import { CancelledError, EngineError } from '../../src/engine/errors';
import type { ClusterStatus } from '../../src/engine/model';
import { simulatorCallLog, simulatorInjectFault, simulatorLeakReport, totalLeaks } from '../../src/native/simulator';
import { recordingContext } from '../support/context';
import { makeNodes } from '../support/scenario';
import { callCount, isWin32Error, suiteScenarios } from '../support/sim';

describe('discovery (simulator)', () => {
  const scenario = suiteScenarios();

  describe('local state', () => {
    it('not installed: no cluster, welcome view notInstalled', async () => {
      scenario({ installed: false, machine: 'SRV1' });
      const ctx = recordingContext();
      const status = await detectLocalCluster(ctx);
      assert.deepEqual(status, { state: 'notInstalled', machine: 'SRV1', cluster: null, nodes: [] });
      assert.equal(welcomeViewFor(status), 'notInstalled');
      assert.match(ctx.text(), /GetNodeClusterState → ClusterStateNotInstalled \(0x0\)/);
      assert.equal(callCount('OpenCluster'), 0, 'nothing is opened on a machine without the feature');
    });

    it('not configured: no cluster, welcome view notConfigured', async () => {
      scenario({ configured: false, machine: 'SRV1' });
      const status = await detectLocalCluster(recordingContext());
      assert.deepEqual(status, { state: 'notConfigured', machine: 'SRV1', cluster: null, nodes: [] });
      assert.equal(welcomeViewFor(status), 'notConfigured');
    });

    it('service not running: treated as a stand-alone server, welcome view notRunning', async () => {
      scenario({ nodes: [{ name: 'NODE1', service: 'stopped' }, { name: 'NODE2' }] });
      const ctx = recordingContext();
      const status = await detectLocalCluster(ctx);
      assert.deepEqual(status, { state: 'notRunning', machine: 'NODE1', cluster: null, nodes: [] });
      assert.equal(welcomeViewFor(status), 'notRunning');
      assert.match(ctx.text(), /ClusterStateNotRunning \(0x3\).*stand-alone server/);
      assert.equal(callCount('OpenCluster'), 0);
    });

    it('running: the cluster with name, version, quorum and nodes; no welcome view', async () => {
      scenario({
        nodes: [
          { name: 'NODE1', id: '1' }, { name: 'NODE2', id: '2', state: 'paused' },
          { name: 'NODE3', id: '3', service: 'stopped' }, { name: 'NODE4', id: '4', reachable: false },
        ],
      });
      const ctx = recordingContext();
      const status = await detectLocalCluster(ctx);
      assert.equal(status.state, 'running');
      assert.equal(welcomeViewFor(status), 'none');
      assert.equal(status.machine, 'NODE1');
      assert.equal(status.cluster?.name, 'CLUSTER1');
      assert.equal(status.cluster?.version, '10.0.20348');
      assert.deepEqual(status.cluster?.versionInfo, {
        major: 10, minor: 0, build: 20348, vendor: 'Microsoft(R) Cluster service', csdVersion: '',
        highestVersion: 720896, lowestVersion: 720896, mixedMode: false,
      });
      assert.deepEqual(status.cluster?.quorum, { resource: 'Cluster Disk Witness', device: 'Q:', maxLogSize: 0 });
      assert.deepEqual(status.nodes.map((n) => [n.name, n.id, n.state, n.isLocal]), [
        ['NODE1', '1', 'up', true], ['NODE2', '2', 'paused', false], ['NODE3', '3', 'down', false], ['NODE4', null, 'unreachable', false],
      ]);
      assert.deepEqual(status.nodes[3].error && { api: status.nodes[3].error.api, code: status.nodes[3].error.code, codeName: status.nodes[3].error.codeName },
        { api: 'OpenClusterNode', code: 1722, codeName: 'RPC_S_SERVER_UNAVAILABLE' });
      const log = ctx.text();
      assert.match(log, /GetNodeClusterState → ClusterStateRunning \(0x13\)/);
      assert.match(log, /OpenCluster\(NODE1\) → opened/);
      assert.match(log, /GetClusterInformation → cluster CLUSTER1, version 10\.0\.20348/);
      assert.match(log, /GetClusterQuorumResource → Cluster Disk Witness on Q:/);
      assert.match(log, /\[warn\] OpenClusterNode failed: RPC_S_SERVER_UNAVAILABLE \(1722\) — node NODE4; node NODE4 is unreachable/);
      assert.ok(ctx.steps.length > 0, 'progress was reported');
    });

    it('opens the cluster by this machine\'s name first, as the seed advises', async () => {
      scenario({ machine: 'NODE2' });
      const ctx = recordingContext();
      await detectLocalCluster(ctx);
      assert.match(ctx.text(), /OpenCluster\(NODE2\) → opened/);
      const log = simulatorCallLog();
      assert.equal(log.indexOf('GetNodeClusterState') < log.findIndex((e) => e.startsWith('OpenCluster')), true);
      assert.equal(callCount('OpenCluster'), 1);
    });

    it('falls back to OpenCluster(NULL) when OpenCluster(machine name) fails, logging both', async () => {
      scenario();
      simulatorInjectFault('OpenCluster', 1, 1722);
      const ctx = recordingContext();
      const status = await detectLocalCluster(ctx);
      assert.equal(status.cluster?.name, 'CLUSTER1');
      assert.equal(status.nodes.length, 4);
      assert.equal(callCount('OpenCluster'), 2);
      assert.match(ctx.text(), /\[warn\] OpenCluster failed: RPC_S_SERVER_UNAVAILABLE \(1722\) — name NODE1; trying OpenCluster\(NULL\)/);
      assert.match(ctx.text(), /OpenCluster\(NULL\) → opened the local cluster/);
    });

    it('fails with OpenCluster and its code when both attempts fail', async () => {
      scenario();
      simulatorInjectFault('OpenCluster', 1, 1722);
      simulatorInjectFault('OpenCluster', 2, 5);
      const ctx = recordingContext();
      await assert.rejects(detectLocalCluster(ctx), isWin32Error('OpenCluster', 5));
      assert.match(ctx.text(), /\[error\] OpenCluster failed: ERROR_ACCESS_DENIED \(5\) — local cluster/);
    });
  });

  describe('names and sizes', () => {
    it('reads cluster and node names longer than the first buffer', async () => {
      const cluster = 'CLUSTER-' + 'x'.repeat(320);
      const nodes = ['N'.repeat(300) + '1', 'N'.repeat(300) + '2'];
      scenario({ cluster: { name: cluster, quorum: { resource: 'Q'.repeat(400), device: 'D:' } }, nodes: nodes.map((name) => ({ name })) });
      const status = await detectLocalCluster(recordingContext());
      assert.equal(status.machine, nodes[0]);
      assert.equal(status.cluster?.name, cluster);
      assert.equal(status.cluster?.quorum?.resource, 'Q'.repeat(400));
      assert.deepEqual(status.nodes.map((n) => [n.name, n.state, n.isLocal]), [[nodes[0], 'up', true], [nodes[1], 'up', false]]);
    });

    it('reads names in Cyrillic, Japanese, Greek and emoji', async () => {
      const nodes = ['УЗЕЛ-1', 'ノード二', 'κόμβος-3', 'node-🚀-4'];
      scenario({ cluster: { name: 'Кластер-東京-🛰️' }, nodes: nodes.map((name, i) => ({ name, id: String(i + 1) })) });
      const status = await detectLocalCluster(recordingContext());
      assert.equal(status.cluster?.name, 'Кластер-東京-🛰️');
      assert.deepEqual(status.nodes.map((n) => n.name), nodes);
      assert.deepEqual(status.nodes.map((n) => n.id), ['1', '2', '3', '4']);
      assert.equal(status.nodes[0].isLocal, true);
    });

    it('matches the local node without regard to case', async () => {
      scenario({ machine: 'node2', nodes: makeNodes(3) });
      const status = await detectLocalCluster(recordingContext());
      assert.deepEqual(status.nodes.map((n) => n.isLocal), [false, true, false]);
    });

    it('handles a one-node cluster', async () => {
      scenario({ nodes: [{ name: 'SOLO', id: '7' }] });
      const status = await detectLocalCluster(recordingContext());
      assert.deepEqual(status.nodes, [{ name: 'SOLO', id: '7', state: 'up', isLocal: true }]);
    });

    it('handles 64 nodes with every state', async () => {
      const states = ['up', 'down', 'paused', 'joining'] as const;
      scenario({
        nodes: makeNodes(64).map((n, i) => ({ ...n, state: states[i % 4], reachable: i % 9 !== 8 })),
      });
      const status = await detectLocalCluster(recordingContext());
      assert.equal(status.nodes.length, 64);
      status.nodes.forEach((n, i) => {
        assert.equal(n.name, `NODE${i + 1}`);
        assert.equal(n.state, i % 9 === 8 ? 'unreachable' : states[i % 4], n.name);
        assert.equal(n.id, i % 9 === 8 ? null : String(i + 1));
      });
      assert.equal(totalLeaks(simulatorLeakReport()), 0);
    });

    it('shows no quorum when the cluster has none', async () => {
      scenario({ cluster: { quorum: null } });
      const status = await detectLocalCluster(recordingContext());
      assert.equal(status.cluster?.quorum, null);
      assert.equal(status.cluster?.name, 'CLUSTER1');
    });
  });

  describe('failures of each call', () => {
    it('GetNodeClusterState fails the status with its code', async () => {
      scenario();
      simulatorInjectFault('GetNodeClusterState', 1, 5);
      await assert.rejects(detectLocalCluster(recordingContext()), isWin32Error('GetNodeClusterState', 5));
    });

    it('GetClusterInformation fails the status and closes the cluster', async () => {
      scenario();
      simulatorInjectFault('GetClusterInformation', 1, 1726);
      await assert.rejects(detectLocalCluster(recordingContext()), isWin32Error('GetClusterInformation', 1726));
      assert.equal(callCount('CloseCluster'), 1);
    });

    it('GetClusterQuorumResource leaves the quorum out with a warning', async () => {
      scenario();
      simulatorInjectFault('GetClusterQuorumResource', 1, 5086);
      const ctx = recordingContext();
      const status = await detectLocalCluster(ctx);
      assert.equal(status.cluster?.quorum, null);
      assert.equal(status.nodes.length, 4);
      assert.match(ctx.text(), /\[warn\] GetClusterQuorumResource failed: ERROR_QUORUM_DISK_NOT_FOUND \(5086\); the quorum resource is not shown/);
    });

    it('ClusterOpenEnum fails the status with its code', async () => {
      scenario();
      simulatorInjectFault('ClusterOpenEnum', 1, 5);
      await assert.rejects(detectLocalCluster(recordingContext()), isWin32Error('ClusterOpenEnum', 5));
    });

    it('ClusterEnum fails the status and closes the enumeration', async () => {
      scenario();
      simulatorInjectFault('ClusterEnum', 3, 1726);
      await assert.rejects(detectLocalCluster(recordingContext()), isWin32Error('ClusterEnum', 1726));
      assert.equal(callCount('ClusterCloseEnum'), 1);
    });

    it('OpenClusterNode failing with an RPC error makes that node unreachable', async () => {
      scenario();
      simulatorInjectFault('OpenClusterNode', 2, 1727);
      const status = await detectLocalCluster(recordingContext());
      assert.deepEqual(status.nodes.map((n) => n.state), ['up', 'unreachable', 'up', 'up']);
      assert.equal(status.nodes[1].error?.api, 'OpenClusterNode');
      assert.equal(status.nodes[1].error?.code, 1727);
      assert.equal(status.nodes[1].error?.codeName, 'RPC_S_CALL_FAILED_DNE');
    });

    it('OpenClusterNode failing otherwise makes that node unknown', async () => {
      scenario();
      simulatorInjectFault('OpenClusterNode', 3, 5);
      const status = await detectLocalCluster(recordingContext());
      assert.equal(status.nodes[2].state, 'unknown');
      assert.equal(status.nodes[2].error?.codeName, 'ERROR_ACCESS_DENIED');
    });

    it('GetClusterNodeState failing makes that node unreachable/unknown and still reads its id', async () => {
      scenario();
      simulatorInjectFault('GetClusterNodeState', 1, 1722);
      simulatorInjectFault('GetClusterNodeState', 3, 87);
      const status = await detectLocalCluster(recordingContext());
      assert.deepEqual(status.nodes.map((n) => [n.state, n.id]), [['unreachable', '1'], ['up', '2'], ['unknown', '3'], ['up', '4']]);
      assert.equal(status.nodes[0].error?.api, 'GetClusterNodeState');
      assert.equal(callCount('CloseClusterNode'), 4);
    });

    it('GetClusterNodeId failing leaves the id out with a warning', async () => {
      scenario();
      simulatorInjectFault('GetClusterNodeId', 4, 1726);
      const ctx = recordingContext();
      const status = await detectLocalCluster(ctx);
      assert.deepEqual(status.nodes.map((n) => n.id), ['1', '2', '3', null]);
      assert.equal(status.nodes[3].state, 'up');
      assert.match(ctx.text(), /\[warn\] GetClusterNodeId failed: RPC_S_CALL_FAILED \(1726\) — node NODE4; the id of node NODE4 is not shown/);
    });

    it('GetComputerNameW failing opens the local cluster with OpenCluster(NULL)', async () => {
      scenario();
      simulatorInjectFault('GetComputerNameW', 1, 8);
      const ctx = recordingContext();
      const status = await detectLocalCluster(ctx);
      assert.equal(status.machine, '');
      assert.equal(status.cluster?.name, 'CLUSTER1');
      assert.match(ctx.text(), /GetComputerNameW failed/);
      assert.equal(callCount('OpenCluster'), 1);
    });
  });

  describe('cancellation', () => {
    it('stops before opening anything when already cancelled', async () => {
      scenario();
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(detectLocalCluster(recordingContext(controller.signal)), CancelledError);
      assert.equal(callCount('GetNodeClusterState'), 0);
    });

    it('stops between nodes and closes what it opened', async () => {
      scenario({ nodes: makeNodes(64) });
      const controller = new AbortController();
      const ctx = recordingContext(controller.signal);
      const progress = ctx.progress;
      let seen = 0;
      const status = detectLocalCluster({
        ...ctx,
        progress(step, fraction) {
          progress(step, fraction);
          if (step.startsWith('Reading node') && ++seen === 2) controller.abort();
        },
      });
      await assert.rejects(status, (err: unknown) => err instanceof EngineError && err.code === 'CANCELLED');
      assert.ok(callCount('OpenClusterNode') < 64, 'the remaining nodes were not read');
      assert.equal(totalLeaks(simulatorLeakReport()), 0);
    });
  });

  describe('connectToCluster', () => {
    it('opens a cluster by name and marks the status as connected', async () => {
      scenario();
      const ctx = recordingContext();
      const status: ClusterStatus = await connectToCluster(' CLUSTER1 ', ctx);
      assert.equal(status.connectedName, 'CLUSTER1');
      assert.equal(status.state, 'running');
      assert.equal(status.cluster?.name, 'CLUSTER1');
      assert.equal(status.nodes.length, 4);
      assert.match(ctx.text(), /OpenCluster\(CLUSTER1\) → opened/);
    });

    it('refuses an empty or malformed name before calling anything', async () => {
      scenario();
      for (const bad of ['', '  ', 'A\nB', 'x'.repeat(300)]) {
        await assert.rejects(connectToCluster(bad, recordingContext()), (err: unknown) => err instanceof EngineError && err.code === 'BAD_ARGUMENT');
      }
      assert.equal(callCount('OpenCluster'), 0);
    });

    it('fails with OpenCluster and its code when the cluster cannot be reached', async () => {
      scenario();
      simulatorInjectFault('OpenCluster', 1, 1722);
      await assert.rejects(connectToCluster('FARAWAY', recordingContext()), (err: unknown) => {
        isWin32Error('OpenCluster', 1722)(err);
        assert.match((err as Error).message, /FARAWAY/);
        return true;
      });
    });
  });
});
