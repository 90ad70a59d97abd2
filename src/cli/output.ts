/** What the commands share for checking their arguments and printing their result. */
import type { CliCommand, CliContext } from './types';

type Positionals = { positionals: string[] };

/** The command's one argument (`what` names it), or undefined after the usage error was written. */
export function onlyArgument(cmd: CliCommand, args: Positionals, ctx: CliContext, what: string): string | undefined {
  if (args.positionals.length === 1) return args.positionals[0];
  ctx.io.stderr(`fcbackup: ${cmd.name} needs exactly one ${what}; usage: fcbackup ${cmd.usage}`);
  return undefined;
}

/** For a command that takes no arguments: whether there were none (else the usage error, ending with `hint`, was written). */
export function noArguments(cmd: CliCommand, args: Positionals, ctx: CliContext, hint = `usage: fcbackup ${cmd.usage}`): boolean {
  if (args.positionals.length === 0) return true;
  ctx.io.stderr(`fcbackup: ${cmd.name} takes no arguments (got "${args.positionals[0]}"); ${hint}`);
  return false;
}

/**
 * The version of every `--json` document's shape (README, "JSON output"). It changes only
 * when a field is removed, renamed or changes meaning; new fields keep the version.
 */
export const JSON_SCHEMA_VERSION = 1;

/** A JSON document is an object (an array cannot carry `schemaVersion`: wrap it, e.g. `{ sets: [...] }`). */
export type JsonDocument = object & { length?: never };

/**
 * The text of a `--json` document: `schemaVersion` first, then the result's own fields.
 * The only place the CLI turns a result into JSON (lint forbids JSON.stringify in the commands).
 */
export function jsonDocument<T extends JsonDocument>(result: T): string {
  if (Array.isArray(result)) throw new TypeError('A --json document must be an object (wrap a list in a field).');
  return JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, ...result }, null, 2);
}

/** A `--json` document on stdout (with its schemaVersion). */
export function printJson<T extends JsonDocument>(ctx: CliContext, result: T): void {
  ctx.io.stdout(jsonDocument(result));
}

/** The result on stdout: one JSON document with --json (through jsonDocument), else the text `forPerson` makes of it. */
export function printResult<T extends JsonDocument>(ctx: CliContext, result: T, forPerson: (result: T) => string): void {
  if (ctx.json) printJson(ctx, result);
  else ctx.io.stdout(forPerson(result));
}

/** "1 problem", "3 problems". */
export function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
