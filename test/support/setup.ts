/**
 * Mocha root hooks (loaded through .mocharc.json). After the whole run, the
 * simulator's leak report must be zero — no open handles, COM references or
 * unfreed strings — whatever the suites did.
 *
 * The operation lock is machine-wide by design (docs/architecture.md). A test run
 * gets its own lock folder, so a run never waits on — or is refused by — a backup
 * from another checkout's tests or a real operation on the same machine. A suite
 * that tests the lock folder itself passes its own FCBACKUP_LOCK_DIR.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { assertNoLeaks } from './sim';

const ownLockFolder = process.env.FCBACKUP_LOCK_DIR === undefined
  ? fs.mkdtempSync(path.join(os.tmpdir(), 'fcbackup-test-lock-'))
  : undefined;
if (ownLockFolder !== undefined) process.env.FCBACKUP_LOCK_DIR = ownLockFolder;
// The engine processes the tests start serve the test-only requests (src/testProtocol.ts:
// the leak report, the restore crash points); a shipped engine never does.
process.env.FCBACKUP_TEST_HOOKS = '1';

export const mochaHooks = {
  afterAll(): void {
    if (ownLockFolder !== undefined) fs.rmSync(ownLockFolder, { recursive: true, force: true });
    assertNoLeaks();
  },
};
