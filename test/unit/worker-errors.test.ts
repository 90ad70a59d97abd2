/**
 * How the engine process turns errors into JSON-RPC error data the client can act on.
 */
import * as assert from 'node:assert/strict';
import { CancelledError, EngineError } from '../../src/engine/errors';
import { HResultError, Win32Error } from '../../src/native/errors';
import { levelAtLeast, RESPONSE_CODE_CANCELLED, RESPONSE_CODE_ENGINE, toEngineErrorData, toResponseError } from '../../src/worker/server';

describe('toEngineErrorData', () => {
  it('carries the API, the code and its name for a failing Win32 call', () => {
    const data = toEngineErrorData(new Win32Error('OpenCluster', 1722, 'name CLUSTER1'));
    assert.deepEqual(data, {
      name: 'Win32Error',
      message: 'OpenCluster failed: RPC_S_SERVER_UNAVAILABLE (1722) — name CLUSTER1. Check that the node is switched on and reachable ' +
        'over the network, and that its firewall allows remote management (RPC).',
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
