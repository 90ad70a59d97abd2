/**
 * The simulator's CLUSDB hives checked with an independent reader, hivex (Linux only:
 * python3-hivex runs as a child process): every hive the simulator writes opens in
 * hivex and lists the same tree that the cluster registry API walks — the default
 * cluster, Unicode and Latin-1 names, big data, index roots over many subkeys, a
 * hive padded with free space to a large size, and the file after changes through
 * ClusterReg*. Also: the base block, the simulator's defaults equal the test
 * support's, and the scenario errors of the database part.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readLiveClusterDatabase } from '../../src/engine/liveRegistry';
import { RegType } from '../../src/hive/types';
import { withCluster } from '../../src/native/clusapi';
import { createClusterSubkey, deleteClusterSubkey, KEY_ALL_ACCESS, setClusterValue, withClusterKey } from '../../src/native/clusapiRegistry';
import { ScenarioError } from '../../src/native/loader';
import { getComputerName } from '../../src/native/kernel32';
import { simulatorWriteDatabase } from '../../src/native/simulator';
import { hivexRegistryTree as hivexTree } from '../support/hivex';
import { printable, subkeyAt, valueOf } from '../support/registryTree';
import { resolveScenario, scenarioText, writeScenarioText, type ScenarioResourceSpec, type ScenarioSpec } from '../support/scenario';
import { suiteScenarios, useScenario } from '../support/sim';

const clusdbOf = (dir: string): string => path.join(dir, 'Windows', 'Cluster', 'CLUSDB');

interface BaseBlock {
  signature: string;
  sequence1: number;
  sequence2: number;
  major: number;
  minor: number;
  binsSize: number;
  checksumOk: boolean;
}

function baseBlock(file: string): BaseBlock {
  const b = fs.readFileSync(file).subarray(0, 4096);
  let sum = 0;
  for (let i = 0; i < 508; i += 4) sum = (sum ^ b.readUInt32LE(i)) >>> 0;
  if (sum === 0xffffffff) sum = 0xfffffffe;
  if (sum === 0) sum = 1;
  return {
    signature: b.toString('latin1', 0, 4), sequence1: b.readUInt32LE(4), sequence2: b.readUInt32LE(8),
    major: b.readUInt32LE(20), minor: b.readUInt32LE(24), binsSize: b.readUInt32LE(40), checksumOk: sum === b.readUInt32LE(508),
  };
}

describe('simulator CLUSDB hives against hivex', () => {
  const suiteScenario = suiteScenarios();
  /** A fresh scenario, opened (the library opens it on the first call), so that its files exist. */
  const scenario = (spec?: ScenarioSpec): ReturnType<typeof suiteScenario> => {
    const s = suiteScenario(spec);
    getComputerName();
    return s;
  };

  it('writes a clean base block and hive bins that hivex opens, listing the tree the cluster registry API walks', () => {
    const s = scenario();
    const file = clusdbOf(s.dir);
    assert.equal(fs.statSync(file).size, 65536);
    assert.deepEqual(baseBlock(file), { signature: 'regf', sequence1: 1, sequence2: 1, major: 1, minor: 5, binsSize: 65536 - 4096, checksumOk: true });
    assert.deepEqual(printable(hivexTree(file)), printable(readLiveClusterDatabase()));
  });

  it('stores Unicode and Latin-1 names, big data and more subkeys than one leaf holds as hivex reads them', () => {
    const resources: ScenarioResourceSpec[] = Array.from({ length: 1100 }, (_, i) => ({ name: `Disk ${i}`, type: 'Physical Disk', group: 'Storage' }));
    resources.push({ name: 'Café ÿ', type: 'Generic Service', group: 'Роль 🚀', parameters: { Blob: 'z'.repeat(50_000), Names: ['α', 'β'] } });
    const s = scenario({
      cluster: { name: 'Кластер-🌐' }, nodes: [{ name: 'NODE1' }, { name: 'ノード2' }],
      groups: [{ name: 'Storage', type: 2 }, { name: 'Роль 🚀', preferredOwners: ['ノード2'] }], resources,
    });
    const hive = hivexTree(clusdbOf(s.dir));
    assert.deepEqual(printable(hive), printable(readLiveClusterDatabase()));
    assert.equal(subkeyAt(hive, 'Resources')!.subkeys.length, 1101);
    const cafe = subkeyAt(hive, 'Resources')!.subkeys.find((k) => valueOf(k, 'Name') === 'Café ÿ')!;
    assert.equal(valueOf(subkeyAt(cafe, 'Parameters'), 'Blob'), 'z'.repeat(50_000));
    assert.equal(valueOf(subkeyAt(hive, 'ResourceTypes\\Generic Service'), 'DllName'), 'clusres2.dll');
  });

  it('pads a large hive with free hive bins to the size asked for, the tree unchanged', () => {
    const spec: ScenarioSpec = { clusdb: { files: [{ name: 'CLUSDB', size: 48 * 1024 * 1024 }, { name: 'CLUSDB.blf', size: 4096 }] } };
    const big = scenario(spec);
    const bigTree = hivexTree(clusdbOf(big.dir));
    assert.equal(fs.statSync(clusdbOf(big.dir)).size, 48 * 1024 * 1024);
    assert.equal(baseBlock(clusdbOf(big.dir)).binsSize, 48 * 1024 * 1024 - 4096);
    const small = scenario();
    assert.deepEqual(printable(bigTree), printable(hivexTree(clusdbOf(small.dir))));
  });

  it('writes changes made through ClusterReg* into the file: hivex sees them, clean sequence numbers, same size', () => {
    const s = scenario();
    const file = clusdbOf(s.dir);
    const before = baseBlock(file);
    withCluster(null, (cluster) => withClusterKey(cluster, KEY_ALL_ACCESS, (root) => {
      const { key } = createClusterSubkey(root, 'Groups\\11111111-2222-4333-8444-555555555555');
      try {
        setClusterValue(key, 'Name', RegType.REG_SZ, new Uint8Array(Buffer.from('SQL2\0', 'utf16le')));
        setClusterValue(key, 'Huge', RegType.REG_BINARY, new Uint8Array(20_000).fill(0xab));
      } finally {
        key.close();
      }
      deleteClusterSubkey(root, 'Nodes\\4');
    }));
    const after = baseBlock(file);
    assert.equal(after.sequence1, after.sequence2);
    assert.equal(after.sequence1, before.sequence1 + 4);
    assert.equal(fs.statSync(file).size, 65536);
    const hive = hivexTree(file);
    assert.deepEqual(printable(hive), printable(readLiveClusterDatabase()));
    assert.equal(valueOf(subkeyAt(hive, 'Groups\\11111111-2222-4333-8444-555555555555'), 'Name'), 'SQL2');
    assert.equal(subkeyAt(hive, 'Nodes\\4'), undefined);
    assert.equal(valueOf(hive, 'PaxosTag'), 5);
  });

  it('has the defaults of test/support/scenario.ts built in: a scenario without groups, resources and networks gives the same bytes', () => {
    const full = scenario();
    const text = JSON.parse(scenarioText()) as Record<string, unknown>;
    delete text.groups;
    delete text.resources;
    delete text.networks;
    const bare = writeScenarioText(path.join(full.dir, 'bare'), JSON.stringify(text));
    useScenario(bare);
    getComputerName();
    assert.deepEqual(fs.readFileSync(clusdbOf(path.dirname(bare))), fs.readFileSync(clusdbOf(full.dir)));
    useScenario(full.path);
  });

  it('ClusSimWriteDatabase writes any scenario\'s database at any size, without touching the open scenario', () => {
    scenario();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-hive-'));
    try {
      const file = path.join(dir, 'CLUSDB');
      simulatorWriteDatabase(scenarioText({ cluster: { name: 'OTHER', paxosTag: 77 }, nodes: [{ name: 'N1' }] }), file, 65536 + 512);
      assert.equal(fs.statSync(file).size, 65536 + 512);
      const hive = hivexTree(file);
      assert.deepEqual([valueOf(hive, 'ClusterName'), valueOf(hive, 'PaxosTag')], ['OTHER', 77]);
      assert.equal(valueOf(readLiveClusterDatabase(), 'ClusterName'), 'CLUSTER1');
      assert.throws(() => simulatorWriteDatabase('{"groups": 3}', file, 0), /groups: expected an array, found a number \(line 1, column 12\)/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('scenario errors in the database part', () => {
    const cases: [string, ScenarioSpec, RegExp][] = [
      ['a resource in a group that does not exist', { resources: [{ name: 'R', type: 'T', group: 'Nope' }], groups: [] },
        /resources\[0\]\.group: there is no group named "Nope" \(line \d+, column \d+\)/],
      ['a dependency on a resource that does not exist', { groups: [{ name: 'G' }], resources: [{ name: 'R', type: 'T', group: 'G', dependsOn: ['X'] }] },
        /resources\[0\]\.dependsOn\[0\]: there is no resource named "X"/],
      ['a preferred owner that is not a node', { groups: [{ name: 'G', preferredOwners: ['NODE9'] }], resources: [] },
        /groups\[0\]\.preferredOwners\[0\]: there is no node named "NODE9"/],
      ['an id that is not a GUID', { groups: [{ name: 'G', id: 'not-a-guid' }], resources: [] }, /groups\[0\]\.id: expected a GUID/],
      ['two groups of one name', { groups: [{ name: 'G' }, { name: 'g' }], resources: [] }, /groups\[1\]: the name "g" is already used by another group/],
      ['a parameter of another kind', { groups: [{ name: 'G' }], resources: [{ name: 'R', type: 'T', group: 'G', parameters: { P: 1.5 } as unknown as Record<string, string> }] },
        /resources\[0\]\.parameters\.P: expected a string \(REG_SZ\), an integer/],
    ];
    for (const [what, spec, message] of cases) {
      it(`rejects ${what}, naming the field`, () => {
        const good = scenario();
        const bad = writeScenarioText(path.join(good.dir, 'bad'), JSON.stringify(resolveScenario(spec), null, 2));
        // The library is loaded already, so the scenario is opened (and refused) right away.
        assert.throws(() => useScenario(bad), (err: unknown) => err instanceof ScenarioError && message.test(err.message));
        assert.equal(getComputerName(), 'NODE1', 'the good scenario stays open');
      });
    }
  });
});
