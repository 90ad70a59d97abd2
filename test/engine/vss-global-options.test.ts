/**
 * Issue #11: every VSS session turns off the COM runtime's handling of fatal exceptions
 * (IGlobalOptions::Set(COMGLB_EXCEPTION_HANDLING, COMGLB_EXCEPTION_DONOT_HANDLE)) right after
 * CoInitializeEx and CoInitializeSecurity, as Microsoft's "Security Considerations for
 * Requesters" asks, and releases the options object. When that cannot be set the operation
 * goes on with a warning naming the call and its HRESULT (docs/windows.md, "COM global options").
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { backupCluster } from '../../src/engine/backup';
import {
  COMGLB_EXCEPTION_DONOT_HANDLE, disableComExceptionHandling, initializeCom, queryComExceptionHandling, uninitializeCom, type ComSession,
} from '../../src/native/ole32';
import { simulatorCallLog, simulatorInjectFault } from '../../src/native/simulator';
import { recordingContext } from '../support/context';
import { assertSubsequence, suiteScenarios } from '../support/sim';

const E_FAIL = 0x80004005;
const REGDB_E_CLASSNOTREG = 0x80040154;

describe('COM exception handling off in a VSS session (IGlobalOptions)', function () {
  this.timeout(60_000);
  let session: ComSession | undefined;
  const scenario = suiteScenarios({
    beforeLeakCheck: () => {
      if (session) uninitializeCom(session);
      session = undefined;
    },
  });
  let lockFolder: string;
  before(() => {
    lockFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-lock-'));
  });
  after(() => fs.rmSync(lockFolder, { recursive: true, force: true }));

  const backUp = async (dir: string, ctx = recordingContext()): Promise<void> => {
    await backupCluster({ destination: path.join(dir, 'backups') }, ctx, { lockFolder, pollIntervalMs: { min: 1, max: 4 } });
  };

  it('sets COMGLB_EXCEPTION_DONOT_HANDLE after COM security and before the first VSS call, and releases the object', async () => {
    const s = scenario();
    await backUp(s.dir);
    const log = simulatorCallLog();
    assertSubsequence(log, ['CoInitializeEx', 'CoInitializeSecurity', 'CoCreateInstance', 'IGlobalOptions::Set:1=1', 'CreateVssBackupComponentsInternal']);
    assert.equal(log.filter((e) => e.startsWith('IGlobalOptions::Set')).length, 1, 'set once per session');
    // The suite's leak check afterwards proves the IGlobalOptions reference was released.
  });

  it('the setting is in effect: IGlobalOptions::Query reads COMGLB_EXCEPTION_DONOT_HANDLE back', () => {
    scenario();
    session = initializeCom();
    disableComExceptionHandling();
    assert.equal(queryComExceptionHandling(), COMGLB_EXCEPTION_DONOT_HANDLE);
  });

  for (const [call, code, codeText] of [
    ['IGlobalOptions::Set', E_FAIL, 'E_FAIL (0x80004005)'],
    ['CoCreateInstance', REGDB_E_CLASSNOTREG, '(0x80040154)'],
  ] as const) {
    it(`a failing ${call} is a warning naming the call and its HRESULT, and the backup goes on`, async () => {
      const s = scenario();
      simulatorInjectFault(call, 1, code);
      const ctx = recordingContext();
      await backUp(s.dir, ctx);
      const warning = ctx.lines.find((l) => l.level === 'warn' && l.message.includes('COMGLB_EXCEPTION_DONOT_HANDLE'));
      assert.ok(warning, ctx.text());
      assert.ok(warning.message.includes(call) && warning.message.includes(codeText), warning.message);
      assert.ok(simulatorCallLog().includes('IVssBackupComponents::BackupComplete'), 'the backup completed');
      assert.equal(fs.readdirSync(path.join(s.dir, 'backups')).filter((n) => !n.startsWith('.')).length, 1, 'one backup set');
    });
  }
});
