/**
 * fcbackup backup --to DIR [--keep N]: backs up the cluster configuration of this node
 * into a new backup set under DIR and prints the set's path (or, with --json, the path
 * and the files with their sizes and SHA-256).
 *
 * When the set was made but retention (--keep) could not do all it should — a set it
 * could not rank or delete — the path is still printed, each problem is a warning on
 * stderr, and the exit code is 1: a scheduled backup must not fill the disk unnoticed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Requests } from '../../protocol';
import { displayText } from '../../text/displayText';
import { noArguments } from '../output';
import { ExitCode, type CliCommand } from '../types';

// C0 controls, DEL and C1 controls: never part of a folder name anyone typed on purpose.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

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
    if (CONTROL_CHARACTERS.test(to)) {
      ctx.io.stderr(`fcbackup: --to "${displayText(to)}" contains control characters; give the folder's name without them.`);
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
    const existing = fs.statSync(destination, { throwIfNoEntry: false });
    if (existing && !existing.isDirectory()) {
      ctx.io.stderr(`fcbackup: --to ${destination} is a file, not a folder; give the folder that holds (or will hold) the backup sets.`);
      return ExitCode.usage;
    }
    // A person at a terminal sees that work has started; scripts get only the result (or one error line).
    if (!ctx.json && ctx.io.isTTY) ctx.io.stderr(`Backing up the cluster configuration into ${destination}…`);
    const engine = await ctx.engine();
    const result = await engine.request(Requests.backup, { destination, keep }, ctx.signal);
    const retentionProblems = result.retentionProblems ?? [];
    if (ctx.json) {
      ctx.io.stdout(JSON.stringify({
        path: result.path, kind: result.kind, cluster: result.cluster, node: result.node, time: result.time,
        files: result.files, removedByRetention: result.removedByRetention, retentionProblems,
      }, null, 2));
    } else {
      for (const removed of result.removedByRetention) ctx.io.stderr(`Removed older set ${removed} (--keep ${keep}).`);
      ctx.io.stdout(result.path);
    }
    if (retentionProblems.length > 0) {
      for (const problem of retentionProblems) ctx.io.stderr(`Warning: ${problem}`);
      ctx.io.stderr(`fcbackup: the backup set ${result.path} was made, but retention (--keep ${keep}) could not do all it should ` +
        `(${retentionProblems.length} problem(s) above).`);
      return ExitCode.failed;
    }
    return ExitCode.ok;
  },
};
