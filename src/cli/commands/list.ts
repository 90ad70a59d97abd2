/**
 * fcbackup list DIR [--verify]: the backup sets in DIR, newest first, with cluster,
 * node, time, kind and size; --verify checks every file of every set.
 */
import * as path from 'node:path';
import type { BackupSetSummary } from '../../wire/model';
import { Requests } from '../../protocol';
import { countOf, onlyArgument, printResult } from '../output';
import { ExitCode, type CliCommand } from '../types';

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

function status(set: BackupSetSummary): string {
  if (set.verified === true) return 'intact';
  if (set.verified === false) return `INVALID (${countOf(set.problems.length, 'problem')})`;
  return '';
}

/** The sets as lines for a person. */
export function formatBackupSets(sets: BackupSetSummary[]): string {
  if (sets.length === 0) return 'No backup sets.';
  return sets.map((s) => {
    const fields = [
      s.time ?? 'unknown time',
      s.cluster ?? '(cluster unknown)',
      s.node ?? '?',
      s.kind ?? '?',
      formatSize(s.size),
      status(s),
    ].filter((f) => f !== '');
    return `${s.path}\n  ${fields.join('  ')}`;
  }).join('\n');
}

export const command: CliCommand = {
  name: 'list',
  usage: 'list DIR [--verify] [--json]',
  summary: 'List the backup sets in DIR, newest first (--verify checks every file)',
  options: { verify: { type: 'boolean' } },
  async run(args, ctx) {
    const folderArgument = onlyArgument(this, args, ctx, 'folder');
    if (folderArgument === undefined) return ExitCode.usage;
    const folder = path.resolve(folderArgument);
    const engine = await ctx.engine();
    const sets = await engine.request(Requests.listBackups, { folder, verify: args.options.verify === true }, ctx.signal);
    printResult(ctx, sets, formatBackupSets);
    return ExitCode.ok;
  },
};
