/**
 * Requests only a test engine serves: never part of the shipped protocol (src/protocol.ts).
 * The engine registers them (src/worker/testHooks.ts) only in a development build, when
 * FCBACKUP_TEST_HOOKS=1 is set and the native target is the simulator; a production bundle
 * does not contain them (scripts/build.mjs, checked by test/package).
 */
import { RequestType } from 'vscode-jsonrpc';
import type { LeakReport } from './native/simulator';
import type { EngineErrorData } from './protocol';

export type { LeakReport } from './native/simulator';

/** The environment variable that turns the test hooks on in a development build. */
export const TEST_HOOKS_ENV = 'FCBACKUP_TEST_HOOKS';

export const TestRequests = {
  /** Open handles, COM references and unfreed strings in the engine process (simulator). */
  leakReport: new RequestType<Record<string, never>, LeakReport, EngineErrorData>('fcb/test/leakReport'),
} as const;
