/** Comparing two configurations, its text, and the lines a restore confirmation shows. */
import * as assert from 'node:assert/strict';
import { compareConfigurations } from '../../src/config/diff';
import { configurationFromRegistry } from '../../src/config/parse';
import { describeChange, describeObject, renderDiff } from '../../src/config/render';
import { rollbackText } from '../../src/config/rollback';
import { GROUP_SQL, RES_DISK1, RES_SQL, RES_SQL_IP, clusterTree, sampleSpec, sz } from './configFixture';

const GROUP_SQL2 = '11111111-0000-0000-0000-000000000009';

function changedCluster() {
  const spec = sampleSpec();
  return clusterTree({
    paxosTag: '1:1:27',
    nodes: [...spec.nodes, 'NODE3'],
    groups: [
      ...spec.groups.map((g) => (g.id === GROUP_SQL ? { ...g, persistentState: 0, preferredOwners: ['2', '1'] } : g)),
      { id: GROUP_SQL2, name: 'SQL2', groupType: 100, persistentState: 1 },
    ],
    resources: spec.resources
      .filter((r) => r.id !== RES_DISK1)
      .map((r) => (r.id === RES_SQL_IP ? { ...r, parameters: [sz('Address', '10.0.0.21')] } : r)),
  });
}

describe('config diff', () => {
  it('finds nothing between two reads of the same database', () => {
    const a = configurationFromRegistry(clusterTree());
    const diff = compareConfigurations(a, configurationFromRegistry(clusterTree()));
    assert.equal(diff.equal, true);
    assert.deepEqual(diff.changes, []);
    assert.equal(diff.summary, 'No differences');
  });

  it('lists roles, resources and nodes added and removed, and properties changed, in a fixed order', () => {
    const before = configurationFromRegistry(clusterTree());
    const after = configurationFromRegistry(changedCluster());
    const diff = compareConfigurations(before, after);
    assert.equal(diff.equal, false);
    assert.deepEqual(diff.changes.map(describeChange), [
      'the cluster: PaxosTag changed from "1:1:20" to "1:1:27"',
      'node "NODE3" added',
      'role "SQL1": PersistentState changed from "1" to "0"',
      'role "SQL1": Preferred owners changed from "NODE1, NODE2" to "NODE2, NODE1"',
      'role "SQL2" added',
      'resource "Cluster Disk 1" (role "Available Storage") removed',
      'resource "SQL IP Address" (role "SQL1"): Parameters\\Address changed from "10.0.0.20" to "10.0.0.21"',
      'resource type "Physical Disk" removed',
      'network interface "NODE3 - Ethernet" added',
    ]);
    assert.equal(diff.summary, '9 changes: 1 node added, 1 role added, 1 resource removed, 1 resource type removed, 1 network interface added, 4 properties changed');
    const removed = diff.changes.find((c) => c.change === 'removed' && c.object === 'resource')!;
    assert.equal(removed.id, RES_DISK1);
  });

  it('is direction-aware: the reverse comparison swaps added and removed', () => {
    const before = configurationFromRegistry(clusterTree());
    const after = configurationFromRegistry(changedCluster());
    const back = compareConfigurations(after, before);
    assert.deepEqual(back.changes.filter((c) => c.object === 'role' && c.change !== 'changed').map(describeChange), ['role "SQL2" removed']);
    assert.equal(back.changes.length, compareConfigurations(before, after).changes.length);
  });

  it('matches objects by key without regard to case, and names a dependency by its resource', () => {
    const spec = sampleSpec();
    const upper = clusterTree({ resources: spec.resources.map((r) => ({ ...r, id: r.id.toUpperCase(), group: r.group.toUpperCase() })) });
    assert.equal(compareConfigurations(configurationFromRegistry(clusterTree()), configurationFromRegistry(upper)).equal, true);
    const rewired = clusterTree({ resources: spec.resources.map((r) => (r.id === RES_SQL ? { ...r, dependsOn: [] } : r)) });
    const diff = compareConfigurations(configurationFromRegistry(clusterTree()), configurationFromRegistry(rewired));
    assert.deepEqual(diff.changes.map(describeChange), ['resource "SQL Server" (role "SQL1"): Depends on changed from "SQL IP Address" to (none)']);
  });

  it('quotes names as stored, without escaping', () => {
    assert.equal(describeObject({ change: 'added', object: 'resource', id: 'x', name: 'File Server (\\\\FS1)', role: 'FS1' }),
      'resource "File Server (\\\\FS1)" (role "FS1")');
  });

  it('renders the comparison for a person', () => {
    const diff = compareConfigurations(configurationFromRegistry(clusterTree()), configurationFromRegistry(changedCluster()));
    const text = renderDiff(diff, 'A', 'B');
    assert.match(text, /^Comparing A with B: 9 changes: /);
    assert.equal(text.split('\n').filter((l) => l.startsWith('  ')).length, 9);
  });

  it('says what a restore rolls back, capped, without the PaxosTag', () => {
    const backup = configurationFromRegistry(clusterTree());
    const live = configurationFromRegistry(changedCluster());
    const text = rollbackText(compareConfigurations(backup, live), 3);
    assert.equal(text.count, 8);
    assert.deepEqual(text.lines, [
      'node "NODE3" added since the backup',
      'role "SQL1": PersistentState changed since the backup ("1" → "0")',
      'role "SQL1": Preferred owners changed since the backup ("NODE1, NODE2" → "NODE2, NODE1")',
    ]);
    assert.equal(text.more, 5);
    assert.match(text.sentence, /^The restore rolls back 8 changes: node "NODE3" added since the backup; .*; and 5 more\.$/);
    const none = rollbackText(compareConfigurations(backup, configurationFromRegistry(clusterTree({ paxosTag: '1:1:30' }))));
    assert.equal(none.count, 0);
    assert.match(none.sentence, /rolls back no configuration change/);
  });
});
