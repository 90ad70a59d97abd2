/**
 * The clusapi and kernel32 bindings through real koffi against the simulator: the
 * CLUSTERVERSIONINFO layout, UTF-16 strings in every script, buffers that must grow,
 * enumerations, node handles, failures as Win32Error naming the API and the code,
 * and no handle left open.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as clusapi from '../../src/native/clusapi';
import { Win32Error } from '../../src/native/errors';
import { getComputerName, getLastError, getSystemWindowsDirectory } from '../../src/native/kernel32';
import { simulatorClearCallLog, simulatorInjectFault, simulatorLeakReport, totalLeaks } from '../../src/native/simulator';
import { makeNodes } from '../support/scenario';
import { callCount, isWin32Error, suiteScenarios } from '../support/sim';

const LONG_CLUSTER = 'C'.repeat(150) + '-кластер-' + 'Z'.repeat(160);
const LONG_NODE = 'N'.repeat(310);
const UNICODE_NAMES = ['УЗЕЛ-Один', 'ノード二', 'node-🚀-三', 'Ωμέγα'];

describe('clusapi bindings (simulator)', () => {
  const scenario = suiteScenarios();

  describe('CLUSTERVERSIONINFO', () => {
    it('has the 284-byte layout of clusapi.h', () => {
      const layout = clusapi.clusterVersionInfoLayout();
      assert.equal(layout.size, 284);
      assert.deepEqual(layout.offsets, {
        dwVersionInfoSize: 0, MajorVersion: 4, MinorVersion: 6, BuildNumber: 8, szVendorId: 10, szCSDVersion: 138,
        dwClusterHighestVersion: 268, dwClusterLowestVersion: 272, dwFlags: 276, dwReserved: 280,
      });
    });
  });

  describe('GetNodeClusterState', () => {
    it('reports the four local states as the documented values', () => {
      scenario({ installed: false });
      assert.equal(clusapi.getNodeClusterState(), 0);
      scenario({ installed: true, configured: false });
      assert.equal(clusapi.getNodeClusterState(null), 1);
      scenario({ nodes: [{ name: 'NODE1', service: 'stopped' }, { name: 'NODE2' }] });
      assert.equal(clusapi.getNodeClusterState(), 3);
      scenario();
      assert.equal(clusapi.getNodeClusterState(), 0x13);
    });

    it('fails with the code it returns', () => {
      scenario();
      simulatorInjectFault('GetNodeClusterState', 1, 5);
      assert.throws(() => clusapi.getNodeClusterState(), isWin32Error('GetNodeClusterState', 5));
    });
  });

  describe('OpenCluster / GetClusterInformation', () => {
    it('opens by machine name and by NULL and reads the name and version', () => {
      scenario({
        cluster: { name: 'CLUSTER1', version: { major: 10, minor: 0, build: 17763, vendor: 'Microsoft(R) Cluster service', csd: 'SP1', highest: clusapi.clusterMakeVersion(10, 0), lowest: clusapi.clusterMakeVersion(9, 0), mixedMode: true } },
      });
      for (const name of ['NODE1', null]) {
        const info = clusapi.withCluster(name, (cluster) => {
          assert.equal(cluster.openedWith, name);
          return clusapi.getClusterInformation(cluster);
        });
        assert.equal(info.name, 'CLUSTER1');
        assert.deepEqual(info.version, {
          major: 10, minor: 0, build: 17763, vendor: 'Microsoft(R) Cluster service', csdVersion: 'SP1',
          highestVersion: 0x000a0000, lowestVersion: 0x00090000, flags: 1, mixedMode: true,
        });
      }
      assert.equal(simulatorLeakReport().handles.cluster, 0);
    });

    it('grows the name buffer for a name longer than the first buffer', () => {
      scenario({ cluster: { name: LONG_CLUSTER } });
      simulatorClearCallLog();
      const info = clusapi.withCluster('NODE1', (cluster) => clusapi.getClusterInformation(cluster));
      assert.equal(info.name, LONG_CLUSTER);
      assert.ok(callCount('GetClusterInformation') >= 2, 'the first call must have reported ERROR_MORE_DATA');
    });

    for (const name of ['Кластер-Москва', 'クラスター東京', 'cluster-🚀🛰️', 'Ελληνικό']) {
      it(`reads the cluster name ${name} as UTF-16`, () => {
        scenario({ cluster: { name } });
        assert.equal(clusapi.withCluster(null, (c) => clusapi.getClusterInformation(c)).name, name);
      });
    }

    it('fails OpenCluster with the last error and opens nothing', () => {
      scenario();
      simulatorInjectFault('OpenCluster', 1, 1722);
      assert.throws(() => clusapi.openCluster('NODE1'), isWin32Error('OpenCluster', 1722));
      assert.equal(simulatorLeakReport().handles.cluster, 0);
    });

    it('fails GetClusterInformation with its code and still closes the handle', () => {
      scenario();
      simulatorInjectFault('GetClusterInformation', 1, 1726);
      assert.throws(() => clusapi.withCluster('NODE1', (c) => clusapi.getClusterInformation(c)), isWin32Error('GetClusterInformation', 1726));
      assert.equal(simulatorLeakReport().handles.cluster, 0);
    });

    it('closes the handle when the callback throws or its promise rejects', async () => {
      scenario();
      assert.throws(() => clusapi.withCluster(null, () => { throw new Error('callback failed'); }), /callback failed/);
      await assert.rejects(clusapi.withCluster(null, async () => { throw new Error('async callback failed'); }), /async callback failed/);
      assert.equal(await clusapi.withCluster(null, async (c) => clusapi.getClusterInformation(c).name), 'CLUSTER1');
      assert.equal(totalLeaks(simulatorLeakReport()), 0);
    });

    it('closes a handle once however often close() is called', () => {
      scenario();
      const cluster = clusapi.openCluster(null);
      cluster.close();
      cluster.close();
      assert.equal(cluster.closed, true);
      assert.throws(() => cluster.raw, /closed/);
      assert.equal(callCount('CloseCluster'), 1);
    });

    it('opens with OpenClusterEx when exported, else with OpenCluster', () => {
      scenario();
      const { handle, usedEx } = clusapi.openClusterEx('NODE1', clusapi.GENERIC_READ);
      try {
        assert.equal(usedEx, clusapi.hasOpenClusterEx());
        assert.equal(clusapi.getClusterInformation(handle).name, 'CLUSTER1');
        if (usedEx) assert.ok(callCount('OpenClusterEx') >= 1);
        else assert.ok(callCount('OpenCluster') >= 1);
      } finally {
        handle.close();
      }
    });
  });

  describe('GetClusterQuorumResource', () => {
    it('reads the resource, the device and the log size', () => {
      scenario({ cluster: { quorum: { resource: 'Cluster Disk Witness', device: 'Q:', maxLogSize: 4096 } } });
      const q = clusapi.withCluster(null, (c) => clusapi.getClusterQuorumResource(c));
      assert.deepEqual(q, { resourceName: 'Cluster Disk Witness', deviceName: 'Q:', maxQuorumLogSize: 4096 });
    });

    it('grows either buffer for long names in any script', () => {
      const resource = 'Свидетель-диска-' + 'R'.repeat(300);
      const device = '\\\\?\\Volume{クォーラム}-' + 'D'.repeat(200) + '-📀';
      scenario({ cluster: { quorum: { resource, device, maxLogSize: 0 } } });
      const q = clusapi.withCluster(null, (c) => clusapi.getClusterQuorumResource(c));
      assert.equal(q.resourceName, resource);
      assert.equal(q.deviceName, device);
    });

    it('fails with its code', () => {
      scenario();
      simulatorInjectFault('GetClusterQuorumResource', 1, 5007);
      assert.throws(() => clusapi.withCluster(null, (c) => clusapi.getClusterQuorumResource(c)), isWin32Error('GetClusterQuorumResource', 5007));
    });
  });

  describe('node enumeration', () => {
    it('enumerates one node', () => {
      scenario({ nodes: [{ name: 'SOLO' }] });
      assert.deepEqual(clusapi.withCluster(null, (c) => clusapi.enumerateNodeNames(c)), ['SOLO']);
    });

    it('enumerates 64 nodes in order, with the count and the end marker', () => {
      scenario({ nodes: makeNodes(64) });
      clusapi.withCluster(null, (cluster) => {
        clusapi.withClusterEnum(cluster, clusapi.CLUSTER_ENUM_NODE, (e) => {
          assert.equal(clusapi.clusterGetEnumCount(e), 64);
          assert.deepEqual(clusapi.clusterEnum(e, 0), { type: clusapi.CLUSTER_ENUM_NODE, name: 'NODE1' });
          assert.equal(clusapi.clusterEnum(e, 63)?.name, 'NODE64');
          assert.equal(clusapi.clusterEnum(e, 64), null);
        });
        assert.deepEqual(clusapi.enumerateNodeNames(cluster), makeNodes(64).map((n) => n.name));
      });
      assert.equal(simulatorLeakReport().handles.enum, 0);
    });

    it('reads long and Unicode node names', () => {
      const names = [LONG_NODE, ...UNICODE_NAMES];
      scenario({ nodes: names.map((name) => ({ name })) });
      assert.deepEqual(clusapi.withCluster(null, (c) => clusapi.enumerateNodeNames(c)), names);
    });

    it('fails ClusterOpenEnum with the last error', () => {
      scenario();
      simulatorInjectFault('ClusterOpenEnum', 1, 5);
      assert.throws(() => clusapi.withCluster(null, (c) => clusapi.enumerateNodeNames(c)), isWin32Error('ClusterOpenEnum', 5));
    });

    it('fails ClusterEnum with its code and still closes the enumeration', () => {
      scenario();
      simulatorInjectFault('ClusterEnum', 2, 1726);
      assert.throws(() => clusapi.withCluster(null, (c) => clusapi.enumerateNodeNames(c)), isWin32Error('ClusterEnum', 1726));
      assert.equal(simulatorLeakReport().handles.enum, 0);
    });
  });

  describe('nodes', () => {
    it('reads each node state and id', () => {
      scenario({
        nodes: [
          { name: 'NODE1', id: '1', state: 'up' }, { name: 'NODE2', id: '2', state: 'down' },
          { name: 'NODE3', id: '3', state: 'paused' }, { name: 'NODE4', id: '4', state: 'joining' },
          { name: 'NODE5', id: '5', service: 'stopped' },
        ],
      });
      const states = clusapi.withCluster(null, (cluster) => ['NODE1', 'NODE2', 'NODE3', 'NODE4', 'NODE5'].map((name) =>
        clusapi.withNode(cluster, name, (node) => [clusapi.clusterNodeStateName(clusapi.getClusterNodeState(node)), clusapi.getClusterNodeId(node)])));
      assert.deepEqual(states, [['up', '1'], ['down', '2'], ['paused', '3'], ['joining', '4'], ['down', '5']]);
      assert.equal(simulatorLeakReport().handles.node, 0);
    });

    it('opens nodes by Unicode and long names', () => {
      const names = [LONG_NODE, ...UNICODE_NAMES];
      scenario({ nodes: names.map((name, i) => ({ name, id: String(i + 10) })) });
      const ids = clusapi.withCluster(null, (c) => names.map((name) => clusapi.withNode(c, name, (n) => clusapi.getClusterNodeId(n))));
      assert.deepEqual(ids, ['10', '11', '12', '13', '14']);
    });

    it('reports an unreachable node as RPC_S_SERVER_UNAVAILABLE naming the call and the node', () => {
      scenario({ nodes: [{ name: 'NODE1' }, { name: 'NODE2', reachable: false }] });
      assert.throws(() => clusapi.withCluster(null, (c) => clusapi.openClusterNode(c, 'NODE2')), (err: unknown) => {
        isWin32Error('OpenClusterNode', 1722)(err);
        assert.match((err as Error).message, /NODE2/);
        return true;
      });
    });

    it('fails GetClusterNodeState (-1) and GetClusterNodeId with their codes and closes the node', () => {
      scenario();
      simulatorInjectFault('GetClusterNodeState', 1, 1727);
      assert.throws(() => clusapi.withCluster(null, (c) => clusapi.withNode(c, 'NODE1', (n) => clusapi.getClusterNodeState(n))),
        isWin32Error('GetClusterNodeState', 1727));
      simulatorInjectFault('GetClusterNodeId', 1, 5042);
      assert.throws(() => clusapi.withCluster(null, (c) => clusapi.withNode(c, 'NODE1', (n) => clusapi.getClusterNodeId(n))),
        isWin32Error('GetClusterNodeId', 5042));
      assert.equal(simulatorLeakReport().handles.node, 0);
    });

    it('fails OpenClusterNode for a name that is not a member', () => {
      scenario();
      assert.throws(() => clusapi.withCluster(null, (c) => clusapi.openClusterNode(c, 'STRANGER')), (err: unknown) => err instanceof Win32Error && err.api === 'OpenClusterNode');
    });
  });

  describe('kernel32', () => {
    it('reads the computer name, also long and Unicode ones', () => {
      scenario({ machine: 'NODE1' });
      assert.equal(getComputerName(), 'NODE1');
      const long = 'ノード-' + 'M'.repeat(300) + '-🚀';
      scenario({ machine: long, nodes: [{ name: long }] });
      assert.equal(getComputerName(), long);
    });

    it('reads the Windows directory inside the scenario folder', () => {
      const s = scenario();
      assert.equal(getSystemWindowsDirectory(), path.join(s.dir, 'Windows'));
    });

    it('reads the last error a failing call set', () => {
      scenario();
      simulatorInjectFault('OpenCluster', 1, 1753);
      assert.throws(() => clusapi.openCluster(null), isWin32Error('OpenCluster', 1753));
      assert.equal(getLastError(), 1753);
    });
  });
});
