/**
 * Issue #14: calls on the node query threads are held to the native-call limit too (Linux
 * only, like native-watchdog.test.ts). The simulator makes GetClusterNodeState hang on one
 * node query thread (fault mode "hang"); with FCBACKUP_NATIVE_CALL_LIMIT_SECONDS small, the
 * status fails with a message naming the call and the node, the next status reads every
 * node with fresh threads, and the engine still exits once its client is gone (Node would
 * otherwise wait forever for the stuck thread). Nothing measures a duration: the tests wait
 * for outcomes, with a bound against a hang of the test itself.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineClient } from '../../src/client/engineClient';
import { Requests } from '../../src/protocol';
import { TestRequests } from '../../src/testProtocol';
import { makeNodes, makeTempScenario, type TempScenario } from '../support/scenario';
import { assertNoLeaks, simulatorLibraryPath } from '../support/sim';
import { bounded, enginePidOf, runCliToEnd, signalProcess, waitForExit } from './lifecycle-support';

const HUNG = /^GetClusterNodeState for node (NODE\d+) did not return within 2 s; the status read was stopped\. .*check that \1 is reachable/;

describe('hung calls on node query threads', function () {
  this.timeout(180_000);
  const scenarios: TempScenario[] = [];
  const engines: number[] = [];
  let lockFolder: string;
  const savedLimit = process.env.FCBACKUP_NATIVE_CALL_LIMIT_SECONDS;

  before(() => {
    lockFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-node-hang-lock-'));
  });
  after(() => {
    for (const pid of engines) signalProcess(pid, 'SIGKILL');
    if (savedLimit === undefined) delete process.env.FCBACKUP_NATIVE_CALL_LIMIT_SECONDS;
    else process.env.FCBACKUP_NATIVE_CALL_LIMIT_SECONDS = savedLimit;
    assertNoLeaks();
    for (const s of scenarios) s.cleanup();
    fs.rmSync(lockFolder, { recursive: true, force: true });
  });

  /** Eight nodes; the third GetClusterNodeState of the process (on a query thread) never returns. */
  function hangingScenario(): TempScenario {
    const s = makeTempScenario({ nodes: makeNodes(8), faults: [{ function: 'GetClusterNodeState', call: 3, mode: 'hang', code: 0 }] });
    scenarios.push(s);
    return s;
  }

  it('the status fails naming the call and the node, and the next status reads every node', async () => {
    const s = hangingScenario();
    process.env.FCBACKUP_NATIVE_CALL_LIMIT_SECONDS = '2';
    const client = await EngineClient.start({ native: { kind: 'simulator', library: simulatorLibraryPath(), scenario: s.path }, logLevel: 'error' });
    try {
      if (client.pid !== undefined) engines.push(client.pid);
      await assert.rejects(bounded(client.request(Requests.status, {}), 'the first status', 120_000), (err: Error) => {
        assert.match(err.message, HUNG);
        return true;
      });
      const status = await bounded(client.request(Requests.status, {}), 'the second status', 120_000);
      assert.equal(status.nodes.length, 8);
      assert.ok(status.nodes.every((n) => n.state === 'up'), JSON.stringify(status.nodes.map((n) => n.state)));
      const report = await client.request(TestRequests.leakReport, {});
      assert.equal(report.comRefs + report.bstrs + report.coTaskMem + report.snapshotProps, 0);
    } finally {
      client.dispose();
    }
  });

  it('the CLI\'s status fails with that message and its engine exits despite the stuck thread', async () => {
    const s = hangingScenario();
    const { end, cli } = await runCliToEnd(['status', '--verbose', '--simulate', s.path], { FCBACKUP_NATIVE_CALL_LIMIT_SECONDS: '2', FCBACKUP_LOCK_DIR: lockFolder }, 'status to end');
    assert.equal(end.code, 1, cli.stderr());
    const failures = cli.stderr().split('\n').filter((line) => line.startsWith('fcbackup: '));
    assert.equal(failures.length, 1, cli.stderr());
    assert.match(failures[0].replace(/^fcbackup: /, ''), HUNG);
    const pid = enginePidOf(cli);
    assert.ok(pid !== undefined, 'the engine said its pid');
    engines.push(pid);
    await waitForExit(pid, 'the engine with a stuck node query thread', 60_000);
    // It ended itself at exit rather than waiting for the thread (the CLI shows the engine's stderr).
    assert.match(cli.stderr(), /engine: exiting \(code 0\) without waiting for 1 node query thread\(s\) stuck in a call: GetClusterNodeState for node NODE\d+/);
  });
});
