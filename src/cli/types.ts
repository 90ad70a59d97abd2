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

/** Exit codes shared by the commands. */
export const ExitCode = {
  ok: 0,
  /** The operation failed (the engine or Windows said no). */
  failed: 1,
  /** Bad usage, or the command cannot run here. */
  usage: 2,
  /** A restore waits for this machine to restart (restore --json: outcome rebootRequired). */
  rebootRequired: 3,
  /** Cancelled with Ctrl-C. */
  cancelled: 130,
} as const;
