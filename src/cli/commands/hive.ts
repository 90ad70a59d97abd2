/**
 * fcbackup hive FILE [--json]: the registry tree in a hive file (a ClusDb from a backup set,
 * or any other hive) — for a person, or as the JSON document of src/hive/json.ts. File work
 * only: it runs in this process, without the engine, the simulator or koffi.
 */
import { hiveToJson } from '../../hive/json';
import { readHiveFile } from '../../hive/reader';
import { hiveText } from '../../hive/text';
import { onlyArgument, printJson } from '../output';
import { ExitCode, type CliCommand } from '../types';

export const command: CliCommand = {
  name: 'hive',
  usage: 'hive FILE [--json]',
  summary: 'Show the registry tree in a hive file (such as a backup set\'s ClusDb)',
  options: {},
  local: true,
  async run(args, ctx) {
    const file = onlyArgument(this, args, ctx, 'hive file');
    if (file === undefined) return ExitCode.usage;
    // A file that is not a readable hive throws a HiveError, "FILE: what is wrong": main.ts prints it as one line, exit 1.
    const hive = await readHiveFile(file);
    if (ctx.json) printJson(ctx, hiveToJson(hive));
    else ctx.io.stdout(hiveText(hive));
    return ExitCode.ok;
  },
};
