/**
 * Mocha root hooks (loaded through .mocharc.json): after the whole run, the
 * simulator's leak report must be zero — no open handles, COM references or
 * unfreed strings — whatever the suites did.
 */
import { assertNoLeaks } from './sim';

// The engine processes the tests start serve the test-only requests (src/testProtocol.ts:
// the leak report, the restore crash points); a shipped engine never does.
process.env.FCBACKUP_TEST_HOOKS = '1';

export const mochaHooks = {
  afterAll(): void {
    assertNoLeaks();
  },
};
