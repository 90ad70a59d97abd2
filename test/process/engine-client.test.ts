/**
 * The engine process over IPC (Linux only): EngineClient forks out/src/worker/main.js,
 * initializes it with the simulator, and gets the status, log and progress
 * notifications, error data naming the API and code, a rejected scenario reported on
 * every request, cancellation, one clear message when the engine dies (crash or kill,
 * mid-request or idle), and a zero leak report in the engine at the end. Test steps wait
 * for what the engine reports (progress, exit), never for a time.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { EngineClient, EngineRequestError, type EngineClientOptions } from '../../src/client/engineClient';
import type { LogParams, ProgressParams } from '../../src/protocol';
import { TestRequests } from '../../src/testProtocol';
import { Requests } from '../../src/protocol';
import { makeNodes, makeTempScenario, writeScenarioText, type ScenarioSpec, type TempScenario } from '../support/scenario';
import { assertNoLeaks, simulatorLibraryPath } from '../support/sim';

describe('engine process over IPC (simulator)', () => {
  const scenarios: TempScenario[] = [];
  const clients: EngineClient[] = [];

  function scenario(spec: ScenarioSpec = {}): TempScenario {
    const s = makeTempScenario(spec);
    scenarios.push(s);
    return s;
  }

  async function start(scenarioPath: string, extra: Partial<EngineClientOptions> = {}): Promise<EngineClient> {
    const client = await EngineClient.start({ native: { kind: 'simulator', library: simulatorLibraryPath(), scenario: scenarioPath }, ...extra });
    clients.push(client);
    return client;
  }

  async function expectNoEngineLeaks(client: EngineClient): Promise<void> {
    const report = await client.request(TestRequests.leakReport, {});
    assert.deepEqual(report.handles, { cluster: 0, node: 0, enum: 0, scm: 0, service: 0, token: 0, key: 0 });
    assert.equal(report.comRefs + report.bstrs + report.coTaskMem + report.snapshotProps, 0);
  }

  after(() => {
    for (const c of clients) c.dispose();
    for (const s of scenarios) s.cleanup();
    assertNoLeaks();
  });

  it('returns the status with log and progress notifications, and no leaks', async () => {
    const s = scenario({ nodes: [{ name: 'NODE1' }, { name: 'NODE2', state: 'paused' }, { name: 'NODE3', reachable: false }] });
    const logs: LogParams[] = [];
    const progress: ProgressParams[] = [];
    const client = await start(s.path, { logLevel: 'debug', onLog: (p) => logs.push(p), onProgress: (p) => progress.push(p) });
    const status = await client.request(Requests.status, {});
    assert.equal(status.state, 'running');
    assert.equal(status.cluster?.name, 'CLUSTER1');
    assert.deepEqual(status.nodes.map((n) => [n.name, n.state]), [['NODE1', 'up'], ['NODE2', 'paused'], ['NODE3', 'unreachable']]);
    assert.equal(status.nodes[2].error?.codeName, 'RPC_S_SERVER_UNAVAILABLE');
    assert.ok(logs.some((l) => /GetNodeClusterState → ClusterStateRunning \(0x13\)/.test(l.message)), 'log notifications arrive');
    assert.ok(logs.some((l) => l.level === 'debug'), 'debug lines arrive at logLevel debug');
    assert.ok(progress.some((p) => p.operation === Requests.status.method), 'progress notifications arrive');
    await expectNoEngineLeaks(client);
  });

  it('sends only the log levels asked for', async () => {
    const s = scenario();
    const logs: LogParams[] = [];
    const client = await start(s.path, { logLevel: 'warn', onLog: (p) => logs.push(p) });
    await client.request(Requests.status, {});
    assert.deepEqual(logs.filter((l) => l.level !== 'warn' && l.level !== 'error'), []);
  });

  it('connects to a cluster by name', async () => {
    const s = scenario();
    const client = await start(s.path);
    const status = await client.request(Requests.connect, { name: 'CLUSTER1' });
    assert.equal(status.connectedName, 'CLUSTER1');
    assert.equal(status.nodes.length, 4);
    await expectNoEngineLeaks(client);
  });

  it('rejects with the failing API, code and name', async () => {
    const s = scenario({ faults: [{ function: 'ClusterOpenEnum', code: 5 }] });
    const client = await start(s.path);
    await assert.rejects(client.request(Requests.status, {}), (err: unknown) => {
      assert.ok(err instanceof EngineRequestError);
      assert.equal(err.data.api, 'ClusterOpenEnum');
      assert.equal(err.data.code, 5);
      assert.equal(err.data.codeName, 'ERROR_ACCESS_DENIED');
      assert.equal(err.message, 'ClusterOpenEnum failed: ERROR_ACCESS_DENIED (5). Run VS Code or fcbackup as an administrator (elevated) on the node, with an account that administers the cluster.');
      return true;
    });
    await expectNoEngineLeaks(client);
  });

  it('rejects bad input with the engine code', async () => {
    const s = scenario();
    const client = await start(s.path);
    await assert.rejects(client.request(Requests.connect, { name: '' }), (err: unknown) => err instanceof EngineRequestError && err.data.engineCode === 'BAD_ARGUMENT');
  });

  it('reports a missing scenario file as a scenario error', async () => {
    const s = scenario();
    const client = await start(`${s.path}.missing`);
    await assert.rejects(client.request(Requests.status, {}), (err: unknown) => {
      assert.ok(err instanceof EngineRequestError);
      assert.equal(err.data.engineCode, 'SCENARIO');
      assert.match(err.message, /Simulator scenario .*scenario\.json\.missing/);
      return true;
    });
  });

  it('reports a rejected scenario again on the next request, never a call into a library without a scenario', async () => {
    const s = scenario();
    const broken = writeScenarioText(path.join(s.dir, 'broken'), '{ "nodes": [ this is not JSON');
    const client = await start(broken);
    for (const request of ['first', 'second (a refresh racing the first)']) {
      await assert.rejects(client.request(Requests.status, {}), (err: unknown) => {
        assert.ok(err instanceof EngineRequestError, `${request}: ${String(err)}`);
        assert.equal(err.data.engineCode, 'SCENARIO', `${request}: ${err.message}`);
        assert.match(err.message, /^Simulator scenario .*broken[\\/]scenario\.json: /);
        return true;
      });
    }
  });

  it('cancels a running request through the signal, and the engine closes what it opened', async () => {
    // Nodes are read 8 at a time in threads: each node call waits 5 ms (the simulator's latencyMs), so the
    // reads outlast the cancellation sent at the first progress line by orders of magnitude (about 1 s of reads
    // against one IPC round trip) — without it a fast machine could finish all 1000 reads before the cancel arrives.
    const s = scenario({ nodes: makeNodes(1000), latencyMs: 5 });
    const controller = new AbortController();
    const client = await start(s.path, {
      onProgress: (p) => {
        // "Read node …" as each node answers (read concurrently, src/native/nodeQueryPool.ts), "Reading node …" one by one.
        if (/^Read(ing)? node /.test(p.step) && (p.fraction ?? 0) > 0) controller.abort();
      },
    });
    await assert.rejects(client.request(Requests.status, {}, controller.signal), (err: unknown) => {
      assert.ok(err instanceof EngineRequestError);
      assert.equal(err.data.engineCode, 'CANCELLED');
      return true;
    });
    // The engine is still usable afterwards and nothing stayed open.
    await expectNoEngineLeaks(client);
    const again = await client.request(Requests.status, {});
    assert.equal(again.nodes.length, 1000);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const s = scenario();
    const client = await start(s.path);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(client.request(Requests.status, {}, controller.signal), (err: unknown) => err instanceof EngineRequestError && err.data.engineCode === 'CANCELLED');
  });

  /**
   * A status request whose first native call (GetNodeClusterState) never returns. The engine
   * sends the "Detecting the cluster service" progress and then, without yielding, makes
   * that call: once `stuck` resolves, the engine is in the call (or on its way, unable to
   * read its channel) for good.
   */
  async function startStuck(extra: Partial<EngineClientOptions> = {}, signal?: AbortSignal): Promise<{ client: EngineClient; pending: Promise<unknown>; stuck: Promise<void> }> {
    const s = scenario({ faults: [{ function: 'GetNodeClusterState', code: 0, mode: 'hang' }] });
    let reached: () => void = () => undefined;
    const stuck = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const client = await start(s.path, {
      ...extra,
      onProgress: (p) => {
        if (p.operation === Requests.status.method && p.step === 'Detecting the cluster service') reached();
      },
    });
    const pending = client.request(Requests.status, {}, signal);
    return { client, pending, stuck };
  }

  it('gives up waiting for a request stuck in a native call after the grace period', async () => {
    const controller = new AbortController();
    const { client, pending, stuck } = await startStuck({ cancelGraceMs: 300 }, controller.signal);
    await stuck;
    controller.abort();
    await assert.rejects(pending, (err: unknown) => err instanceof EngineRequestError && err.data.engineCode === 'CANCELLED');
    assert.equal(client.running, true, 'the engine is still stuck in the native call');
    // The engine cannot see its channel close: dispose() ends it anyway, with a kill.
    client.dispose();
    assert.deepEqual(await client.whenExited(), { code: null, signal: 'SIGTERM' });
    assert.equal(client.running, false);
  });

  it('gives a request pending when the engine is killed, and the exit listener, the same one message', async () => {
    const { client, pending, stuck } = await startStuck();
    const heard: string[] = [];
    client.onExit((_code, _signal, message) => heard.push(`listener: ${message}`));
    const failed = pending.then(
      () => assert.fail('the status request succeeded'),
      (err: unknown) => {
        assert.ok(err instanceof EngineRequestError);
        heard.push(`${err.data.engineCode ?? ''}: ${err.message}`);
      },
    );
    await stuck;
    assert.ok(client.pid);
    process.kill(client.pid, 'SIGKILL');
    await failed;
    const message = 'The engine process stopped unexpectedly (signal SIGKILL).';
    assert.deepEqual(heard, [`listener: ${message}`, `ENGINE_EXITED: ${message}`]);
    assert.equal(client.running, false);
    await assert.rejects(client.request(Requests.status, {}), (err: unknown) => err instanceof EngineRequestError && err.message === message);
  });

  it('tells the exit listener of an engine killed while idle, once', async () => {
    const s = scenario();
    const client = await start(s.path);
    await client.request(Requests.status, {});
    const heard: string[] = [];
    client.onExit((code, signal, message) => heard.push(`${String(code)} ${String(signal)}: ${message}`));
    assert.ok(client.pid);
    process.kill(client.pid, 'SIGKILL');
    assert.deepEqual(await client.whenExited(), { code: null, signal: 'SIGKILL' });
    assert.deepEqual(heard, ['null SIGKILL: The engine process stopped unexpectedly (signal SIGKILL).']);
  });

  it('rejects the pending request with a clear error when the engine crashes', async () => {
    const s = scenario({ faults: [{ function: 'ClusterEnum', code: 0, mode: 'crash' }] });
    const client = await start(s.path);
    const exits: Array<[number | null, string | null, string]> = [];
    client.onExit((code, signal, message) => exits.push([code, signal, message]));
    await assert.rejects(client.request(Requests.status, {}), (err: unknown) => {
      assert.ok(err instanceof EngineRequestError);
      assert.equal(err.data.engineCode, 'ENGINE_EXITED');
      assert.match(err.message, /^The engine process stopped unexpectedly \((signal \w+|exit code \d+)\)\. Last engine output: clussim: injected crash in ClusterEnum/);
      assert.equal(err.message, exits[0]?.[2]);
      return true;
    });
    assert.equal(exits.length, 1);
    assert.equal(client.running, false);
    assert.deepEqual(await client.whenExited(), { code: exits[0][0], signal: exits[0][1] });
    await assert.rejects(client.request(Requests.status, {}), (err: unknown) => err instanceof EngineRequestError && err.data.engineCode === 'ENGINE_EXITED');
  });

  it('refuses requests after dispose', async () => {
    const s = scenario();
    const client = await start(s.path);
    client.dispose();
    await assert.rejects(client.request(Requests.status, {}), (err: unknown) => err instanceof EngineRequestError && err.data.engineCode === 'ENGINE_EXITED');
  });
});
