/**
 * Node rows: problem nodes first from nine nodes on (stable in the cluster's order), a
 * spinning joining node, the context values the node menus match, and the row of a
 * process that is not elevated with advice that fits where VS Code runs.
 */
import * as assert from 'node:assert/strict';
import type { ClusterStatus, NodeInfo } from '../../src/protocol';
import { nodeIconId, nodesForTree, notElevatedText, SORT_PROBLEMS_FROM } from '../../src/ui/nodeRows';
import { clusterChildren, clusterElement, clusterRoots, itemModel } from '../../src/ui/treeModel';
import { CLUSTER1 } from '../support/clusterSummary';

function node(name: string, state: NodeInfo['state'], isLocal = false): NodeInfo {
  return { name, state, id: name.replace('NODE', ''), isLocal };
}

function status(nodes: NodeInfo[], extra: Partial<ClusterStatus> = {}): ClusterStatus {
  return { state: 'running', machine: 'NODE1', cluster: CLUSTER1, nodes, ...extra };
}

describe('node rows', () => {
  it('sorts problem nodes first (unreachable, unknown, down, joining, paused, up), keeping the cluster order within a state', () => {
    const nodes = [
      node('NODE1', 'up', true), node('NODE2', 'paused'), node('NODE3', 'up'), node('NODE4', 'down'), node('NODE5', 'joining'),
      node('NODE6', 'unreachable'), node('NODE7', 'up'), node('NODE8', 'unknown'), node('NODE9', 'down'), node('NODE10', 'unreachable'),
    ];
    assert.deepEqual(nodesForTree(nodes).map((n) => n.name),
      ['NODE6', 'NODE10', 'NODE8', 'NODE4', 'NODE9', 'NODE5', 'NODE2', 'NODE1', 'NODE3', 'NODE7']);
    assert.deepEqual(nodes.map((n) => n.name).slice(0, 3), ['NODE1', 'NODE2', 'NODE3'], 'the input is not reordered');
  });

  it('keeps a short list in the cluster\'s order', () => {
    const nodes = [node('NODE1', 'up', true), node('NODE2', 'unreachable'), node('NODE3', 'down')];
    assert.ok(nodes.length < SORT_PROBLEMS_FROM);
    assert.deepEqual(nodesForTree(nodes).map((n) => n.name), ['NODE1', 'NODE2', 'NODE3']);
  });

  it('the tree lists the sorted nodes with their state in the context value; a joining node spins', () => {
    const nodes = Array.from({ length: 9 }, (_, i) => node(`NODE${i + 1}`, i === 4 ? 'joining' : i === 8 ? 'down' : 'up', i === 0));
    const rows = clusterChildren(clusterElement('local', status(nodes))).filter((e) => e.kind === 'node').map((e) => itemModel(e));
    assert.deepEqual(rows.slice(0, 3).map((r) => `${r.label} ${r.contextValue} ${r.icon.id}`), [
      'NODE9 node-remote-down error', 'NODE5 node-remote-joining sync~spin', 'NODE1 node-local-up pass-filled',
    ]);
    assert.equal(nodeIconId('up', 'pass-filled'), 'pass-filled');
  });

  it('a node of a connected cluster is remote even when it has this machine\'s name', () => {
    const rows = clusterChildren(clusterElement('connected', status([node('NODE1', 'paused', true)], { connectedName: 'CLUSTER1' })))
      .filter((e) => e.kind === 'node').map((e) => itemModel(e).contextValue);
    assert.deepEqual(rows, ['node-remote-paused']);
  });

  it('not elevated: a warning row first, with advice for a local or a remote window', () => {
    const roots = clusterRoots({ status: status([node('NODE1', 'up', true)], { elevated: false }) }, [], undefined, 'remote');
    const first = itemModel(roots[0]!);
    assert.equal(first.label, 'Not running as administrator: back up and restore are turned off');
    assert.equal(first.contextValue, 'message-warning');
    assert.match(first.tooltip ?? '', /Connect the remote window with an account that is an administrator/);
    assert.match(notElevatedText('local').tooltip, /Run as administrator/);
    const elevated = clusterRoots({ status: status([node('NODE1', 'up', true)], { elevated: true }) }, []);
    assert.equal(elevated[0]!.kind, 'cluster');
    const unknown = clusterRoots({ status: status([node('NODE1', 'up', true)]) }, []);
    assert.equal(unknown[0]!.kind, 'cluster', 'no warning when elevation is not known');
  });
});
