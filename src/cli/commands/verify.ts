/**
 * fcbackup verify SET [--cluster NAME]: checks a backup set completely (manifest and
 * its seal, every path, size and SHA-256, no missing or extra file, and with --cluster
 * that it belongs to that cluster). Exit 0 only when the set is intact; otherwise
 * every problem is printed and the exit code is 1.
 */
import * as path from 'node:path';
import { Requests } from '../../protocol';
import { ExitCode, type CliCommand } from '../types';

export const command: CliCommand = {
  name: 'verify',
  usage: 'verify SET [--cluster NAME] [--json]',
  summary: 'Check a backup set: every file\'s size and SHA-256, no missing or extra file, an unedited manifest',
  options: { cluster: { type: 'string' } },
  async run(args, ctx) {
    if (args.positionals.length !== 1) {
      ctx.io.stderr(`fcbackup: verify needs exactly one backup set folder; usage: fcbackup ${this.usage}`);
      return ExitCode.usage;
    }
    const setPath = path.resolve(args.positionals[0]);
    const expectedCluster = typeof args.options.cluster === 'string' && args.options.cluster !== '' ? args.options.cluster : undefined;
    const engine = await ctx.engine();
    const result = await engine.request(Requests.verifyBackup, { path: setPath, expectedCluster }, ctx.signal);
    if (ctx.json) {
      ctx.io.stdout(JSON.stringify(result, null, 2));
    } else if (result.ok) {
      const s = result.summary;
      ctx.io.stdout(`${result.path}: intact (${s.kind ?? '?'}, cluster ${s.cluster ?? 'unknown'}, node ${s.node ?? '?'}, ${s.time ?? 'unknown time'}).`);
    } else {
      ctx.io.stdout(`${result.path}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}:`);
      for (const problem of result.problems) ctx.io.stdout(`  ${problem}`);
    }
    if (!result.ok) {
      ctx.io.stderr(`fcbackup: the backup set ${result.path} failed verification (${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}).`);
      return ExitCode.failed;
    }
    return ExitCode.ok;
  },
};
