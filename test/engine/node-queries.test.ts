/**
 * The status reads nodes concurrently in node query threads (src/native/nodeQueryPool.ts):
 * every node is shown in the cluster's order, an unreachable node's error is kept, and
 * slow nodes are asked at the same time rather than one after another. Proved with the
 * simulator's count of node calls in flight (ClusSimNodeCallPeak), never with a clock.
 */
import * as assert from 'node:assert/strict';
import { detectLocalCluster } from '../../src/engine/discovery';
import { CancelledError } from '../../src/engine/errors';
import { simulatorNodeCallPeak } from '../../src/native/simulator';
import { recordingContext } from '../support/context';
import { makeNodes } from '../support/scenario';
import { callCount, suiteScenarios } from '../support/sim';

describe('concurrent node queries (simulator)', () => {
  const scenario = suiteScenarios();

  it('reads 64 nodes with 8 threads: all shown in order, unreachable ones with their error, at most 8 calls at once', async () => {
    const nodes = makeNodes(64).map((n, i) => (i % 8 === 7 ? { ...n, reachable: false, latencyMs: 40 } : { ...n, latencyMs: 5 }));
    scenario({ nodes });
    simulatorNodeCallPeak(true);
    const status = await detectLocalCluster(recordingContext(), { nodeConcurrency: 8 });
    const peak = simulatorNodeCallPeak();
    assert.deepEqual(status.nodes.map((n) => n.name), nodes.map((n) => n.name));
    assert.deepEqual(status.nodes.filter((n) => n.state === 'unreachable').map((n) => n.name),
      ['NODE8', 'NODE16', 'NODE24', 'NODE32', 'NODE40', 'NODE48', 'NODE56', 'NODE64']);
    assert.equal(status.nodes.filter((n) => n.state === 'up').length, 56);
    assert.equal(status.nodes[7].error?.api, 'OpenClusterNode');
    assert.equal(status.nodes[7].error?.code, 1722);
    assert.ok(peak > 1, `node calls overlapped (peak ${peak})`);
    assert.ok(peak <= 8, `no more than 8 node calls at once (peak ${peak})`);
    assert.equal(callCount('OpenClusterNode'), 64);
  });

  it('one after another by default: never two node calls at once', async () => {
    scenario({ nodes: makeNodes(8).map((n) => ({ ...n, latencyMs: 5 })) });
    simulatorNodeCallPeak(true);
    const status = await detectLocalCluster(recordingContext());
    assert.equal(status.nodes.length, 8);
    assert.equal(simulatorNodeCallPeak(), 1);
  });

  it('an unreachable node that answers slowly does not hold up the others: they are asked while it waits', async () => {
    // NODE1 (the first asked) waits long; with 4 threads the other three nodes are asked meanwhile.
    scenario({ nodes: [{ name: 'NODE1', latencyMs: 300 }, { name: 'NODE2', reachable: false, latencyMs: 300 }, { name: 'NODE3', latencyMs: 300 }, { name: 'NODE4', latencyMs: 300 }] });
    simulatorNodeCallPeak(true);
    const status = await detectLocalCluster(recordingContext(), { nodeConcurrency: 4 });
    assert.deepEqual(status.nodes.map((n) => [n.name, n.state]), [['NODE1', 'up'], ['NODE2', 'unreachable'], ['NODE3', 'up'], ['NODE4', 'up']]);
    assert.ok(simulatorNodeCallPeak() >= 2, 'the slow node was not asked alone');
  });

  it('a cancellation while nodes are being read ends the status with CancelledError and leaks nothing', async () => {
    scenario({ nodes: makeNodes(16).map((n) => ({ ...n, latencyMs: 20 })) });
    const controller = new AbortController();
    const ctx = recordingContext(controller.signal, (step) => {
      if (step.startsWith('Read node')) controller.abort();
    });
    await assert.rejects(detectLocalCluster(ctx, { nodeConcurrency: 4 }), (err: unknown) => err instanceof CancelledError);
  });
});
