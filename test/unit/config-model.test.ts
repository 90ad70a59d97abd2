/** The configuration model read from a cluster database tree, including damaged and unusual ones. */
import * as assert from 'node:assert/strict';
import { configurationFromRegistry } from '../../src/config/parse';
import { comparePaxosTags, paxosRelation } from '../../src/config/paxos';
import { renderConfiguration } from '../../src/config/render';
import { RegType } from '../../src/hive/types';
import {
  GROUP_CORE, GROUP_SQL, RES_IP, RES_NAME, RES_SQL, RES_SQL_IP, binary, clusterTree, dword, key, multi, sz,
} from './configFixture';

describe('config model', () => {
  it('reads the cluster, its nodes, roles with their resources, types, networks and interfaces', () => {
    const c = configurationFromRegistry(clusterTree());
    assert.deepEqual(c.problems, []);
    assert.equal(c.clusterName, 'CLUSTER1');
    assert.equal(c.instanceId, '0a1b2c3d-0000-4000-8000-000000000001');
    assert.equal(c.paxosTag, '1:1:20');
    assert.deepEqual(c.nodes.map((n) => [n.id, n.name]), [['1', 'NODE1'], ['2', 'NODE2']]);
    assert.deepEqual(c.nodes[0].properties, [{ name: 'NodeHighestVersion', value: String(0x000b0000) }]);
    assert.deepEqual(c.roles.map((g) => g.name), ['Available Storage', 'Cluster Group', 'SQL1']);
    const core = c.roles.find((g) => g.id === GROUP_CORE)!;
    assert.equal(core.groupType, 1);
    assert.equal(core.persistentState, 1);
    assert.deepEqual(core.resourceIds, [RES_IP, RES_NAME]);
    const sql = c.roles.find((g) => g.id === GROUP_SQL)!;
    assert.deepEqual(sql.preferredOwners, ['1', '2']);
    const name = c.resources.find((r) => r.id === RES_NAME)!;
    assert.equal(name.type, 'Network Name');
    assert.equal(name.roleId, GROUP_CORE);
    assert.deepEqual(name.dependsOn, [RES_IP]);
    assert.deepEqual(name.parameters, [{ name: 'Name', value: 'CLUSTER1' }]);
    assert.deepEqual(c.resourceTypes.map((t) => [t.name, t.dllName]).slice(0, 2), [['IP Address', 'clusres.dll'], ['Network Name', 'clusres.dll']]);
    assert.deepEqual(c.networks.map((n) => [n.name, n.role, n.address, n.addressMask]), [['Cluster Network 1', 3, '10.0.0.0', '255.255.255.0']]);
    assert.equal(c.interfaces.length, 2);
    assert.deepEqual(c.interfaces.map((i) => i.nodeId), ['1', '2']);
    assert.deepEqual(c.quorum, [{ name: 'QuorumArbitrationTimeMax', value: '20' }, { name: 'Resource', value: '' }]);
  });

  it('reports missing and odd values and still reads the rest', () => {
    const root = key('', [sz('ClusterName', 'C'), dword('PaxosTag', 7), sz('Extra', 'x'), binary('ClusterInstanceID', [1])], [
      key('Nodes', [], [key('1', [])]),
      key('Groups', [], [key('g1', [sz('Name', 'R'), sz('GroupType', 'not a number'), multi('Contains', ['r1', 'ghost'])])]),
      key('Resources', [], [
        key('r1', [sz('Name', 'Disk'), sz('Type', 'Physical Disk'), sz('Group', 'g1'), sz('Name', 'again')]),
        key('r2', [{ name: 'Name', type: RegType.REG_DWORD, data: new Uint8Array([1]) }, multi('DependsOn', ['nowhere'])]),
        key('r3', [sz('Name', 'Orphan'), sz('Type', 'T'), sz('Group', 'gone')]),
      ]),
      key('Mystery', [binary('Blob', [1, 2, 255])]),
    ]);
    const c = configurationFromRegistry(root);
    assert.equal(c.clusterName, 'C');
    assert.equal(c.instanceId, '01');
    assert.equal(c.paxosTag, '7');
    assert.equal(c.nodes[0].name, '1');
    assert.equal(c.roles[0].groupType, null);
    assert.deepEqual(c.roles[0].resourceIds, ['r1']);
    assert.deepEqual(c.resources.map((r) => r.name).sort(), ['(short REG_DWORD: 01)', 'Disk', 'Orphan']);
    assert.deepEqual(c.properties, [{ name: 'Extra', value: 'x' }, { name: 'Mystery\\Blob', value: '0102ff' }]);
    const expected = [
      'the root key: ClusterInstanceID is REG_BINARY, not REG_SZ',
      'Resources\\r1: the value "Name" is stored twice; the first is used',
      'Resources\\r2: Name is REG_DWORD, not REG_SZ',
      'Resources\\r2: no Type value',
      'Groups\\g1: GroupType is not a number (REG_SZ, not a number)',
      'Groups\\g1: Contains ghost, which is not under Resources',
      'Resources\\r2: no Group value (the resource is in no role)',
      'Resources\\r2: DependsOn nowhere, which is not under Resources',
      'Resources\\r3: Group gone is not under Groups',
      'Nodes\\1: no NodeName value',
    ];
    for (const line of expected) assert.ok(c.problems.includes(line), `missing problem: ${line}\n${c.problems.join('\n')}`);
    assert.equal(c.problems.length, expected.length, c.problems.join('\n'));
    // The rendering still shows everything, with the loose resources and the problems.
    const text = renderConfiguration(c);
    assert.match(text, /Resources in no role \(2\)/);
    assert.match(text, /Problems read \(10\)/);
  });

  it('reads an empty tree as an empty configuration with problems, never throwing', () => {
    const c = configurationFromRegistry(key(''));
    assert.equal(c.clusterName, null);
    assert.deepEqual([c.nodes, c.roles, c.resources, c.networks], [[], [], [], []]);
    assert.deepEqual(c.problems, ['the root key: no ClusterName value', 'the root key: no ClusterInstanceID value', 'the root key: no PaxosTag value']);
  });

  it('takes a resource listed only in its role\'s Contains into that role, and says so', () => {
    const root = clusterTree();
    const resources = root.subkeys.find((k) => k.name === 'Resources')!;
    const sqlIp = resources.subkeys.find((k) => k.name === RES_SQL_IP)!;
    const withoutGroup = key(sqlIp.name, sqlIp.values.filter((v) => v.name !== 'Group'), sqlIp.subkeys);
    const patched = key('', root.values, root.subkeys.map((k) => k.name !== 'Resources' ? k
      : key('Resources', [], resources.subkeys.map((r) => (r.name === RES_SQL_IP ? withoutGroup : r)))));
    const c = configurationFromRegistry(patched);
    assert.deepEqual(c.roles.find((g) => g.id === GROUP_SQL)!.resourceIds, [RES_SQL_IP, RES_SQL]);
    assert.ok(c.problems.includes(`Groups\\${GROUP_SQL}: Contains ${RES_SQL_IP}, whose Group value does not name this role`));
  });

  it('renders the same text for the same configuration, whatever order the hive stored it in', () => {
    const root = clusterTree();
    const reversed = key('', [...root.values].reverse(), [...root.subkeys].reverse().map((k) => key(k.name, [...k.values].reverse(), [...k.subkeys].reverse())));
    const a = renderConfiguration(configurationFromRegistry(root));
    const b = renderConfiguration(configurationFromRegistry(reversed));
    assert.equal(a, b);
    assert.match(a, /^Cluster CLUSTER1\n {2}Instance ID: 0a1b2c3d/);
    assert.match(a, /\n {2}Role "SQL1" \{11111111-0000-0000-0000-000000000003\}\n {4}GroupType: 100\n {4}PersistentState: 1\n {4}Preferred owners: NODE1, NODE2\n {4}Resource "SQL IP Address"/);
    assert.match(a, /Resource "Cluster Name" \{[^}]+\}\n {6}Type: Network Name\n {6}Depends on: "Cluster IP Address"\n {6}Parameters\\Name: CLUSTER1\n/);
  });

  it('compares PaxosTags by their numbers', () => {
    assert.equal(comparePaxosTags('1:1:9', '1:1:10'), -1);
    assert.equal(comparePaxosTags('2:2:1', '1:1:99'), 1);
    assert.equal(comparePaxosTags('1:1:10', '1:1:10'), 0);
    assert.equal(comparePaxosTags('12', '9'), 1);
    assert.equal(comparePaxosTags('x', '1:1:1'), null);
    assert.equal(comparePaxosTags(null, '1:1:1'), null);
    assert.equal(paxosRelation('1:1:5', '1:1:7'), 'older');
    assert.equal(paxosRelation('1:1:8', '1:1:7'), 'newer');
    assert.equal(paxosRelation('1:1:7', '1:1:7'), 'same');
    assert.equal(paxosRelation('1:1', '1:1:7'), 'unknown');
  });
});
