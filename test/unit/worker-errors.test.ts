/**
 * How the engine process turns errors into JSON-RPC error data the client can act on.
 */
import * as assert from 'node:assert/strict';
import { CancelledError, EngineError } from '../../src/engine/errors';
import { HResultError, Win32Error } from '../../src/native/errors';
import { RequestType, type CancellationToken, type MessageConnection } from 'vscode-jsonrpc';
import type { EngineErrorData } from '../../src/protocol';
import { createWorkerServer, levelAtLeast, RESPONSE_CODE_CANCELLED, RESPONSE_CODE_ENGINE, toEngineErrorData, toResponseError } from '../../src/worker/server';

describe('toEngineErrorData', () => {
  it('carries the API, the code and its name for a failing Win32 call', () => {
    const data = toEngineErrorData(new Win32Error('OpenCluster', 1722, 'name CLUSTER1'));
    assert.deepEqual(data, {
      name: 'Win32Error',
      message: 'OpenCluster failed: RPC_S_SERVER_UNAVAILABLE (1722) — name CLUSTER1. Check the name, that the cluster or node answers ' +
        'over the network from here, and that its firewall allows remote management (RPC).',
      api: 'OpenCluster', code: 1722, codeName: 'RPC_S_SERVER_UNAVAILABLE',
    });
  });

  it('carries HRESULTs as signed codes with their names', () => {
    const data = toEngineErrorData(new HResultError('IVssBackupComponents::DoSnapshotSet', 0x80042316));
    assert.equal(data.api, 'IVssBackupComponents::DoSnapshotSet');
    assert.equal(data.code, 0x80042316 | 0);
    assert.equal(data.codeName, 'VSS_E_SNAPSHOT_SET_IN_PROGRESS');
  });

  it('carries the engine code of policy errors', () => {
    assert.deepEqual(toEngineErrorData(new EngineError('BUSY', 'Another backup is running.')), { name: 'EngineError', message: 'Another backup is running.', engineCode: 'BUSY' });
    assert.equal(toEngineErrorData(new CancelledError('Reading the status')).engineCode, 'CANCELLED');
  });

  it('marks scenario errors and keeps other errors\' messages', () => {
    const scenario = Object.assign(new Error('Simulator scenario x.json: bad JSON'), { name: 'ScenarioError' });
    assert.equal(toEngineErrorData(scenario).engineCode, 'SCENARIO');
    assert.deepEqual(toEngineErrorData(new TypeError('boom')), { name: 'TypeError', message: 'boom' });
    assert.deepEqual(toEngineErrorData('plain'), { name: 'Error', message: 'plain' });
  });

  it('uses the protocol code for cancellation and an application code otherwise', () => {
    assert.equal(RESPONSE_CODE_CANCELLED, -32800);
    assert.equal(toResponseError(new CancelledError()).code, RESPONSE_CODE_CANCELLED);
    const e = toResponseError(new Win32Error('ClusterEnum', 5));
    assert.equal(e.code, RESPONSE_CODE_ENGINE);
    assert.equal(e.data?.api, 'ClusterEnum');
  });
});

describe('log levels', () => {
  it('orders trace < debug < info < warn < error', () => {
    assert.equal(levelAtLeast('warn', 'info'), true);
    assert.equal(levelAtLeast('debug', 'info'), false);
    assert.equal(levelAtLeast('error', 'error'), true);
  });
});

describe('createWorkerServer.whenOthersIdle', () => {
  type Handler = (params: unknown, token: CancellationToken) => Promise<unknown>;
  function fakeConnection(): { connection: MessageConnection; handlers: Map<string, Handler> } {
    const handlers = new Map<string, Handler>();
    const connection = {
      onRequest(type: { method: string }, handler: Handler) { handlers.set(type.method, handler); },
      sendNotification() { return Promise.resolve(); },
    } as unknown as MessageConnection;
    return { connection, handlers };
  }
  const token: CancellationToken = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() { /* nothing */ } }) };

  it('waits for the other running requests, not for itself', async () => {
    const { connection, handlers } = fakeConnection();
    const server = createWorkerServer(connection, { logLevel: () => 'error' });
    let release!: () => void;
    const slowDone = new Promise<void>((r) => { release = r; });
    server.onRequest(new RequestType<unknown, string, EngineErrorData>('slow'), async () => { await slowDone; return 'slow'; });
    server.onRequest(new RequestType<unknown, string, EngineErrorData>('report'), async () => { await server.whenOthersIdle(); return 'report'; });

    const alone = await handlers.get('report')!({}, token);
    assert.equal(alone, 'report');

    const slow = handlers.get('slow')!({}, token);
    let reported = false;
    const report = handlers.get('report')!({}, token).then((r) => { reported = true; return r; });
    // Every queued callback runs; the report still waits, however long we would wait here.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    assert.equal(reported, false, 'the report must wait for the running request');
    release();
    assert.equal(await slow, 'slow');
    assert.equal(await report, 'report');
  });
});
