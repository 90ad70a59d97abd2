/**
 * Helpers of the engine-lifecycle suites (Linux only: they spawn the CLI and signal
 * process groups): the CLI as a child process in a process group of its own (as a shell
 * starts a job), bounded waits for a condition, and reading the lock and the journal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive, LOCK_FILE_NAME } from '../../src/engine/lock';
import { projectRoot, simulatorLibraryPath } from '../support/sim';

export const tscCli = path.join(projectRoot, 'out', 'src', 'cli', 'main.js');

export interface CliProcess {
  child: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit status once the process has ended and its output is read. */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `fcbackup ARGS` the way a shell starts a job: in a process group of its own, so
 * that a signal to the group (`-pid`) is what a terminal's Ctrl-C or hang-up sends.
 */
export function startCli(args: string[], env: Record<string, string>): CliProcess {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, FCBACKUP_SIMULATOR_LIBRARY: simulatorLibraryPath(), ...env };
  delete childEnv.FCBACKUP_SIMULATE;
  const child = spawn(process.execPath, [tscCli, ...args], { env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, stdout: () => out, stderr: () => err, ended };
}

/**
 * Runs `fcbackup ARGS` to its end (a failure naming `what` after `boundMs`), then kills its
 * process group in case a failing run left it there. Returns the exit status and the process.
 */
export async function runCliToEnd(args: string[], env: Record<string, string>, what: string, boundMs = 120_000): Promise<{ end: Awaited<CliProcess['ended']>; cli: CliProcess }> {
  const cli = startCli(args, env);
  try {
    return { end: await bounded(cli.ended, what, boundMs), cli };
  } finally {
    signalProcess(-cli.child.pid!, 'SIGKILL'); // only if it is still there (a failing run)
  }
}

/** The engine's pid, from the line `--verbose` prints when the engine starts. */
export function enginePidOf(cli: CliProcess): number | undefined {
  const match = /\[debug\] Engine (\d+) uses/.exec(cli.stderr());
  return match ? Number(match[1]) : undefined;
}

/**
 * Resolves once `condition()` holds, checking every few milliseconds; fails with `what`
 * after `boundMs` (a bound on a hang, never a measured duration).
 */
export async function waitFor<T>(what: string, condition: () => T | undefined | false, boundMs = 120_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = condition();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - started > boundMs) throw new Error(`Gave up waiting for ${what} after ${boundMs / 1000} s.`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** `promise`, or a failure naming `what` after `boundMs` (a bound on a hang, never a measured duration). */
export async function bounded<T>(promise: Promise<T>, what: string, boundMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Gave up waiting for ${what} after ${boundMs / 1000} s.`)), boundMs);
  });
  try {
    return await Promise.race([promise, giveUp]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until process `pid` has ended (bounded). */
export async function waitForExit(pid: number, what: string, boundMs = 120_000): Promise<void> {
  await waitFor(`${what} (pid ${pid}) to end`, () => !isProcessAlive(pid), boundMs);
}

/** The pid in the operation lock file, or undefined when there is none. */
export function lockHolder(lockFolder: string): number | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(lockFolder, LOCK_FILE_NAME), 'utf8')) as { pid?: unknown };
    return typeof parsed.pid === 'number' ? parsed.pid : undefined;
  } catch {
    return undefined;
  }
}

export function lockFileExists(lockFolder: string): boolean {
  return fs.existsSync(path.join(lockFolder, LOCK_FILE_NAME));
}

/** The phase in the restore journal beside the ClusDb folder, or undefined when there is no journal. */
export function journalPhase(clusDb: string): string | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(path.dirname(clusDb), 'ClusterRestoreJournal.json'), 'utf8')) as { phase?: unknown };
    return typeof parsed.phase === 'string' ? parsed.phase : undefined;
  } catch {
    return undefined; // absent, or being replaced right now
  }
}

/** Sends `signal` to a process, ignoring one that has already ended. */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** A small seeded generator (mulberry32), so a "random" list of points is the same in every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
