/**
 * Decides which native library the engine process talks to, from the CLI flag or
 * the extension setting, the FCBACKUP_SIMULATE environment variable and the
 * platform. Pure: no koffi, no vscode, nothing loaded.
 */
import fs = require('node:fs');
import path = require('node:path');
import type { NativeTarget } from '../native/target';

export type TargetResolution = NativeTarget | { kind: 'unavailable'; reason: string };

export interface ResolveTargetOptions {
  /** The --simulate flag's value (a scenario file). */
  simulate?: string;
  /** The extension's simulator scenario setting. */
  setting?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** The project or extension root that holds build/simulator (defaults to the folder above this module). */
  root?: string;
}

/** The folder holding package.json above this module: dist/ (bundled) or out/src/client (tsc). */
function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(__dirname, '..');
    dir = up;
  }
}

/** The simulator library built by `npm run build:sim`; FCBACKUP_SIMULATOR_LIBRARY overrides it. */
export function defaultSimulatorLibrary(root?: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const fromEnv = env.FCBACKUP_SIMULATOR_LIBRARY;
  if (fromEnv && fromEnv.trim() !== '') return path.resolve(fromEnv);
  const file = platform === 'win32' ? 'clussim.dll' : 'libclussim.so';
  return path.join(root ?? packageRoot(), 'build', 'simulator', file);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * Precedence: explicit flag/setting value > FCBACKUP_SIMULATE env > Windows system
 * DLLs on win32 > unavailable. The scenario path is made absolute (the engine
 * process may run in another working directory); whether the file exists and is
 * well-formed is checked by the simulator when it opens it, so the user sees its
 * exact message.
 */
export function resolveNativeTarget(options: ResolveTargetOptions = {}): TargetResolution {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const scenario = nonEmpty(options.simulate) ?? nonEmpty(options.setting) ?? nonEmpty(env.FCBACKUP_SIMULATE);
  if (scenario !== undefined) {
    return { kind: 'simulator', library: defaultSimulatorLibrary(options.root, env, platform), scenario: path.resolve(scenario) };
  }
  if (platform === 'win32') return { kind: 'windows' };
  return {
    kind: 'unavailable',
    reason:
      `Failover clustering needs Windows (this is ${platform}). ` +
      'To try the tool with the cluster simulator, pass --simulate <scenario.json> or set FCBACKUP_SIMULATE to a scenario file.',
  };
}
