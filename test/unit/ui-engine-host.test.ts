/**
 * The extension's engine host: nothing starts until a request needs the engine; a
 * dead engine is replaced on the next request; a new native target (another
 * scenario) means a new engine; no target means no engine at all.
 */
import * as assert from 'node:assert/strict';
import type { EngineClient, EngineClientOptions } from '../../src/client/engineClient';
import type { TargetResolution } from '../../src/client/nativeTarget';
import { EngineHost, EngineUnavailableError } from '../../src/ui/engineHost';

class FakeClient {
  running = true;
  disposed = false;
  readonly requests: string[] = [];
  private exitListener: ((code: number | null, signal: string | null, message: string) => void) | undefined;
  constructor(readonly pid: number, readonly options: EngineClientOptions) {}
  async request(type: { method: string }): Promise<unknown> {
    this.requests.push(type.method);
    return { state: 'running', machine: 'NODE1', cluster: null, nodes: [] };
  }
  onExit(listener: (code: number | null, signal: string | null, message: string) => void): void {
    this.exitListener = listener;
  }
  crash(): void {
    this.running = false;
    this.exitListener?.(null, 'SIGKILL', 'The engine process stopped unexpectedly (signal SIGKILL).');
  }
  dispose(): void {
    this.disposed = true;
    this.running = false;
  }
}

function makeHost(target: { current: TargetResolution }) {
  const clients: FakeClient[] = [];
  const exits: string[] = [];
  const host = new EngineHost({
    resolveTarget: () => target.current,
    logLevel: () => 'info',
    onLog: () => undefined,
    onProgress: () => undefined,
    onUnexpectedExit: (d) => exits.push(d),
    startClient: async (options) => {
      const client = new FakeClient(1000 + clients.length, options);
      clients.push(client);
      return client as unknown as EngineClient;
    },
  });
  return { host, clients, exits };
}

const scenarioA: TargetResolution = { kind: 'simulator', library: '/lib/libclussim.so', scenario: '/a/scenario.json' };
const scenarioB: TargetResolution = { kind: 'simulator', library: '/lib/libclussim.so', scenario: '/b/scenario.json' };

describe('ui engine host', () => {
  it('starts no engine until the first request, then reuses it', async () => {
    const { host, clients } = makeHost({ current: scenarioA });
    assert.equal(host.everStarted, false);
    assert.equal(host.pid, undefined);
    await host.request('status', {});
    await host.request('status', {});
    assert.equal(clients.length, 1);
    assert.deepEqual(clients[0]!.options.native, scenarioA);
    assert.deepEqual(clients[0]!.requests, ['fcb/status', 'fcb/status']);
    assert.equal(host.pid, 1000);
    assert.equal(host.everStarted, true);
  });

  it('shares one start between concurrent first requests', async () => {
    const { host, clients } = makeHost({ current: scenarioA });
    await Promise.all([host.request('status', {}), host.request('listBackups', { folder: '/b', verify: false })]);
    assert.equal(clients.length, 1);
  });

  it('reports an engine that died and starts a new one on the next request', async () => {
    const { host, clients, exits } = makeHost({ current: scenarioA });
    await host.get();
    clients[0]!.crash();
    assert.deepEqual(exits, ['The engine process stopped unexpectedly (signal SIGKILL).']);
    assert.equal(host.pid, undefined);
    await host.get();
    assert.equal(clients.length, 2);
    assert.equal(host.starts, 2);
  });

  it('replaces the engine when the native target changes', async () => {
    const target = { current: scenarioA };
    const { host, clients, exits } = makeHost(target);
    await host.get();
    target.current = scenarioB;
    await host.get();
    assert.equal(clients.length, 2);
    assert.equal(clients[0]!.disposed, true);
    assert.deepEqual(clients[1]!.options.native, scenarioB);
    assert.deepEqual(exits, [], 'a replaced engine is not an unexpected exit');
  });

  it('starts nothing without a native target and stops a running engine', async () => {
    const target: { current: TargetResolution } = { current: scenarioA };
    const { host, clients } = makeHost(target);
    await host.get();
    target.current = { kind: 'unavailable', reason: 'Failover clustering needs Windows.' };
    await assert.rejects(host.get(), (err: unknown) => err instanceof EngineUnavailableError && err.reason === 'Failover clustering needs Windows.');
    assert.equal(clients.length, 1);
    assert.equal(clients[0]!.disposed, true);
  });

  it('ends the engine on dispose and refuses requests afterwards', async () => {
    const { host, clients } = makeHost({ current: scenarioA });
    await host.get();
    host.dispose();
    assert.equal(clients[0]!.disposed, true);
    await assert.rejects(host.get(), /shutting down/);
  });
});
