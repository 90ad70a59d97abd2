/**
 * Activation: loads no native code and starts no engine process; the trees are
 * registered and every contributed command has a handler. Runs first, before any
 * suite shows a tree.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { childEngineProcesses, extension, testApi } from './helpers';

/** Shared objects mapped into this (extension host) process whose path mentions koffi or the simulator. */
function nativeModulesInProcess(): string[] {
  const maps = '/proc/self/maps';
  const mapped = fs.existsSync(maps)
    ? fs.readFileSync(maps, 'utf8').split('\n').map((l) => l.split(/\s+/)[5] ?? '').filter((p) => /koffi|clussim/i.test(p))
    : [];
  const required = Object.keys(require.cache).filter((p) => /[\\/]koffi[\\/]|clussim/i.test(p));
  return [...new Set([...mapped, ...required])];
}

describe('activation', () => {
  it('activates without starting the engine process or loading native code', async () => {
    const api = await testApi();
    assert.equal(extension().isActive, true);
    assert.equal(api.engineStarted(), false, 'activation alone started an engine process');
    assert.equal(api.engineProcessId(), undefined);
    assert.deepEqual(childEngineProcesses(), [], 'an engine process runs under the extension host');
    assert.deepEqual(nativeModulesInProcess(), [], 'native code was loaded into the extension host');
    assert.equal(api.contextKeys()['fcbackup.clusterState'], 'loading');
    assert.ok(api.logLines().some((l) => l.includes('activated')), 'the log channel has no activation line');
  });

  it('registers a handler for every contributed command, all under one category', async () => {
    await testApi();
    const manifest = extension().packageJSON as {
      contributes: { commands: Array<{ command: string; category?: string }>; menus: { commandPalette: Array<{ command: string; when: string }> } };
    };
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = manifest.contributes.commands;
    assert.ok(contributed.length >= 8);
    for (const c of contributed) assert.ok(registered.has(c.command), `${c.command} has no handler`);
    assert.equal(new Set(contributed.map((c) => c.category)).size, 1, 'commands use more than one category');
    const hidden = manifest.contributes.menus.commandPalette.filter((m) => m.when === 'false').map((m) => m.command).sort();
    assert.deepEqual(hidden, ['fcbackup.copyName', 'fcbackup.disconnect', 'fcbackup.revealBackup']);
  });

  it('stays without an engine process while only the log is shown', async () => {
    const api = await testApi();
    await vscode.commands.executeCommand('fcbackup.showLog');
    assert.equal(api.engineStarted(), false);
    assert.deepEqual(nativeModulesInProcess(), []);
  });
});
