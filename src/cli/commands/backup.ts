/**
 * fcbackup backup --to DIR [--keep N]: backs up the cluster configuration of this node
 * into a new backup set under DIR and prints the set's path (or, with --json, the path
 * and the files with their sizes and SHA-256).
 */
import * as path from 'node:path';
import { Requests } from '../../protocol';
import { noArguments } from '../output';
import { ExitCode, type CliCommand } from '../types';

export const command: CliCommand = {
  name: 'backup',
  usage: 'backup --to DIR [--keep N] [--json]',
  summary: 'Back up the cluster configuration of this node (through VSS) into a new backup set under DIR',
  options: { to: { type: 'string' }, keep: { type: 'string' } },
  async run(args, ctx) {
    if (!noArguments(this, args, ctx)) return ExitCode.usage;
    const to = args.options.to;
    if (typeof to !== 'string' || to.trim() === '') {
      ctx.io.stderr(`fcbackup: backup needs --to DIR, the folder that holds the backup sets; usage: fcbackup ${this.usage}`);
      return ExitCode.usage;
    }
    let keep: number | undefined;
    if (args.options.keep !== undefined) {
      const text = String(args.options.keep);
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
        ctx.io.stderr(`fcbackup: --keep needs a whole number of sets to keep (0 keeps every set), not "${text}".`);
        return ExitCode.usage;
      }
      keep = Number(text);
    }
    const destination = path.resolve(to);
    // A person at a terminal sees that work has started; scripts get only the result (or one error line).
    if (!ctx.json && ctx.io.isTTY) ctx.io.stderr(`Backing up the cluster configuration into ${destination}…`);
    const engine = await ctx.engine();
    const result = await engine.request(Requests.backup, { destination, keep }, ctx.signal);
    if (ctx.json) {
      ctx.io.stdout(JSON.stringify({
        path: result.path, kind: result.kind, cluster: result.cluster, node: result.node, time: result.time,
        files: result.files, removedByRetention: result.removedByRetention,
      }, null, 2));
    } else {
      for (const removed of result.removedByRetention) ctx.io.stderr(`Removed older set ${removed} (--keep ${keep}).`);
      ctx.io.stdout(result.path);
    }
    return ExitCode.ok;
  },
};
