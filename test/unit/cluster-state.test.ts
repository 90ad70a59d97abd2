/**
 * Pure helpers of discovery: NODE_CLUSTER_STATE flags, CLUSTER_NODE_STATE names, which
 * errors make a node unreachable, cluster-name checks and the welcome-view choice.
 */
import * as assert from 'node:assert/strict';
import {
  clusterMakeVersion, clusterNodeStateName, describeNodeClusterState, NodeClusterState, nodeClusterStateName,
} from '../../src/native/clusapiTypes';
import { isUnreachableError, MAX_CLUSTER_NAME_LENGTH, sameComputerName, validateClusterName } from '../../src/engine/clusterNames';
import { EngineError } from '../../src/engine/errors';
import type { ClusterStatus } from '../../src/engine/model';
import { welcomeViewFor } from '../../src/engine/welcome';

describe('NODE_CLUSTER_STATE', () => {
  it('maps the four documented values', () => {
    assert.equal(nodeClusterStateName(NodeClusterState.ClusterStateNotInstalled), 'notInstalled');
    assert.equal(nodeClusterStateName(NodeClusterState.ClusterStateNotConfigured), 'notConfigured');
    assert.equal(nodeClusterStateName(NodeClusterState.ClusterStateNotRunning), 'notRunning');
    assert.equal(nodeClusterStateName(NodeClusterState.ClusterStateRunning), 'running');
    assert.deepEqual([0, 1, 3, 0x13].map((v) => v), Object.values(NodeClusterState));
  });

  it('reads the value as flags: running wins, then configured, then installed', () => {
    assert.equal(nodeClusterStateName(0x10), 'running');
    assert.equal(nodeClusterStateName(0x11), 'running');
    assert.equal(nodeClusterStateName(0x2), 'notRunning');
    assert.equal(nodeClusterStateName(0x101), 'notConfigured', 'unknown high bits are ignored');
    assert.equal(nodeClusterStateName(0x100), 'notInstalled');
  });

  it('describes values by their symbolic names', () => {
    assert.equal(describeNodeClusterState(0x13), 'ClusterStateRunning (0x13)');
    assert.equal(describeNodeClusterState(0), 'ClusterStateNotInstalled (0x0)');
    assert.equal(describeNodeClusterState(0x11), 'flags 0x11 (running)');
  });
});

describe('CLUSTER_NODE_STATE', () => {
  it('maps up/down/paused/joining and everything else to unknown', () => {
    assert.deepEqual([0, 1, 2, 3, -1, 4, 99].map(clusterNodeStateName), ['up', 'down', 'paused', 'joining', 'unknown', 'unknown', 'unknown']);
  });

  it('builds CLUSTER_MAKE_VERSION values', () => {
    assert.equal(clusterMakeVersion(11, 0), 720896);
    assert.equal(clusterMakeVersion(10, 1), 0x000a0001);
  });
});

describe('unreachable nodes', () => {
  it('treats RPC transport failures and node-down answers as unreachable', () => {
    for (const code of [1722, 1726, 1727, 1753, 5050, 5051]) assert.equal(isUnreachableError(code), true, String(code));
  });

  it('does not treat refusals or bugs as unreachable', () => {
    for (const code of [0, 5, 6, 87, 234, 5042]) assert.equal(isUnreachableError(code), false, String(code));
  });
});

describe('cluster names', () => {
  it('compares computer names without regard to case', () => {
    assert.equal(sameComputerName('node1', 'NODE1'), true);
    assert.equal(sameComputerName('узел', 'УЗЕЛ'), true);
    assert.equal(sameComputerName('NODE1', 'NODE10'), false);
  });

  it('accepts names in any script and trims them', () => {
    assert.equal(validateClusterName('  CLUSTER1 '), 'CLUSTER1');
    assert.equal(validateClusterName('Кластер-東京-🚀'), 'Кластер-東京-🚀');
    assert.equal(validateClusterName('x'.repeat(MAX_CLUSTER_NAME_LENGTH)).length, MAX_CLUSTER_NAME_LENGTH);
  });

  it('refuses empty, overlong and control-character names with BAD_ARGUMENT', () => {
    for (const bad of ['', '   ', 'x'.repeat(MAX_CLUSTER_NAME_LENGTH + 1), 'CLU\nSTER', 'A\u0000B', undefined, 42]) {
      assert.throws(() => validateClusterName(bad), (err: unknown) => err instanceof EngineError && err.code === 'BAD_ARGUMENT', String(bad));
    }
  });
});

describe('welcomeViewFor', () => {
  const status = (state: ClusterStatus['state']): ClusterStatus => ({ state, machine: 'NODE1', cluster: null, nodes: [] });

  it('chooses one view per non-cluster state and none for a running cluster', () => {
    assert.equal(welcomeViewFor(null), 'notWindows');
    assert.equal(welcomeViewFor(status('notInstalled')), 'notInstalled');
    assert.equal(welcomeViewFor(status('notConfigured')), 'notConfigured');
    assert.equal(welcomeViewFor(status('notRunning')), 'notRunning');
    assert.equal(welcomeViewFor(status('running')), 'none');
  });
});
