/**
 * Hung native calls (Linux only): the simulator makes an export hang (fault mode "hang",
 * test/simulator/README.md). The engine's watchdog ends the engine with a message naming
 * the call once the limit (FCBACKUP_NATIVE_CALL_LIMIT_SECONDS, small here) has passed,
 * and a CLI killed while its engine is stuck leaves no engine behind holding the lock.
 * Nothing here measures how long anything took: the tests wait for the outcome (with a
 * bound against a hang of the test itself) and check the message and the processes.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { engineStopReason, ENGINE_STOP_PREFIX } from '../../src/client/engineStop';
import { acquireOperationLock, isProcessAlive } from '../../src/engine/lock';
import { recoverInterruptedRestore } from '../../src/engine/restore';
import { simulatorClearFaults } from '../../src/native/simulator';
import { STOP_LINE_PREFIX } from '../../src/worker/watchdog';
import { makeTempScenario, type ScenarioSpec, type TempScenario } from '../support/scenario';
import { recordingContext } from '../support/context';
import { assertNoLeaks, useScenario } from '../support/sim';
import { assertSameFiles, liveFiles, prepareRestore, restoreArtifacts, serviceStates } from '../engine/restore-fixture';
import { enginePidOf, lockHolder, runCliToEnd, signalProcess, startCli, waitFor, waitForExit } from './lifecycle-support';

describe('hung native calls', function () {
  this.timeout(180_000);
  const scenarios: TempScenario[] = [];
  /** Engines a failing test may leave behind (each is in a process group of its own). */
  const engines: number[] = [];
  let lockFolder: string;

  before(() => {
    lockFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-watchdog-lock-'));
  });
  after(() => {
    for (const pid of engines) signalProcess(pid, 'SIGKILL');
    assertNoLeaks();
    for (const s of scenarios) s.cleanup();
    fs.rmSync(lockFolder, { recursive: true, force: true });
  });

  function scenario(spec: ScenarioSpec): TempScenario {
    const s = makeTempScenario(spec);
    scenarios.push(s);
    return s;
  }

  it('the client reads the watchdog\'s line by the prefix the watchdog writes', () => {
    assert.equal(ENGINE_STOP_PREFIX, STOP_LINE_PREFIX);
    assert.equal(engineStopReason(`${STOP_LINE_PREFIX}OpenCluster did not return within 2 s.`), 'OpenCluster did not return within 2 s.');
    assert.equal(engineStopReason('engine: something else'), undefined);
  });

  it('status with OpenCluster hanging: one message naming the call, exit 1, no engine left', async () => {
    const s = scenario({ faults: [{ function: 'OpenCluster', mode: 'hang', code: 0 }] });
    const { end, cli } = await runCliToEnd(['status', '--verbose', '--simulate', s.path], { FCBACKUP_NATIVE_CALL_LIMIT_SECONDS: '2', FCBACKUP_LOCK_DIR: lockFolder }, 'status to end');
    assert.equal(end.code, 1, `exit code (stderr: ${cli.stderr()})`);
    const failures = cli.stderr().split('\n').filter((line) => line.startsWith('fcbackup: '));
    assert.deepEqual(failures.length, 1, `one error line: ${cli.stderr()}`);
    assert.match(failures[0], /^fcbackup: The engine stopped during status: OpenCluster did not return within 2 s\. .*nodes are reachable/);
    const pid = enginePidOf(cli);
    assert.ok(pid !== undefined, 'the engine said its pid');
    engines.push(pid);
    await waitForExit(pid, 'the stopped engine', 30_000);
  });

  it('a restore the watchdog stopped (committed: PostRestore sent, stuck in ControlService) is completed by the next run', async () => {
    // This node's service is stopped for the swap after PostRestore: the first ControlService that reaches NODE1.
    const f = await prepareRestore({ faults: [{ function: 'ControlService:NODE1', mode: 'hang', code: 0 }] }, { lockFolder });
    scenarios.push(f.scenario);
    const { end, cli } = await runCliToEnd(['restore', f.setPath, '--authoritative', '--stop-other-nodes', '--yes', '--simulate', f.scenario.path],
      { FCBACKUP_NATIVE_CALL_LIMIT_SECONDS: '2', FCBACKUP_LOCK_DIR: lockFolder }, 'the restore to end');
    assert.equal(end.code, 1, cli.stderr());
    assert.match(cli.stderr(), /^fcbackup: The engine stopped during restore: ControlService did not return within 2 s\. /m);
    assert.ok(restoreArtifacts(f).includes('ClusterRestoreJournal.json'), 'the stopped restore left its journal');

    useScenario(f.scenario.path);
    simulatorClearFaults(); // the fault is armed in this process too, from the scenario
    // Past the commit point (PostRestore was sent with every file in place) a restore goes forward, never back.
    assert.equal(await recoverInterruptedRestore(recordingContext(), { lockFolder }), 'completed');
    assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'the restored files');
    assert.deepEqual(restoreArtifacts(f), []);
    assert.deepEqual(serviceStates(f.nodes, f.machine), Object.fromEntries(f.nodes.map((n) => [n, 'running'])));
    assertNoLeaks();
  });

  it('a CLI killed while its engine is stuck in a call leaves no engine and a free lock', async () => {
    // The default limit (120 s) is longer than this test waits: only the engine noticing that its client is gone ends it.
    const s = scenario({ faults: [{ function: 'OpenCluster', mode: 'hang', code: 0 }] });
    const destination = path.join(s.dir, 'backups');
    const cli = startCli(['backup', '--to', destination, '--verbose', '--simulate', s.path], { FCBACKUP_LOCK_DIR: lockFolder });
    try {
      await waitFor('the backup to open the cluster', () => cli.stderr().includes('[progress] Opening the cluster'));
      const enginePid = await waitFor('the engine to hold the lock', () => lockHolder(lockFolder));
      engines.push(enginePid);
      assert.equal(enginePid, enginePidOf(cli));
      signalProcess(cli.child.pid!, 'SIGKILL');
      await cli.ended;
      await waitForExit(enginePid, 'the orphaned engine', 60_000);
      assert.equal(isProcessAlive(enginePid), false);
      const lock = await acquireOperationLock(lockFolder, 'test');
      await lock.release();
    } finally {
      signalProcess(-cli.child.pid!, 'SIGKILL');
    }
  });
});
