/** How the UI words a failure: the message, the failing API with its code, and silence on cancellation. */
import * as assert from 'node:assert/strict';
import { EngineRequestError } from '../../src/client/engineClient';
import { apiDetail, describeError, errorNotificationText, isCancellation, UserCancelled } from '../../src/ui/errors';

describe('ui errors', () => {
  it('names the API with the symbolic name and the code (Win32 decimal, HRESULT hex)', () => {
    assert.equal(apiDetail({ name: 'Win32Error', message: 'x', api: 'OpenCluster', code: 1722, codeName: 'RPC_S_SERVER_UNAVAILABLE' }),
      'OpenCluster: RPC_S_SERVER_UNAVAILABLE (1722)');
    assert.equal(apiDetail({ name: 'HResultError', message: 'x', api: 'IVssBackupComponents::DoSnapshotSet', code: -2147212522, codeName: 'VSS_E_BAD_STATE' }),
      'IVssBackupComponents::DoSnapshotSet: VSS_E_BAD_STATE (0x80042316)');
    assert.equal(apiDetail({ name: 'HResultError', message: 'x', api: 'CoCreateInstance', code: 0x80070005 }), 'CoCreateInstance: 0x80070005');
    assert.equal(apiDetail({ name: 'EngineError', message: 'x', engineCode: 'BUSY' }), undefined);
  });

  it('puts the API detail in the notification unless the message already says it', () => {
    const err = new EngineRequestError({ name: 'Win32Error', message: 'The RPC server is unavailable.', api: 'OpenCluster', code: 1722, codeName: 'RPC_S_SERVER_UNAVAILABLE' });
    assert.equal(errorNotificationText('Connect to Cluster', err),
      'Connect to Cluster failed: The RPC server is unavailable. [OpenCluster: RPC_S_SERVER_UNAVAILABLE (1722)]');
    const said = new EngineRequestError({ name: 'Win32Error', message: 'OpenCluster: RPC_S_SERVER_UNAVAILABLE (1722) — node down', api: 'OpenCluster', code: 1722, codeName: 'RPC_S_SERVER_UNAVAILABLE' });
    assert.equal(errorNotificationText('Refresh', said), 'Refresh failed: OpenCluster: RPC_S_SERVER_UNAVAILABLE (1722) — node down');
    assert.deepEqual(describeError(new Error('plain')), { message: 'plain' });
    assert.deepEqual(describeError('text'), { message: 'text' });
    assert.equal(describeError(new EngineRequestError({ name: 'EngineError', message: 'busy', engineCode: 'BUSY' })).engineCode, 'BUSY');
  });

  it('says the code once, and shows no backticks', () => {
    // The engine's message already names the code (with the advice after it): no "[OpenCluster: …]" behind it again.
    const engineWorded = new EngineRequestError({
      name: 'Win32Error', message: 'OpenCluster failed: RPC_S_SERVER_UNAVAILABLE (1722). Check the name, and that the cluster answers over the network.',
      api: 'OpenCluster', code: 1722, codeName: 'RPC_S_SERVER_UNAVAILABLE',
    });
    const text = errorNotificationText('Connect to Cluster', engineWorded);
    assert.equal(text.match(/RPC_S_SERVER_UNAVAILABLE/g)?.length, 1, text);
    assert.equal(text.match(/1722/g)?.length, 1, text);
    const ticks = new EngineRequestError({ name: 'EngineError', message: 'The writer failed. Check the Application event log and `vssadmin list writers`, then try again.', engineCode: 'WRITER_FAILED' });
    assert.equal(errorNotificationText('Back Up Cluster Configuration', ticks),
      'Back Up Cluster Configuration failed: The writer failed. Check the Application event log and "vssadmin list writers", then try again.');
  });

  it('recognises cancellation: a dismissed picker, the engine\'s CANCELLED, vscode.CancellationError', () => {
    assert.equal(isCancellation(new UserCancelled()), true);
    assert.equal(isCancellation(new EngineRequestError({ name: 'CancelledError', message: 'fcb/backup was cancelled.', engineCode: 'CANCELLED' })), true);
    const canceled = new Error('Canceled');
    canceled.name = 'Canceled';
    assert.equal(isCancellation(canceled), true);
    assert.equal(isCancellation(new EngineRequestError({ name: 'EngineError', message: 'x', engineCode: 'BUSY' })), false);
    assert.equal(isCancellation(new Error('Canceled')), false);
  });
});
