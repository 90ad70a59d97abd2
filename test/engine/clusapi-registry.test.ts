/**
 * The cluster registry API (GetClusterKey, ClusterReg*) through the real bridge against
 * the simulator's live CLUSDB hive, and readLiveClusterDatabase on top of it: the tree
 * the scenario describes, changes that a second walk sees (and that move PaxosTag on),
 * the documented buffer rules (characters for names, bytes for data, ERROR_MORE_DATA
 * with the size needed, ERROR_NO_MORE_ITEMS at the end), errors, and key handles in
 * the leak report. Pure Node: also runs under Wine. (The hive file itself is checked
 * against hivex in test/process/simulator-hive.test.ts.)
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LIVE_ROOT_NAME, readLiveClusterDatabase } from '../../src/engine/liveRegistry';
import { RegType, type RegistryKey } from '../../src/hive/types';
import { openClusterEx, withCluster, GENERIC_READ } from '../../src/native/clusapi';
import {
  clusterRegEnumKeyOnce, clusterRegEnumValueOnce, clusterRegQueryValueOnce, createClusterSubkey, deleteClusterSubkey,
  deleteClusterValue, enumClusterSubkey, getClusterKey, KEY_ALL_ACCESS, KEY_READ, openClusterSubkey, queryClusterKeyInfo,
  queryClusterValue, queryClusterValueSize, REG_CREATED_NEW_KEY, setClusterValue, withClusterKey, withSubkey,
} from '../../src/native/clusapiRegistry';
import { startServiceOn, stopServiceOn } from '../../src/native/advapi32';
import { simulatorLeakReport } from '../../src/native/simulator';
import { DEFAULT_GROUPS, DEFAULT_NETWORKS, DEFAULT_RESOURCES, resolveScenario, type ScenarioSpec } from '../support/scenario';
import { printable, subkeyAt, valueOf } from '../support/registryTree';
import { isWin32Error, suiteScenarios } from '../support/sim';

const ERROR_MORE_DATA = 234;
const ERROR_NO_MORE_ITEMS = 259;
const ERROR_SUCCESS = 0;

const utf16z = (s: string): Uint8Array => new Uint8Array(Buffer.from(`${s}\0`, 'utf16le'));
const dword = (n: number): Uint8Array => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return new Uint8Array(b);
};

/** What the cluster database of a scenario must hold, checked key by key against a tree. */
function assertDatabaseOf(tree: RegistryKey, spec: ScenarioSpec): void {
  const s = resolveScenario(spec);
  assert.equal(tree.name, LIVE_ROOT_NAME);
  assert.deepEqual(tree.values.map((v) => v.name), ['ClusterName', 'ClusterInstanceID', 'PaxosTag']);
  assert.equal(valueOf(tree, 'ClusterName'), s.cluster.name);
  assert.match(String(valueOf(tree, 'ClusterInstanceID')), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(valueOf(tree, 'PaxosTag'), s.cluster.paxosTag);
  assert.deepEqual(tree.subkeys.map((k) => k.name),
    ['Groups', 'NetworkInterfaces', 'Networks', 'Nodes', 'Quorum', 'Resources', 'ResourceTypes']);

  const nodeIds = new Map(s.nodes.map((n) => [n.name, n.id]));
  const nodes = subkeyAt(tree, 'Nodes')!;
  assert.deepEqual(nodes.subkeys.map((k) => [k.name, valueOf(k, 'NodeName'), valueOf(k, 'NodeWeight')]).sort(),
    s.nodes.map((n) => [n.id, n.name, n.votes]).sort());

  const idOf = (kind: 'Groups' | 'Resources' | 'Networks', name: string): string => {
    const found = subkeyAt(tree, kind)!.subkeys.filter((k) => valueOf(k, 'Name') === name);
    assert.equal(found.length, 1, `${kind} holds one key named ${name}`);
    return found[0].name;
  };
  for (const g of s.groups) {
    const id = idOf('Groups', g.name);
    if (g.id) assert.equal(id, g.id.toLowerCase());
    const key = subkeyAt(tree, `Groups\\${id}`);
    assert.equal(valueOf(key, 'GroupType'), g.type ?? 9999);
    assert.equal(valueOf(key, 'PersistentState'), g.state === 'offline' ? 0 : 1);
    assert.deepEqual(valueOf(key, 'Contains'), s.resources.filter((r) => r.group === g.name).map((r) => idOf('Resources', r.name)));
    assert.deepEqual(valueOf(key, 'PreferredOwners'), (g.preferredOwners ?? []).map((n) => nodeIds.get(n)));
  }
  for (const r of s.resources) {
    const key = subkeyAt(tree, `Resources\\${idOf('Resources', r.name)}`);
    assert.equal(valueOf(key, 'Type'), r.type);
    assert.equal(valueOf(key, 'Group'), idOf('Groups', r.group));
    assert.deepEqual(valueOf(key, 'DependsOn'), (r.dependsOn ?? []).map((d) => idOf('Resources', d)));
    assert.equal(valueOf(key, 'PersistentState'), r.state === 'offline' ? 0 : 1);
    const params = subkeyAt(key!, 'Parameters')!;
    assert.deepEqual(Object.fromEntries(params.values.map((v) => [v.name, valueOf(params, v.name)])), r.parameters ?? {});
    const type = subkeyAt(tree, `ResourceTypes\\${r.type}`);
    assert.equal(valueOf(type, 'Name'), r.type);
    assert.match(String(valueOf(type, 'DllName')), /\.dll$/);
  }
  assert.equal(subkeyAt(tree, 'ResourceTypes')!.subkeys.length, new Set(s.resources.map((r) => r.type.toUpperCase())).size);
  for (const n of s.networks) {
    const key = subkeyAt(tree, `Networks\\${idOf('Networks', n.name)}`);
    assert.deepEqual([valueOf(key, 'Role'), valueOf(key, 'Address'), valueOf(key, 'AddressMask')], [n.role ?? 3, n.address ?? '', n.addressMask ?? '']);
  }
  const interfaces = subkeyAt(tree, 'NetworkInterfaces')!.subkeys;
  assert.deepEqual(interfaces.map((k) => `${valueOf(k, 'Node')}/${valueOf(k, 'Network')}`).sort(),
    s.nodes.flatMap((node) => s.networks.map((n) => `${node.id}/${idOf('Networks', n.name)}`)).sort());
  if (s.cluster.quorum && s.resources.some((r) => r.name === s.cluster.quorum?.resource)) {
    assert.equal(valueOf(subkeyAt(tree, 'Quorum'), 'Resource'), idOf('Resources', s.cluster.quorum.resource));
  }
}

describe('cluster registry API (simulator)', () => {
  const scenario = suiteScenarios();

  describe('reading the live database', () => {
    it('walks the tree the default scenario describes: core group, storage, a file server and a SQL Server role', () => {
      scenario();
      const tree = readLiveClusterDatabase();
      assertDatabaseOf(tree, {});
      assert.equal(DEFAULT_GROUPS.length, 4);
      assert.ok(DEFAULT_RESOURCES.some((r) => r.type === 'SQL Server' && (r.dependsOn ?? []).length === 2));
      assert.equal(DEFAULT_NETWORKS.length, 2);
      // By the cluster's name the same database is read.
      assert.deepEqual(printable(readLiveClusterDatabase('CLUSTER1')), printable(tree));
    });

    it('walks a scenario of its own: Unicode names, preferred owners, every parameter type, a value over 16,344 bytes', () => {
      const spec: ScenarioSpec = {
        cluster: { name: 'Кластер', paxosTag: 4711 },
        nodes: [{ name: 'NODE1' }, { name: 'Узел-2', votes: 0 }],
        groups: [{ name: 'Café role', type: 107, preferredOwners: ['Узел-2', 'NODE1'] }, { name: 'ロール 🚀', state: 'offline' }],
        resources: [
          { name: 'App', type: 'Generic Application', group: 'Café role', parameters: { CommandLine: 'x'.repeat(20_000), Retries: 3, Hosts: ['a', 'б'] } },
          { name: 'Disk', type: 'Physical Disk', group: 'ロール 🚀' },
          { name: 'Name', type: 'Network Name', group: 'Café role', dependsOn: ['App', 'Disk'] },
        ],
        networks: [{ name: 'Сеть', role: 1, address: '192.168.0.0', addressMask: '255.255.255.0' }],
      };
      scenario(spec);
      const tree = readLiveClusterDatabase();
      assertDatabaseOf(tree, spec);
      const app = subkeyAt(tree, 'Resources')!.subkeys.find((k) => valueOf(k, 'Name') === 'App')!;
      assert.equal(subkeyAt(app, 'Parameters')!.values.find((v) => v.name === 'CommandLine')!.data.length, 40_002);
    });

    it('reads a restored database: another CLUSDB in place changes the walk', () => {
      const old = scenario({ cluster: { name: 'OLD' }, nodes: [{ name: 'NODE1' }, { name: 'NODE2' }], groups: [], resources: [], networks: [] });
      const oldFile = path.join(old.dir, 'Windows', 'Cluster', 'CLUSDB');
      readLiveClusterDatabase();
      const s = scenario();
      assert.equal(valueOf(readLiveClusterDatabase(), 'ClusterName'), 'CLUSTER1');
      fs.copyFileSync(oldFile, path.join(s.dir, 'Windows', 'Cluster', 'CLUSDB'));
      const tree = readLiveClusterDatabase('OLD');
      assert.equal(valueOf(tree, 'ClusterName'), 'OLD');
      assert.deepEqual(subkeyAt(tree, 'Groups')!.subkeys, []);
      assert.deepEqual(subkeyAt(tree, 'Nodes')!.subkeys.map((k) => valueOf(k, 'NodeName')), ['NODE1', 'NODE2']);
    });

    it('fails as the service does: EPT_S_NOT_REGISTERED (1753) once the local cluster service stopped', () => {
      scenario({ servicePendingPolls: 0 });
      withCluster(null, (cluster) => {
        const key = getClusterKey(cluster, KEY_READ);
        try {
          stopServiceOn(undefined, 'ClusSvc');
          assert.throws(() => enumClusterSubkey(key, 0), isWin32Error('ClusterRegEnumKey', 1753));
          assert.throws(() => getClusterKey(cluster, KEY_READ), isWin32Error('GetClusterKey', 1753));
        } finally {
          key.close();
          startServiceOn(undefined, 'ClusSvc');
        }
      });
    });
  });

  describe('changing the live database', () => {
    it('creates, sets, deletes: a second walk sees each change and PaxosTag moves on by one per change', () => {
      const s = scenario();
      const file = path.join(s.dir, 'Windows', 'Cluster', 'CLUSDB');
      const sizeBefore = fs.statSync(file).size;
      withCluster(null, (cluster) => withClusterKey(cluster, KEY_ALL_ACCESS, (root) => {
        const { key, created } = createClusterSubkey(root, 'Groups\\0f0e0d0c-0b0a-4908-8706-050403020100');
        try {
          assert.equal(created, true);
          setClusterValue(key, 'Name', RegType.REG_SZ, utf16z('SQL2'));
          setClusterValue(key, 'GroupType', RegType.REG_DWORD, dword(9999));
        } finally {
          key.close();
        }
        const again = createClusterSubkey(root, 'groups\\0F0E0D0C-0B0A-4908-8706-050403020100');
        again.key.close();
        assert.equal(again.created, false);
        withSubkey(root, 'Nodes\\4', KEY_ALL_ACCESS, (node) => deleteClusterValue(node, 'NodeWeight'));
      }));
      let tree = readLiveClusterDatabase();
      const added = subkeyAt(tree, 'Groups\\0f0e0d0c-0b0a-4908-8706-050403020100');
      assert.deepEqual([valueOf(added, 'Name'), valueOf(added, 'GroupType')], ['SQL2', 9999]);
      assert.equal(valueOf(subkeyAt(tree, 'Nodes\\4'), 'NodeWeight'), undefined);
      assert.equal(valueOf(tree, 'PaxosTag'), 1 + 4, 'one create, two sets and a delete');
      assert.ok(fs.statSync(file).size >= sizeBefore, 'the hive does not shrink');

      withCluster(null, (cluster) => withClusterKey(cluster, KEY_ALL_ACCESS, (root) => {
        assert.throws(() => deleteClusterSubkey(root, 'Groups'), isWin32Error('ClusterRegDeleteKey', 5), 'only keys without subkeys');
        deleteClusterSubkey(root, 'Groups\\0f0e0d0c-0b0a-4908-8706-050403020100');
        assert.throws(() => deleteClusterSubkey(root, 'Groups\\0f0e0d0c-0b0a-4908-8706-050403020100'), isWin32Error('ClusterRegDeleteKey', 2));
        assert.throws(() => deleteClusterValue(root, 'NoSuchValue'), isWin32Error('ClusterRegDeleteValue', 2));
      }));
      tree = readLiveClusterDatabase();
      assert.equal(subkeyAt(tree, 'Groups\\0f0e0d0c-0b0a-4908-8706-050403020100'), undefined);
      assert.equal(valueOf(tree, 'PaxosTag'), 6);
    });

    it('stores big values (over 16,344 bytes) and every value type unchanged', () => {
      scenario();
      const big = new Uint8Array(70_000).map((_, i) => (i * 7) & 0xff);
      const qword = new Uint8Array(Buffer.from('0102030405060708', 'hex'));
      withCluster(null, (cluster) => withClusterKey(cluster, KEY_ALL_ACCESS, (root) => {
        setClusterValue(root, 'Big', RegType.REG_BINARY, big);
        setClusterValue(root, 'Q', RegType.REG_QWORD, qword);
        setClusterValue(root, 'Empty', RegType.REG_NONE, new Uint8Array());
        setClusterValue(root, '', RegType.REG_EXPAND_SZ, utf16z('%SystemRoot%'));
        setClusterValue(root, 'Odd', 0x1234, new Uint8Array([1, 2, 3]));
        assert.equal(queryClusterValueSize(root, 'Big'), 70_000);
        assert.deepEqual(queryClusterValue(root, 'Big')?.data, big);
        assert.equal(queryClusterValue(root, 'Missing'), null);
      }));
      const tree = readLiveClusterDatabase();
      const byName = new Map(tree.values.map((v) => [v.name, v]));
      assert.deepEqual(byName.get('Big'), { name: 'Big', type: RegType.REG_BINARY, data: big });
      assert.deepEqual(byName.get('Q'), { name: 'Q', type: RegType.REG_QWORD, data: qword });
      assert.deepEqual(byName.get('Empty'), { name: 'Empty', type: RegType.REG_NONE, data: new Uint8Array() });
      assert.deepEqual(byName.get(''), { name: '', type: RegType.REG_EXPAND_SZ, data: utf16z('%SystemRoot%') });
      assert.deepEqual(byName.get('Odd'), { name: 'Odd', type: 0x1234, data: new Uint8Array([1, 2, 3]) });
    });

    it('refuses writes through a read-only key or cluster handle with ERROR_ACCESS_DENIED, changing nothing', () => {
      scenario();
      const before = printable(readLiveClusterDatabase());
      withCluster(null, (cluster) => withClusterKey(cluster, KEY_READ, (root) => {
        assert.throws(() => setClusterValue(root, 'X', RegType.REG_DWORD, dword(1)), isWin32Error('ClusterRegSetValue', 5));
        assert.throws(() => createClusterSubkey(root, 'New'), isWin32Error('ClusterRegCreateKey', 5));
      }));
      const { handle } = openClusterEx(null, GENERIC_READ);
      try {
        assert.throws(() => getClusterKey(handle, KEY_ALL_ACCESS), isWin32Error('GetClusterKey', 5));
      } finally {
        handle.close();
      }
      assert.deepEqual(printable(readLiveClusterDatabase()), before);
    });

    it('a key deleted under an open handle answers ERROR_KEY_DELETED (1018)', () => {
      scenario();
      withCluster(null, (cluster) => withClusterKey(cluster, KEY_ALL_ACCESS, (root) => {
        const { key } = createClusterSubkey(root, 'Temp');
        try {
          deleteClusterSubkey(root, 'Temp');
          assert.throws(() => queryClusterKeyInfo(key), isWin32Error('ClusterRegQueryInfoKey', 1018));
        } finally {
          key.close();
        }
        assert.throws(() => openClusterSubkey(root, 'Temp'), isWin32Error('ClusterRegOpenKey', 2));
      }));
    });
  });

  describe('buffer rules', () => {
    it('ClusterRegEnumKey counts characters: too small → ERROR_MORE_DATA with the length without the NUL; the end → ERROR_NO_MORE_ITEMS', () => {
      scenario();
      withCluster(null, (cluster) => withClusterKey(cluster, KEY_READ, (root) => {
        // The root's subkeys in hive order: Groups, NetworkInterfaces, …
        assert.deepEqual(clusterRegEnumKeyOnce(root, 1, 17), { code: ERROR_MORE_DATA, cch: 17, name: '' });
        assert.deepEqual(clusterRegEnumKeyOnce(root, 1, null), { code: ERROR_MORE_DATA, cch: 17, name: '' });
        assert.deepEqual(clusterRegEnumKeyOnce(root, 1, 18), { code: ERROR_SUCCESS, cch: 17, name: 'NetworkInterfaces' });
        assert.equal(clusterRegEnumKeyOnce(root, 7, 64).code, ERROR_NO_MORE_ITEMS);
      }));
    });

    it('ClusterRegEnumValue: name in characters, data in bytes, both sizes reported with ERROR_MORE_DATA; lpData NULL gives the size', () => {
      scenario();
      withCluster(null, (cluster) => withClusterKey(cluster, KEY_READ, (root) => {
        // Value 0 is ClusterName = "CLUSTER1": 11 characters of name, 18 bytes of data.
        const shortName = clusterRegEnumValueOnce(root, 0, 11, 64);
        assert.deepEqual([shortName.code, shortName.cch, shortName.cb], [ERROR_MORE_DATA, 11, 18]);
        const shortData = clusterRegEnumValueOnce(root, 0, 12, 17);
        assert.deepEqual([shortData.code, shortData.cch, shortData.cb], [ERROR_MORE_DATA, 11, 18]);
        const sizeOnly = clusterRegEnumValueOnce(root, 0, 12, null);
        assert.deepEqual([sizeOnly.code, sizeOnly.name, sizeOnly.type, sizeOnly.cb], [ERROR_SUCCESS, 'ClusterName', RegType.REG_SZ, 18]);
        const exact = clusterRegEnumValueOnce(root, 0, 12, 18);
        assert.deepEqual([exact.code, exact.cch, exact.cb, Buffer.from(exact.data).toString('utf16le')], [ERROR_SUCCESS, 11, 18, 'CLUSTER1\0']);
        assert.equal(clusterRegEnumValueOnce(root, 3, 64, 64).code, ERROR_NO_MORE_ITEMS);
      }));
    });

    it('ClusterRegQueryValue: bytes; lpData NULL → ERROR_SUCCESS and the size; too small → ERROR_MORE_DATA and the size; missing → 2', () => {
      scenario();
      withCluster(null, (cluster) => withClusterKey(cluster, KEY_READ, (root) => {
        assert.deepEqual(clusterRegQueryValueOnce(root, 'PaxosTag', null), { code: ERROR_SUCCESS, cb: 4, type: RegType.REG_DWORD, data: new Uint8Array() });
        assert.deepEqual(clusterRegQueryValueOnce(root, 'ClusterName', 17), { code: ERROR_MORE_DATA, cb: 18, type: 0, data: new Uint8Array() });
        assert.deepEqual(clusterRegQueryValueOnce(root, 'paxostag', 4), { code: ERROR_SUCCESS, cb: 4, type: RegType.REG_DWORD, data: dword(1) });
        assert.equal(clusterRegQueryValueOnce(root, 'Missing', 4).code, 2);
      }));
    });

    it('ClusterRegQueryInfoKey: counts, longest names in characters without the NUL, largest data in bytes', () => {
      scenario();
      withCluster(null, (cluster) => withClusterKey(cluster, KEY_READ, (root) => {
        const info = queryClusterKeyInfo(root);
        assert.deepEqual([info.subkeys, info.maxSubkeyNameLength, info.values, info.maxValueNameLength, info.maxValueDataLength],
          [7, 'NetworkInterfaces'.length, 3, 'ClusterInstanceID'.length, 74]);
        assert.ok(info.securityDescriptorBytes > 0 && info.lastWriteTime > 0n);
      }));
    });
  });

  describe('handles', () => {
    it('counts open keys in the leak report until they are closed', () => {
      scenario();
      withCluster(null, (cluster) => {
        const root = getClusterKey(cluster, KEY_READ);
        const nodes = openClusterSubkey(root, 'Nodes');
        assert.equal(simulatorLeakReport().handles.key, 2);
        nodes.close();
        root.close();
        root.close();
        assert.equal(simulatorLeakReport().handles.key, 0);
      });
      readLiveClusterDatabase();
      assert.equal(simulatorLeakReport().handles.key, 0);
      const created = createClusterSubkeyOnRoot();
      assert.equal(created, REG_CREATED_NEW_KEY);
      assert.equal(simulatorLeakReport().handles.key, 0);
    });
  });
});

function createClusterSubkeyOnRoot(): number {
  return withCluster(null, (cluster) => withClusterKey(cluster, KEY_ALL_ACCESS, (root) => {
    const { key, created } = createClusterSubkey(root, 'A\\B\\C');
    key.close();
    return created ? REG_CREATED_NEW_KEY : 0;
  }));
}
