/** The rows a set expands into, and the rollback lines of the restore confirmations (pure UI models). */
import * as assert from 'node:assert/strict';
import { compareConfigurations } from '../../src/config/diff';
import type { ConfigurationSource } from '../../src/config/model';
import { configurationFromRegistry } from '../../src/config/parse';
import { rollbackText } from '../../src/config/rollback';
import { configItem, configurationChildren, configurationRoots, paxosDescription, type ConfigElement } from '../../src/ui/configRows';
import { rollbackDetailLines } from '../../src/ui/rollbackLines';
import { itemModel } from '../../src/ui/treeModel';
import { isTreeElement } from '../../src/ui/elements';
import { GROUP_SQL, clusterTree, sampleSpec } from './configFixture';

const SET_ID = 'backupSet//sets/CLUSTER1_NODE1_20261201T100000Z';

function source(tree = clusterTree()): ConfigurationSource {
  return { label: 'backup CLUSTER1_NODE1_20261201T100000Z', configuration: configurationFromRegistry(tree), setPath: '/sets/x', sha256: 'ab'.repeat(32) };
}

function rows(elements: ConfigElement[], liveTag?: string | null): { label: string; description?: string; contextValue: string; collapsible: string }[] {
  return elements.map((e) => {
    const m = configItem(e, liveTag);
    return { label: m.label, description: m.description, contextValue: m.contextValue, collapsible: m.collapsible };
  });
}

describe('config UI rows', () => {
  it('a set expands into the cluster, Roles, Nodes and Networks; roles into their resources', () => {
    const roots = configurationRoots(SET_ID, source());
    assert.deepEqual(rows(roots, '1:1:27'), [
      { label: 'Cluster CLUSTER1', description: 'PaxosTag 1:1:20 · older than the live cluster\'s (1:1:27)', contextValue: 'config-cluster', collapsible: 'none' },
      { label: 'Roles', description: '3', contextValue: 'configSection-roles', collapsible: 'collapsed' },
      { label: 'Nodes', description: '2', contextValue: 'configSection-nodes', collapsible: 'collapsed' },
      { label: 'Networks', description: '1', contextValue: 'configSection-networks', collapsible: 'collapsed' },
    ]);
    const roles = configurationChildren(roots[1]);
    assert.deepEqual(rows(roles), [
      { label: 'Available Storage', description: '1 resource(s)', contextValue: 'config-role', collapsible: 'collapsed' },
      { label: 'Cluster Group', description: '2 resource(s)', contextValue: 'config-role', collapsible: 'collapsed' },
      { label: 'SQL1', description: '2 resource(s) · preferred NODE1, NODE2', contextValue: 'config-role', collapsible: 'collapsed' },
    ]);
    const sql = roles.find((r) => r.kind === 'configObject' && r.key === GROUP_SQL)!;
    assert.deepEqual(rows(configurationChildren(sql)), [
      { label: 'SQL IP Address', description: 'IP Address', contextValue: 'config-resource', collapsible: 'none' },
      { label: 'SQL Server', description: 'SQL Server · depends on SQL IP Address', contextValue: 'config-resource', collapsible: 'none' },
    ]);
    const resourceTooltip = configItem(configurationChildren(sql)[0], undefined).tooltip ?? '';
    assert.match(resourceTooltip, /Parameters\\Address: 10\.0\.0\.20/);
    assert.deepEqual(rows(configurationChildren(roots[2])).map((r) => [r.label, r.description]), [['NODE1', 'id 1'], ['NODE2', 'id 2']]);
    assert.deepEqual(rows(configurationChildren(roots[3])).map((r) => [r.label, r.description]), [['Cluster Network 1', '10.0.0.0/255.255.255.0 · role 3']]);
    // Ids are unique and below the set's id; the elements are tree elements the commands recognise.
    const all = [...roots, ...roles, ...configurationChildren(sql)];
    assert.equal(new Set(all.map((e) => e.id)).size, all.length);
    for (const e of all) {
      assert.ok(e.id.startsWith(`${SET_ID}/config/`), e.id);
      assert.ok(isTreeElement(e));
      assert.equal(itemModel(e).label, configItem(e, undefined).label);
    }
  });

  it('says how the set\'s PaxosTag stands to the live cluster\'s', () => {
    assert.equal(paxosDescription('1:1:30', '1:1:27'), 'PaxosTag 1:1:30 · newer than the live cluster\'s (1:1:27)');
    assert.equal(paxosDescription('1:1:27', '1:1:27'), 'PaxosTag 1:1:27 · same as the live cluster');
    assert.equal(paxosDescription('1:1:27', undefined), 'PaxosTag 1:1:27');
    assert.equal(paxosDescription(null, '1:1:27'), 'no PaxosTag');
  });

  it('a configuration with problems says so on its cluster row', () => {
    const root = clusterTree();
    const broken = { ...root, values: root.values.filter((v) => v.name !== 'ClusterInstanceID') };
    const cluster = configItem(configurationRoots(SET_ID, source(broken))[0], undefined);
    assert.equal(cluster.description, 'PaxosTag 1:1:20 · 1 problem(s)');
    assert.match(cluster.tooltip ?? '', /⚠ the root key: no ClusterInstanceID value/);
    assert.equal(cluster.icon.id, 'warning');
  });

  it('the restore confirmation lists what the restore rolls back, capped', () => {
    const spec = sampleSpec();
    const live = configurationFromRegistry(clusterTree({
      paxosTag: '1:1:30',
      nodes: [...spec.nodes, 'NODE3', 'NODE4'],
      groups: [...spec.groups, { id: 'g-sql2', name: 'SQL2' }, { id: 'g-sql3', name: 'SQL3' }, { id: 'g-sql4', name: 'SQL4' }, { id: 'g-sql5', name: 'SQL5' }],
    }));
    const text = rollbackText(compareConfigurations(source().configuration, live));
    assert.equal(text.count, 8);
    const lines = rollbackDetailLines(text, true);
    assert.deepEqual(lines, [
      '',
      'The restore rolls back 8 change(s) made since the backup:',
      '• node "NODE3" added since the backup',
      '• node "NODE4" added since the backup',
      '• role "SQL2" added since the backup',
      '• role "SQL3" added since the backup',
      '• role "SQL4" added since the backup',
      '… and 3 more (Show Full Difference lists them all).',
    ]);
    assert.match(rollbackDetailLines(text, false)[1], /^This node's copy rolls back 8 change\(s\)/);
    const nothing = rollbackDetailLines(rollbackText(compareConfigurations(source().configuration, source().configuration)), true);
    assert.deepEqual(nothing, ['', 'The live configuration matches the backup: the restore rolls back no configuration change.']);
  });
});
