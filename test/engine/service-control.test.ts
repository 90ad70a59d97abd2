/**
 * serviceControl against the simulator's Service Control Manager (real koffi): stop
 * and start with the checkpoint protocol, on this node and on others, progress,
 * cancellation, and failures that name the API and the node.
 */
import * as assert from 'node:assert/strict';
import { Win32Error } from '../../src/native/errors';
import { simulatorCallLog, simulatorClearCallLog, simulatorInjectFault } from '../../src/native/simulator';
import { makeContext } from '../../src/engine/context';
import { EngineError } from '../../src/engine/errors';
import {
  queryServiceState, startServiceAndWait, stopServiceAndWait, waitForServiceState,
} from '../../src/engine/serviceControl';
import type { ScenarioSpec, TempScenario } from '../support/scenario';
import { suiteScenarios } from '../support/sim';

const here = { node: 'NODE1', isLocal: true };
const node2 = { node: 'NODE2', isLocal: false };

describe('serviceControl (simulator SCM)', () => {
  const scenario = suiteScenarios();
  function open(spec: ScenarioSpec = {}): TempScenario {
    const s = scenario(spec);
    simulatorClearCallLog();
    return s;
  }

  it('queries each node: running, stopped, notInstalled; other failures throw', () => {
    open({ nodes: [{ name: 'NODE1' }, { name: 'NODE2', service: 'stopped' }, { name: 'NODE3', service: 'notInstalled' }, { name: 'NODE4', reachable: false }] });
    assert.equal(queryServiceState(here), 'running');
    assert.equal(queryServiceState(node2), 'stopped');
    assert.equal(queryServiceState({ node: 'NODE3', isLocal: false }), 'notInstalled');
    assert.throws(() => queryServiceState({ node: 'NODE4', isLocal: false }),
      (err: unknown) => err instanceof Win32Error && err.api === 'OpenSCManagerW' && err.code === 1722);
  });

  it('stops a node and waits through STOP_PENDING, reporting progress; then starts it again', async () => {
    open({ servicePendingPolls: 3 });
    const steps: string[] = [];
    const ctx = makeContext({ progress: (step) => steps.push(step) });
    assert.deepEqual(await stopServiceAndWait(node2, 'ClusSvc', ctx), { before: 'running', changed: true });
    assert.equal(queryServiceState(node2), 'stopped');
    assert.deepEqual(await startServiceAndWait(node2, 'ClusSvc', ctx), { before: 'stopped', changed: true });
    assert.equal(queryServiceState(node2), 'running');
    assert.ok(steps.includes('Stopping ClusSvc on NODE2'), steps.join(' | '));
    assert.ok(steps.includes('Waiting for ClusSvc on NODE2 to be running'), steps.join(' | '));
    const log = simulatorCallLog();
    const control = log.indexOf('ControlService:NODE2:1');
    const start = log.indexOf('StartServiceW:NODE2');
    assert.ok(control >= 0 && start > control, log.join(' '));
    // Between the two, the stop was waited for: at least 3 pending answers and the final one.
    assert.ok(log.slice(control, start).filter((c) => c.startsWith('QueryServiceStatusEx')).length >= 4, log.join(' '));
  });

  it('uses NULL (this computer) for the local node', async () => {
    open();
    await stopServiceAndWait(here, 'ClusSvc', makeContext());
    assert.ok(simulatorCallLog().includes('ControlService:NODE1:1'));
    await startServiceAndWait(here, 'ClusSvc', makeContext());
    assert.equal(queryServiceState(here), 'running');
  });

  it('stops waiting when cancelled (the service stays pending)', async () => {
    open({ servicePendingPolls: 100000 });
    const controller = new AbortController();
    // Cancel when the wait has begun (its progress line), not after a guessed delay.
    const ctx = makeContext({ signal: controller.signal, progress: (step) => { if (step.startsWith('Waiting for')) controller.abort(); } });
    await assert.rejects(stopServiceAndWait(node2, 'ClusSvc', ctx),
      (err: unknown) => err instanceof EngineError && err.code === 'CANCELLED');
    assert.ok(simulatorCallLog().includes('ControlService:NODE2:1'), 'the stop was requested before the cancel');
    assert.equal(queryServiceState(node2), 'stopPending');
  });

  it('fails with TIMEOUT after the overall timeout', async () => {
    open({ servicePendingPolls: 100000 });
    await assert.rejects(stopServiceAndWait(node2, 'ClusSvc', makeContext(), { timeoutMs: 200 }),
      (err: unknown) => err instanceof EngineError && err.code === 'TIMEOUT' && /ClusSvc on NODE2 did not become stopped within 200 ms/.test(err.message));
  });

  it('propagates a failing query during the wait with its API and code', async () => {
    open({ servicePendingPolls: 5 });
    simulatorInjectFault('QueryServiceStatusEx', 3, 1726);
    await assert.rejects(stopServiceAndWait(node2, 'ClusSvc', makeContext()),
      (err: unknown) => err instanceof Win32Error && err.api === 'QueryServiceStatusEx' && err.code === 1726 && /NODE2/.test(err.message));
  });

  it('waitForServiceState returns at once when the state is already reached', async () => {
    open();
    const status = await waitForServiceState(here, 'ClusSvc', 'running', makeContext());
    assert.equal(status.currentState, 4);
  });
});
