/**
 * Every call of an authoritative restore failing in turn (simulator fault injection
 * into each Win32 export and COM method the restore makes, at its first and last call
 * and on both sides of the commit point), failures while staging and while swapping
 * after each file, and writer failures at PreRestore/PostRestore: until the cluster
 * service runs here on the restored files, the restore is refused or rolled back — the
 * live files byte-identical to before, no staged file left, every service running
 * again; after that point the restore stands. Nothing leaks in either case.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../../src/engine/errors';
import { restoreCluster } from '../../src/engine/restore';
import { NativeError } from '../../src/native/errors';
import { simulatorCallLog, simulatorClearCallLog, simulatorInjectFault } from '../../src/native/simulator';
import { makeTempScenario, type ScenarioSpec, type TempScenario } from '../support/scenario';
import { recordingContext } from '../support/context';
import { assertNoLeaks, assertSubsequence, useScenario } from '../support/sim';
import {
  assertRestored, assertSameFiles, liveFiles, restoreArtifacts, restoreSuite, serviceStates, type RestoreFixture,
} from './restore-fixture';

/** Calls whose failure cannot be observed as a failed restore: handle/memory release, and the last-error read itself. */
const NOT_INJECTED = new Set([
  'CloseServiceHandle', 'CloseHandle', 'CloseCluster', 'CloseClusterNode', 'ClusterCloseEnum', 'ClusterRegCloseKey', 'CoUninitialize',
  'SysFreeString', 'SysStringLen', 'GetLastError', 'GetCurrentProcess', 'IVssWMComponent::FreeComponentInfo',
  // The journal's and safety folder's DACL (Windows only): a failure refuses before the commit point and is retried
  // after it, which protection.test.ts covers; here it would be judged by where it falls relative to PostRestore.
  'ConvertStringSecurityDescriptorToSecurityDescriptorW', 'GetSecurityDescriptorDacl', 'SetNamedSecurityInfoW', 'LocalFree',
]);

/** The fault name of a call-log entry: the export or Interface::Method without its ":detail". */
function faultName(entry: string): string {
  return (/^([^:]+::[^:]+|[^:]+)/.exec(entry) as RegExpExecArray)[1];
}

interface FaultPoint {
  name: string;
  /** Which call of that name fails (1 = the first). */
  call: number;
  /** Position of that call in the successful run's log. */
  index: number;
}

describe('restore under injected faults (simulator)', function () {
  this.timeout(600_000);
  const spec: ScenarioSpec = { servicePendingPolls: 0, asyncPendingPolls: 1 };
  const suite = restoreSuite();
  let f: RestoreFixture;
  let other: TempScenario;

  /** Back to the state before the restore: the changed live files, every service running, a fresh call log. */
  function reset(fixture: RestoreFixture = f): void {
    useScenario(other.path);
    for (const name of fs.readdirSync(fixture.clusDb)) fs.rmSync(path.join(fixture.clusDb, name), { force: true });
    for (const [name, data] of fixture.before) fs.writeFileSync(path.join(fixture.clusDb, name), data);
    fs.rmSync(`${fixture.scenario.path}.state.json`, { force: true });
    useScenario(fixture.scenario.path);
    simulatorClearCallLog();
  }

  const authoritative = (fixture: RestoreFixture = f) => ({ set: fixture.setPath, authoritative: true, stopOtherNodes: true });

  function expectRolledBack(fixture: RestoreFixture, what: string): void {
    assertSameFiles(liveFiles(fixture.clusDb), fixture.before, `${what}: the live files are byte-identical to before`);
    assert.deepEqual(restoreArtifacts(fixture), [], `${what}: nothing left behind`);
    assert.deepEqual(serviceStates(fixture.nodes, fixture.machine), Object.fromEntries(fixture.nodes.map((n) => [n, 'running'])),
      `${what}: every service runs again`);
    assertNoLeaks();
  }

  let baseline: string[] = [];
  let commitIndex = 0;
  let mustFailFrom = 0;

  before(async () => {
    other = makeTempScenario({});
    f = await suite.prepare(spec);
    reset();
    await restoreCluster(authoritative(), recordingContext(), suite.options);
    baseline = simulatorCallLog();
    // The commit point: PostRestore with VSS_RS_ALL is sent (the writer acts on the restored files from then on); after it
    // this node's service is stopped and started (VSS_RME_RESTORE_STOP_START), and a failure is a problem, not a roll-back.
    const postRestore = baseline.lastIndexOf('IVssBackupComponents::PostRestore');
    commitIndex = postRestore;
    assert.ok(postRestore > 0 && baseline.indexOf('StartServiceW:NODE1') > commitIndex, 'PostRestore, then NODE1 is stopped and started');
    mustFailFrom = baseline.indexOf('IVssBackupComponents::PreRestore');
    assert.ok(mustFailFrom > 0 && mustFailFrom < postRestore);
  });
  after(() => other.cleanup());

  it('covers every kind of call the restore makes', () => {
    const names = new Set(baseline.map(faultName));
    for (const name of ['ControlService', 'StartServiceW', 'QueryServiceStatusEx', 'OpenSCManagerW', 'CreateVssBackupComponentsInternal',
      'IVssBackupComponents::InitializeForRestore', 'IVssBackupComponents::GetWriterMetadataCount', 'IVssBackupComponents::GetWriterMetadata',
      'IVssBackupComponents::FreeWriterMetadata', 'IVssBackupComponents::PreRestore', 'IVssBackupComponentsEx2::SetAuthoritativeRestore',
      'IVssBackupComponents::SetFileRestoreStatus', 'IVssBackupComponents::PostRestore', 'IVssAsync::QueryStatus', 'AdjustTokenPrivileges']) {
      assert.ok(names.has(name), `${name} is in the successful run`);
    }
  });

  it('every call failing in turn: refused or rolled back before the commit point, complete after it', async () => {
    const occurrences = new Map<string, number[]>();
    baseline.forEach((entry, index) => {
      const name = faultName(entry);
      if (NOT_INJECTED.has(name)) return;
      occurrences.set(name, [...(occurrences.get(name) ?? []), index]);
    });
    const points: FaultPoint[] = [];
    for (const [name, indexes] of occurrences) {
      const calls = new Set<number>([1, indexes.length]);
      // Both sides of the commit point for calls made on both sides.
      const lastBefore = indexes.filter((i) => i < commitIndex).length;
      if (lastBefore > 0) calls.add(lastBefore);
      if (lastBefore < indexes.length) calls.add(lastBefore + 1);
      for (const call of calls) points.push({ name, call, index: indexes[call - 1] });
    }
    assert.ok(points.length > 60, `${points.length} fault points`);

    let rolledBack = 0;
    let completed = 0;
    for (const point of points) {
      const label = `${point.name} call ${point.call} (${baseline[point.index]})`;
      reset();
      simulatorInjectFault(point.name, point.call, point.name.includes('::') || point.name.startsWith('Create') || point.name.startsWith('Co') ? 0x80042302 : 1726);
      const ctx = recordingContext();
      let outcome: unknown;
      try {
        outcome = await restoreCluster(authoritative(), ctx, suite.options);
      } catch (err) {
        outcome = err;
      }
      // From PreRestore to the commit point every call matters; earlier, discovery tolerates some failures
      // (a node whose id cannot be read is still listed), and then the restore simply succeeds.
      const mustFail = point.index >= mustFailFrom && point.index < commitIndex;
      if (outcome instanceof Error) {
        assert.ok(point.index < commitIndex, `${label}: after the commit point the restore stands, got ${outcome.message}`);
        if (outcome instanceof NativeError) assert.equal(outcome.api.split('(')[0], point.name, label);
        if (simulatorCallLog().some((c) => c.startsWith('ControlService'))) {
          assert.match(outcome.message, /rolled back/, `${label}: ${outcome.message}`);
        }
        expectRolledBack(f, label);
        rolledBack++;
      } else {
        assert.ok(!mustFail, `${label}: the restore must fail and roll back`);
        assert.deepEqual(restoreArtifacts(f), []);
        const result = outcome as { outcome: string; problems: string[] };
        if (result.outcome === 'completed') {
          assertRestored(f, true, `${label}: the restored files stay`);
          assert.equal(serviceStates([f.machine], f.machine)[f.machine], 'running', label);
        } else {
          // After the commit a failing service call leaves the restore not in effect, and says what to do.
          assert.equal(result.outcome, 'notInEffect', label);
          assert.ok(point.index >= commitIndex && result.problems.length > 0, `${label}: ${result.problems.join('; ')}`);
        }
        completed++;
      }
    }
    assert.ok(rolledBack > 40 && completed > 10, `${points.length} fault points: ${rolledBack} rolled back, ${completed} completed`);
  });

  it('a failure while staging after each number of files: the writer is told no file reached its location (VSS_RS_NONE), the staged files go, the live files were never touched', async () => {
    for (const k of [1, 2]) {
      reset();
      await assert.rejects(restoreCluster(authoritative(), recordingContext(), {
        ...suite.options,
        hooks: { afterFileStaged: (_target, index) => { if (index + 1 === k) throw new Error(`disk failure after ${k} staged file(s)`); } },
      }), (err: unknown) => err instanceof Error && new RegExp(`disk failure after ${k} staged file\\(s\\) — the restore failed, so NODE1 was rolled back`).test(err.message));
      const log = simulatorCallLog();
      assert.ok(log.includes('IVssBackupComponents::SetFileRestoreStatus:1'), log.join(' '));
      assert.ok(!log.includes('IVssBackupComponents::SetFileRestoreStatus:2'), 'nothing was reported restored');
      assert.ok(log.indexOf('IVssBackupComponents::PostRestore') > log.indexOf('IVssBackupComponents::SetFileRestoreStatus:1'), 'PostRestore ends the writer\'s session');
      assert.ok(!log.includes('ControlService:NODE1:1'), 'this node\'s service was never stopped');
      expectRolledBack(f, `after ${k} staged file(s)`);
    }
  });

  it('a failure while swapping after each number of files rolls back from the safety copy and starts this node again', async () => {
    for (const k of [1, 2]) {
      reset();
      await assert.rejects(restoreCluster(authoritative(), recordingContext(), {
        ...suite.options,
        hooks: { afterFileReplaced: (_target, index) => { if (index + 1 === k) throw new Error(`disk failure after ${k} file(s)`); } },
      }), (err: unknown) => err instanceof Error && new RegExp(`disk failure after ${k} file\\(s\\) — the restore failed, so NODE1 was rolled back`).test(err.message));
      const log = simulatorCallLog();
      // Some files had reached their locations: the writer is told the restore failed (VSS_RS_FAILED), and the roll-back
      // stops this node to put the files back, then starts it and the others again.
      assert.ok(log.includes('IVssBackupComponents::SetFileRestoreStatus:3') && !log.includes('IVssBackupComponents::SetFileRestoreStatus:2'));
      assertSubsequence(log, ['IVssBackupComponents::SetFileRestoreStatus:3', 'IVssBackupComponents::PostRestore', 'ControlService:NODE1:1', 'StartServiceW:NODE1', 'StartServiceW:NODE2']);
      expectRolledBack(f, `after ${k} file(s)`);
    }
  });

  it('the writer failing at preRestore is reported (WRITER_FAILED) and rolled back', async () => {
    const x = await suite.prepare({ ...spec, writer: { failAt: 'preRestore' } });
    reset(x);
    await assert.rejects(restoreCluster(authoritative(x), recordingContext(), suite.options), (err: unknown) =>
      err instanceof EngineError && err.code === 'WRITER_FAILED' &&
      /VSS_WS_FAILED_AT_PRE_RESTORE, failure VSS_E_WRITERERROR_NONRETRYABLE/.test(err.message) && /rolled back/.test(err.message));
    expectRolledBack(x, 'preRestore');
  });

  it('the writer failing at postRestore: past the commit point (the writer acted on the restored files), so not rolled back — reported not in effect', async () => {
    const x = await suite.prepare({ ...spec, writer: { failAt: 'postRestore' } });
    reset(x);
    const result = await restoreCluster(authoritative(x), recordingContext(), suite.options);
    assert.equal(result.outcome, 'notInEffect');
    assert.ok(result.problems.some((p) => /VSS_WS_FAILED_AT_POST_RESTORE/.test(p)), result.problems.join('; '));
  });

  it('a writer that is not there although ClusSvc runs is reported (WRITER_NOT_FOUND) before anything is selected, and rolled back', async () => {
    const x = await suite.prepare(spec);
    fs.writeFileSync(x.scenario.path, fs.readFileSync(x.scenario.path, 'utf8').replace('"present": true', '"present": false'));
    reset(x);
    await assert.rejects(restoreCluster(authoritative(x), recordingContext(), suite.options), (err: unknown) =>
      err instanceof EngineError && err.code === 'WRITER_NOT_FOUND' &&
      /not among the running writers although ClusSvc on NODE1 runs\. Check `vssadmin list writers`/.test(err.message) && /rolled back/.test(err.message));
    assert.ok(!simulatorCallLog().some((c) => c.includes('SetSelectedForRestore')));
    expectRolledBack(x, 'writer absent');
  });
});
