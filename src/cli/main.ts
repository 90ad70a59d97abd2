/**
 * fcbackup: the command-line face of the engine, for scripts and Task Scheduler.
 * Commands that need this machine's cluster start the same engine process the
 * extension uses; commands marked `local` (file work on backup sets) run here, on any
 * operating system, without the engine, the simulator or koffi. Results are printed for
 * a person, or as one JSON document with --json; every name printed is escaped
 * (src/text/displayText.ts), so a hostile file name cannot drive the terminal.
 *
 * Exit codes: ExitCode in types.ts (the README's table is made from it). Every failure
 * is one line on stderr: "fcbackup: <message>". --json documents go through output.ts's
 * jsonDocument, which gives each its schemaVersion.
 */
import fs = require('node:fs');
import readline = require('node:readline/promises');
import { parseArgs } from 'node:util';
import { EngineClient, EngineRequestError } from '../client/engineClient';
import { resolveNativeTarget } from '../client/nativeTarget';
import { displayJson, displayLines } from '../text/displayText';
import { command as backupCommand } from './commands/backup';
import { command as hiveCommand } from './commands/hive';
import { command as diffCommand } from './commands/diff';
import { command as listCommand } from './commands/list';
import { command as recoverCommand } from './commands/recover';
import { command as restoreCommand } from './commands/restore';
import { command as showCommand } from './commands/show';
import { command as scheduleCommand } from './commands/schedule';
import { command as statusCommand } from './commands/status';
import { command as verifyCommand } from './commands/verify';
import type { NativeTarget } from '../protocol';
import { CancelledError } from '../engine/errors';
import { ClusterUnavailableError, ExitCode, exitCodeSummary, type CliCommand, type CliContext, type CliIo } from './types';

export const commands: readonly CliCommand[] = [
  statusCommand, backupCommand, listCommand, verifyCommand, restoreCommand, recoverCommand, hiveCommand, showCommand, diffCommand,
  scheduleCommand,
];

const globalOptions = {
  simulate: { type: 'string' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: fcbackup <command> [options]',
    '',
    'Back up and restore the configuration of a Windows failover cluster through the Volume Shadow Copy Service.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    `${commands.filter((c) => c.local).map((c) => c.name).join(', ')} read backup sets on any operating system; the other`,
    'commands need this machine\'s cluster: Windows, or the cluster simulator (--simulate).',
    '',
    'Global options:',
    '  --simulate SCENARIO  Use the cluster simulator with this scenario file instead of Windows',
    '                       (also: environment variable FCBACKUP_SIMULATE)',
    '  --json               Print one JSON document on stdout',
    '  --verbose            Print every step of the engine on stderr',
    '  -h, --help           Show this help, or a command\'s usage with "fcbackup <command> --help"',
    '',
    `Exit codes: ${exitCodeSummary()}.`,
  ].join('\n');
}

function commandHelp(cmd: CliCommand): string {
  const options = Object.entries(cmd.options).map(([name, spec]) => `  --${name}${spec.type === 'string' ? ' VALUE' : ''}`);
  return [`Usage: fcbackup ${cmd.usage}`, '', cmd.summary, ...(options.length ? ['', 'Options:', ...options] : []),
    '', 'Global options: --simulate SCENARIO, --json, --verbose, --help'].join('\n');
}

/**
 * Every write escaped for display: text line by line; on stdout in --json mode the JSON
 * document with the same characters as \\u escapes (the same JSON value).
 */
function safeIo(io: CliIo, json: boolean): CliIo {
  return {
    ...io,
    stdout: (text) => io.stdout(json ? displayJson(text) : displayLines(text)),
    stderr: (text) => io.stderr(displayLines(text)),
    confirm: (question) => io.confirm(displayLines(question)),
  };
}

/** The first option given more than once (parseArgs would silently keep the last), or undefined. */
function repeatedOption(tokens: readonly { kind: string; name?: string }[]): string | undefined {
  const seen = new Set<string>();
  for (const t of tokens) {
    if (t.kind !== 'option' || t.name === undefined) continue;
    if (seen.has(t.name)) return t.name;
    seen.add(t.name);
  }
  return undefined;
}

/** One line: error messages may carry newlines (e.g. a stack or a multi-line native message). */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(withNewline(text)),
    stderr: (text) => void process.stderr.write(withNewline(text)),
    isTTY: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    async confirm(question) {
      if (!process.stdin.isTTY) return false;
      const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
      try {
        const answer = await rl.question(`${question} [y/N] `);
        return /^(y|yes)$/i.test(answer.trim());
      } finally {
        rl.close();
      }
    },
  };
}

/** The engine reports a missing simulator as a load error; say how to get one. */
function checkSimulatorLibrary(target: NativeTarget): string | undefined {
  if (target.kind !== 'simulator' || fs.existsSync(target.library)) return undefined;
  return `the simulator library ${target.library} is missing; build it with "npm run build:sim" or point FCBACKUP_SIMULATOR_LIBRARY at it.`;
}

export interface RunOptions {
  io?: CliIo;
  env?: NodeJS.ProcessEnv;
  /** Aborts the running command (main() wires Ctrl-C to it). */
  signal?: AbortSignal;
  /** Overrides the engine script (tests). */
  workerPath?: string;
  /** Overrides the platform the native target is chosen for (tests). */
  platform?: NodeJS.Platform;
  /** The engine passed a restore's point of no return (main() then tells a second Ctrl-C what it leaves behind). */
  onCommitted?: () => void;
}

/** Runs one fcbackup command line; returns the exit code. */
export async function runCli(argv: string[], options: RunOptions = {}): Promise<number> {
  let io = safeIo(options.io ?? processIo(), false);
  const env = options.env ?? process.env;
  const fail = (message: string, code: number = ExitCode.usage): number => {
    io.stderr(`fcbackup: ${oneLine(message)}`);
    return code;
  };

  // First pass: the global options and the command name; unknown options belong to the command.
  let first;
  try {
    first = parseArgs({ args: argv, options: globalOptions, allowPositionals: true, strict: false });
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  const name = first.positionals[0];
  if (name === undefined || name === 'help') {
    const topic = name === 'help' ? commands.find((c) => c.name === first.positionals[1]) : undefined;
    if (name === undefined && !first.values.help) {
      io.stderr(helpText());
      return ExitCode.usage;
    }
    io.stdout(topic ? commandHelp(topic) : helpText());
    return ExitCode.ok;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) return fail(`unknown command "${name}"; run "fcbackup --help" for the list.`);

  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...globalOptions, ...cmd.options }, allowPositionals: true, strict: true, tokens: true });
  } catch (err) {
    return fail(`${err instanceof Error ? err.message : String(err)} (usage: fcbackup ${cmd.usage})`);
  }
  const repeated = repeatedOption(parsed.tokens);
  if (repeated !== undefined) return fail(`--${repeated} is given more than once; give it once (usage: fcbackup ${cmd.usage})`);
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    io.stdout(commandHelp(cmd));
    return ExitCode.ok;
  }
  io = safeIo(options.io ?? processIo(), values.json === true);

  const simulate = typeof values.simulate === 'string' ? values.simulate : undefined;
  if (values.simulate !== undefined && (simulate === undefined || simulate.trim() === '')) return fail('--simulate needs a scenario file.');
  // Pure: deciding the target loads nothing. A local command needs none; it may use one when there is one.
  const target = resolveNativeTarget({ simulate, env, platform: options.platform });
  const unavailable = target.kind === 'unavailable' ? target.reason : checkSimulatorLibrary(target);
  if (unavailable !== undefined && !cmd.local) return fail(unavailable);

  const verbose = values.verbose === true;
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) controller.abort();

  let engine: Promise<EngineClient> | undefined;
  const progressListeners = new Set<(step: string, fraction: number | undefined) => void>();
  const ctx: CliContext = {
    io,
    json: values.json === true,
    signal: controller.signal,
    clusterReachable: unavailable === undefined,
    onProgress(listener) {
      progressListeners.add(listener);
      return () => progressListeners.delete(listener);
    },
    engine() {
      if (unavailable !== undefined || target.kind === 'unavailable') return Promise.reject(new ClusterUnavailableError(unavailable ?? ''));
      engine ??= EngineClient.start({
        native: target,
        logLevel: verbose ? 'debug' : 'warn',
        workerPath: options.workerPath,
        onLog: (p) => {
          if (verbose) io.stderr(`[${p.level}] ${p.message}`);
        },
        onProgress: (p) => {
          if (verbose) io.stderr(`[progress] ${p.step}${p.fraction !== undefined ? ` (${Math.round(p.fraction * 100)}%)` : ''}`);
          else for (const listener of progressListeners) listener(p.step, p.fraction);
        },
        // Ctrl-C after a restore's point of no return: say what goes on, and keep waiting for the outcome.
        onCommitted: () => options.onCommitted?.(),
        onCancelDeclined: (p) => io.stderr(`fcbackup: ${oneLine(p.message)} Waiting for it to end.`),
      });
      return engine;
    },
  };

  const positionals = parsed.positionals.slice(1);
  try {
    return await cmd.run({ positionals, options: values }, ctx);
  } catch (err) {
    if (err instanceof ClusterUnavailableError) return fail(err.message, ExitCode.usage);
    if (err instanceof EngineRequestError && err.data.engineCode === 'CANCELLED') return fail(err.message, ExitCode.cancelled);
    // A local command (list --verify, verify, show…) cancelled in this process.
    if (err instanceof CancelledError) return fail(err.message, ExitCode.cancelled);
    if (err instanceof EngineRequestError && err.data.engineCode === 'SCENARIO') return fail(err.message, ExitCode.usage);
    return fail(err instanceof Error ? err.message : String(err), ExitCode.failed);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (engine) {
      try {
        (await engine).dispose();
      } catch {
        // the engine did not start; the error was reported above
      }
    }
  }
}

function main(): void {
  const controller = new AbortController();
  let interrupts = 0;
  let committed = false;
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts > 1) {
      // The engine runs in a session of its own and finishes a committed restore without us.
      if (committed) process.stderr.write('fcbackup: leaving; the engine process completes or rolls back the restore by itself.\n');
      process.exit(ExitCode.cancelled);
    }
    process.stderr.write('fcbackup: cancelling… (press Ctrl-C again to quit at once)\n');
    controller.abort();
  });
  runCli(process.argv.slice(2), { signal: controller.signal, onCommitted: () => (committed = true) }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`fcbackup: ${oneLine(err instanceof Error ? err.message : String(err))}\n`);
      process.exitCode = ExitCode.failed;
    },
  );
}

if (require.main === module) main();
