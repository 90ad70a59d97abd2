/**
 * The node rows and their menus against the simulator: problem nodes first in a large
 * cluster, a spinning joining node, the menus each node state offers (package.json
 * when-clauses matched against the rows' context values), Pause/Resume and Stop/Start
 * Cluster Service run from a row (confirmed, read back into the tree), and the row and
 * context key of a process that is not elevated.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { NodeActionResult } from '../../../src/protocol';
import type { ScenarioSpec } from '../../support/scenario';
import { answerDialogs, assertEngineNoLeaks, cleanupTemp, extension, findRow, setSetting, testApi, treeRows, useScenario } from './helpers';

const NODE_COMMANDS = ['fcbackup.startClusterService', 'fcbackup.stopClusterService', 'fcbackup.pauseNode', 'fcbackup.resumeNode'];

/** The node commands package.json offers on a row with this context value (view/item/context). */
function nodeMenu(contextValue: string): string[] {
  const menus = (extension().packageJSON as { contributes: { menus: Record<string, Array<{ command: string; when?: string }>> } }).contributes.menus;
  return menus['view/item/context']
    .filter((item) => NODE_COMMANDS.includes(item.command))
    .filter((item) => {
      const match = /viewItem =~ \/(.*)\/$/.exec(item.when ?? '');
      assert.ok(match, `the menu item ${item.command} does not match the view item: ${item.when}`);
      return new RegExp(match[1]).test(contextValue);
    })
    .map((item) => item.command);
}

const twelveNodes: ScenarioSpec = {
  nodes: [
    { name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3', state: 'joining' }, { name: 'NODE4' },
    { name: 'NODE5', service: 'stopped' }, { name: 'NODE6' }, { name: 'NODE7', reachable: false }, { name: 'NODE8' },
    { name: 'NODE9', state: 'paused' }, { name: 'NODE10' }, { name: 'NODE11' }, { name: 'NODE12' },
  ],
};

describe('Node rows and actions', () => {
  after(async () => {
    await assertEngineNoLeaks();
    await setSetting('simulator.scenario', undefined);
    cleanupTemp();
  });

  it('lists problem nodes first in a large cluster, and a joining node spins', async () => {
    const api = await testApi();
    await useScenario(twelveNodes);
    await api.clusterTree.refresh();
    const rows = (await treeRows(api.clusterTree)).filter((r) => r.contextValue.startsWith('node-'));
    assert.deepEqual(rows.map((r) => `${r.label} ${r.contextValue} ${r.icon}`), [
      'NODE7 node-remote-unreachable debug-disconnect',
      'NODE5 node-remote-down error',
      'NODE3 node-remote-joining sync~spin',
      'NODE9 node-remote-paused debug-pause',
      'NODE1 node-local-up pass-filled',
      ...['NODE2', 'NODE4', 'NODE6', 'NODE8', 'NODE10', 'NODE11', 'NODE12'].map((n) => `${n} node-remote-up pass-filled`),
    ]);
  });

  it('offers on each node the actions its state allows', () => {
    assert.deepEqual(nodeMenu('node-remote-up'), ['fcbackup.stopClusterService', 'fcbackup.pauseNode']);
    assert.deepEqual(nodeMenu('node-local-up'), ['fcbackup.stopClusterService', 'fcbackup.pauseNode']);
    assert.deepEqual(nodeMenu('node-remote-paused'), ['fcbackup.stopClusterService', 'fcbackup.resumeNode']);
    assert.deepEqual(nodeMenu('node-remote-down'), ['fcbackup.startClusterService']);
    assert.deepEqual(nodeMenu('node-remote-joining'), ['fcbackup.stopClusterService']);
    assert.deepEqual(nodeMenu('node-remote-unreachable'), []);
    assert.deepEqual(nodeMenu('cluster-local'), []);
  });

  it('Pause asks first; declined changes nothing, confirmed pauses the node and the tree shows it; Resume brings it back', async () => {
    const api = await testApi();
    await useScenario({ nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3' }] });
    await api.clusterTree.refresh();
    let asked = answerDialogs(api, [{ pick: 'Best Possible Node' }, false]);
    assert.equal(await vscode.commands.executeCommand('fcbackup.pauseNode', findRow(await treeRows(api.clusterTree), 'NODE2').element), undefined);
    assert.deepEqual(asked.map((a) => a.kind), ['pick', 'confirm']);
    // Where the roles go: the best possible node first (the default), then the other nodes that are up.
    assert.match(asked[0]!.message, /Where do the roles of NODE2 go\?/);
    assert.equal(asked[0]!.actions[0], 'Best Possible Node — default');
    assert.deepEqual(asked[0]!.actions.slice(1).map((a) => a.split(' — ')[0]), ['NODE1', 'NODE3']);
    assert.match(asked[1]!.message, /Pause NODE2 and drain its roles\?/);
    assert.equal(findRow(await treeRows(api.clusterTree), 'NODE2').contextValue, 'node-remote-up');

    asked = answerDialogs(api, [{ pick: 'Best Possible Node' }, true]);
    const paused = await vscode.commands.executeCommand<NodeActionResult>('fcbackup.pauseNode', findRow(await treeRows(api.clusterTree), 'NODE2').element);
    assert.deepEqual(paused && { before: paused.before, after: paused.after, changed: paused.changed }, { before: 'up', after: 'paused', changed: true });
    assert.equal(findRow(await treeRows(api.clusterTree), 'NODE2').contextValue, 'node-remote-paused');
    assert.ok(api.logLines().some((l) => /NODE2 is paused; its roles were drained/.test(l)));

    answerDialogs(api, []);
    const resumed = await vscode.commands.executeCommand<NodeActionResult>('fcbackup.resumeNode', findRow(await treeRows(api.clusterTree), 'NODE2').element);
    assert.equal(resumed?.after, 'up');
    assert.equal(findRow(await treeRows(api.clusterTree), 'NODE2').contextValue, 'node-remote-up');

    // A specific node: PauseClusterNodeEx gets its handle as the drain target (the engine's log says so).
    asked = answerDialogs(api, [{ pick: 'NODE3' }, true]);
    const drained = await vscode.commands.executeCommand<NodeActionResult>('fcbackup.pauseNode', findRow(await treeRows(api.clusterTree), 'NODE2').element);
    assert.deepEqual(drained && { after: drained.after, drainTarget: drained.drainTarget }, { after: 'paused', drainTarget: 'NODE3' });
    assert.match(asked[1]!.message, /Pause NODE2 and drain its roles to NODE3\?/);
    assert.ok(api.logLines().some((l) => /PauseClusterNodeEx\(NODE2, drain yes, flags 0x1, target NODE3\) → requested/.test(l)), api.logLines().slice(-10).join('\n'));
    assert.ok(api.logLines().some((l) => /NODE2 is paused; its roles were drained to NODE3\./.test(l)));
    answerDialogs(api, []);
    await vscode.commands.executeCommand('fcbackup.resumeNode', findRow(await treeRows(api.clusterTree), 'NODE2').element);
  });

  it('Stop Cluster Service asks first and the node shows down; Start brings it up; a failure names the API and code', async () => {
    const api = await testApi();
    await useScenario({ nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3' }] });
    await api.clusterTree.refresh();
    const asked = answerDialogs(api, [true]);
    const stopped = await vscode.commands.executeCommand<NodeActionResult>('fcbackup.stopClusterService', findRow(await treeRows(api.clusterTree), 'NODE3').element);
    assert.equal(asked[0]!.kind, 'confirm');
    assert.match(asked[0]!.message, /Stop the cluster service on NODE3\?/);
    assert.equal(stopped?.after, 'down');
    assert.equal(findRow(await treeRows(api.clusterTree), 'NODE3').contextValue, 'node-remote-down');
    answerDialogs(api, []);
    const started = await vscode.commands.executeCommand<NodeActionResult>('fcbackup.startClusterService', findRow(await treeRows(api.clusterTree), 'NODE3').element);
    assert.equal(started?.after, 'up');
    assert.equal(findRow(await treeRows(api.clusterTree), 'NODE3').contextValue, 'node-remote-up');

    // Resuming a node that is not paused is nothing to do; pausing an unreachable one fails with its code.
    await useScenario({ nodes: [{ name: 'NODE1' }, { name: 'NODE2', reachable: false }] });
    await api.clusterTree.refresh();
    answerDialogs(api, [{ pick: 'Best Possible Node' }, true]);
    const failed = await vscode.commands.executeCommand('fcbackup.pauseNode', 'NODE2');
    assert.equal(failed, undefined);
    assert.ok(api.logLines().some((l) => /Pause \(Drain Roles\): failed: .*OpenClusterNode failed: RPC_S_SERVER_UNAVAILABLE \(1722\)/.test(l)),
      api.logLines().slice(-10).join('\n'));
  });

  it('a process that is not elevated shows a warning row saying what to do, and turns backup and restore off', async () => {
    const api = await testApi();
    await useScenario({ elevated: false });
    await api.clusterTree.refresh();
    const rows = await treeRows(api.clusterTree);
    assert.equal(rows[0]!.label, 'Not running as administrator: back up and restore are turned off');
    assert.equal(rows[0]!.contextValue, 'message-warning');
    assert.equal(api.contextKeys()['fcbackup.notElevated'], true);
    await useScenario({});
    await api.clusterTree.refresh();
    assert.equal(api.contextKeys()['fcbackup.notElevated'], false);
    assert.notEqual((await treeRows(api.clusterTree))[0]!.contextValue, 'message-warning');
  });
});
