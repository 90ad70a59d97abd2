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
  assertSameFiles, liveFiles, restoreArtifacts, restoreSuite, serviceStates, type RestoreFixture,
} from './restore-fixture';

/** Calls whose failure cannot be observed as a failed restore: handle/memory release, and the last-error read itself. */
const NOT_INJECTED = new Set([
  'CloseServiceHandle', 'CloseHandle', 'CloseCluster', 'CloseClusterNode', 'ClusterCloseEnum', 'ClusterRegCloseKey', 'CoUninitialize',
  'SysFreeString', 'SysStringLen', 'GetLastError', 'GetCurrentProcess', 'IVssWMComponent::FreeComponentInfo',
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
    // The commit point: this node's service runs on the restored files; the next thing is starting the other nodes.
    const localStart = baseline.indexOf('StartServiceW:NODE1');
    commitIndex = baseline.findIndex((e, i) => i > localStart && e.endsWith(':NODE2'));
    assert.ok(localStart > 0 && commitIndex > localStart, 'the successful run starts NODE1, then NODE2');
    mustFailFrom = baseline.indexOf('IVssBackupComponents::PreRestore');
    assert.ok(mustFailFrom > 0 && mustFailFrom < localStart);
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
        assertSameFiles(liveFiles(f.clusDb), f.setFiles, `${label}: the restored files stay`);
        assert.deepEqual(restoreArtifacts(f), []);
        assert.equal(serviceStates([f.machine], f.machine)[f.machine], 'running', label);
        completed++;
      }
    }
    assert.ok(rolledBack > 40 && completed > 10, `${points.length} fault points: ${rolledBack} rolled back, ${completed} completed`);
  });

  it('a failure while staging after each number of files: the writer is told (VSS_RS_FAILED), the staged files go, the live files were never touched', async () => {
    for (const k of [1, 2]) {
      reset();
      await assert.rejects(restoreCluster(authoritative(), recordingContext(), {
        ...suite.options,
        hooks: { afterFileStaged: (_target, index) => { if (index + 1 === k) throw new Error(`disk failure after ${k} staged file(s)`); } },
      }), (err: unknown) => err instanceof Error && new RegExp(`disk failure after ${k} staged file\\(s\\) — the restore failed, so NODE1 was rolled back`).test(err.message));
      const log = simulatorCallLog();
      assert.ok(log.includes('IVssBackupComponents::SetFileRestoreStatus:3'), log.join(' '));
      assert.ok(!log.includes('IVssBackupComponents::SetFileRestoreStatus:2'), 'nothing was reported restored');
      assert.ok(log.indexOf('IVssBackupComponents::PostRestore') > log.indexOf('IVssBackupComponents::SetFileRestoreStatus:3'), 'PostRestore ends the writer\'s session');
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
      // The writer's session had ended with VSS_RS_ALL before the service was stopped for the swap.
      assert.ok(log.includes('IVssBackupComponents::SetFileRestoreStatus:2') && !log.includes('IVssBackupComponents::SetFileRestoreStatus:3'));
      assertSubsequence(log, ['IVssBackupComponents::PostRestore', 'ControlService:NODE1:1', 'StartServiceW:NODE1', 'StartServiceW:NODE2']);
      expectRolledBack(f, `after ${k} file(s)`);
    }
  });

  for (const failAt of ['preRestore', 'postRestore'] as const) {
    it(`the writer failing at ${failAt} is reported (WRITER_FAILED) and rolled back`, async () => {
      const x = await suite.prepare({ ...spec, writer: { failAt } });
      reset(x);
      await assert.rejects(restoreCluster(authoritative(x), recordingContext(), suite.options), (err: unknown) =>
        err instanceof EngineError && err.code === 'WRITER_FAILED' &&
        new RegExp(`VSS_WS_FAILED_AT_${failAt === 'preRestore' ? 'PRE' : 'POST'}_RESTORE, failure VSS_E_WRITERERROR_NONRETRYABLE`).test(err.message) &&
        /rolled back/.test(err.message));
      expectRolledBack(x, failAt);
    });
  }

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
