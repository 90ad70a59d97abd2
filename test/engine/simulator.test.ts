/**
 * The simulator's core, through the real bridge: opening scenarios (and the errors a
 * bad one gives), the files a scenario creates, the leak report, fault injection and
 * the call log, persisted service state, the CLUSDB hive as the source of the
 * cluster's identity, and names in any script.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ScenarioError } from '../../src/native/loader';
import { Win32Error } from '../../src/native/errors';
import { getComputerName, getSystemWindowsDirectory } from '../../src/native/kernel32';
import {
  enablePrivilege, isProcessElevated, queryServiceOn, startServiceOn, stopServiceOn,
} from '../../src/native/advapi32';
import {
  enumerateNodeNames, getClusterInformation, getClusterNodeId, getClusterNodeState, getNodeClusterState,
  openCluster, withCluster, withNode,
} from '../../src/native/clusapi';
import { sysAllocString, sysFreeString } from '../../src/native/oleaut32';
import {
  simulatorCallLog, simulatorClearCallLog, simulatorClearFaults, simulatorInjectFault, simulatorLeakReport, totalLeaks,
} from '../../src/native/simulator';
import { makeTempScenario, writeScenario, writeScenarioText, type ScenarioSpec, type TempScenario } from '../support/scenario';
import { readLiveClusterDatabase } from '../../src/engine/liveRegistry';
import { valueOf } from '../support/registryTree';
import { assertNoLeaks, useScenario } from '../support/sim';

const SERVICE_STOPPED = 1;
const SERVICE_STOP_PENDING = 3;
const SERVICE_RUNNING = 4;

describe('simulator core', () => {
  const temps: TempScenario[] = [];
  function scenario(spec: ScenarioSpec = {}): TempScenario {
    const t = makeTempScenario(spec);
    temps.push(t);
    return t;
  }

  /** Opens a scenario that must be rejected and returns the error. */
  function openFails(scenarioPath: string): ScenarioError {
    try {
      useScenario(scenarioPath);
      getComputerName(); // loads the library (and so opens the scenario) if nothing was loaded yet
    } catch (err) {
      if (err instanceof ScenarioError) return err;
      throw err;
    }
    return assert.fail(`opening ${scenarioPath} succeeded`);
  }

  /** The cluster name the live CLUSDB hive holds (root value ClusterName), read through the cluster registry. */
  function liveClusterName(): unknown {
    return valueOf(readLiveClusterDatabase(), 'ClusterName');
  }

  let base: TempScenario;

  before(() => {
    base = scenario({ machine: 'NODE1' });
    useScenario(base.path);
  });

  afterEach(() => {
    simulatorClearFaults();
  });

  after(() => {
    assertNoLeaks();
    for (const t of temps) t.cleanup();
  });

  describe('opening a scenario', () => {
    it('answers from the scenario and reports no leaks', () => {
      assert.equal(getComputerName(), 'NODE1');
      assert.deepEqual(simulatorLeakReport(), {
        handles: { cluster: 0, node: 0, enum: 0, scm: 0, service: 0, token: 0, key: 0 },
        comRefs: 0, bstrs: 0, coTaskMem: 0, snapshotProps: 0,
      });
    });

    it('creates the Windows folder and the ClusDb files, CLUSDB a registry hive of the scenario\'s cluster', () => {
      const windows = getSystemWindowsDirectory();
      assert.equal(windows, path.join(base.dir, 'Windows'));
      const clusdb = path.join(windows, 'Cluster', 'CLUSDB');
      assert.equal(fs.statSync(clusdb).size, 65536);
      assert.equal(fs.statSync(path.join(windows, 'Cluster', 'CLUSDB.blf')).size, 4096);
      assert.equal(fs.readFileSync(clusdb).subarray(0, 4).toString('latin1'), 'regf');
      assert.equal(liveClusterName(), 'CLUSTER1');
    });

    it('rejects a missing file, saying so', () => {
      const missing = path.join(base.dir, 'no-such-scenario.json');
      const err = openFails(missing);
      assert.equal(err.scenario, missing);
      assert.match(err.message, /does not exist/);
      useScenario(base.path);
    });

    it('rejects malformed JSON with the line and column of the problem', () => {
      const dir = scenario().dir;
      const bad = writeScenarioText(path.join(dir, 'malformed'), '{\n  "machine": "NODE1",\n  "elevated": true\n  "installed": true\n}\n');
      const err = openFails(bad);
      assert.match(err.message, /malformed JSON at line 4, column 3: expected ',' or '}' after an object member, found '"'/);
      useScenario(base.path);
    });

    it('rejects a value of the wrong kind, naming the field and its position', () => {
      const dir = scenario().dir;
      const text = JSON.stringify({ nodes: [{ name: 'NODE1' }, { name: 'NODE2', state: 'sleeping' }] }, null, 2);
      const bad = writeScenarioText(path.join(dir, 'wrong-state'), text);
      const err = openFails(bad);
      assert.match(err.message, /nodes\[1\]\.state: expected one of "up", "down", "paused", "joining", found "sleeping" \(line 8, column 16\)/);
      useScenario(base.path);
    });

    it('rejects unknown fields, duplicate node names and an empty file', () => {
      const dir = scenario().dir;
      const typo = openFails(writeScenarioText(path.join(dir, 'typo'), '{ "cluster": { "nmae": "X" } }'));
      assert.match(typo.message, /cluster: unknown field "nmae" \(known fields: name, version, quorum, instanceId, paxosTag, replication\)/);
      const dup = openFails(writeScenarioText(path.join(dir, 'dup'), '{ "nodes": [ { "name": "node1" }, { "name": "NODE1" } ] }'));
      assert.match(dup.message, /nodes\[1\]: the name "NODE1" is already used by nodes\[0\]/);
      const empty = openFails(writeScenarioText(path.join(dir, 'empty'), ''));
      assert.match(empty.message, /the file is empty/);
      useScenario(base.path);
    });

    it('accepts comments and a byte order mark, as in hand-written demo scenarios', () => {
      const dir = scenario().dir;
      const text = '\ufeff// demo\n{\n  /* the local node */\n  "machine": "DEMO1", // here\n  "nodes": [ { "name": "DEMO1" } ]\n}\n';
      useScenario(writeScenarioText(path.join(dir, 'commented'), text));
      assert.equal(getComputerName(), 'DEMO1');
      useScenario(base.path);
    });

    it('leaves the open scenario in place when another one is rejected', () => {
      const other = scenario({ machine: 'Узел-1', nodes: [{ name: 'Узел-1' }] });
      useScenario(other.path);
      assert.equal(getComputerName(), 'Узел-1');
      openFails(writeScenarioText(path.join(other.dir, 'broken'), '{ "nodes": 3 }'));
      useScenario(other.path);
      assert.equal(getComputerName(), 'Узел-1');
      useScenario(base.path);
      assert.equal(getComputerName(), 'NODE1');
    });
  });

  describe('leak accounting', () => {
    it('counts an open cluster handle and an unfreed BSTR until they are released', () => {
      const cluster = openCluster(null);
      const bstr = sysAllocString('Cluster Database');
      try {
        const report = simulatorLeakReport();
        assert.equal(report.handles.cluster, 1);
        assert.equal(report.bstrs, 1);
        assert.equal(totalLeaks(report), 2);
      } finally {
        cluster.close();
        sysFreeString(bstr);
      }
      assert.equal(totalLeaks(simulatorLeakReport()), 0);
    });
  });

  describe('fault injection and the call log', () => {
    it('fails the n-th call with the injected code and logs every call in order', () => {
      simulatorClearCallLog();
      simulatorInjectFault('GetComputerNameW', 2, 1722);
      assert.equal(getComputerName(), 'NODE1');
      assert.throws(() => getComputerName(), (err: unknown) => err instanceof Win32Error && err.api === 'GetComputerNameW' && err.code === 1722);
      assert.equal(getComputerName(), 'NODE1');
      assert.deepEqual(simulatorCallLog(), ['GetComputerNameW', 'GetComputerNameW', 'GetLastError', 'GetComputerNameW']);
    });

    it('logs service calls with their node and matches a fault to one node', () => {
      simulatorClearCallLog();
      simulatorInjectFault('QueryServiceStatusEx:NODE3', 1, 5);
      assert.equal(queryServiceOn('NODE2', 'ClusSvc').currentState, SERVICE_RUNNING);
      assert.throws(() => queryServiceOn('NODE3', 'ClusSvc'),
        (err: unknown) => err instanceof Win32Error && err.api === 'QueryServiceStatusEx' && err.code === 5);
      assert.equal(queryServiceOn('NODE3', 'ClusSvc').currentState, SERVICE_RUNNING);
      const log = simulatorCallLog();
      assert.deepEqual(log.filter((e) => e.startsWith('QueryServiceStatusEx')),
        ['QueryServiceStatusEx:NODE2', 'QueryServiceStatusEx:NODE3', 'QueryServiceStatusEx:NODE3']);
      assert.ok(log.includes('OpenSCManagerW:NODE2'), log.join(', '));
    });

    it('arms faults listed in the scenario, and a reopen resets faults and the call log', () => {
      const s = scenario({ faults: [{ function: 'GetSystemWindowsDirectoryW', call: 1, code: 5 }] });
      useScenario(s.path);
      assert.deepEqual(simulatorCallLog(), []);
      assert.throws(() => getSystemWindowsDirectory(),
        (err: unknown) => err instanceof Win32Error && err.api === 'GetSystemWindowsDirectoryW' && err.code === 5);
      assert.equal(getSystemWindowsDirectory(), path.join(s.dir, 'Windows'));
      simulatorInjectFault('GetComputerNameW', 1, 1722);
      useScenario(base.path);
      assert.equal(getComputerName(), 'NODE1');
      assert.deepEqual(simulatorCallLog(), ['GetComputerNameW']);
    });
  });

  describe('persisted state', () => {
    async function waitForState(node: string, state: number): Promise<void> {
      for (let i = 0; i < 20; i++) {
        if (queryServiceOn(node, 'ClusSvc').currentState === state) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.fail(`ClusSvc on ${node} did not reach state ${state}`);
    }

    it('keeps a stopped service stopped across a reopen of the scenario', async () => {
      const s = scenario({ servicePendingPolls: 2 });
      useScenario(s.path);
      assert.equal(stopServiceOn('NODE2', 'ClusSvc').currentState, SERVICE_STOP_PENDING);
      assert.equal(queryServiceOn('NODE2', 'ClusSvc').checkPoint, 1);
      await waitForState('NODE2', SERVICE_STOPPED);

      useScenario(base.path);
      assert.equal(queryServiceOn('NODE2', 'ClusSvc').currentState, SERVICE_RUNNING);
      useScenario(s.path);
      assert.equal(queryServiceOn('NODE2', 'ClusSvc').currentState, SERVICE_STOPPED);
      assert.equal(getNodeClusterState('NODE2'), 0x3);
      withCluster(null, (cluster) => withNode(cluster, 'NODE2', (node) => assert.equal(getClusterNodeState(node), 1)));
      const saved = JSON.parse(fs.readFileSync(`${s.path}.state.json`, 'utf8')) as { services: Record<string, { service: string }> };
      assert.equal(saved.services.NODE2?.service, 'stopped');

      startServiceOn('NODE2', 'ClusSvc');
      await waitForState('NODE2', SERVICE_RUNNING);
      assert.equal(getNodeClusterState('NODE2'), 0x13);
    });

    it('starts afresh when the scenario file was rewritten', async () => {
      const s = scenario({ servicePendingPolls: 0 });
      useScenario(s.path);
      stopServiceOn('NODE3', 'ClusSvc');
      await waitForState('NODE3', SERVICE_STOPPED);
      writeScenario(s.dir, { servicePendingPolls: 0, cluster: { name: 'CLUSTER2' } });
      useScenario(base.path);
      useScenario(s.path);
      assert.equal(queryServiceOn('NODE3', 'ClusSvc').currentState, SERVICE_RUNNING);
      assert.equal(liveClusterName(), 'CLUSTER2');
    });
  });

  describe('reaching the cluster', () => {
    const fails = (code: number) => (err: unknown): boolean => err instanceof Win32Error && err.api === 'OpenCluster' && err.code === code;

    it('answers RPC_S_SERVER_UNAVAILABLE for unreachable or unknown machines and EPT_S_NOT_REGISTERED where ClusSvc is stopped', () => {
      const s = scenario({
        servicePendingPolls: 0,
        nodes: [{ name: 'NODE1' }, { name: 'NODE2', service: 'stopped' }, { name: 'NODE3', reachable: false }],
      });
      useScenario(s.path);
      withCluster('node1', (cluster) => assert.equal(getClusterInformation(cluster).name, 'CLUSTER1'));
      withCluster('CLUSTER1', (cluster) => assert.equal(getClusterInformation(cluster).name, 'CLUSTER1'));
      assert.throws(() => openCluster('NODE2'), fails(1753));
      assert.throws(() => openCluster('NODE3'), fails(1722));
      assert.throws(() => openCluster('NO-SUCH-HOST'), fails(1722));

      // With the only running member stopped, neither this machine nor the cluster name answers.
      const local = openCluster(null);
      try {
        stopServiceOn(undefined, 'ClusSvc');
        assert.equal(getNodeClusterState(null), 0x3);
        assert.throws(() => openCluster(null), fails(1753));
        assert.throws(() => openCluster('CLUSTER1'), fails(1722));
        // A handle opened before keeps failing the same way.
        assert.throws(() => getClusterInformation(local),
          (err: unknown) => err instanceof Win32Error && err.api === 'GetClusterInformation' && err.code === 1753);
      } finally {
        local.close();
      }
      startServiceOn(undefined, 'ClusSvc');
      assert.equal(getNodeClusterState(null), 0x13);
      useScenario(base.path);
    });
  });

  describe('the CLUSDB hive', () => {
    it('gives the cluster name and the member list that discovery sees', () => {
      // An older database of another name and fewer members, written by the simulator for another scenario.
      const old = scenario({ cluster: { name: 'OLDCLUSTER' }, nodes: [{ name: 'NODE1' }, { name: 'NODE2' }] });
      useScenario(old.path);
      const s = scenario();
      useScenario(s.path);
      const clusdb = path.join(s.dir, 'Windows', 'Cluster', 'CLUSDB');
      withCluster(null, (cluster) => {
        assert.equal(getClusterInformation(cluster).name, 'CLUSTER1');
        assert.deepEqual(enumerateNodeNames(cluster), ['NODE1', 'NODE2', 'NODE3', 'NODE4']);
      });
      // Restoring it (as a restore of a backup would) changes what the cluster reports.
      fs.copyFileSync(path.join(old.dir, 'Windows', 'Cluster', 'CLUSDB'), clusdb);
      withCluster(null, (cluster) => {
        assert.equal(getClusterInformation(cluster).name, 'OLDCLUSTER');
        assert.deepEqual(enumerateNodeNames(cluster), ['NODE1', 'NODE2']);
        assert.throws(() => withNode(cluster, 'NODE3', () => undefined),
          (err: unknown) => err instanceof Win32Error && err.api === 'OpenClusterNode' && err.code === 5042);
      });
      // The cluster is reachable by its (new) name as well.
      withCluster('OLDCLUSTER', (cluster) => assert.equal(getClusterInformation(cluster).name, 'OLDCLUSTER'));
    });
  });

  describe('names', () => {
    it('carries Cyrillic, Japanese, emoji and very long names through UTF-16 unchanged', () => {
      const long = 'N'.repeat(300);
      const names = ['Узел-1', 'ノード二', 'node-😀-🚀', long];
      const s = scenario({ machine: 'Узел-1', cluster: { name: 'Кластер-クラスタ-🌐' }, nodes: names.map((name) => ({ name })) });
      useScenario(s.path);
      assert.equal(getComputerName(), 'Узел-1');
      withCluster(null, (cluster) => {
        assert.equal(getClusterInformation(cluster).name, 'Кластер-クラスタ-🌐');
        assert.deepEqual(enumerateNodeNames(cluster), names);
        // Node names compare without regard to ASCII case.
        withNode(cluster, 'NODE-😀-🚀', (node) => assert.equal(getClusterNodeId(node), '3'));
        withNode(cluster, long.toLowerCase(), (node) => assert.equal(getClusterNodeId(node), '4'));
      });
      assert.equal(queryServiceOn('ノード二', 'ClusSvc').currentState, SERVICE_RUNNING);
      useScenario(base.path);
    });

    it('rejects a name longer than the simulator can hold, with the limit', () => {
      const dir = scenario().dir;
      const err = openFails(writeScenario(path.join(dir, 'too-long'), { nodes: [{ name: 'Ж'.repeat(300) }] }));
      assert.match(err.message, /nodes\[0\]\.name: is 600 bytes long in UTF-8; the simulator accepts at most 511 bytes/);
      useScenario(base.path);
    });
  });

  describe('the process token', () => {
    it('is elevated and holds SeBackupPrivilege when the scenario says elevated', () => {
      useScenario(base.path);
      assert.equal(isProcessElevated(), true);
      enablePrivilege('SeBackupPrivilege');
      enablePrivilege('SeRestorePrivilege');
    });

    it('is filtered when not elevated: no backup privilege, and the SCM refuses access', () => {
      const s = scenario({ elevated: false });
      useScenario(s.path);
      assert.equal(isProcessElevated(), false);
      assert.throws(() => enablePrivilege('SeBackupPrivilege'),
        (err: unknown) => err instanceof Win32Error && err.api === 'AdjustTokenPrivileges' && err.code === 1300);
      assert.throws(() => queryServiceOn(undefined, 'ClusSvc'),
        (err: unknown) => err instanceof Win32Error && err.api === 'OpenSCManagerW' && err.code === 5);
      useScenario(base.path);
    });
  });
});
