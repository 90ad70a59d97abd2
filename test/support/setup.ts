/**
 * Mocha root hooks (loaded through .mocharc.json): after the whole run, the
 * simulator's leak report must be zero — no open handles, COM references or
 * unfreed strings — whatever the suites did.
 */
import { assertNoLeaks } from './sim';

export const mochaHooks = {
  afterAll(): void {
    assertNoLeaks();
  },
};
