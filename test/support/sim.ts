/**
 * Test helpers for running the real bridge against the simulator library.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Win32Error } from '../../src/native/errors';
import { configureNative, getNativeTarget, isAnyNativeLibraryLoaded } from '../../src/native/loader';
import { simulatorCallLog, simulatorLeakReport, totalLeaks } from '../../src/native/simulator';
import { makeTempScenario, type ScenarioSpec, type TempScenario } from './scenario';

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

/**
 * The scenarios of one suite (call it inside `describe`): the function it returns writes a
 * fresh scenario and points the bridge at it. After every test — once `beforeLeakCheck` has
 * released what the test still holds — and after the suite, the simulator must report no
 * leaks; the scenarios' folders are removed when the suite ends.
 */
export function suiteScenarios(options: { beforeLeakCheck?: () => void } = {}): (spec?: ScenarioSpec) => TempScenario {
  const scenarios: TempScenario[] = [];
  afterEach(() => {
    options.beforeLeakCheck?.();
    assertNoLeaks();
  });
  after(() => {
    assertNoLeaks();
    for (const s of scenarios) s.cleanup();
  });
  return (spec: ScenarioSpec = {}) => {
    const s = makeTempScenario(spec);
    scenarios.push(s);
    useScenario(s.path);
    return s;
  };
}

/** How many calls of `name` the simulator's call log holds (entries "name" and "name:detail"). */
export function callCount(name: string): number {
  return simulatorCallLog().filter((entry) => entry === name || entry.startsWith(`${name}:`)).length;
}

/** Asserts that `expected` occurs in `log` in this order (other entries may come between). */
export function assertSubsequence(log: string[], expected: string[]): void {
  let at = 0;
  for (const entry of log) if (at < expected.length && entry === expected[at]) at++;
  assert.equal(at, expected.length, `call ${expected[at]} (#${at}) missing or out of order in:\n${log.join('\n')}`);
}

/** For assert.throws/rejects: a Win32Error from `api` with `code`, whose message reads "<api> failed: <NAME> (<code>)…". */
export function isWin32Error(api: string, code: number): (err: unknown) => boolean {
  return (err: unknown) => {
    assert.ok(err instanceof Win32Error, `expected a Win32Error, got ${String(err)}`);
    assert.equal(err.api, api);
    assert.equal(err.code, code);
    assert.ok(err.message.startsWith(`${api} failed: `), err.message);
    assert.match(err.message.slice(api.length), new RegExp(`^ failed: \\w+ \\(${code}\\)`));
    return true;
  };
}
