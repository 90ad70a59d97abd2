/**
 * The node actions through real koffi against the simulator: Start and Stop Cluster
 * Service (SCM), Pause with drain and Resume (PauseClusterNodeEx / ResumeClusterNodeEx).
 * Each action's result is the node's state read back; failures name the API and code;
 * nothing leaks (suiteScenarios checks the leak report after every test).
 */
import * as assert from 'node:assert/strict';
import * as clusapi from '../../src/native/clusapi';
import { NativeError, Win32Error } from '../../src/native/errors';
import { simulatorCallLog, simulatorClearCallLog, simulatorInjectFault } from '../../src/native/simulator';
import { detectLocalCluster } from '../../src/engine/discovery';
import { EngineError } from '../../src/engine/errors';
import { readNodeState, runNodeAction } from '../../src/engine/nodeActions';
import { recordingContext } from '../support/context';
import type { ScenarioSpec, TempScenario } from '../support/scenario';
import { suiteScenarios } from '../support/sim';

describe('node actions (simulator)', () => {
  const scenario = suiteScenarios();
  function open(spec: ScenarioSpec = {}): TempScenario {
    const s = scenario(spec);
    simulatorClearCallLog();
    return s;
  }

  it('pauses a node with its roles drained; GetClusterNodeState then reports ClusterNodePaused (2)', async () => {
    open();
    const ctx = recordingContext();
    const result = await runNodeAction({ action: 'pause', node: 'NODE2' }, ctx);
    assert.deepEqual(result, { action: 'pause', node: 'NODE2', before: 'up', after: 'paused', changed: true });
    assert.ok(simulatorCallLog().includes('PauseClusterNodeEx:NODE2:drain'), simulatorCallLog().join(' '));
    const raw = clusapi.withCluster('NODE1', (c) => clusapi.withNode(c, 'NODE2', (n) => clusapi.getClusterNodeState(n)));
    assert.equal(raw, clusapi.ClusterNodeState.ClusterNodePaused);
    const status = await detectLocalCluster(recordingContext());
    assert.equal(status.nodes.find((n) => n.name === 'NODE2')?.state, 'paused');
    assert.match(ctx.text(), /PauseClusterNodeEx\(NODE2, drain yes, flags 0x1\) → requested/);
    assert.match(ctx.text(), /NODE2 is paused; its roles were drained/);
  });

  it('pausing a paused node sends nothing; resume brings it back up with the failback asked for', async () => {
    open();
    await runNodeAction({ action: 'pause', node: 'NODE3', drain: false }, recordingContext());
    assert.ok(simulatorCallLog().includes('PauseClusterNodeEx:NODE3:nodrain'));
    simulatorClearCallLog();
    const again = await runNodeAction({ action: 'pause', node: 'NODE3' }, recordingContext());
    assert.equal(again.changed, false);
    assert.ok(!simulatorCallLog().some((c) => c.startsWith('PauseClusterNodeEx')));
    const resumed = await runNodeAction({ action: 'resume', node: 'NODE3', failback: 'immediate' }, recordingContext());
    assert.deepEqual(resumed, { action: 'resume', node: 'NODE3', before: 'paused', after: 'up', changed: true });
    assert.ok(simulatorCallLog().includes('ResumeClusterNodeEx:NODE3:1'), simulatorCallLog().join(' '));
    assert.equal(readNodeState('NODE1', 'NODE3').state, 'up');
  });

  it('a pause survives the service restarting on the node (it comes back paused)', async () => {
    open();
    await runNodeAction({ action: 'pause', node: 'NODE2' }, recordingContext());
    const stopped = await runNodeAction({ action: 'stopService', node: 'NODE2' }, recordingContext());
    assert.equal(stopped.after, 'down');
    const started = await runNodeAction({ action: 'startService', node: 'NODE2' }, recordingContext());
    assert.deepEqual(started, { action: 'startService', node: 'NODE2', before: 'down', after: 'paused', service: 'running', changed: true });
  });

  it('stops and starts the cluster service on another node through its SCM, reading the node state back', async () => {
    open({ servicePendingPolls: 2 });
    const ctx = recordingContext();
    const stopped = await runNodeAction({ action: 'stopService', node: 'NODE3' }, ctx);
    assert.deepEqual(stopped, { action: 'stopService', node: 'NODE3', before: 'up', after: 'down', service: 'stopped', changed: true });
    assert.equal(readNodeState('NODE1', 'NODE3').state, 'down');
    const log = simulatorCallLog();
    assert.ok(log.includes('ControlService:NODE3:1'), log.join(' '));
    const started = await runNodeAction({ action: 'startService', node: 'NODE3' }, recordingContext());
    assert.deepEqual(started, { action: 'startService', node: 'NODE3', before: 'down', after: 'up', service: 'running', changed: true });
    assert.ok(simulatorCallLog().includes('StartServiceW:NODE3'));
  });

  it('starts the cluster service on this node when it is stopped here', async () => {
    open({ nodes: [{ name: 'NODE1', service: 'stopped' }, { name: 'NODE2' }] });
    const result = await runNodeAction({ action: 'startService', node: 'NODE1' }, recordingContext());
    assert.equal(result.after, 'up');
    assert.equal((await detectLocalCluster(recordingContext())).state, 'running');
  });

  it('resume of a node that is down fails naming ResumeClusterNodeEx and ERROR_CLUSTER_NODE_DOWN', async () => {
    open({ nodes: [{ name: 'NODE1' }, { name: 'NODE2', service: 'stopped' }] });
    await assert.rejects(runNodeAction({ action: 'resume', node: 'NODE2' }, recordingContext()),
      (err: unknown) => err instanceof Win32Error && err.api === 'ResumeClusterNodeEx' && err.code === 5050 && /NODE2/.test(err.message));
  });

  it('pause of an unreachable node fails naming the API and RPC_S_SERVER_UNAVAILABLE; nothing is recorded', async () => {
    open({ nodes: [{ name: 'NODE1' }, { name: 'NODE2', reachable: false }] });
    await assert.rejects(runNodeAction({ action: 'pause', node: 'NODE2' }, recordingContext()),
      (err: unknown) => err instanceof NativeError && err.code === 1722 && /OpenClusterNode/.test(err.message));
    assert.equal(readNodeState('NODE1', 'NODE2').state, 'unreachable');
  });

  it('an injected PauseClusterNodeEx failure is reported with its code and the node stays up', async () => {
    open();
    simulatorInjectFault('PauseClusterNodeEx', 1, 5);
    await assert.rejects(runNodeAction({ action: 'pause', node: 'NODE2' }, recordingContext()),
      (err: unknown) => err instanceof Win32Error && err.api === 'PauseClusterNodeEx' && err.code === 5 && /ERROR_ACCESS_DENIED/.test(err.message));
    assert.equal(readNodeState('NODE1', 'NODE2').state, 'up');
  });

  it('a pause the cluster does not show is not reported as done (the state is read back)', async () => {
    open();
    // The pause is accepted but every later GetClusterNodeState fails: no success without the read-back.
    simulatorInjectFault('GetClusterNodeState', 2, 1722);
    simulatorInjectFault('GetClusterNodeState', 3, 1722);
    const ctx = recordingContext();
    await assert.rejects(runNodeAction({ action: 'pause', node: 'NODE2' }, ctx, { settleTimeoutMs: 0 }),
      (err: unknown) => err instanceof EngineError && err.code === 'TIMEOUT' && /still unreachable/.test(err.message));
  });

  it('the simulator answers bad arguments as clusapi does: unknown pause flags, failback type and reserved flags', () => {
    open();
    clusapi.withCluster('NODE1', (c) => clusapi.withNode(c, 'NODE2', (n) => {
      assert.throws(() => clusapi.pauseClusterNodeEx(n, true, 0x8), (err: unknown) => err instanceof Win32Error && err.code === 87);
      assert.throws(() => clusapi.resumeClusterNodeEx(n, 3 as clusapi.ClusterNodeResumeFailbackType),
        (err: unknown) => err instanceof Win32Error && err.code === 87);
      assert.throws(() => clusapi.resumeClusterNodeEx(n, clusapi.ClusterNodeResumeFailbackType.DoNotFailbackGroups),
        (err: unknown) => err instanceof Win32Error && err.code === 5058 && err.codeName === 'ERROR_CLUSTER_NODE_NOT_PAUSED');
      clusapi.withNode(c, 'NODE2', (same) => assert.throws(() => clusapi.pauseClusterNodeEx(n, true, 0, same),
        (err: unknown) => err instanceof Win32Error && err.code === 87));
    }));
  });

  it('pauses with the roles drained to a chosen node: PauseClusterNodeEx gets that node\'s handle as hNodeDrainTarget', async () => {
    open({ nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3' }] });
    const ctx = recordingContext();
    const result = await runNodeAction({ action: 'pause', node: 'NODE2', drainTarget: 'node3' }, ctx);
    assert.deepEqual(result, { action: 'pause', node: 'NODE2', before: 'up', after: 'paused', changed: true, drainTarget: 'node3' });
    // The simulator logs the target its handle names (test/simulator/README.md, PauseClusterNodeEx).
    assert.ok(simulatorCallLog().includes('PauseClusterNodeEx:NODE2:drain:NODE3'), simulatorCallLog().join(' '));
    assert.match(ctx.text(), /PauseClusterNodeEx\(NODE2, drain yes, flags 0x1, target node3\) → requested/);
    assert.match(ctx.text(), /NODE2 is paused; its roles were drained to node3/);
  });

  it('a drain target that is not up is refused in plain words before anything is sent; the simulator answers 5005 as MS-CMRP says', async () => {
    open({ nodes: [{ name: 'NODE1' }, { name: 'NODE2' }, { name: 'NODE3', state: 'paused' }, { name: 'NODE4', reachable: false }] });
    for (const target of ['NODE3', 'NODE4']) {
      await assert.rejects(runNodeAction({ action: 'pause', node: 'NODE2', drainTarget: target }, recordingContext()),
        (err: unknown) => err instanceof EngineError && err.code === 'BAD_ARGUMENT' && new RegExp(`cannot move to ${target}: it is (paused|unreachable)`).test(err.message));
    }
    assert.ok(!simulatorCallLog().some((c) => c.startsWith('PauseClusterNodeEx')), simulatorCallLog().join(' '));
    assert.equal(readNodeState('NODE1', 'NODE2').state, 'up');
    clusapi.withCluster('NODE1', (c) => clusapi.withNode(c, 'NODE2', (n) => clusapi.withNode(c, 'NODE3', (paused) =>
      assert.throws(() => clusapi.pauseClusterNodeEx(n, true, 1, paused),
        (err: unknown) => err instanceof Win32Error && err.code === 5005 && err.codeName === 'ERROR_HOST_NODE_NOT_AVAILABLE'))));
  });

  it('a drain target is refused when it is the node itself, empty, or given without a drain', async () => {
    open();
    for (const params of [{ drainTarget: 'NODE2' }, { drainTarget: ' ' }, { drainTarget: 'NODE3', drain: false }]) {
      await assert.rejects(runNodeAction({ action: 'pause', node: 'NODE2', ...params }, recordingContext()),
        (err: unknown) => err instanceof EngineError && err.code === 'BAD_ARGUMENT', JSON.stringify(params));
    }
    assert.ok(!simulatorCallLog().some((c) => c.startsWith('PauseClusterNodeEx')));
  });

  it('bad input is refused before anything is sent', async () => {
    open();
    await assert.rejects(runNodeAction({ action: 'pause', node: '  ' }, recordingContext()), (err: unknown) => err instanceof EngineError && err.code === 'BAD_ARGUMENT');
    await assert.rejects(runNodeAction({ action: 'explode' as 'pause', node: 'NODE2' }, recordingContext()),
      (err: unknown) => err instanceof EngineError && err.code === 'BAD_ARGUMENT');
    await assert.rejects(runNodeAction({ action: 'resume', node: 'NODE2', failback: 'sometimes' as 'none' }, recordingContext()),
      (err: unknown) => err instanceof EngineError && err.code === 'BAD_ARGUMENT');
    assert.ok(!simulatorCallLog().some((c) => /PauseClusterNodeEx|ResumeClusterNodeEx|ControlService|StartServiceW/.test(c)));
  });
});
