/**
 * The typed VSS wrappers through real koffi against the simulator, at the level the
 * restore uses them: InitializeForRestore with a saved Backup Components Document,
 * IVssWriterComponentsExt (two-vtable layout) and IVssComponent, SetSelectedForRestore,
 * QueryInterface for IVssBackupComponentsEx2 + SetAuthoritativeRestore (slot 54),
 * PreRestore / SetFileRestoreStatus / PostRestore, CreateVssExamineWriterMetadataInternal
 * + GetRestoreMethod — and the GUID, BSTR and snapshot-property plumbing. Zero leaks.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { backupCluster } from '../../src/engine/backup';
import { openBackupSet } from '../../src/engine/backupSet';
import { makeContext, type OperationContext } from '../../src/engine/context';
import { guidFromBytes, guidFromStruct, guidToBytes, guidToStruct, sameGuid } from '../../src/native/com';
import { HResultError } from '../../src/native/errors';
import { getVolumeNameForVolumeMountPoint } from '../../src/native/kernel32';
import { coTaskMemFree, initializeCom, uninitializeCom, type ComSession } from '../../src/native/ole32';
import { readBstr, sysAllocString, sysFreeString, takeBstr, withBstr } from '../../src/native/oleaut32';
import { simulatorCallLog, simulatorClearCallLog } from '../../src/native/simulator';
import type { VssAsync } from '../../src/native/vssAsync';
import { VssBackupComponents, type ComponentRef } from '../../src/native/vssBackupComponents';
import {
  CLUSTER_DATABASE_WRITER_ID, VssBackupType, VssComponentType, VssFileRestoreStatus, VssRestoreMethod, VssRestoreTarget, VssRestoreType,
  VssWriterState, isWriterFailedState, restoreMethodName, writerStateName,
} from '../../src/native/vssTypes';
import { VssExamineWriterMetadata } from '../../src/native/vssWriterMetadata';
import { suiteScenarios } from '../support/sim';

async function finish(op: VssAsync): Promise<void> {
  try {
    for (let i = 0; i < 1000; i++) {
      if (op.queryStatus() === 'finished') return;
      await new Promise((r) => setTimeout(r, 1));
    }
    assert.fail(`${op.operation} did not finish`);
  } finally {
    op.release();
  }
}

const quiet = (): OperationContext => makeContext();

describe('VSS wrappers (simulator)', function () {
  this.timeout(30_000);
  let session: ComSession | undefined;
  const scenario = suiteScenarios({
    beforeLeakCheck: () => {
      if (session) uninitializeCom(session);
      session = undefined;
    },
  });

  describe('GUIDs and BSTRs', () => {
    it('converts GUIDs between text, struct and bytes (§2.2 byte order)', () => {
      const text = '41e12264-35d8-479b-8e5c-9b23d1dad37e';
      const bytes = guidToBytes(text);
      assert.equal(bytes.toString('hex'), '6422e141d8359b478e5c9b23d1dad37e');
      assert.equal(guidFromBytes(bytes), text);
      assert.equal(guidFromStruct(guidToStruct(`{${text.toUpperCase()}}`)), text);
      assert.ok(sameGuid(text, `{${text.toUpperCase()}}`));
      assert.throws(() => guidToStruct('not-a-guid'), /Not a GUID/);
    });

    it('allocates, reads and frees BSTRs, Unicode included', () => {
      scenario();
      const text = 'Кластер 東京 🚀 <xml attr="1"/>';
      const bstr = sysAllocString(text);
      try {
        assert.equal(readBstr(bstr), text);
      } finally {
        sysFreeString(bstr);
      }
      assert.equal(withBstr('x', (b) => (b === null ? null : readBstr(b))), 'x');
      assert.equal(withBstr(null, (b) => b), null);
      assert.equal(takeBstr(sysAllocString('')), '');
      assert.equal(takeBstr(null), null);
    });

    it('passes the block to CoTaskMemFree: NULL is a no-op, a block it did not hand out is refused', () => {
      scenario();
      simulatorClearCallLog();
      coTaskMemFree(null);
      assert.deepEqual(simulatorCallLog().filter((e) => e.startsWith('CoTaskMemFree')), ['CoTaskMemFree']);
      // A BSTR is not a CoTaskMem block: the simulator sees the pointer, refuses it and logs so (Windows would corrupt its heap).
      const bstr = sysAllocString('not a CoTaskMem block');
      try {
        simulatorClearCallLog();
        coTaskMemFree(bstr);
        assert.deepEqual(simulatorCallLog().filter((e) => e.startsWith('CoTaskMemFree')), ['CoTaskMemFree', 'CoTaskMemFree:invalid']);
      } finally {
        sysFreeString(bstr);
      }
    });

    it('names writer states and restore methods', () => {
      assert.equal(writerStateName(VssWriterState.FailedAtFreeze), 'VSS_WS_FAILED_AT_FREEZE');
      assert.equal(writerStateName(VssWriterState.Stable), 'VSS_WS_STABLE');
      assert.ok(isWriterFailedState(VssWriterState.FailedAtPrepareBackup) && !isWriterFailedState(VssWriterState.WaitingForBackupComplete));
      assert.equal(restoreMethodName(VssRestoreMethod.RestoreStopStart), 'VSS_RME_RESTORE_STOP_START');
    });
  });

  describe('backup side, call by call', () => {
    it('reads writer status, snapshot properties and the documents through the §2.4 slots', async () => {
      const s = scenario();
      session = initializeCom();
      const vss = VssBackupComponents.create();
      try {
        vss.initializeForBackup(null);
        vss.setBackupState(true, false, VssBackupType.Full, false);
        await finish(vss.gatherWriterMetadata());
        const count = vss.getWriterMetadataCount();
        assert.ok(count >= 1);
        let writerInstance = '';
        for (let i = 0; i < count; i++) {
          const { instanceId, metadata } = vss.getWriterMetadata(i);
          try {
            const id = metadata.getIdentity();
            if (!sameGuid(id.writerId, CLUSTER_DATABASE_WRITER_ID)) continue;
            assert.equal(id.writerName, 'Cluster Database');
            assert.ok(sameGuid(id.instanceId, instanceId));
            writerInstance = instanceId;
            const components = metadata.describeComponents();
            assert.equal(components.length, 1);
            assert.equal(components[0].componentName, 'Cluster Database');
            assert.equal(components[0].logicalPath, '');
            assert.equal(components[0].type, VssComponentType.Filegroup);
            assert.deepEqual(components[0].files.map((f) => [f.path, f.filespec, f.recursive]),
              [[path.join(s.dir, 'Windows', 'Cluster'), 'CLUSDB', false], [path.join(s.dir, 'Windows', 'Cluster'), 'CLUSDB.blf', false]]);
            const method = metadata.getRestoreMethod();
            assert.equal(method.method, VssRestoreMethod.RestoreStopStart);
            assert.equal(method.service, 'ClusSvc');
            assert.equal(metadata.getBackupSchema(), 0x4000);
          } finally {
            metadata.release();
          }
        }
        vss.freeWriterMetadata();
        assert.ok(writerInstance);
        const ref: ComponentRef = { writerId: CLUSTER_DATABASE_WRITER_ID, componentType: VssComponentType.Filegroup, logicalPath: '', componentName: 'Cluster Database' };
        vss.addComponent(writerInstance, ref);
        const setId = vss.startSnapshotSet();
        const snapshotId = vss.addToSnapshotSet(path.parse(s.dir).root);
        await finish(vss.prepareForBackup());
        await finish(vss.doSnapshotSet());
        await finish(vss.gatherWriterStatus());
        const statuses = vss.readWriterStatuses();
        const mine = statuses.find((x) => sameGuid(x.writerId, CLUSTER_DATABASE_WRITER_ID));
        assert.ok(mine);
        assert.equal(mine.writerName, 'Cluster Database');
        assert.ok(sameGuid(mine.instanceId, writerInstance));
        assert.equal(isWriterFailedState(mine.state), false, writerStateName(mine.state));
        assert.equal(mine.failureHr, 0);
        const props = vss.getSnapshotProperties(snapshotId);
        assert.ok(sameGuid(props.snapshotId, snapshotId));
        assert.ok(sameGuid(props.snapshotSetId, setId));
        assert.ok(fs.statSync(props.snapshotDeviceObject).isDirectory(), props.snapshotDeviceObject);
        // VSS names the original volume by its volume GUID path, whatever name was added.
        assert.equal(props.originalVolumeName, getVolumeNameForVolumeMountPoint(path.parse(s.dir).root));
        vss.setBackupSucceeded(writerInstance, ref, true);
        await finish(vss.backupComplete());
        const xml = vss.saveAsXml();
        assert.match(xml, /Cluster Database/);
      } finally {
        vss.release();
      }
    });

    it('an out-of-order call fails with VSS_E_BAD_STATE naming the method', () => {
      scenario();
      session = initializeCom();
      const vss = VssBackupComponents.create();
      try {
        assert.throws(() => vss.startSnapshotSet(), (err: unknown) => {
          assert.ok(err instanceof HResultError);
          assert.equal(err.api, 'IVssBackupComponents::StartSnapshotSet');
          assert.equal(err.codeName, 'VSS_E_BAD_STATE');
          return true;
        });
      } finally {
        vss.release();
      }
    });
  });

  describe('restore side', () => {
    it('walks §4.2 with a saved set: components, selection, authoritative flag, restore target and status', async () => {
      const s = scenario();
      const dest = path.join(s.dir, 'backups');
      const result = await backupCluster({ destination: dest }, quiet(), { pollIntervalMs: { min: 1, max: 2 }, lockFolder: path.join(s.dir, 'lock') });
      const set = await openBackupSet(result.path, { expectedCluster: 'CLUSTER1' });
      const backupXml = await set.readBackupComponentsXml();
      const writerXml = await set.readWriterMetadataXml();

      session = initializeCom();
      // The writer's metadata as it was at backup time.
      const saved = VssExamineWriterMetadata.fromXml(writerXml);
      try {
        const id = saved.getIdentity();
        assert.ok(sameGuid(id.writerId, CLUSTER_DATABASE_WRITER_ID));
        const method = saved.getRestoreMethod();
        assert.equal(method.method, VssRestoreMethod.RestoreStopStart);
        assert.equal(method.service, 'ClusSvc');
        assert.equal(saved.describeComponents()[0].componentName, 'Cluster Database');
      } finally {
        saved.release();
      }

      const vss = VssBackupComponents.create();
      try {
        vss.initializeForRestore(backupXml);
        vss.setRestoreState(VssRestoreType.ByCopy);
        await finish(vss.gatherWriterMetadata());
        vss.freeWriterMetadata();
        assert.equal(vss.getWriterComponentsCount(), 1);
        const writerComponents = vss.getWriterComponents(0);
        let ref: ComponentRef;
        try {
          const info = writerComponents.getWriterInfo();
          assert.ok(sameGuid(info.writerId, CLUSTER_DATABASE_WRITER_ID));
          const list = writerComponents.listComponents();
          assert.deepEqual(list, [{ logicalPath: '', componentName: 'Cluster Database', componentType: VssComponentType.Filegroup }]);
          ref = { writerId: info.writerId, componentType: list[0].componentType, logicalPath: list[0].logicalPath, componentName: list[0].componentName };
          const component = writerComponents.getComponent(0);
          try {
            assert.equal(component.getBackupSucceeded(), true);
            assert.equal(component.isSelectedForRestore(), false);
          } finally {
            component.release();
          }
        } finally {
          writerComponents.release();
        }

        vss.setSelectedForRestore(ref, true);
        const ex2 = vss.queryEx2();
        try {
          ex2.setAuthoritativeRestore(ref, true);
        } finally {
          ex2.release();
        }
        assert.ok(simulatorCallLog().some((e) => e.startsWith('IVssBackupComponentsEx2::SetAuthoritativeRestore')));
        await finish(vss.preRestore());

        const after = vss.getWriterComponents(0);
        try {
          const component = after.getComponent(0);
          try {
            assert.equal(component.isSelectedForRestore(), true);
            assert.equal(component.getAuthoritativeRestore(), true);
            const target = component.getRestoreTarget();
            assert.ok([VssRestoreTarget.Undefined, VssRestoreTarget.Original, VssRestoreTarget.OriginalLocation].includes(target), `restore target ${target}`);
            assert.deepEqual(component.getNewTargets(), []);
            assert.deepEqual(component.getDirectedTargets(), []);
          } finally {
            component.release();
          }
        } finally {
          after.release();
        }
        vss.setFileRestoreStatus(ref, VssFileRestoreStatus.All);
        await finish(vss.postRestore());
        const status = vss.getWriterComponents(0);
        try {
          const component = status.getComponent(0);
          try {
            assert.equal(component.getFileRestoreStatus(), VssFileRestoreStatus.All);
          } finally {
            component.release();
          }
        } finally {
          status.release();
        }
      } finally {
        vss.release();
      }
    });

    it('CreateVssExamineWriterMetadataInternal refuses a document that is not writer metadata', () => {
      scenario();
      session = initializeCom();
      assert.throws(() => VssExamineWriterMetadata.fromXml('<not-metadata/>'), (err: unknown) =>
        err instanceof HResultError && err.api === 'CreateVssExamineWriterMetadataInternal');
    });

    it('InitializeForRestore refuses a corrupt Backup Components Document, naming the method', () => {
      scenario();
      session = initializeCom();
      const vss = VssBackupComponents.create();
      try {
        assert.throws(() => vss.initializeForRestore('<<garbage'), (err: unknown) =>
          err instanceof HResultError && err.api === 'IVssBackupComponents::InitializeForRestore' && /XML/.test(err.codeName));
      } finally {
        vss.release();
      }
    });
  });
});
