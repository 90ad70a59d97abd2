/**
 * The simulator's machine semantics that hold a restore to the documented contract:
 * ClusDb files in use while the cluster service runs (clusdb.lockedWhileRunning), the
 * writer releasing them at PreRestore (writer.releasesFilesAtPreRestore), renames
 * scheduled with MOVEFILE_DELAY_UNTIL_REBOOT applied by ClusSimReboot, the service that
 * does not start on a CLUSDB that is not a hive (STOPPED with a Win32 exit code), and an
 * authoritative restore through the writer winning at the next start. Pure Node: also
 * runs under Wine.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { backupCluster } from '../../src/engine/backup';
import { openBackupSet } from '../../src/engine/backupSet';
import { makeContext } from '../../src/engine/context';
import { readLiveClusterDatabase } from '../../src/engine/liveRegistry';
import { queryServiceOn, startServiceOn, stopServiceOn } from '../../src/native/advapi32';
import {
  getComputerName, moveFileEx, MOVEFILE_COPY_ALLOWED, MOVEFILE_DELAY_UNTIL_REBOOT, MOVEFILE_REPLACE_EXISTING,
} from '../../src/native/kernel32';
import { initializeCom, uninitializeCom } from '../../src/native/ole32';
import { simulatorCallLog, simulatorClearCallLog, simulatorReboot } from '../../src/native/simulator';
import type { VssAsync } from '../../src/native/vssAsync';
import { VssBackupComponents, type ComponentRef } from '../../src/native/vssBackupComponents';
import { VssFileRestoreStatus, VssRestoreType } from '../../src/native/vssTypes';
import { valueOf } from '../support/registryTree';
import { type ScenarioSpec } from '../support/scenario';
import { assertSubsequence, isWin32Error, suiteScenarios } from '../support/sim';

const SERVICE_STOPPED = 1;
const SERVICE_RUNNING = 4;

/** Polls the operation to its end (the simulator answers PENDING asyncPendingPolls times, then the result). */
function finish(op: VssAsync): void {
  try {
    for (let i = 0; i < 1000; i++) if (op.queryStatus() === 'finished') return;
    assert.fail(`${op.operation} did not finish`);
  } finally {
    op.release();
  }
}

describe('simulator machine: files in use, reboot, service start, authoritative restore', () => {
  const suiteScenario = suiteScenarios();
  /** A fresh scenario, opened (the library opens it on the first call), so that its files exist. */
  const scenario = (spec?: ScenarioSpec): ReturnType<typeof suiteScenario> => {
    const s = suiteScenario(spec);
    getComputerName();
    return s;
  };
  const clusDb = (dir: string): string => path.join(dir, 'Windows', 'Cluster');

  /** A backup of the scenario, then a VSS restore session up to PreRestore (and PostRestore when `post`). */
  async function writerRestore(dir: string, authoritative: boolean, post: boolean): Promise<void> {
    const result = await backupCluster({ destination: path.join(dir, 'backups') }, makeContext(), { pollIntervalMs: { min: 1, max: 2 }, lockFolder: path.join(dir, 'lock') });
    const set = await openBackupSet(result.path, { expectedCluster: 'CLUSTER1' });
    const session = initializeCom();
    const vss = VssBackupComponents.create();
    try {
      vss.initializeForRestore(await set.readBackupComponentsXml());
      vss.setRestoreState(VssRestoreType.ByCopy);
      finish(vss.gatherWriterMetadata());
      vss.freeWriterMetadata();
      const writer = vss.getWriterComponents(0);
      let ref: ComponentRef;
      try {
        const info = writer.getWriterInfo();
        const c = writer.listComponents()[0];
        ref = { writerId: info.writerId, componentType: c.componentType, logicalPath: c.logicalPath, componentName: c.componentName };
      } finally {
        writer.release();
      }
      vss.setSelectedForRestore(ref, true);
      const ex2 = vss.queryEx2();
      try {
        ex2.setAuthoritativeRestore(ref, authoritative);
      } finally {
        ex2.release();
      }
      finish(vss.preRestore());
      if (post) {
        vss.setFileRestoreStatus(ref, VssFileRestoreStatus.All);
        finish(vss.postRestore());
      }
    } finally {
      vss.release();
      uninitializeCom(session);
    }
  }

  it('the ClusDb files are in use while the cluster service runs: MoveFileExW fails with ERROR_SHARING_VIOLATION (32)', () => {
    const s = scenario({ servicePendingPolls: 0 });
    const live = path.join(clusDb(s.dir), 'CLUSDB');
    const staged = path.join(clusDb(s.dir), 'CLUSDB.new');
    fs.writeFileSync(staged, 'restored bytes');
    const before = fs.readFileSync(live);
    assert.throws(() => moveFileEx(staged, live, MOVEFILE_REPLACE_EXISTING), isWin32Error('MoveFileExW', 32));
    assert.throws(() => moveFileEx(live, path.join(clusDb(s.dir), 'elsewhere'), 0), isWin32Error('MoveFileExW', 32));
    assert.deepEqual(fs.readFileSync(live), before, 'nothing changed');
    // Another file of that folder is not the database's.
    moveFileEx(staged, path.join(clusDb(s.dir), 'other.new'), 0);
    // With the service stopped the files are free.
    stopServiceOn(undefined, 'ClusSvc');
    moveFileEx(path.join(clusDb(s.dir), 'other.new'), live, MOVEFILE_REPLACE_EXISTING);
    assert.equal(fs.readFileSync(live, 'utf8'), 'restored bytes');
  });

  it('clusdb.lockedWhileRunning false: the files can be replaced while the service runs; the documented errors still apply', () => {
    const s = scenario({ clusdb: { lockedWhileRunning: false } });
    const live = path.join(clusDb(s.dir), 'CLUSDB');
    fs.writeFileSync(live + '.new', 'x');
    assert.throws(() => moveFileEx(live + '.new', live, 0), isWin32Error('MoveFileExW', 183), 'ERROR_ALREADY_EXISTS without MOVEFILE_REPLACE_EXISTING');
    assert.throws(() => moveFileEx(live + '.missing', live, MOVEFILE_REPLACE_EXISTING), isWin32Error('MoveFileExW', 2));
    assert.throws(() => moveFileEx(live + '.new', live, MOVEFILE_DELAY_UNTIL_REBOOT | MOVEFILE_COPY_ALLOWED), isWin32Error('MoveFileExW', 87));
    moveFileEx(live + '.new', live, MOVEFILE_REPLACE_EXISTING);
    assert.equal(fs.readFileSync(live, 'utf8'), 'x');
  });

  it('writer.releasesFilesAtPreRestore: after PreRestore the files can be replaced, until the service starts again', async () => {
    const s = scenario({ servicePendingPolls: 0 });
    const live = path.join(clusDb(s.dir), 'CLUSDB');
    const restored = fs.readFileSync(live);
    await writerRestore(s.dir, false, false);
    fs.writeFileSync(live + '.new', restored);
    simulatorClearCallLog();
    moveFileEx(live + '.new', live, MOVEFILE_REPLACE_EXISTING);
    assertSubsequence(simulatorCallLog(), ['MoveFileExW:CLUSDB']);
    stopServiceOn(undefined, 'ClusSvc');
    startServiceOn(undefined, 'ClusSvc');
    fs.writeFileSync(live + '.new', restored);
    assert.throws(() => moveFileEx(live + '.new', live, MOVEFILE_REPLACE_EXISTING), isWin32Error('MoveFileExW', 32), 'held again after the start');
  });

  it('writer.releasesFilesAtPreRestore false: the files stay in use; only the reboot path works', async () => {
    const s = scenario({ servicePendingPolls: 0, writer: { releasesFilesAtPreRestore: false } });
    const live = path.join(clusDb(s.dir), 'CLUSDB');
    const old = fs.readFileSync(live);
    await writerRestore(s.dir, false, true);
    const replacement = path.join(clusDb(s.dir), 'CLUSDB.restored');
    fs.copyFileSync(live, replacement);
    fs.appendFileSync(replacement, Buffer.alloc(4096));   // other bytes, still the same hive
    assert.throws(() => moveFileEx(replacement, live, MOVEFILE_REPLACE_EXISTING), isWin32Error('MoveFileExW', 32));
    moveFileEx(replacement, live, MOVEFILE_DELAY_UNTIL_REBOOT | MOVEFILE_REPLACE_EXISTING);
    const state = JSON.parse(fs.readFileSync(s.path + '.state.json', 'utf8')) as { pendingRenames: { from: string; to: string; flags: number }[] };
    assert.deepEqual(state.pendingRenames, [{ from: replacement, to: live, flags: MOVEFILE_DELAY_UNTIL_REBOOT | MOVEFILE_REPLACE_EXISTING }]);
    assert.deepEqual(fs.readFileSync(live), old, 'not before the reboot');
    simulatorReboot();
    assert.equal(fs.readFileSync(live).length, old.length + 4096);
    assert.equal(fs.existsSync(replacement), false);
    assert.equal(queryServiceOn(undefined, 'ClusSvc').currentState, SERVICE_RUNNING, 'ClusSvc starts with the machine');
    const after = JSON.parse(fs.readFileSync(s.path + '.state.json', 'utf8')) as { pendingRenames: unknown[] };
    assert.deepEqual(after.pendingRenames, []);
  });

  it('applies the scheduled renames in order at the reboot, a delete included, and skips one without MOVEFILE_REPLACE_EXISTING onto a file', () => {
    const s = scenario({ servicePendingPolls: 0 });
    const dir = clusDb(s.dir);
    fs.writeFileSync(path.join(dir, 'a'), 'A');
    fs.writeFileSync(path.join(dir, 'b'), 'B');
    fs.writeFileSync(path.join(dir, 'gone'), 'G');
    moveFileEx(path.join(dir, 'a'), path.join(dir, 'c'), MOVEFILE_DELAY_UNTIL_REBOOT);
    moveFileEx(path.join(dir, 'c'), path.join(dir, 'b'), MOVEFILE_DELAY_UNTIL_REBOOT | MOVEFILE_REPLACE_EXISTING);
    moveFileEx(path.join(dir, 'gone'), null, MOVEFILE_DELAY_UNTIL_REBOOT);
    moveFileEx(path.join(dir, 'b'), path.join(dir, 'CLUSDB.blf'), MOVEFILE_DELAY_UNTIL_REBOOT);
    simulatorReboot();
    assert.equal(fs.readFileSync(path.join(dir, 'b'), 'utf8'), 'A', 'a → c → b, in order');
    assert.equal(fs.existsSync(path.join(dir, 'gone')), false);
    assert.notEqual(fs.readFileSync(path.join(dir, 'CLUSDB.blf'), 'utf8'), 'A', 'not replaced without MOVEFILE_REPLACE_EXISTING');
  });

  it('the cluster service does not start on a CLUSDB that is not a hive: STOPPED with dwWin32ExitCode ERROR_REGISTRY_CORRUPT (1015)', () => {
    const s = scenario({ servicePendingPolls: 0 });
    const live = path.join(clusDb(s.dir), 'CLUSDB');
    const good = fs.readFileSync(live);
    stopServiceOn(undefined, 'ClusSvc');
    fs.writeFileSync(live, Buffer.alloc(65536, 0x5a));
    startServiceOn(undefined, 'ClusSvc');
    const status = queryServiceOn(undefined, 'ClusSvc');
    assert.equal(status.currentState, SERVICE_STOPPED);
    assert.equal(status.win32ExitCode, 1015);
    fs.writeFileSync(live, good);
    startServiceOn(undefined, 'ClusSvc');
    const ok = queryServiceOn(undefined, 'ClusSvc');
    assert.deepEqual([ok.currentState, ok.win32ExitCode], [SERVICE_RUNNING, 0]);
  });

  it('cluster.replication: an authoritative restore through the writer gets a newer PaxosTag when the service next starts; a node restore does not', async () => {
    for (const authoritative of [true, false]) {
      // One node (and the witness): it forms the cluster alone, so its own copy is the cluster's (quorum.c).
      const spec: ScenarioSpec = { servicePendingPolls: 0, cluster: { paxosTag: 40, replication: true }, nodes: [{ name: 'NODE1' }] };
      const s = scenario(spec);
      await writerRestore(s.dir, authoritative, true);
      assert.equal(valueOf(readLiveClusterDatabase(), 'PaxosTag'), 40, 'not before the start');
      stopServiceOn(undefined, 'ClusSvc');
      startServiceOn(undefined, 'ClusSvc');
      assert.equal(valueOf(readLiveClusterDatabase(), 'PaxosTag'), authoritative ? 41 : 40);
      stopServiceOn(undefined, 'ClusSvc');
      startServiceOn(undefined, 'ClusSvc');
      assert.equal(valueOf(readLiveClusterDatabase(), 'PaxosTag'), authoritative ? 41 : 40, 'once');
    }
    // With the other nodes running, this node joins their formed cluster and takes its copy: the restore is overwritten.
    const joined = scenario({ servicePendingPolls: 0, cluster: { paxosTag: 40, replication: true } });
    await writerRestore(joined.dir, true, true);
    stopServiceOn(undefined, 'ClusSvc');
    startServiceOn(undefined, 'ClusSvc');
    assert.equal(valueOf(readLiveClusterDatabase(), 'PaxosTag'), 40, 'the running cluster\'s configuration, not the restored one');
    // Without cluster.replication the restored database is left as restored.
    const s = scenario({ servicePendingPolls: 0, cluster: { paxosTag: 40 } });
    await writerRestore(s.dir, true, true);
    stopServiceOn(undefined, 'ClusSvc');
    startServiceOn(undefined, 'ClusSvc');
    assert.equal(valueOf(readLiveClusterDatabase(), 'PaxosTag'), 40);
  });
});
