/**
 * The waiting rules of serviceControl against a scripted Service Control Manager:
 * checkpoint stalls, the overall timeout, a service that settles in the wrong state,
 * cancellation, and the poll interval derived from the wait hint. (The same code runs
 * against the simulator's SCM in service-control.test.ts.)
 */
import * as assert from 'node:assert/strict';
import type { ServiceStatus, ServiceStatusProcess } from '../../src/native/advapi32';
import { Win32Error } from '../../src/native/errors';
import { makeContext } from '../../src/engine/context';
import { EngineError } from '../../src/engine/errors';
import {
  pollIntervalFor, startServiceAndWait, stopServiceAndWait, waitForServiceState, type ServiceControlApi,
} from '../../src/engine/serviceControl';

const local = { node: 'NODE1', isLocal: true };

function status(currentState: number, checkPoint = 0, waitHint = 0, win32ExitCode = 0): ServiceStatusProcess {
  return {
    serviceType: 0x10, currentState, controlsAccepted: 1, win32ExitCode, serviceSpecificExitCode: 0,
    checkPoint, waitHint, processId: 0, serviceFlags: 0,
  };
}

/** Answers queries from a script; the last entry repeats. Records every call. */
function scripted(script: ServiceStatusProcess[], extra: Partial<ServiceControlApi> = {}): ServiceControlApi & { calls: string[] } {
  const calls: string[] = [];
  let i = 0;
  return {
    calls,
    query(machine, service) {
      calls.push(`query:${machine ?? 'local'}:${service}`);
      const s = script[Math.min(i, script.length - 1)];
      i++;
      return s;
    },
    stop(machine, service): ServiceStatus {
      calls.push(`stop:${machine ?? 'local'}:${service}`);
      if (extra.stop) return extra.stop(machine, service);
      return status(3, 1, 100);
    },
    start(machine, service, args) {
      calls.push(`start:${machine ?? 'local'}:${service}:${args.join(' ')}`);
      extra.start?.(machine, service, args);
    },
  };
}

describe('serviceControl waiting rules (scripted SCM)', () => {
  it('derives the poll interval from the wait hint, clamped to 50 ms – 1 s', () => {
    assert.equal(pollIntervalFor(0), 50);
    assert.equal(pollIntervalFor(100), 50);
    assert.equal(pollIntervalFor(3000), 300);
    assert.equal(pollIntervalFor(60_000), 1000);
  });

  it('returns once the state is reached while the checkpoint rises', async () => {
    const api = scripted([status(3, 1, 200), status(3, 2, 200), status(3, 3, 200), status(1)]);
    const result = await waitForServiceState(local, 'ClusSvc', 'stopped', makeContext(), { api });
    assert.equal(result.currentState, 1);
    assert.equal(api.calls.length, 4);
  });

  it('fails with TIMEOUT when the checkpoint stops rising for longer than the wait hint', async () => {
    const api = scripted([status(2, 1, 120), status(2, 2, 120), status(2, 2, 120)]);
    const began = Date.now();
    await assert.rejects(waitForServiceState(local, 'ClusSvc', 'running', makeContext(), { api }), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.equal(err.code, 'TIMEOUT');
      assert.match(err.message, /stopped making progress.*checkpoint 2.*120 ms/);
      return true;
    });
    // At least the wait hint passed without progress (the message says the checkpoint rule, not the overall timeout, ended it).
    assert.ok(Date.now() - began >= 120);
  });

  it('fails with TIMEOUT after the overall timeout even while the checkpoint keeps rising', async () => {
    let checkpoint = 0;
    const api: ServiceControlApi = {
      query: () => status(2, ++checkpoint, 100),
      stop: () => status(3),
      start: () => undefined,
    };
    await assert.rejects(waitForServiceState(local, 'ClusSvc', 'running', makeContext(), { api, timeoutMs: 300 }),
      (err: unknown) => err instanceof EngineError && err.code === 'TIMEOUT' && /did not become running within 300 ms/.test(err.message));
    // However slowly the polls come on a loaded machine, the first answer is never past the timeout: the
    // checkpoint rose at least once before the overall timeout ended the wait.
    assert.ok(checkpoint >= 2, `polled ${checkpoint} times`);
  });

  it('fails when a starting service settles as stopped, naming its exit code', async () => {
    const api = scripted([status(2, 1, 100), status(1, 0, 0, 1069)]);
    await assert.rejects(waitForServiceState(local, 'ClusSvc', 'running', makeContext(), { api }),
      (err: unknown) => err instanceof EngineError && err.code === 'RESTORE_FAILED' && /stopped instead of running \(exit code 1069\)/.test(err.message));
  });

  it('stops waiting when cancelled', async () => {
    const controller = new AbortController();
    const api = scripted([status(3, 1, 5000), status(3, 2, 5000)]);
    // Cancel right after the first answer, so the cancellation lands in the sleep between polls — by the
    // order of events, not after a guessed delay.
    const firstQuery = api.query.bind(api);
    api.query = (machine, service) => { const answer = firstQuery(machine, service); controller.abort(); return answer; };
    const wait = waitForServiceState(local, 'ClusSvc', 'stopped', makeContext({ signal: controller.signal }), { api });
    await assert.rejects(wait, (err: unknown) => err instanceof EngineError && err.code === 'CANCELLED');
    assert.deepEqual(api.calls, ['query:local:ClusSvc'], 'no polling after cancellation');
  });

  it('stop: does nothing when already stopped; treats ERROR_SERVICE_NOT_ACTIVE as stopped', async () => {
    const already = scripted([status(1)]);
    assert.deepEqual(await stopServiceAndWait(local, 'ClusSvc', makeContext(), { api: already }), { before: 'stopped', changed: false });
    assert.deepEqual(already.calls, ['query:local:ClusSvc']);

    const raced = scripted([status(4), status(1)], { stop: () => { throw new Win32Error('ControlService', 1062); } });
    assert.deepEqual(await stopServiceAndWait({ node: 'NODE2', isLocal: false }, 'ClusSvc', makeContext(), { api: raced }),
      { before: 'running', changed: true });
    assert.deepEqual(raced.calls, ['query:NODE2:ClusSvc', 'stop:NODE2:ClusSvc', 'query:NODE2:ClusSvc']);
  });

  it('stop: lets a starting service settle first (it cannot take a stop control while START_PENDING)', async () => {
    const starting = scripted([status(2, 1, 100), status(2, 2, 100), status(4), status(3, 1, 100), status(1)]);
    assert.deepEqual(await stopServiceAndWait(local, 'ClusSvc', makeContext(), { api: starting }), { before: 'startPending', changed: true });
    assert.deepEqual(starting.calls, ['query:local:ClusSvc', 'query:local:ClusSvc', 'query:local:ClusSvc', 'stop:local:ClusSvc',
      'query:local:ClusSvc', 'query:local:ClusSvc']);

    const failedStart = scripted([status(2, 1, 100), status(1)]);
    assert.deepEqual(await stopServiceAndWait(local, 'ClusSvc', makeContext(), { api: failedStart }), { before: 'startPending', changed: false });
    assert.ok(!failedStart.calls.some((c) => c.startsWith('stop')), 'no stop control for a service that ended up stopped');
  });

  it('stop: other control failures propagate with the API name and code', async () => {
    const api = scripted([status(4)], { stop: () => { throw new Win32Error('ControlService', 1061); } });
    await assert.rejects(stopServiceAndWait(local, 'ClusSvc', makeContext(), { api }),
      (err: unknown) => err instanceof Win32Error && err.api === 'ControlService' && err.code === 1061);
  });

  it('start: passes start parameters, tolerates ERROR_SERVICE_ALREADY_RUNNING, and skips a running service', async () => {
    const api = scripted([status(1), status(2, 1, 100), status(4)]);
    await startServiceAndWait(local, 'ClusSvc', makeContext(), { api, args: ['/fq'] });
    assert.deepEqual(api.calls.slice(0, 2), ['query:local:ClusSvc', 'start:local:ClusSvc:/fq']);

    const raced = scripted([status(1), status(4)], { start: () => { throw new Win32Error('StartServiceW', 1056); } });
    assert.equal((await startServiceAndWait(local, 'ClusSvc', makeContext(), { api: raced })).changed, true);

    const running = scripted([status(4)]);
    assert.equal((await startServiceAndWait(local, 'ClusSvc', makeContext(), { api: running })).changed, false);
    assert.equal(running.calls.length, 1);
  });

  it('start: waits for a pending stop to finish before starting', async () => {
    const api = scripted([status(3, 1, 100), status(1), status(2, 1, 100), status(4)]);
    await startServiceAndWait(local, 'ClusSvc', makeContext(), { api });
    assert.deepEqual(api.calls, ['query:local:ClusSvc', 'query:local:ClusSvc', 'start:local:ClusSvc:', 'query:local:ClusSvc', 'query:local:ClusSvc']);
  });
});
