/**
 * fcbackup recover [--json]: finishes a restore that was interrupted (its journal is on
 * disk) or waits for a restart: completes it when it had committed (the cluster service had
 * run here on the restored files) or the restart put its files in place (checked by SHA-256),
 * else rolls it back — and says which (`outcome`: completed | notInEffect | rolledBack). Exit 0 when it was finished (or
 * there was nothing to finish), 1 when a service could not be returned or it failed.
 */
import path = require('node:path');
import type { RecoverResult } from '../../wire/restore';
import { Requests } from '../../protocol';
import { noArguments, printResult } from '../output';
import { ExitCode, type CliCommand } from '../types';

export function formatRecovery(result: RecoverResult): string {
  if (result.outcome === null || result.restore === null) return 'No interrupted restore: there was nothing to finish.';
  const r = result.restore;
  const what = `The interrupted ${r.authoritative ? 'authoritative' : 'node'} restore of ${path.basename(r.set)} (started ${r.startedAt}, stopped at "${r.phase}")`;
  const lines = [result.outcome === 'completed'
    ? `${what} was completed: the restored files stay, the services it had stopped were started, and it was observed in effect.`
    : result.outcome === 'notInEffect'
      ? `${what} was completed (the restored files stay, the services it had stopped were started), but it is not in effect:`
      : `${what} was rolled back: the files from before it are back, and the services are as they were.`];
  for (const p of result.problems) lines.push(`  Not as it should be: ${p}`);
  return lines.join('\n');
}

export const command: CliCommand = {
  name: 'recover',
  usage: 'recover [--json]',
  summary: 'Finish an interrupted restore: complete it or roll it back, and say which',
  options: {},
  async run(args, ctx) {
    if (!noArguments(this, args, ctx)) return ExitCode.usage;
    const engine = await ctx.engine();
    const result = await engine.request(Requests.recover, {}, ctx.signal);
    printResult(ctx, result, formatRecovery);
    if (result.problems.length > 0) {
      ctx.io.stderr(`fcbackup: the restore was ${result.outcome === 'rolledBack' ? 'rolled back' : 'completed'}, but: ${result.problems.join('; ')}`);
      return ExitCode.failed;
    }
    return ExitCode.ok;
  },
};
