/**
 * The simulator's VSS objects hold requesters to the VSS contract; these tests drive
 * them through the real bridge (koffi, src/native/vss*.ts) and check the contract
 * itself: asynchronous operations that stay pending for a while, StartSnapshotSet
 * refusals that persist across objects, a point-in-time snapshot that is deleted with
 * its object, the volume rule, "fail" and "hang" faults on asynchronous methods, the
 * writer's failure states, the order of the restore calls and the call log entries.
 * Paths go through `path` so that the suite also runs under Wine.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sameGuid } from '../../src/native/com';
import { HResultError } from '../../src/native/errors';
import { getVolumeNameForVolumeMountPoint } from '../../src/native/kernel32';
import { initializeCom, uninitializeCom, type ComSession } from '../../src/native/ole32';
import { simulatorCallLog, simulatorClearCallLog, simulatorInjectFault } from '../../src/native/simulator';
import type { VssAsync } from '../../src/native/vssAsync';
import { VssBackupComponents, type ComponentRef } from '../../src/native/vssBackupComponents';
import {
  CLUSTER_DATABASE_WRITER_ID, VssBackupType, VssComponentType, VssFileRestoreStatus, VssRestoreTarget, VssRestoreType,
  VssWriterState, writerStateName,
} from '../../src/native/vssTypes';
import type { ScenarioSpec, TempScenario } from '../support/scenario';
import { suiteScenarios } from '../support/sim';

const E_ACCESSDENIED = 0x80070005 | 0;
const VSS_E_BAD_STATE = 0x80042301 | 0;
const VSS_E_OBJECT_NOT_FOUND = 0x80042308 | 0;
const VSS_E_VOLUME_NOT_SUPPORTED = 0x8004230c | 0;
const VSS_E_SNAPSHOT_SET_IN_PROGRESS = 0x80042316 | 0;
const VSS_E_FLUSH_WRITES_TIMEOUT = 0x80042313 | 0;
const VSS_E_WRITERERROR_RETRYABLE = 0x800423f3 | 0;

const CLUSTER_DATABASE: ComponentRef = {
  writerId: CLUSTER_DATABASE_WRITER_ID, componentType: VssComponentType.Filegroup, logicalPath: '', componentName: 'Cluster Database',
};

/** Asserts that `run` throws an HResultError from `api` with `code`. */
function assertHresult(run: () => unknown, api: string, code: number): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof HResultError, String(e));
    assert.equal(e.api, api);
    assert.equal(e.code, code, `${e.message}`);
    return true;
  });
}

/** Polls until the operation leaves "pending"; returns how many polls said pending, and releases it. */
function settle(op: VssAsync): { pendingPolls: number; state: string } {
  try {
    let pendingPolls = 0;
    for (let i = 0; i < 1000; i++) {
      const state = op.queryStatus();
      if (state !== 'pending') return { pendingPolls, state };
      pendingPolls++;
    }
    assert.fail(`${op.operation} stayed pending`);
  } finally {
    op.release();
  }
}

function finish(op: VssAsync): void {
  assert.equal(settle(op).state, 'finished');
}

function clusdbFolder(s: TempScenario): string {
  return path.join(s.dir, 'Windows', 'Cluster');
}

function volumeOf(s: TempScenario): string {
  return path.parse(s.dir).root;
}

describe('VSS simulator contract (through the bridge)', function () {
  this.timeout(30_000);
  const objects: VssBackupComponents[] = [];
  let session: ComSession | undefined;
  const openScenario = suiteScenarios({
    beforeLeakCheck: () => {
      for (const vss of objects.splice(0)) vss.release();
      if (session) uninitializeCom(session);
      session = undefined;
    },
  });

  function scenario(spec: ScenarioSpec = {}): TempScenario {
    const s = openScenario(spec);
    session ??= initializeCom();
    return s;
  }

  /** A new IVssBackupComponents, released after the test whatever happens. */
  function create(): VssBackupComponents {
    const vss = VssBackupComponents.create();
    objects.push(vss);
    return vss;
  }

  /** InitializeForBackup … AddToSnapshotSet; returns the writer instance and the snapshot id. */
  function prepareBackup(vss: VssBackupComponents, s: TempScenario): { instanceId: string; snapshotId: string } {
    vss.initializeForBackup(null);
    vss.setBackupState(true, false, VssBackupType.Full, false);
    finish(vss.gatherWriterMetadata());
    const { instanceId, metadata } = vss.getWriterMetadata(0);
    metadata.release();
    vss.addComponent(instanceId, CLUSTER_DATABASE);
    vss.startSnapshotSet();
    const snapshotId = vss.addToSnapshotSet(volumeOf(s));
    finish(vss.prepareForBackup());
    return { instanceId, snapshotId };
  }

  /** A whole backup; returns its Backup Components Document. */
  function backupDocument(s: TempScenario): string {
    const vss = create();
    const { instanceId } = prepareBackup(vss, s);
    finish(vss.doSnapshotSet());
    vss.setBackupSucceeded(instanceId, CLUSTER_DATABASE, true);
    finish(vss.backupComplete());
    return vss.saveAsXml();
  }

  describe('backup', () => {
    it('answers VSS_S_ASYNC_PENDING asyncPendingPolls times before an operation finishes', () => {
      scenario({ asyncPendingPolls: 3 });
      const vss = create();
      vss.initializeForBackup(null);
      vss.setBackupState(true, false, VssBackupType.Full, false);
      simulatorClearCallLog();
      const gather = vss.gatherWriterMetadata();
      // while it is pending the object is busy and the metadata is not there yet
      assertHresult(() => vss.getWriterMetadataCount(), 'IVssBackupComponents::GetWriterMetadataCount', VSS_E_BAD_STATE);
      assert.deepEqual(settle(gather), { pendingPolls: 3, state: 'finished' });
      assert.equal(simulatorCallLog().filter((e) => e === 'IVssAsync::QueryStatus').length, 4);
      assert.equal(vss.getWriterMetadataCount(), 1);
    });

    it('refuses StartSnapshotSet snapshotSetInProgress times, counted across objects, then accepts it', () => {
      const s = scenario({ snapshotSetInProgress: 2, asyncPendingPolls: 0 });
      for (let attempt = 0; attempt < 2; attempt++) {
        const vss = create();
        vss.initializeForBackup(null);
        vss.setBackupState(true, false, VssBackupType.Full, false);
        finish(vss.gatherWriterMetadata());
        assertHresult(() => vss.startSnapshotSet(), 'IVssBackupComponents::StartSnapshotSet', VSS_E_SNAPSHOT_SET_IN_PROGRESS);
        vss.abortBackup();
      }
      const vss = create();
      prepareBackup(vss, s);   // the third StartSnapshotSet succeeds
    });

    it('snapshots only the volume of the ClusDb folder', () => {
      const s = scenario({ asyncPendingPolls: 0 });
      const vss = create();
      vss.initializeForBackup(null);
      vss.setBackupState(true, false, VssBackupType.Full, false);
      finish(vss.gatherWriterMetadata());
      vss.startSnapshotSet();
      assert.equal(vss.isVolumeSupported(volumeOf(s)), true);
      assert.equal(vss.isVolumeSupported(s.dir), false);
      assertHresult(() => vss.addToSnapshotSet(s.dir), 'IVssBackupComponents::AddToSnapshotSet', VSS_E_VOLUME_NOT_SUPPORTED);
      vss.addToSnapshotSet(volumeOf(s));
    });

    it('with the ClusDb folder below a mounted folder, only the mounted volume, by any of its names', () => {
      const s = scenario({ asyncPendingPolls: 0, mountedFolders: [{ path: 'Windows', volumeGuid: '6f0c1e2d-3b4a-4c5d-8e6f-708192a3b4c5' }] });
      const mounted = '\\\\?\\Volume{6f0c1e2d-3b4a-4c5d-8e6f-708192a3b4c5}\\';
      const vss = create();
      vss.initializeForBackup(null);
      vss.setBackupState(true, false, VssBackupType.Full, false);
      finish(vss.gatherWriterMetadata());
      vss.startSnapshotSet();
      assert.equal(vss.isVolumeSupported(volumeOf(s)), false, 'the drive does not hold the ClusDb files');
      assert.equal(vss.isVolumeSupported(mounted), true);
      assert.equal(vss.isVolumeSupported(mounted.toUpperCase()), true, 'volume GUID paths compare without regard to case');
      assert.equal(vss.isVolumeSupported(path.join(s.dir, 'Windows') + path.sep), true, 'the mounted folder names the volume');
      assert.equal(vss.isVolumeSupported(path.join(s.dir, 'Windows')), false, 'a mounted folder needs its trailing separator');
      assertHresult(() => vss.addToSnapshotSet(volumeOf(s)), 'IVssBackupComponents::AddToSnapshotSet', VSS_E_VOLUME_NOT_SUPPORTED);
      const snapshotId = vss.addToSnapshotSet(path.join(s.dir, 'Windows') + path.sep);
      finish(vss.prepareForBackup());
      finish(vss.doSnapshotSet());
      const props = vss.getSnapshotProperties(snapshotId);
      assert.equal(props.originalVolumeName, mounted, 'named by its volume GUID path');
      assert.ok(fs.existsSync(path.join(props.snapshotDeviceObject, 'Cluster', 'CLUSDB')), 'the files at their path below the mount point');
    });

    it('takes a point-in-time copy at DoSnapshotSet, and the last release deletes it', () => {
      const s = scenario({ mutateAfterSnapshot: true, asyncPendingPolls: 1 });
      const vss = create();
      const { snapshotId } = prepareBackup(vss, s);
      const live = path.join(clusdbFolder(s), 'CLUSDB');
      const before = fs.readFileSync(live);
      assertHresult(() => vss.getSnapshotProperties(snapshotId), 'IVssBackupComponents::GetSnapshotProperties', VSS_E_BAD_STATE);
      finish(vss.doSnapshotSet());
      const props = vss.getSnapshotProperties(snapshotId);
      // VSS names the original volume by its volume GUID path, whatever name was added.
      assert.equal(props.originalVolumeName, getVolumeNameForVolumeMountPoint(volumeOf(s)));
      assert.equal(props.snapshotsCount, 1);
      const copy = path.join(props.snapshotDeviceObject, path.relative(volumeOf(s), clusdbFolder(s)), 'CLUSDB');
      assert.ok(fs.readFileSync(copy).equals(before), 'the snapshot holds the files as they were');
      const after = fs.readFileSync(live);
      assert.equal(after.length, before.length);
      assert.ok(!after.equals(before), 'the live file was rewritten after the snapshot');
      assert.ok(fs.existsSync(path.join(path.dirname(copy), 'CLUSDB.blf')));
      objects.splice(objects.indexOf(vss), 1);
      vss.release();
      assert.equal(fs.existsSync(props.snapshotDeviceObject), false, 'released: snapshot deleted');
    });

    it('AbortBackup deletes the snapshot and ends the backup', () => {
      const s = scenario({ asyncPendingPolls: 0 });
      const vss = create();
      const { instanceId, snapshotId } = prepareBackup(vss, s);
      finish(vss.doSnapshotSet());
      const device = vss.getSnapshotProperties(snapshotId).snapshotDeviceObject;
      assert.ok(fs.statSync(device).isDirectory());
      vss.abortBackup();
      assert.equal(fs.existsSync(device), false);
      assertHresult(() => vss.setBackupSucceeded(instanceId, CLUSTER_DATABASE, true),
        'IVssBackupComponents::SetBackupSucceeded', VSS_E_BAD_STATE);
      assertHresult(() => vss.backupComplete(), 'IVssBackupComponents::BackupComplete', VSS_E_BAD_STATE);
    });

    it('a "hang" fault leaves the operation pending until it is cancelled, and the cancelled one takes no effect', () => {
      const s = scenario({ asyncPendingPolls: 0 });
      const vss = create();
      const { snapshotId } = prepareBackup(vss, s);
      simulatorInjectFault('IVssBackupComponents::DoSnapshotSet', 1, 0, 'hang');
      const op = vss.doSnapshotSet();
      try {
        for (let i = 0; i < 20; i++) assert.equal(op.queryStatus(), 'pending');
        assert.equal(op.waitBlocking(20), 0, 'Wait returns at its timeout');
        assert.equal(op.queryStatus(), 'pending');
        assert.equal(op.cancel(), 0);
        assert.equal(op.queryStatus(), 'cancelled');
      } finally {
        op.release();
      }
      assertHresult(() => vss.getSnapshotProperties(snapshotId), 'IVssBackupComponents::GetSnapshotProperties', VSS_E_BAD_STATE);
      assert.equal(fs.existsSync(path.join(s.dir, 'snapshots', '1')), false);
      vss.abortBackup();
    });

    it('a "fail" fault makes the asynchronous operation finish with that code and no effect', () => {
      const s = scenario({ asyncPendingPolls: 1 });
      const vss = create();
      vss.initializeForBackup(null);
      vss.setBackupState(true, false, VssBackupType.Full, false);
      finish(vss.gatherWriterMetadata());
      vss.startSnapshotSet();
      vss.addToSnapshotSet(volumeOf(s));
      simulatorInjectFault('IVssBackupComponents::PrepareForBackup', 1, VSS_E_FLUSH_WRITES_TIMEOUT);
      const op = vss.prepareForBackup();
      try {
        assert.equal(op.queryStatus(), 'pending');
        assertHresult(() => op.queryStatus(), 'IVssBackupComponents::PrepareForBackup', VSS_E_FLUSH_WRITES_TIMEOUT);
      } finally {
        op.release();
      }
      assertHresult(() => vss.doSnapshotSet(), 'IVssBackupComponents::DoSnapshotSet', VSS_E_BAD_STATE);
      finish(vss.prepareForBackup());   // the retry goes through
      finish(vss.doSnapshotSet());
    });

    it('reports the writer failed from the scenario\'s failAt step on', () => {
      const s = scenario({ writer: { failAt: 'thaw', failureHr: VSS_E_WRITERERROR_RETRYABLE }, asyncPendingPolls: 0 });
      const vss = create();
      prepareBackup(vss, s);
      finish(vss.gatherWriterStatus());
      const [stable] = vss.readWriterStatuses();
      assert.equal(stable.state, VssWriterState.Stable, writerStateName(stable.state));
      assert.equal(stable.failureHr, 0);
      finish(vss.doSnapshotSet());
      finish(vss.gatherWriterStatus());
      const [failed] = vss.readWriterStatuses();
      assert.equal(failed.state, VssWriterState.FailedAtThaw, writerStateName(failed.state));
      assert.equal(failed.failureHr, VSS_E_WRITERERROR_RETRYABLE);
      assert.ok(sameGuid(failed.writerId, CLUSTER_DATABASE_WRITER_ID));
      vss.abortBackup();
    });

    it('does not gather a writer that is not there, and will not add its components', () => {
      scenario({ writer: { present: false }, asyncPendingPolls: 0 });
      const vss = create();
      vss.initializeForBackup(null);
      vss.setBackupState(true, false, VssBackupType.Full, false);
      finish(vss.gatherWriterMetadata());
      assert.equal(vss.getWriterMetadataCount(), 0);
      assertHresult(() => vss.addComponent('00000000-0000-0000-0000-000000000001', CLUSTER_DATABASE),
        'IVssBackupComponents::AddComponent', VSS_E_OBJECT_NOT_FOUND);
    });

    it('refuses a process that is not elevated with E_ACCESSDENIED', () => {
      scenario({ elevated: false });
      assertHresult(() => VssBackupComponents.create(), 'CreateVssBackupComponentsInternal', E_ACCESSDENIED);
    });
  });

  describe('restore', () => {
    it('enforces the order of §4.2, records the authoritative flag and logs the details', () => {
      const s = scenario({ asyncPendingPolls: 0, writer: { failAt: 'preRestore' } });
      const xml = backupDocument(s);

      const vss = create();
      const early = vss.queryEx2();
      try {
        assertHresult(() => early.setAuthoritativeRestore(CLUSTER_DATABASE, true),
          'IVssBackupComponentsEx2::SetAuthoritativeRestore', VSS_E_BAD_STATE);
      } finally {
        early.release();
      }
      assertHresult(() => vss.preRestore(), 'IVssBackupComponents::PreRestore', VSS_E_BAD_STATE);
      vss.initializeForRestore(xml);
      vss.setRestoreState(VssRestoreType.ByCopy);
      assertHresult(() => vss.setSelectedForRestore(CLUSTER_DATABASE, true),
        'IVssBackupComponents::SetSelectedForRestore', VSS_E_BAD_STATE);   // before GatherWriterMetadata
      finish(vss.gatherWriterMetadata());
      assertHresult(() => vss.postRestore(), 'IVssBackupComponents::PostRestore', VSS_E_BAD_STATE);
      assertHresult(() => vss.setSelectedForRestore({ ...CLUSTER_DATABASE, componentName: 'Another' }, true),
        'IVssBackupComponents::SetSelectedForRestore', VSS_E_OBJECT_NOT_FOUND);
      simulatorClearCallLog();
      vss.setSelectedForRestore(CLUSTER_DATABASE, true);
      const ex2 = vss.queryEx2();
      try {
        ex2.setAuthoritativeRestore(CLUSTER_DATABASE, true);
        assertHresult(() => vss.setFileRestoreStatus(CLUSTER_DATABASE, VssFileRestoreStatus.All),
          'IVssBackupComponents::SetFileRestoreStatus', VSS_E_BAD_STATE);
        finish(vss.preRestore());
        assertHresult(() => ex2.setAuthoritativeRestore(CLUSTER_DATABASE, false),
          'IVssBackupComponentsEx2::SetAuthoritativeRestore', VSS_E_BAD_STATE);   // only before PreRestore
      } finally {
        ex2.release();
      }
      const writer = vss.getWriterComponents(0);
      try {
        assert.equal(writer.getComponentCount(), 1);
        const component = writer.getComponent(0);
        try {
          assert.equal(component.isSelectedForRestore(), true);
          assert.equal(component.getAuthoritativeRestore(), true);
          assert.equal(component.getBackupSucceeded(), true);
          assert.equal(component.getRestoreTarget(), VssRestoreTarget.Original);
        } finally {
          component.release();
        }
      } finally {
        writer.release();
      }
      finish(vss.gatherWriterStatus());
      const [status] = vss.readWriterStatuses();
      assert.equal(status.state, VssWriterState.FailedAtPreRestore, writerStateName(status.state));
      vss.setFileRestoreStatus(CLUSTER_DATABASE, VssFileRestoreStatus.All);
      finish(vss.postRestore());
      assertHresult(() => vss.postRestore(), 'IVssBackupComponents::PostRestore', VSS_E_BAD_STATE);
      const log = simulatorCallLog();
      for (const entry of ['IVssBackupComponents::SetSelectedForRestore:1', 'IVssBackupComponentsEx2::SetAuthoritativeRestore:1',
        'IVssBackupComponents::PreRestore', 'IVssBackupComponents::SetFileRestoreStatus:2', 'IVssBackupComponents::PostRestore']) {
        assert.ok(log.includes(entry), `${entry} in ${JSON.stringify(log)}`);
      }
      assert.ok(log.indexOf('IVssBackupComponentsEx2::SetAuthoritativeRestore:1') < log.indexOf('IVssBackupComponents::PreRestore'));
    });

    it('carries Unicode logical paths and component names through the Backup Components Document', () => {
      const logicalPath = 'Кластер\\узел <1> & "2"';
      const componentName = 'データベース 🗄';
      const s = scenario({ asyncPendingPolls: 0, writer: { components: [{ logicalPath, name: componentName, type: 'database' }] } });
      const ref: ComponentRef = { writerId: CLUSTER_DATABASE_WRITER_ID, componentType: VssComponentType.Database, logicalPath, componentName };
      const backup = create();
      backup.initializeForBackup(null);
      backup.setBackupState(true, false, VssBackupType.Full, false);
      finish(backup.gatherWriterMetadata());
      const { instanceId, metadata } = backup.getWriterMetadata(0);
      try {
        const [described] = metadata.describeComponents();
        assert.equal(described.logicalPath, logicalPath);
        assert.equal(described.componentName, componentName);
        assert.deepEqual(described.files.map((f) => f.filespec), ['CLUSDB', 'CLUSDB.blf']);
      } finally {
        metadata.release();
      }
      backup.addComponent(instanceId, ref);
      backup.startSnapshotSet();
      backup.addToSnapshotSet(volumeOf(s));
      finish(backup.prepareForBackup());
      finish(backup.doSnapshotSet());
      backup.setBackupSucceeded(instanceId, ref, true);
      const xml = backup.saveAsXml();

      const restore = create();
      restore.initializeForRestore(xml);
      finish(restore.gatherWriterMetadata());
      restore.setSelectedForRestore(ref, true);
      const writer = restore.getWriterComponents(0);
      try {
        assert.deepEqual(writer.listComponents(), [{ logicalPath, componentName, componentType: VssComponentType.Database }]);
      } finally {
        writer.release();
      }
    });
  });
});
