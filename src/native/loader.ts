/**
 * The one place that decides which native library the bridge talks to: the Windows
 * system DLLs (the default), or the simulator library with a scenario file (demo mode
 * and tests). Libraries are loaded on first use, never at import time, so activating
 * the extension or importing the engine loads no native code.
 */
import koffi from 'koffi';
import { watchBindings } from './callWatch';
import { NativeLoadError } from './errors';
import type { NativeTarget } from './target';

export type { NativeTarget } from './target';
export type DllName = 'clusapi' | 'vssapi' | 'advapi32' | 'ole32' | 'oleaut32' | 'kernel32';
export type KoffiLib = ReturnType<typeof koffi.load>;

let target: NativeTarget = { kind: 'windows' };
/** Bumped whenever the loaded libraries change, so cached bindings re-bind. */
let generation = 0;
const libraries = new Map<string, KoffiLib>();
let simulatorScenarioOpened: string | undefined;

export class ScenarioError extends Error {
  readonly scenario: string;
  constructor(scenario: string, message: string) {
    super(`Simulator scenario ${scenario}: ${message}`);
    this.name = 'ScenarioError';
    this.scenario = scenario;
  }
}

/** Select the library for every later call. Switching scenarios of the same simulator library reopens the scenario in place. */
export function configureNative(next: NativeTarget): void {
  const sameLibrary =
    (next.kind === 'windows' && target.kind === 'windows') ||
    (next.kind === 'simulator' && target.kind === 'simulator' && next.library === target.library);
  target = next;
  if (!sameLibrary) {
    for (const lib of libraries.values()) lib.unload();
    libraries.clear();
    simulatorScenarioOpened = undefined;
    generation++;
  } else if (next.kind === 'simulator' && libraries.size > 0 && simulatorScenarioOpened !== next.scenario) {
    // Bindings made while the previous scenario was open must not reach the library until
    // this scenario is open: re-binding goes through loadDll(), which checks.
    generation++;
    openScenario(libraries.values().next().value as KoffiLib, next.scenario);
  }
}

/** Set in a thread of the engine process (nodeQueryThread.ts): the scenario its main thread already opened. */
let attachedScenario: string | undefined;

/**
 * configureNative for a worker thread of the engine process: the library is the one the
 * main thread loaded (one copy per process), so the simulator's scenario is not opened
 * again (that would start the simulated machine over under the main thread's handles).
 */
export function attachNativeThread(next: NativeTarget): void {
  attachedScenario = next.kind === 'simulator' ? next.scenario : undefined;
  configureNative(next);
}

export function getNativeTarget(): NativeTarget {
  return target;
}

function openScenario(lib: KoffiLib, scenario: string): void {
  const open = lib.func('int32_t ClusSimOpenScenario(const char *path, _Out_ uint8_t *error, uint32_t cbError)');
  const error = Buffer.alloc(2048);
  const rc = open(scenario, error, error.length) as number;
  if (rc !== 0) {
    const end = error.indexOf(0);
    throw new ScenarioError(scenario, error.subarray(0, end < 0 ? error.length : end).toString('utf8') || `error ${rc}`);
  }
  simulatorScenarioOpened = scenario;
}

/**
 * Windows DLLs are loaded by their full System32 path, never by bare name: the engine
 * runs elevated, and the default search order would try the application's folder
 * (user-writable for a per-user VS Code install), the current folder and PATH first.
 */
export function systemDllPath(dll: DllName): string {
  const windowsDir = process.env.SystemRoot ?? process.env.windir ?? 'C:\\Windows';
  return `${windowsDir.replace(/[\\/]+$/, '')}\\System32\\${dll}.dll`;
}

function loadLibrary(key: string): KoffiLib {
  try {
    return koffi.load(key);
  } catch (err) {
    throw new NativeLoadError(key, err);
  }
}

/**
 * The simulator library with the target's scenario open. The library counts as usable
 * only once ClusSimOpenScenario accepted that scenario: a rejected scenario is opened
 * again on the next call (and reported again while it is still wrong), never skipped —
 * the simulator keeps the previous scenario, or none, open after a rejection, and a call
 * into it would answer for a scenario the user did not ask for, or with ERROR_NOT_READY.
 */
function loadSimulator(library: string, scenario: string): KoffiLib {
  const cached = libraries.get(library);
  if (cached) {
    if (simulatorScenarioOpened !== scenario) openScenario(cached, scenario);
    return cached;
  }
  const lib = loadLibrary(library);
  if (attachedScenario === scenario) {
    // A thread of the engine process: the main thread opened this scenario in the same library.
    simulatorScenarioOpened = scenario;
    libraries.set(library, lib);
    return lib;
  }
  try {
    openScenario(lib, scenario);
  } catch (err) {
    lib.unload();
    throw err;
  }
  libraries.set(library, lib);
  return lib;
}

/** The loaded library for a Windows DLL name (the simulator stands in for all of them). */
export function loadDll(dll: DllName): KoffiLib {
  if (target.kind === 'simulator') return loadSimulator(target.library, target.scenario);
  const key = systemDllPath(dll);
  let lib = libraries.get(key);
  if (!lib) {
    lib = loadLibrary(key);
    libraries.set(key, lib);
  }
  return lib;
}

/** Every binder passed to lazyBindings(), in declaration order, for declaredExports(). */
const windowsBinders: { dll: DllName; bind: (lib: KoffiLib) => unknown }[] = [];

/**
 * Bindings of one DLL, declared on first use and re-declared after the target
 * changes. Use: `const api = lazyBindings('clusapi', (lib) => ({ CloseCluster: lib.func(...) }))`.
 */
export function lazyBindings<T>(dll: DllName, bind: (lib: KoffiLib) => T): () => T {
  windowsBinders.push({ dll, bind });
  // Every Windows call is published for the engine's watchdog (callWatch.ts).
  return cachedBindings(dll, (lib) => watchBindings(bind(lib)));
}

/**
 * Bindings of the simulator's own control exports (ClusSim*). They are not Windows
 * exports, so unlike lazyBindings() they are not listed by declaredExports().
 */
export function simulatorControlBindings<T>(bind: (lib: KoffiLib) => T): () => T {
  const bindings = cachedBindings('kernel32', bind);
  return () => {
    if (target.kind !== 'simulator') throw new Error('The simulator control functions need the simulator target.');
    return bindings();
  };
}

function cachedBindings<T>(dll: DllName, bind: (lib: KoffiLib) => T): () => T {
  let cached: T | undefined;
  let cachedGeneration = -1;
  return () => {
    if (cached === undefined || cachedGeneration !== generation) {
      cached = bind(loadDll(dll));
      cachedGeneration = generation;
    }
    return cached;
  };
}

export interface DeclaredExport {
  dll: DllName;
  name: string;
}

/**
 * The Windows exports declared through lazyBindings() by the modules imported so far:
 * each binder runs against a stand-in library that records the function names. No
 * library is loaded and nothing is called, so this works whatever the target. Lets a
 * check resolve every name in the real system DLLs (a misspelled export or the wrong
 * DLL fails there, not at the first call on a customer's server).
 */
export function declaredExports(): DeclaredExport[] {
  const found = new Map<string, DeclaredExport>();
  for (const { dll, bind } of windowsBinders) {
    const record = (name: string | number): (() => never) => {
      if (typeof name !== 'string' || !/^[A-Za-z_?][\w?@$]*$/.test(name)) {
        throw new Error(`declaredExports: cannot read an export name from ${JSON.stringify(name)} (${dll})`);
      }
      found.set(`${dll}!${name}`, { dll, name });
      return () => {
        throw new Error(`${name} was declared for listing only and cannot be called`);
      };
    };
    const recorder = {
      func: (...args: unknown[]) => {
        if (args.length === 1 && typeof args[0] === 'string') {
          // A prototype string, "int32_t __stdcall Name(args)": the name is the identifier before the first "(".
          const match = /([A-Za-z_][\w$]*)\s*\(/.exec(args[0]);
          return record(match ? match[1] : args[0]);
        }
        return record((args.length >= 4 ? args[1] : args[0]) as string | number);
      },
      symbol: (name: string) => record(name),
      unload: () => undefined,
    };
    bind(recorder as unknown as KoffiLib);
  }
  return [...found.values()];
}

/** Test hook: whether any native library has been loaded in this process. */
export function isAnyNativeLibraryLoaded(): boolean {
  return libraries.size > 0;
}
