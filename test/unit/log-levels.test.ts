/** Traced VSS calls stay below info unless they fail; failures stand out as warnings. */
import * as assert from 'node:assert/strict';
import { comCallLogLevel } from '../../src/engine/comCallLogLevel';

describe('log levels of traced COM calls', () => {
  it('logs a failed call as a warning', () => {
    assert.equal(comCallLogLevel('IVssBackupComponents::DoSnapshotSet', 0x80042306 | 0), 'warn');
    assert.equal(comCallLogLevel('IVssAsync::QueryStatus', 0x80004005 | 0), 'warn');
  });

  it('logs a successful call at debug and a successful poll at trace', () => {
    assert.equal(comCallLogLevel('IVssBackupComponents::DoSnapshotSet', 0), 'debug');
    assert.equal(comCallLogLevel('IVssBackupComponents::GatherWriterMetadata', 0x0004230a), 'debug'); // VSS_S_ASYNC_PENDING
    assert.equal(comCallLogLevel('IVssAsync::QueryStatus', 0x0004230a), 'trace');
  });
});
