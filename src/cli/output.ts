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

/** The result on stdout: one JSON document with --json, else the text `forPerson` makes of it. */
export function printResult<T>(ctx: CliContext, result: T, forPerson: (result: T) => string): void {
  ctx.io.stdout(ctx.json ? JSON.stringify(result, null, 2) : forPerson(result));
}

/** "1 problem", "3 problems". */
export function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
