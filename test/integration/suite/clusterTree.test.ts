/**
 * The Failover Clusters tree against the simulator: the cluster, its details and
 * every node with the state the scenario gives it; Refresh; an engine process that
 * dies and comes back; Connect to Cluster… and its failure report; the log channel.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ScenarioSpec } from '../../support/scenario';
import { cleanupTemp, findRow, processAlive, setSetting, testApi, treeRows, useScenario, waitFor, assertEngineNoLeaks } from './helpers';

const fiveNodes: ScenarioSpec = {
  cluster: { name: 'CLUSTER1', version: { major: 10, minor: 0, build: 20348 }, quorum: { resource: 'Cluster Disk Witness', device: 'Q:' } },
  nodes: [
    { name: 'NODE1', id: '1' },
    { name: 'NODE2', id: '2', service: 'stopped' },
    { name: 'NODE3', id: '3', state: 'paused' },
    { name: 'NODE4', id: '4', state: 'joining' },
    { name: 'NODE5', id: '5', reachable: false },
  ],
};

/** The row for an engine killed with SIGKILL: one wording, whatever order the signs of its death came in. */
const ENGINE_KILLED_ROW = /^The engine process stopped unexpectedly \(signal SIGKILL\)\.( Last engine output: .*)? Refresh to start it again\.$/;

/**
 * Replaces the live CLUSDB hive with the database of a cluster of fewer nodes (written by the
 * simulator for a scenario of them), as restoring an older ClusDb would.
 */
async function rewriteClusDbNodes(scenario: string, nodes: string[]): Promise<void> {
  const api = await testApi();
  const older = await useScenario({ ...fiveNodes, nodes: (fiveNodes.nodes ?? []).filter((n) => nodes.includes(n.name)) });
  await api.clusterTree.refresh(); // the engine opens that scenario, which writes its CLUSDB
  await setSetting('simulator.scenario', scenario);
  await api.clusterTree.refresh();
  fs.copyFileSync(path.join(path.dirname(older), 'Windows', 'Cluster', 'CLUSDB'), path.join(path.dirname(scenario), 'Windows', 'Cluster', 'CLUSDB'));
}

describe('Failover Clusters tree', () => {
  after(async () => {
    await assertEngineNoLeaks();
    await setSetting('simulator.scenario', undefined);
    cleanupTemp();
  });

  it('shows the cluster, its version and quorum, and every node with its state and id', async () => {
    const api = await testApi();
    await useScenario(fiveNodes);
    await api.clusterTree.refresh();
    assert.equal(api.contextKeys()['fcbackup.clusterState'], 'none');
    const rows = await treeRows(api.clusterTree);
    const summary = rows.map((r) => `${'  '.repeat(r.depth)}${r.label} | ${r.description} | ${r.contextValue} | ${r.icon}`);
    assert.deepEqual(summary, [
      'CLUSTER1 | this cluster · 1 of 5 nodes up | cluster-local | server-environment',
      '  Version | 10.0.20348 | detail | versions',
      '  Quorum | Cluster Disk Witness (Q:) | detail | law',
      '  NODE1 | up · id 1 · this machine | node-local-up | pass-filled',
      '  NODE2 | down · id 2 | node-remote-down | error',
      '  NODE3 | paused · id 3 | node-remote-paused | debug-pause',
      '  NODE4 | joining · id 4 | node-remote-joining | sync~spin',
      '  NODE5 | unreachable · id ? | node-remote-unreachable | debug-disconnect',
      '  Scheduled backup | none | detail | calendar',
    ]);
    assert.equal(api.engineStarted(), true);
  });

  it('writes the detection steps to the log channel', async () => {
    const api = await testApi();
    const lines = api.logLines().join('\n');
    for (const step of ['GetNodeClusterState', 'OpenCluster(NODE1)', 'GetClusterInformation', 'GetClusterQuorumResource', 'ClusterEnum']) {
      assert.ok(lines.includes(step), `the log has no "${step}" line:\n${lines.slice(-3000)}`);
    }
  });

  it('Refresh shows what the cluster says now', async () => {
    const api = await testApi();
    const scenario = await useScenario(fiveNodes);
    await api.clusterTree.refresh();
    assert.ok((await treeRows(api.clusterTree)).some((r) => r.label === 'NODE4'));
    await rewriteClusDbNodes(scenario, ['NODE1', 'NODE2', 'NODE3']);
    await vscode.commands.executeCommand('fcbackup.refresh');
    const rows = await treeRows(api.clusterTree);
    assert.deepEqual(rows.filter((r) => r.element.kind === 'node').map((r) => r.label), ['NODE1', 'NODE2', 'NODE3']);
    assert.equal(findRow(rows, 'CLUSTER1').description, 'this cluster · 1 of 3 nodes up');
  });

  it('shows a message row when the engine process dies and starts a new one on the next refresh', async () => {
    const api = await testApi();
    await useScenario(fiveNodes);
    await api.clusterTree.refresh();
    const pid = api.engineProcessId();
    assert.ok(pid, 'no engine process runs');
    const starts = api.engineStarts();
    const notified = api.notifications().length;
    process.kill(pid, 'SIGKILL');
    const rows = await waitFor('the message row', async () => {
      const r = await treeRows(api.clusterTree);
      return r.length === 1 && r[0]!.contextValue === 'message-error' ? r : undefined;
    });
    assert.match(rows[0]!.label, ENGINE_KILLED_ROW);
    assert.equal(api.contextKeys()['fcbackup.clusterState'], 'error');
    assert.deepEqual(api.notifications().slice(notified), []);
    await vscode.commands.executeCommand('fcbackup.refresh');
    assert.equal(api.engineStarts(), starts + 1);
    const newPid = api.engineProcessId();
    assert.ok(newPid && newPid !== pid && processAlive(newPid));
    assert.equal(findRow(await treeRows(api.clusterTree), 'CLUSTER1').contextValue, 'cluster-local');
  });

  it('shows the same message row, once, when the engine dies in the middle of a refresh', async () => {
    const api = await testApi();
    // The detection's GetClusterInformation never returns: the refresh is waiting for the engine when it dies.
    await useScenario({ ...fiveNodes, faults: [{ function: 'GetClusterInformation', code: 0, mode: 'hang' }] });
    const logged = api.logLineCount();
    const notified = api.notifications().length;
    const refreshing = api.clusterTree.refresh();
    await waitFor('the detection to reach GetClusterInformation', () => api.logLinesSince(logged).some((l) => l.includes('OpenCluster(NODE1) → opened')));
    const pid = api.engineProcessId();
    assert.ok(pid, 'no engine process runs');
    process.kill(pid, 'SIGKILL');
    await refreshing;
    const rows = await treeRows(api.clusterTree);
    assert.equal(rows.length, 1, JSON.stringify(rows.map((r) => r.label)));
    assert.equal(rows[0]!.contextValue, 'message-error');
    assert.match(rows[0]!.label, ENGINE_KILLED_ROW);
    assert.equal(api.contextKeys()['fcbackup.clusterState'], 'error');
    assert.equal(api.logLinesSince(logged).filter((l) => l.includes('The engine process stopped unexpectedly')).length, 1,
      'the death is logged once, whether the exit notification or the failed request came first');
    assert.deepEqual(api.notifications().slice(notified), [], 'the row says it; no toast');
  });

  it('Connect to Cluster… adds a cluster by name beside the local state, and Remove from View takes it away', async () => {
    const api = await testApi();
    await useScenario({ machine: 'ADMIN1', configured: false, nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3', service: 'stopped' }] });
    await api.clusterTree.refresh();
    assert.equal(api.contextKeys()['fcbackup.clusterState'], 'notConfigured');
    const status = await vscode.commands.executeCommand<{ cluster: { name: string } | null } | undefined>('fcbackup.connect', 'CLUSTER1');
    assert.equal(status?.cluster?.name, 'CLUSTER1');
    const rows = await treeRows(api.clusterTree);
    const summary = rows.filter((r) => r.element.kind !== 'detail').map((r) => `${r.label} | ${r.description} | ${r.contextValue}`);
    assert.deepEqual(summary, [
      'CLUSTER1 | connected · 2 of 3 nodes up | cluster-connected',
      'NODE1 | up · id 1 | node-remote-up',
      'NODE2 | up · id 2 | node-remote-up',
      'NODE3 | down · id 3 | node-remote-down',
    ]);
    // Still there after a refresh (it is remembered for the workspace).
    await api.clusterTree.refresh();
    assert.equal(findRow(await treeRows(api.clusterTree), 'CLUSTER1').contextValue, 'cluster-connected');

    await vscode.commands.executeCommand('fcbackup.disconnect', rows[0]!.element);
    assert.deepEqual(await treeRows(api.clusterTree), []);
    await api.clusterTree.refresh();
    assert.deepEqual(await treeRows(api.clusterTree), []);
  });

  it('reports a failed connection with the failing API and code and a Show Log action', async () => {
    const api = await testApi();
    await useScenario({ machine: 'ADMIN1', configured: false, nodes: [{ name: 'NODE1' }] });
    await api.clusterTree.refresh();
    const before = api.notifications().length;
    const result = await vscode.commands.executeCommand('fcbackup.connect', 'NOSUCHCLUSTER');
    assert.equal(result, undefined);
    const shown = api.notifications().slice(before);
    assert.equal(shown.length, 1, JSON.stringify(shown));
    assert.equal(shown[0]!.severity, 'error');
    assert.match(shown[0]!.message, /^Connect to Cluster failed: /);
    assert.match(shown[0]!.message, /OpenCluster/);
    assert.match(shown[0]!.message, /\d{3,}|0x[0-9A-F]{8}/);
    assert.deepEqual(shown[0]!.actions, ['Show Log']);
    assert.ok(api.logLines().some((l) => l.includes('Connect to Cluster: failed')));
    assert.deepEqual(await treeRows(api.clusterTree), [], 'a failed connection must not add a cluster');
  });
});
