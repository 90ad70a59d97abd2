/**
 * The set-up every Wine suite shares: it must run in Windows node.exe (test/wine/run.mjs), and
 * the bridge is pointed at the real Windows DLLs (Wine's own, here) for the suite, then back to
 * the target it had. Call it at the top of a `describe`, before any other hook: its `before` comes
 * first; `tearDown` (what the suite must release through the Windows DLLs) runs in its `after`,
 * before the target goes back (mocha runs `after` hooks in the order they were registered).
 */
import { configureNative, getNativeTarget, type NativeTarget } from '../../src/native/loader';

export function useWindowsDlls(tearDown?: () => void): void {
  let previous: NativeTarget | undefined;
  before(function () {
    if (process.platform !== 'win32') throw new Error('This check needs Windows node.exe (run it with "npm run test:wine"), not ' + process.platform);
    previous = getNativeTarget();
    configureNative({ kind: 'windows' });
  });
  after(function () {
    try {
      tearDown?.();
    } finally {
      if (previous) configureNative(previous);
    }
  });
}
