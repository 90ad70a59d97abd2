/**
 * The tree elements built from a ClusterStatus and from backup-set listings: labels,
 * descriptions, icons and the context values the package.json menus match.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BackupSetSummary, ClusterStatus, NodeInfo, VerifyResult } from '../../src/protocol';
import {
  backupSetElements, backupSetItem, clusterChildren, clusterElement, clusterItem, clusterRoots, clusterViewState,
  failedClusterElement, itemModel, nodeDescription, type TreeElement,
} from '../../src/ui/treeModel';
import { CLUSTER1 } from '../support/clusterSummary';

function node(name: string, state: NodeInfo['state'], id: string | null, isLocal = false): NodeInfo {
  return { name, state, id, isLocal };
}

const running: ClusterStatus = {
  state: 'running',
  machine: 'NODE1',
  cluster: CLUSTER1,
  nodes: [node('NODE1', 'up', '1', true), node('NODE2', 'down', '2'), node('NODE3', 'paused', '3'), node('NODE4', 'unreachable', null)],
};

function rows(elements: TreeElement[]): string[] {
  return elements.map((e) => {
    const m = itemModel(e);
    return `${m.label} | ${m.description ?? ''} | ${m.contextValue} | ${m.icon.id}`;
  });
}

function set(name: string, time: string | null, verified: boolean | null = null): BackupSetSummary {
  return { path: `/backups/${name}`, name, cluster: 'CLUSTER1', node: 'NODE1', time, kind: 'vss-cluster-writer', size: 69632, verified, problems: [] };
}

describe('ui tree model', () => {
  it('describes a node as "state · id N" and marks this machine', () => {
    assert.equal(nodeDescription(node('NODE1', 'up', '1', true)), 'up · id 1 · this machine');
    assert.equal(nodeDescription(node('NODE9', 'joining', '9')), 'joining · id 9');
    assert.equal(nodeDescription(node('NODE4', 'unreachable', null)), 'unreachable · id ?');
  });

  it('builds the local cluster with its version, quorum and nodes', () => {
    const [root] = clusterRoots({ status: running }, []);
    assert.ok(root && root.kind === 'cluster');
    assert.deepEqual(rows([root]), ['CLUSTER1 | this cluster · 1 of 4 nodes up | cluster-local | server-environment']);
    assert.deepEqual(rows(clusterChildren(root)), [
      'Version | 10.0.20348 | detail | versions',
      'Quorum | Cluster Disk Witness (Q:) | detail | law',
      'NODE1 | up · id 1 · this machine | node-local-up | pass-filled',
      'NODE2 | down · id 2 | node-remote-down | error',
      'NODE3 | paused · id 3 | node-remote-paused | debug-pause',
      'NODE4 | unreachable · id ? | node-remote-unreachable | debug-disconnect',
    ]);
  });

  it('shows an interrupted restore first, with Finish Interrupted Restore; a running one without it', () => {
    const pendingRestore = { id: 'x', set: '/b/CLUSTER1_NODE1_1', authoritative: false, phase: 'replacing', startedAt: '2025-01-01T00:00:00Z', finish: 'rollBack' as const, running: false };
    const [first] = clusterChildren(clusterElement('local', { ...running, pendingRestore }));
    assert.ok(first.kind === 'message');
    assert.equal(first.severity, 'warning');
    assert.match(first.text, /^An interrupted node restore of \/b\/CLUSTER1_NODE1_1 .* stopped at "replacing": run "fcbackup recover" \(or Finish Interrupted Restore\) to roll it back/);
    assert.deepEqual(first.command, { id: 'fcbackup.finishRestore', title: 'Finish Interrupted Restore' });
    const [runningRow] = clusterChildren(clusterElement('local', { ...running, pendingRestore: { ...pendingRestore, running: true } }));
    assert.ok(runningRow.kind === 'message' && runningRow.command === undefined && /is running/.test(runningRow.text));
    assert.equal(clusterChildren(clusterElement('local', { ...running, pendingRestore: null }))[0].kind, 'detail');
  });

  it('says when there is no quorum resource or the cluster runs in mixed mode', () => {
    const status: ClusterStatus = {
      ...running,
      cluster: { ...running.cluster!, quorum: null, versionInfo: { ...running.cluster!.versionInfo, mixedMode: true, csdVersion: 'Service Pack 1' } },
    };
    const children = clusterChildren(clusterElement('local', status));
    assert.deepEqual(rows(children.slice(0, 2)), [
      'Version | 10.0.20348 Service Pack 1 (mixed mode) | detail | versions',
      'Quorum | none | detail | law',
    ]);
  });

  it('treats every node of a connected cluster as remote (Back Up is offered only for the local node)', () => {
    const connected = clusterElement('connected', { ...running, connectedName: 'cluster1.example.com' });
    assert.equal(clusterItem(connected).contextValue, 'cluster-connected');
    assert.match(clusterItem(connected).description!, /^connected · 1 of 4 nodes up$/);
    assert.ok(clusterChildren(connected).filter((e) => e.kind === 'node').every((e) => itemModel(e).contextValue.startsWith('node-remote-')));
  });

  it('shows a failed cluster as a row with the error beneath it, which opens the log', () => {
    const failed = failedClusterElement('connected', 'CLUSTER9', { message: 'The RPC server is unavailable.', apiDetail: 'OpenCluster: RPC_S_SERVER_UNAVAILABLE (1722)' });
    assert.deepEqual(rows([failed]), ['CLUSTER9 | failed | cluster-connected-error | server-environment']);
    const [message] = clusterChildren(failed);
    assert.ok(message && message.kind === 'message');
    const model = itemModel(message);
    assert.equal(model.contextValue, 'message-error');
    assert.equal(model.command?.id, 'fcbackup.showLog');
    assert.equal(model.tooltip, 'OpenCluster: RPC_S_SERVER_UNAVAILABLE (1722)');
  });

  it('puts a failed local detection at the root, before connected clusters', () => {
    const connected = clusterElement('connected', running);
    const roots = clusterRoots({ error: { message: 'Simulator scenario x: bad JSON' } }, [connected]);
    assert.deepEqual(roots.map((r) => r.kind), ['message', 'cluster']);
    assert.equal(itemModel(roots[0]!).label, 'Simulator scenario x: bad JSON');
  });

  it('leaves the tree empty (so a welcome view shows) for every state without a running cluster', () => {
    for (const state of ['notInstalled', 'notConfigured', 'notRunning'] as const) {
      const status: ClusterStatus = { state, machine: 'SRV1', cluster: null, nodes: [] };
      assert.deepEqual(clusterRoots({ status }, []), []);
      assert.equal(clusterViewState({ status }), state);
    }
    assert.deepEqual(clusterRoots({ unavailable: true }, []), []);
    assert.equal(clusterViewState({ unavailable: true }), 'notWindows');
    assert.equal(clusterViewState({ status: running }), 'none');
    assert.equal(clusterViewState({ error: { message: 'x' } }), 'error');
    assert.equal(clusterViewState(undefined), 'loading');
  });

  it('has one viewsWelcome entry in package.json for each welcome state', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
      contributes: { viewsWelcome: Array<{ view: string; when: string }> };
    };
    for (const state of ['notWindows', 'notInstalled', 'notConfigured', 'notRunning']) {
      assert.equal(manifest.contributes.viewsWelcome.filter((w) => w.view === 'fcbackup.clusters' && w.when === `fcbackup.clusterState == ${state}`).length, 1, state);
    }
  });

  it('lists backup sets newest first, sets without a time last', () => {
    const elements = backupSetElements([
      set('b', '2025-01-02T00:00:00Z'), set('undated', null), set('c', '2025-03-01T00:00:00Z'), set('a', '2024-12-31T00:00:00Z'),
    ], new Map());
    assert.deepEqual(elements.map((e) => e.set.name), ['c', 'b', 'a', 'undated']);
  });

  it('shows a set\'s node, size and verify status, and a fresh verification wins over the listing', () => {
    const listed = set('s', '2025-01-02T00:00:00Z', null);
    const verification: VerifyResult = { path: listed.path, ok: false, problems: ['files/CLUSDB: SHA-256 does not match'], summary: listed };
    const [plain] = backupSetElements([listed], new Map());
    const [checked] = backupSetElements([listed], new Map([[listed.path, verification]]));
    assert.equal(backupSetItem(plain!).description, 'NODE1 · 68.0 KB');
    assert.equal(backupSetItem(plain!).contextValue, 'backupSet-unverified');
    const failed = backupSetItem(checked!);
    assert.equal(failed.description, 'damaged · NODE1 · 68.0 KB');
    assert.equal(failed.contextValue, 'backupSet-invalid');
    assert.match(failed.tooltip!, /SHA-256 does not match/);
    assert.equal(backupSetItem(backupSetElements([set('v', null, true)], new Map())[0]!).contextValue, 'backupSet-verified');
  });
});
