/**
 * The scenario writer used by every simulator test: its defaults, how a partial spec
 * is completed, and the files it writes.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeNodes, makeTempScenario, resolveScenario, writeScenario, writeScenarioText } from '../support/scenario';

describe('test scenarios', () => {
  it('defaults to a healthy four-node cluster with NODE1 local', () => {
    const s = resolveScenario();
    assert.equal(s.machine, 'NODE1');
    assert.equal(s.cluster.name, 'CLUSTER1');
    assert.deepEqual(s.nodes.map((n) => [n.name, n.id, n.state, n.reachable, n.service]), [
      ['NODE1', '1', 'up', true, 'running'],
      ['NODE2', '2', 'up', true, 'running'],
      ['NODE3', '3', 'up', true, 'running'],
      ['NODE4', '4', 'up', true, 'running'],
    ]);
    assert.equal(s.elevated, true);
    assert.equal(s.writer.present, true);
    assert.equal(s.writer.restoreMethod, 8);
    assert.equal(s.cluster.version.highest, 720896);
    assert.deepEqual(s.cluster.quorum, { resource: 'Cluster Disk Witness', device: 'Q:', maxLogSize: 0 });
    assert.deepEqual(s.clusdb.files, [{ name: 'CLUSDB', size: 65536 }, { name: 'CLUSDB.blf', size: 4096 }]);
    assert.deepEqual(s.faults, []);
    // The cluster database: a core group, storage, a file server and a SQL Server role; the machine semantics on.
    assert.deepEqual(s.groups.map((g) => [g.name, g.type]),
      [['Cluster Group', 1], ['Available Storage', 2], ['FS1', 100], ['SQL Server (MSSQLSERVER)', 9999]]);
    assert.deepEqual(s.resources.find((r) => r.type === 'SQL Server')?.dependsOn, ['SQL Network Name (SQL1)', 'Cluster Disk 4']);
    assert.equal(s.networks.length, 2);
    assert.deepEqual([s.clusdb.lockedWhileRunning, s.writer.releasesFilesAtPreRestore, s.cluster.paxosTag, s.cluster.replication], [true, true, 1, false]);
  });

  it('completes a partial spec field by field', () => {
    const s = resolveScenario({
      nodes: [{ name: 'A', service: 'stopped' }, { name: 'B', id: '7', reachable: false }],
      cluster: { version: { build: 17763 }, quorum: null },
      faults: [{ function: 'OpenCluster', code: 1722 }],
    });
    assert.equal(s.machine, 'A');
    assert.deepEqual(s.nodes[0], { name: 'A', id: '1', state: 'up', reachable: true, service: 'stopped', votes: 1, latencyMs: 0 });
    assert.deepEqual(s.nodes[1], { name: 'B', id: '7', state: 'up', reachable: false, service: 'running', votes: 1, latencyMs: 0 });
    assert.equal(s.cluster.version.build, 17763);
    assert.equal(s.cluster.version.major, 10);
    assert.equal(s.cluster.quorum, null);
    assert.deepEqual(s.faults, [{ function: 'OpenCluster', call: 1, code: 1722, mode: 'fail' }]);
  });

  it('names nodes for large clusters', () => {
    assert.deepEqual(makeNodes(3, 'HV').map((n) => n.name), ['HV1', 'HV2', 'HV3']);
    assert.equal(resolveScenario({ nodes: makeNodes(1024) }).nodes.length, 1024);
  });

  it('writes scenario.json into a folder it creates, and removes a temporary one completely', () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-scenario-unit-'));
    try {
      const file = writeScenario(path.join(parent, 'a', 'b'), { machine: 'Узел-1', nodes: [{ name: 'Узел-1' }] });
      assert.equal(file, path.join(parent, 'a', 'b', 'scenario.json'));
      const written = JSON.parse(fs.readFileSync(file, 'utf8')) as { machine: string; nodes: { name: string }[] };
      assert.equal(written.machine, 'Узел-1');
      assert.deepEqual(written.nodes.map((n) => n.name), ['Узел-1']);
      const raw = writeScenarioText(path.join(parent, 'raw'), '{ broken');
      assert.equal(fs.readFileSync(raw, 'utf8'), '{ broken');
    } finally {
      fs.rmSync(parent, { recursive: true, force: true });
    }
    const temp = makeTempScenario();
    assert.ok(fs.existsSync(temp.path));
    assert.equal(path.dirname(temp.path), temp.dir);
    fs.mkdirSync(path.join(temp.dir, 'Windows', 'Cluster'), { recursive: true });
    temp.cleanup();
    assert.equal(fs.existsSync(temp.dir), false);
  });
});
