/**
 * fcbackup list DIR [--verify]: the backup sets in DIR, newest first, with cluster,
 * node, time, kind and size; --verify checks every file of every set.
 *
 * File work only (`local`): it runs in this process on any operating system. Each set
 * is looked at on its own; a set that cannot be read or fails verification is listed
 * with its problems and the exit code is 1, so a nightly `fcbackup list --verify --json`
 * on the server that holds the off-box copies notices a damaged set. Its JSON document is
 * `{ schemaVersion, folder, sets: [...] }`.
 */
import path = require('node:path');
import { listBackupSets } from '../../engine/backupSetFolder';
import type { BackupSetSummary } from '../../wire/model';
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

/** The sets as lines for a person (names are escaped when printed). */
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
    const reason = s.reason ? [`  Reason: ${s.reason}`] : [];
    return [`${s.path}`, `  ${fields.join('  ')}`, ...reason, ...s.problems.map((p) => `    ${p}`)].join('\n');
  }).join('\n');
}

export const command: CliCommand = {
  name: 'list',
  usage: 'list DIR [--verify] [--json]',
  summary: 'List the backup sets in DIR, newest first (--verify checks every file); exit 1 if a set has a problem',
  local: true,
  options: { verify: { type: 'boolean' } },
  async run(args, ctx) {
    const folderArgument = onlyArgument(this, args, ctx, 'folder');
    if (folderArgument === undefined) return ExitCode.usage;
    const folder = path.resolve(folderArgument);
    const sets = await listBackupSets(folder, { verify: args.options.verify === true, signal: ctx.signal, folderMustExist: true });
    // --json: { schemaVersion, folder, sets: [...] } (a document is an object, so it can carry its schemaVersion).
    printResult(ctx, { folder, sets }, (r) => formatBackupSets(r.sets));
    const bad = sets.filter((s) => s.verified === false);
    if (bad.length > 0) {
      ctx.io.stderr(`fcbackup: ${countOf(bad.length, 'backup set')} of ${sets.length} in ${folder} ${bad.length === 1 ? 'has' : 'have'} problems.`);
      return ExitCode.failed;
    }
    return ExitCode.ok;
  },
};
