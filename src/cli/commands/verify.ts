/**
 * fcbackup verify SET [--cluster NAME]: checks a backup set completely (manifest and
 * its seal, every path, size and SHA-256, no missing or extra file, and with --cluster
 * that it belongs to that cluster). Exit 0 only when the set is intact; otherwise
 * every problem is printed and the exit code is 1.
 */
import * as path from 'node:path';
import type { VerifyResult } from '../../wire/model';
import { Requests } from '../../protocol';
import { countOf, onlyArgument, printResult } from '../output';
import { ExitCode, type CliCommand } from '../types';

/** The verification as lines for a person. */
function formatVerification(result: VerifyResult): string {
  if (result.ok) {
    const s = result.summary;
    return `${result.path}: intact (${s.kind ?? '?'}, cluster ${s.cluster ?? 'unknown'}, node ${s.node ?? '?'}, ${s.time ?? 'unknown time'}).`;
  }
  return [`${result.path}: ${countOf(result.problems.length, 'problem')}:`, ...result.problems.map((problem) => `  ${problem}`)].join('\n');
}

export const command: CliCommand = {
  name: 'verify',
  usage: 'verify SET [--cluster NAME] [--json]',
  summary: 'Check a backup set: every file\'s size and SHA-256, no missing or extra file, an unedited manifest',
  options: { cluster: { type: 'string' } },
  async run(args, ctx) {
    const setArgument = onlyArgument(this, args, ctx, 'backup set folder');
    if (setArgument === undefined) return ExitCode.usage;
    const setPath = path.resolve(setArgument);
    const expectedCluster = typeof args.options.cluster === 'string' && args.options.cluster !== '' ? args.options.cluster : undefined;
    const engine = await ctx.engine();
    const result = await engine.request(Requests.verifyBackup, { path: setPath, expectedCluster }, ctx.signal);
    printResult(ctx, result, formatVerification);
    if (!result.ok) {
      ctx.io.stderr(`fcbackup: the backup set ${result.path} failed verification (${countOf(result.problems.length, 'problem')}).`);
      return ExitCode.failed;
    }
    return ExitCode.ok;
  },
};
