/**
 * The restore contract across the crises it must handle (issue "Restore by the documented
 * contract", Tests): {files released at PreRestore, still locked} × {node, authoritative} ×
 * {this node's service running, stopped, unable to start} × {quorum reachable alone, needs force
 * quorum}, with the simulator's quorum and replication model on (test/simulator/README.md,
 * "Quorum and replication"). The configuration changed after the backup on every running node
 * (restore-fixture.ts), so the other nodes hold a newer copy than the set: an authoritative restore
 * that let them form the cluster on it would end overwritten.
 *
 * Each case ends in one of: the restored configuration observed in effect; `rebootRequired`, then
 * `completed` by the first run after ClusSimReboot; a clear refusal before any change (needs force
 * quorum, no consent); or a roll-back that leaves the previous files byte-identical and the
 * services as they were (the reboot-pending restore rolled back by `recover`).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nativeMembership } from '../../src/engine/clusterFormation';
import { makeContext } from '../../src/engine/context';
import { EngineError } from '../../src/engine/errors';
import { finishRestoreAfterReboot, pendingRestore, planRestore, recoverRestore, restoreCluster } from '../../src/engine/restore';
import { stopServiceAndWait } from '../../src/engine/serviceControl';
import { simulatorCallLog, simulatorClearCallLog, simulatorNodeConfiguration, simulatorReboot } from '../../src/native/simulator';
import { recordingContext } from '../support/context';
import { configurationDigest } from '../../src/engine/restoreOutcome';
import { readHive } from '../../src/hive/reader';
import type { ScenarioSpec } from '../support/scenario';
import { assertRestored, assertSameFiles, sha, liveFiles, restoreArtifacts, restoreSuite, serviceStates, type RestoreFixture } from './restore-fixture';

type Files = 'released' | 'locked';
type Local = 'running' | 'stopped' | 'unableToStart';
/** alone: only NODE1 votes (with the witness it holds 2 of 2); forceQuorum: every node votes (NODE1 holds 2 of 5). */
type Quorum = 'alone' | 'forceQuorum';

const NODES = ['NODE1', 'NODE2', 'NODE3', 'NODE4'];
const ALL_RUNNING = { NODE1: 'running', NODE2: 'running', NODE3: 'running', NODE4: 'running' };

function scenarioFor(files: Files, quorum: Quorum): ScenarioSpec {
  return {
    cluster: { replication: true },
    writer: { releasesFilesAtPreRestore: files === 'released' },
    nodes: NODES.map((name) => ({ name, votes: quorum === 'alone' && name !== 'NODE1' ? 0 : 1 })),
  };
}

/** Each name found after the previous one in the call log. */
function assertInOrder(log: string[], names: string[]): void {
  let from = 0;
  for (const name of names) {
    const at = log.indexOf(name, from);
    assert.ok(at >= 0, `${name} after ${names[names.indexOf(name) - 1] ?? 'the start'} in the call log:\n${log.join('\n')}`);
    from = at + 1;
  }
}

function copyOf(node: string): NonNullable<ReturnType<typeof simulatorNodeConfiguration>> {
  const copy = simulatorNodeConfiguration(node);
  assert.ok(copy, node);
  return copy;
}

/**
 * A node restore: the node is Up and has taken the running cluster's configuration (the copy every
 * node in the cluster holds); the set's other files are in place.
 */
function assertNodeRejoined(f: RestoreFixture, what: string): void {
  assert.equal(nativeMembership.nodeState('NODE1'), 'up', `${what}: NODE1 is Up in the cluster`);
  for (const n of ['NODE2', 'NODE3', 'NODE4']) assert.equal(copyOf('NODE1').hash, copyOf(n).hash, `${what}: NODE1 holds the cluster's configuration, as ${n} does`);
  const others = (m: Map<string, Buffer>): Map<string, Buffer> => new Map([...m].filter(([n]) => n !== 'CLUSDB'));
  assertSameFiles(others(liveFiles(f.clusDb)), others(f.setFiles), `${what}: the set's other files`);
}

/**
 * An authoritative restore: the set's configuration is in effect on every node (each took NODE1's
 * copy), NODE1 formed the cluster — forced only when it could not alone — and the other nodes
 * were started after it, one at a time.
 */
function assertFormedFirst(f: RestoreFixture, quorum: Quorum, writerMarked: boolean, log: string[], what: string): void {
  assertRestored(f, writerMarked, what);
  for (const n of ['NODE2', 'NODE3', 'NODE4']) assert.equal(copyOf(n).hash, copyOf('NODE1').hash, `${what}: ${n} took the restored configuration`);
  assert.equal(copyOf('NODE1').forced, quorum === 'forceQuorum', `${what}: NODE1 ${quorum === 'forceQuorum' ? 'was' : 'was not'} forced into quorum`);
  const starts = log.filter((c) => c.startsWith('StartServiceW'));
  assert.deepEqual(starts.slice(-3), ['StartServiceW:NODE2', 'StartServiceW:NODE3', 'StartServiceW:NODE4'], `${what}: the others one at a time, last`);
}

describe('restore contract (simulator, quorum model on)', function () {
  this.timeout(180_000);
  const suite = restoreSuite();

  async function prepare(files: Files, quorum: Quorum, local: Local): Promise<RestoreFixture> {
    const f = await suite.prepare(scenarioFor(files, quorum), { changedOnEveryNode: true });
    if (local !== 'running') await stopServiceAndWait({ node: 'NODE1', isLocal: true }, 'ClusSvc', makeContext());
    if (local === 'unableToStart') fs.writeFileSync(path.join(f.clusDb, 'CLUSDB'), 'not a hive: the service cannot load it');
    return f;
  }

  for (const quorum of ['alone', 'forceQuorum'] as Quorum[]) {
    for (const files of ['released', 'locked'] as Files[]) {
      for (const authoritative of [false, true]) {
        for (const local of ['running', 'stopped', 'unableToStart'] as Local[]) {
          const viaWriter = local !== 'unableToStart';
          const reboot = files === 'locked' && viaWriter;
          const consent = authoritative && quorum === 'forceQuorum';
          it(`${quorum === 'alone' ? 'quorum reachable alone' : 'needs force quorum, consented'}, ${files} files, ` +
            `${authoritative ? 'authoritative' : 'node'} restore, service ${local}: ` +
            `${reboot ? 'rebootRequired, then completed after the restart' : 'completed, observed in effect'}`, async () => {
            const f = await prepare(files, quorum, local);
            const before = liveFiles(f.clusDb);
            const params = { set: f.setPath, authoritative, stopOtherNodes: authoritative, ...(consent ? { forceQuorum: true } : {}) };

            const plan = await planRestore(params, recordingContext(), suite.options);
            assert.equal(plan.refusal, null);
            const offline = plan.steps.find((s) => s.kind === 'offlinePath');
            assert.equal(offline?.kind === 'offlinePath' ? offline.reason : null, viaWriter ? null : 'serviceCannotStart', 'the plan says which path and why');
            simulatorClearCallLog();

            const ctx = recordingContext();
            const result = await restoreCluster(params, ctx, suite.options);
            let log = simulatorCallLog();
            if (!reboot) {
              assert.equal(result.outcome, 'completed', `${result.problems.join('; ')}\n${ctx.text()}`);
              if (viaWriter && files === 'released') {
                // VSS_RME_RESTORE_STOP_START: PreRestore < the live file replaced < PostRestore < stop < start.
                assertInOrder(log, ['IVssBackupComponents::PreRestore', 'MoveFileExW:CLUSDB', 'IVssBackupComponents::PostRestore',
                  'ControlService:NODE1:1', 'StartServiceW:NODE1']);
              }
            } else {
              assert.equal(result.outcome, 'rebootRequired');
              assert.deepEqual(result.atReboot?.map((p) => path.basename(p)), ['CLUSDB', 'CLUSDB.blf']);
              assert.ok(log.includes('MoveFileExW:CLUSDB'), 'the replacement was tried through MoveFileExW (ERROR_SHARING_VIOLATION)');
              assertSameFiles(liveFiles(f.clusDb), before, 'nothing replaced before the restart');
              const pending = await pendingRestore(suite.options);
              assert.equal(pending?.rebootRequired, true, 'status shows the restore waiting for the restart');
              assert.equal(await finishRestoreAfterReboot(recordingContext(), suite.options), null, 'before the restart nothing is finished');

              simulatorReboot();
              simulatorClearCallLog();
              const after = recordingContext();
              const finished = await finishRestoreAfterReboot(after, suite.options);
              assert.equal(finished?.outcome, 'completed', `${finished?.problems.join('; ')}\n${after.text()}`);
              assert.match(after.text(), /files of the restore .* are in place \(checked by SHA-256\): finishing it/);
              assert.equal(await pendingRestore(suite.options), null);
              log = simulatorCallLog();
            }
            if (authoritative) {
              // The writer marks the database in place at PostRestore: only the released path had the set's files there then.
              assertFormedFirst(f, quorum, viaWriter && !reboot, log, 'after the restore');
            } else {
              assertNodeRejoined(f, 'after the restore');
            }
            assert.deepEqual(restoreArtifacts(f), []);
            assert.deepEqual(serviceStates(f.nodes, f.machine), ALL_RUNNING);
          });
        }
      }
    }
  }

  for (const files of ['released', 'locked'] as Files[]) {
    for (const local of ['running', 'stopped', 'unableToStart'] as Local[]) {
      it(`needs force quorum, no consent, ${files} files, authoritative restore, service ${local}: refused (needsForceQuorum) before any change`, async () => {
        const f = await prepare(files, 'forceQuorum', local);
        const before = liveFiles(f.clusDb);
        const states = serviceStates(f.nodes, f.machine);
        const params = { set: f.setPath, authoritative: true, stopOtherNodes: true };
        const plan = await planRestore(params, recordingContext(), suite.options);
        assert.deepEqual(plan.refusal, { code: 'needsForceQuorum', node: 'NODE1', nodeVotes: 1, totalVotes: 5, witness: true });
        simulatorClearCallLog();
        await assert.rejects(restoreCluster(params, recordingContext(), suite.options),
          (err: unknown) => err instanceof EngineError && err.code === 'QUORUM_NOT_REACHED' && /--force-quorum/.test(err.message) && /Nothing was changed\.$/.test(err.message));
        assertSameFiles(liveFiles(f.clusDb), before, 'the previous files, byte-identical');
        assert.deepEqual(restoreArtifacts(f), []);
        assert.deepEqual(serviceStates(f.nodes, f.machine), states, 'every service as it was');
        const log = simulatorCallLog();
        assert.ok(!log.some((c) => c.startsWith('ControlService') || c.startsWith('StartServiceW') || c.includes('PreRestore') || c.startsWith('MoveFileExW')), log.join(' '));
      });
    }
  }

  it('a reboot-pending restore rolled back by recover before the restart: previous files byte-identical, also after the restart', async () => {
    // The quorum model off: this case compares the files byte for byte across the restart.
    const f = await suite.prepare({ writer: { releasesFilesAtPreRestore: false } }, { liveMembers: NODES });
    const result = await restoreCluster({ set: f.setPath, authoritative: true, stopOtherNodes: true }, recordingContext(), suite.options);
    assert.equal(result.outcome, 'rebootRequired');
    assert.deepEqual(serviceStates(f.nodes, f.machine), { NODE1: 'running', NODE2: 'stopped', NODE3: 'stopped', NODE4: 'stopped' },
      'the other nodes wait for the restart');
    const recovered = await recoverRestore(recordingContext(), suite.options);
    assert.equal(recovered.outcome, 'rolledBack');
    assertSameFiles(liveFiles(f.clusDb), f.before, 'the previous files');
    assert.deepEqual(restoreArtifacts(f), [], 'the staged copies the restart would have moved are gone');
    assert.deepEqual(serviceStates(f.nodes, f.machine), ALL_RUNNING);
    // The restart finds nothing to move. (The writer was told at PostRestore that an authoritative restore happened; what it
    // does at the next start cannot be withdrawn — the simulator raises the PaxosTag then — so the configuration is compared.)
    simulatorReboot();
    const others = (m: Map<string, Buffer>): string[] => [...m.keys()].filter((n) => n !== 'CLUSDB').map((n) => `${n}:${sha(m.get(n)!)}`);
    assert.deepEqual(others(liveFiles(f.clusDb)), others(f.before), 'the scheduled renames found nothing to move');
    assert.equal(configurationDigest(readHive(liveFiles(f.clusDb).get('CLUSDB')!, 'live').root), configurationDigest(readHive(f.before.get('CLUSDB')!, 'before').root));
  });
});
