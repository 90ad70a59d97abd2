/**
 * The restore contract across the crises it must handle (issue "Restore by the documented
 * contract", Tests): {files released at PreRestore, still locked} × {node, authoritative} ×
 * {this node's service running, stopped, unable to start}, with the simulator's replication
 * rule on. Each ends observed in effect, or `rebootRequired` and then completed by the first
 * run after ClusSimReboot — and a reboot-pending restore rolled back by `recover` leaves the
 * previous files byte-identical. (The quorum combinations belong to the cluster-formation
 * suites.)
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeContext } from '../../src/engine/context';
import { finishRestoreAfterReboot, pendingRestore, planRestore, recoverRestore, restoreCluster } from '../../src/engine/restore';
import { stopServiceAndWait } from '../../src/engine/serviceControl';
import { simulatorCallLog, simulatorClearCallLog, simulatorReboot } from '../../src/native/simulator';
import { recordingContext } from '../support/context';
import { configurationDigest } from '../../src/engine/restoreOutcome';
import { readHive } from '../../src/hive/reader';
import { assertRestored, assertSameFiles, sha, liveFiles, restoreArtifacts, restoreSuite, serviceStates } from './restore-fixture';

type Files = 'released' | 'locked';
type Local = 'running' | 'stopped' | 'unableToStart';

describe('restore contract (simulator)', function () {
  this.timeout(180_000);
  const suite = restoreSuite();

  for (const files of ['released', 'locked'] as Files[]) {
    for (const authoritative of [false, true]) {
      for (const local of ['running', 'stopped', 'unableToStart'] as Local[]) {
        const viaWriter = local !== 'unableToStart';
        const reboot = files === 'locked' && viaWriter;
        it(`${files} files, ${authoritative ? 'authoritative' : 'node'} restore, service ${local}: ` +
          `${reboot ? 'rebootRequired, then completed after the restart' : 'completed, observed in effect'}`, async () => {
          const f = await suite.prepare({ writer: { releasesFilesAtPreRestore: files === 'released' } }, { liveMembers: ['NODE1', 'NODE2', 'NODE3', 'NODE4'] });
          if (local !== 'running') await stopServiceAndWait({ node: 'NODE1', isLocal: true }, 'ClusSvc', makeContext());
          if (local === 'unableToStart') fs.writeFileSync(path.join(f.clusDb, 'CLUSDB'), 'not a hive: the service cannot load it');
          const before = liveFiles(f.clusDb);
          const params = { set: f.setPath, authoritative, stopOtherNodes: authoritative };

          const plan = await planRestore(params, recordingContext(), suite.options);
          assert.equal(plan.refusal, null);
          const offline = plan.steps.find((s) => s.kind === 'offlinePath');
          assert.equal(offline?.kind === 'offlinePath' ? offline.reason : null, viaWriter ? null : 'serviceCannotStart', 'the plan says which path and why');
          simulatorClearCallLog();

          const result = await restoreCluster(params, recordingContext(), suite.options);
          const log = simulatorCallLog();
          if (!reboot) {
            assert.equal(result.outcome, 'completed', result.problems.join('; '));
            assertRestored(f, authoritative && viaWriter);
            assert.deepEqual(restoreArtifacts(f), []);
            if (viaWriter) assert.ok(log.includes('MoveFileExW:CLUSDB') && log.includes('IVssBackupComponents::PostRestore'));
          } else {
            assert.equal(result.outcome, 'rebootRequired');
            assert.deepEqual(result.atReboot?.map((p) => path.basename(p)), ['CLUSDB', 'CLUSDB.blf']);
            assert.ok(log.includes('MoveFileExW:CLUSDB'), 'the replacement was tried through MoveFileExW (ERROR_SHARING_VIOLATION)');
            assertSameFiles(liveFiles(f.clusDb), before, 'nothing replaced before the restart');
            const pending = await pendingRestore(suite.options);
            assert.equal(pending?.rebootRequired, true, 'status shows the restore waiting for the restart');
            assert.equal(await finishRestoreAfterReboot(recordingContext(), suite.options), null, 'before the restart nothing is finished');

            simulatorReboot();
            const ctx = recordingContext();
            const finished = await finishRestoreAfterReboot(ctx, suite.options);
            assert.equal(finished?.outcome, 'completed', finished?.problems.join('; '));
            assert.match(ctx.text(), /files of the restore .* are in place \(checked by SHA-256\): finishing it/);
            assertRestored(f, authoritative);
            assert.deepEqual(restoreArtifacts(f), []);
            assert.equal(await pendingRestore(suite.options), null);
          }
          assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'running' });
        });
      }
    }
  }

  it('a reboot-pending restore rolled back by recover before the restart: previous files byte-identical, also after the restart', async () => {
    const f = await suite.prepare({ writer: { releasesFilesAtPreRestore: false } }, { liveMembers: ['NODE1', 'NODE2', 'NODE3', 'NODE4'] });
    const result = await restoreCluster({ set: f.setPath, authoritative: true, stopOtherNodes: true }, recordingContext(), suite.options);
    assert.equal(result.outcome, 'rebootRequired');
    assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'stopped', NODE3: 'stopped', NODE4: 'stopped' },
      'the other nodes wait for the restart');
    const recovered = await recoverRestore(recordingContext(), suite.options);
    assert.equal(recovered.outcome, 'rolledBack');
    assertSameFiles(liveFiles(f.clusDb), f.before, 'the previous files');
    assert.deepEqual(restoreArtifacts(f), [], 'the staged copies the restart would have moved are gone');
    assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'running' });
    // The restart finds nothing to move. (The writer was told at PostRestore that an authoritative restore happened; what it
    // does at the next start cannot be withdrawn — the simulator raises the PaxosTag then — so the configuration is compared.)
    simulatorReboot();
    const others = (m: Map<string, Buffer>): string[] => [...m.keys()].filter((n) => n !== 'CLUSDB').map((n) => `${n}:${sha(m.get(n)!)}`);
    assert.deepEqual(others(liveFiles(f.clusDb)), others(f.before), 'the scheduled renames found nothing to move');
    assert.equal(configurationDigest(readHive(liveFiles(f.clusDb).get('CLUSDB')!, 'live').root), configurationDigest(readHive(f.before.get('CLUSDB')!, 'before').root));
  });
});
