/**
 * The contract between the fcbackup CLI's entry point (main.ts) and its commands
 * (src/cli/commands/*.ts, each exporting `command`).
 */
import type { EngineClient } from '../client/engineClient';

export interface CliIo {
  /** Writes to standard output; a trailing newline is added when `text` lacks one. */
  stdout(text: string): void;
  /** Writes to standard error; a trailing newline is added when `text` lacks one. */
  stderr(text: string): void;
  /** Whether standard input and output are a terminal (a person is there to answer). */
  isTTY: boolean;
  /** Asks a yes/no question on the terminal; false when there is no terminal. */
  confirm(question: string): Promise<boolean>;
}

export interface CliContext {
  io: CliIo;
  /** --json: print one JSON document on stdout and nothing else there. */
  json: boolean;
  /**
   * The engine process, started on first use (and ended by main.ts afterwards). Rejects
   * with ClusterUnavailableError when this machine has no cluster to talk to (not Windows
   * and no simulator configured); main.ts turns that into exit code 2.
   */
  engine(): Promise<EngineClient>;
  /**
   * Whether engine() can start: Windows, or the simulator configured. Deciding this loads
   * nothing; a `local` command asks before it uses the engine for an optional check.
   */
  clusterReachable: boolean;
  /** Aborted by Ctrl-C; pass it to engine requests so the engine cancels the work. */
  signal: AbortSignal;
  /**
   * Calls `listener` with the engine's progress steps until the returned function is called
   * (not under --verbose, which prints every step already). Absent where no engine runs.
   */
  onProgress?(listener: (step: string, fraction: number | undefined) => void): () => void;
}

export type CliOptionValues = Record<string, string | boolean | undefined>;

export interface CliCommand {
  name: string;
  /** e.g. "status [--cluster NAME]" (without "fcbackup "). */
  usage: string;
  /** One line for the command list. */
  summary: string;
  /**
   * File work only (reading sets and hives): main.ts does not resolve a native target first, so the command
   * runs on any machine without the simulator or koffi. Such a command may still call `engine()` for an
   * option that needs the cluster (e.g. `diff --live`), which then needs Windows or the simulator.
   */
  local?: true;
  /** node:util parseArgs option specs of this command (the global ones are added by main.ts). */
  options: Record<string, { type: 'boolean' | 'string' }>;
  /** Returns the exit code: 0 success; non-zero after writing one `fcbackup: …` line to stderr. */
  run(args: { positionals: string[]; options: CliOptionValues }, ctx: CliContext): Promise<number>;
}

/** ctx.engine() when there is no cluster here: the message says what is needed. */
export class ClusterUnavailableError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'ClusterUnavailableError';
  }
}

/**
 * Exit codes of every command: the one list main.ts, the commands, the help text and the
 * README's table (checked by test/unit/cli-exit-codes.test.ts) all use.
 */
export const ExitCode = {
  ok: 0,
  /** The operation failed (the engine or Windows said no), or what it checked is not intact. */
  failed: 1,
  /** Bad usage, or the command cannot run here. */
  usage: 2,
  /** A restore waits for this machine to restart (restore --json: outcome rebootRequired). */
  rebootRequired: 3,
  /** backup --copy-to: the set was made and kept here, but its copy to the second folder failed. */
  copyFailed: 4,
  /** Cancelled with Ctrl-C. */
  cancelled: 130,
} as const;

export type ExitCodeName = keyof typeof ExitCode;

/** What each exit code means for a person reading the README table or the help; one entry per code, by construction. */
export const EXIT_CODE_MEANINGS: { readonly [K in ExitCodeName]: string } = {
  ok: 'Success. `diff`: the two configurations are equal.',
  failed: 'The operation failed or was refused (the message names the Windows API and code where there is one); ' +
    '`verify`, `list`: a set has a problem; `diff`: the configurations differ; `backup`: the set (and its copy) was made ' +
    'but retention (`--keep`, here or in `--copy-to`) could not do all it should; `restore`: refused, rolled back or not in effect.',
  usage: 'Bad usage (an unknown or repeated option, a bad value such as a `--reason` with control characters), or the ' +
    'command cannot run here (it needs Windows or the simulator; a simulator scenario that cannot be read). `diff`: any ' +
    'trouble (a set that fails verification, the cluster not answering), so that 1 always means "different".',
  rebootRequired: '`restore`, `recover`: the restored files are in place only after this machine restarts (`--json`: ' +
    '`outcome` `rebootRequired`). Nothing restarts it for you; after the restart any `fcbackup` command, or the extension, ' +
    'checks the files and finishes the restore.',
  copyFailed: '`backup --copy-to`: the set was made and kept in `--to`, but copying it to the second folder failed ' +
    '(nothing half-written is left there). It wins over 1 when both apply.',
  cancelled: 'Cancelled with Ctrl-C (a backup or its copy leaves nothing half-written behind).',
};

/** The exit codes as a Markdown table (the README holds exactly this between its exit-code markers). */
export function exitCodeTable(): string {
  const rows = (Object.keys(ExitCode) as ExitCodeName[]).map((name) => `| ${ExitCode[name]} | ${EXIT_CODE_MEANINGS[name]} |`);
  return ['| exit code | meaning |', '|---|---|', ...rows].join('\n');
}

/** One line for --help: "0 success, 1 …". */
export function exitCodeSummary(): string {
  const short: { readonly [K in ExitCodeName]: string } = {
    ok: 'success', failed: 'the operation failed', usage: 'bad usage or not possible here', rebootRequired: 'restore needs a restart', copyFailed: 'set made but its copy failed',
    cancelled: 'cancelled',
  };
  return (Object.keys(ExitCode) as ExitCodeName[]).map((name) => `${ExitCode[name]} ${short[name]}`).join(', ');
}
