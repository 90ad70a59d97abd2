/**
 * Test helpers for running the real bridge against the simulator library.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configureNative, getNativeTarget, isAnyNativeLibraryLoaded } from '../../src/native/loader';
import { simulatorLeakReport, totalLeaks } from '../../src/native/simulator';

/** The project root (the folder holding package.json), from out/test/support or test/support. */
export const projectRoot = (() => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + __dirname);
    dir = up;
  }
  return dir;
})();

/** The simulator library built by `npm run build:sim` (FCBACKUP_SIMULATOR_LIBRARY overrides it). */
export function simulatorLibraryPath(): string {
  const fromEnv = process.env.FCBACKUP_SIMULATOR_LIBRARY;
  if (fromEnv) return fromEnv;
  const file = process.platform === 'win32' ? 'clussim.dll' : 'libclussim.so';
  const p = path.join(projectRoot, 'build', 'simulator', file);
  if (!fs.existsSync(p)) throw new Error(`Simulator library ${p} is missing: run "npm run build:sim" first.`);
  return p;
}

/** Point the bridge at the simulator with this scenario file. */
export function useScenario(scenarioPath: string): void {
  configureNative({ kind: 'simulator', library: simulatorLibraryPath(), scenario: scenarioPath });
}

/** Fails when the simulator reports any open handle, COM reference or unfreed string. */
export function assertNoLeaks(): void {
  if (getNativeTarget().kind !== 'simulator' || !isAnyNativeLibraryLoaded()) return;
  const report = simulatorLeakReport();
  assert.equal(totalLeaks(report), 0, `simulator leak report is not zero: ${JSON.stringify(report)}`);
}
