/**
 * Welcome views: for each state without a running cluster, the Failover Clusters
 * tree is empty and the fcbackup.clusterState context key selects the one welcome
 * view of package.json written for that state; a failed detection shows a message
 * row and a notification instead.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScenarioSpec } from '../../support/scenario';
import { cleanupTemp, extension, setSetting, testApi, treeRows, useScenario, writeBrokenScenario, assertEngineNoLeaks } from './helpers';

interface WelcomeEntry { view: string; when: string; contents: string }

/** A manifest string with its %key% placeholder looked up in package.nls.json. */
function manifestText(value: string): string {
  const key = /^%(.+)%$/.exec(value)?.[1];
  if (!key) return value;
  const nls = JSON.parse(fs.readFileSync(path.join(extension().extensionPath, 'package.nls.json'), 'utf8')) as Record<string, string>;
  const text = nls[key];
  assert.ok(text, `package.nls.json has no ${key}`);
  return text;
}

function welcomeEntriesFor(state: string): WelcomeEntry[] {
  const manifest = extension().packageJSON as { contributes: { viewsWelcome: WelcomeEntry[] } };
  return manifest.contributes.viewsWelcome.filter((w) => w.view === 'fcbackup.clusters' && w.when === `fcbackup.clusterState == ${state}`);
}

const cases: Array<{ title: string; spec: ScenarioSpec; state: string }> = [
  { title: 'the Failover Clustering feature is not installed', spec: { machine: 'SRV1', installed: false, nodes: [] }, state: 'notInstalled' },
  { title: 'the feature is installed but the server is not a cluster node', spec: { machine: 'SRV1', configured: false, nodes: [] }, state: 'notConfigured' },
  {
    title: 'the cluster service is stopped (a stand-alone server)',
    spec: { nodes: [{ name: 'NODE1', service: 'stopped' }, { name: 'NODE2' }] },
    state: 'notRunning',
  },
];

describe('welcome views', () => {
  const savedSimulate = process.env.FCBACKUP_SIMULATE;

  before(() => {
    // The setting decides in these tests, not an inherited environment variable.
    delete process.env.FCBACKUP_SIMULATE;
  });

  after(async () => {
    await assertEngineNoLeaks();
    if (savedSimulate !== undefined) process.env.FCBACKUP_SIMULATE = savedSimulate;
    await setSetting('simulator.scenario', undefined);
    cleanupTemp();
  });

  for (const c of cases) {
    it(`shows the ${c.state} welcome view when ${c.title}`, async () => {
      const api = await testApi();
      await useScenario(c.spec);
      await api.clusterTree.refresh();
      assert.equal(api.contextKeys()['fcbackup.clusterState'], c.state);
      assert.deepEqual((await treeRows(api.clusterTree)).map((r) => r.label), [], 'the tree must be empty for its welcome view to show');
      const entries = welcomeEntriesFor(c.state);
      assert.equal(entries.length, 1, `package.json has no single welcome view for ${c.state}`);
      assert.ok(manifestText(entries[0]!.contents).length > 40);
      assert.ok(api.logLines().some((l) => l.includes('GetNodeClusterState')), 'the detection step is not in the log');
    });
  }

  it('says what can still be done on a stand-alone server: an offline-hive backup', () => {
    const [entry] = welcomeEntriesFor('notRunning');
    assert.ok(entry);
    const text = manifestText(entry.contents);
    assert.match(text, /offline registry hive/);
    assert.match(text, /\(command:fcbackup\.backup\)/);
  });

  // Off Windows only: on Windows the system DLLs are always a native target.
  if (process.platform !== 'win32') it('shows the notWindows welcome view without starting an engine when no simulator is configured', async () => {
    const api = await testApi();
    await setSetting('simulator.scenario', undefined);
    await api.clusterTree.refresh();
    assert.equal(api.contextKeys()['fcbackup.clusterState'], 'notWindows');
    assert.equal(api.engineProcessId(), undefined, 'an engine process runs without a native target');
    assert.deepEqual((await treeRows(api.clusterTree)).map((r) => r.label), []);
    assert.equal(welcomeEntriesFor('notWindows').length, 1);
    await api.backupsTree.refresh();
    assert.ok(['unavailable', 'noFolder'].includes(String(api.contextKeys()['fcbackup.backupsState'])));
  });

  it('shows a failed detection as a message row and a notification with Show Log', async () => {
    const api = await testApi();
    const scenario = writeBrokenScenario();
    await setSetting('simulator.scenario', scenario);
    const before = api.notifications().length;
    await api.clusterTree.refresh();
    assert.equal(api.contextKeys()['fcbackup.clusterState'], 'error');
    const rows = await treeRows(api.clusterTree);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.contextValue, 'message-error');
    assert.match(rows[0]!.label, /scenario/i);
    const shown = api.notifications().slice(before);
    assert.ok(shown.some((n) => n.severity === 'error' && n.actions.includes('Show Log') && /scenario/i.test(n.message)),
      `no error notification with Show Log: ${JSON.stringify(shown)}`);
  });
});
