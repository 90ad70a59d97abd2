import * as assert from 'node:assert/strict';
import { adviceFor, withAdvice } from '../../src/engine/advice';
import { HResultError, Win32Error } from '../../src/native/errors';
import { toEngineErrorData } from '../../src/worker/server';

describe('advice for failing Windows calls', () => {
  it('says what to do for access denied, unreachable nodes and a stopped cluster service', () => {
    assert.match(adviceFor('ERROR_ACCESS_DENIED') ?? '', /administrator/);
    assert.match(adviceFor('E_ACCESSDENIED') ?? '', /administrator/);
    assert.match(adviceFor('HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED)') ?? '', /administrator/);
    assert.match(adviceFor('RPC_S_SERVER_UNAVAILABLE') ?? '', /^Check the name, that the cluster or node answers over the network/);
    assert.match(adviceFor('EPT_S_NOT_REGISTERED') ?? '', /Start-Service ClusSvc/);
    assert.equal(adviceFor('ERROR_SUCCESS'), undefined);
  });

  it('appends the advice once, after the message', () => {
    const once = withAdvice('OpenCluster failed: RPC_S_SERVER_UNAVAILABLE (1722).', 'RPC_S_SERVER_UNAVAILABLE');
    assert.match(once, /^OpenCluster failed: RPC_S_SERVER_UNAVAILABLE \(1722\)\. Check the name/);
    assert.equal(withAdvice(once, 'RPC_S_SERVER_UNAVAILABLE'), once);
    assert.equal(withAdvice('x failed', undefined), 'x failed');
  });

  it('reaches the client in the engine error data with the API and code unchanged', () => {
    const data = toEngineErrorData(new Win32Error('OpenSCManagerW', 5));
    assert.equal(data.api, 'OpenSCManagerW');
    assert.equal(data.code, 5);
    assert.equal(data.codeName, 'ERROR_ACCESS_DENIED');
    assert.match(data.message, /^OpenSCManagerW failed: ERROR_ACCESS_DENIED \(5\)\. Run VS Code or fcbackup as an administrator/);
    const vss = toEngineErrorData(new HResultError('IVssBackupComponents::StartSnapshotSet', 0x80042316));
    assert.match(vss.message, /VSS_E_SNAPSHOT_SET_IN_PROGRESS .* Another shadow copy/);
  });
});
