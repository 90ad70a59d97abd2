/**
 * fcbackup backup --to DIR [--keep N] [--reason TEXT] [--copy-to DIR]: backs up the cluster
 * configuration of this node into a new backup set under DIR and prints the set's path
 * (or, with --json, the path and the files with their sizes and SHA-256).
 *
 * When the set was made but retention (--keep) could not do all it should — a set it
 * could not rank or delete — the path is still printed, each problem is a warning on
 * stderr, and the exit code is 1: a scheduled backup must not fill the disk unnoticed.
 *
 * --copy-to DIR copies the finished set to a second folder (e.g. a share), verifies the
 * copy and prunes there with the same --keep. A failed copy keeps the set made here,
 * says so on stderr and in `copy.error`, and exits 4 (ExitCode.copyFailed).
 */
import fs = require('node:fs');
import path = require('node:path');
import { Requests, type BackupResult } from '../../protocol';
import { reasonProblem } from '../../wire/backupReason';
import { sameFolder } from '../../wire/folders';
import { displayText } from '../../text/displayText';
import { noArguments, printJson } from '../output';
import { ExitCode, type CliCommand, type CliContext } from '../types';

// C0 controls, DEL and C1 controls: never part of a folder name anyone typed on purpose.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

const USAGE = 'backup --to DIR [--keep N] [--reason TEXT] [--copy-to DIR] [--json]';

/** A folder option's absolute path, or undefined after the usage error was written. */
function folderOption(ctx: CliContext, option: string, value: string, what: string): string | undefined {
  if (CONTROL_CHARACTERS.test(value)) {
    ctx.io.stderr(`fcbackup: --${option} "${displayText(value)}" contains control characters; give the folder's name without them.`);
    return undefined;
  }
  const folder = path.resolve(value);
  // Only what is certain here: the folder is a file. Anything else (a file above it, no access, a share that is
  // down) is the engine's to find and explain — for --copy-to as the copy's failure, with the set kept.
  let existing: fs.Stats | undefined;
  try {
    existing = fs.statSync(folder, { throwIfNoEntry: false });
  } catch {
    existing = undefined;
  }
  if (existing && !existing.isDirectory()) {
    ctx.io.stderr(`fcbackup: --${option} ${folder} is a file, not a folder; give the folder that holds (or will hold) ${what}.`);
    return undefined;
  }
  return folder;
}

/** The warnings and the exit code of a backup that produced `result`. */
function reportProblems(ctx: CliContext, result: BackupResult, keep: number | undefined): number {
  const retentionProblems = [...(result.retentionProblems ?? []), ...(result.copy?.retentionProblems ?? [])];
  for (const problem of retentionProblems) ctx.io.stderr(`Warning: ${problem}`);
  if (result.copy?.error) {
    ctx.io.stderr(`fcbackup: the backup set ${result.path} was made and is kept, but copying it to ${result.copy.destination} failed: ` +
      `${result.copy.error}`);
    return ExitCode.copyFailed;
  }
  if (retentionProblems.length > 0) {
    ctx.io.stderr(`fcbackup: the backup set ${result.path} was made, but retention (--keep ${keep}) could not do all it should ` +
      `(${retentionProblems.length} problem(s) above).`);
    return ExitCode.failed;
  }
  return ExitCode.ok;
}

export const command: CliCommand = {
  name: 'backup',
  usage: USAGE,
  summary: 'Back up the cluster configuration of this node (through VSS) into a new backup set under DIR',
  options: { to: { type: 'string' }, keep: { type: 'string' }, reason: { type: 'string' }, 'copy-to': { type: 'string' } },
  async run(args, ctx) {
    if (!noArguments(this, args, ctx)) return ExitCode.usage;
    const to = args.options.to;
    if (typeof to !== 'string' || to.trim() === '') {
      ctx.io.stderr(`fcbackup: backup needs --to DIR, the folder that holds the backup sets; usage: fcbackup ${USAGE}`);
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
    const reason = typeof args.options.reason === 'string' ? args.options.reason : undefined;
    const problem = reason === undefined ? null : reasonProblem(reason);
    if (problem !== null) {
      ctx.io.stderr(`fcbackup: --reason ${problem}.`);
      return ExitCode.usage;
    }
    const destination = folderOption(ctx, 'to', to, 'the backup sets');
    if (destination === undefined) return ExitCode.usage;
    const copyText = args.options['copy-to'];
    let copyTo: string | undefined;
    if (typeof copyText === 'string') {
      if (copyText.trim() === '') {
        ctx.io.stderr('fcbackup: --copy-to needs a folder (e.g. a share every node can reach) to copy the set to.');
        return ExitCode.usage;
      }
      copyTo = folderOption(ctx, 'copy-to', copyText, 'the copies');
      if (copyTo === undefined) return ExitCode.usage;
      if (sameFolder(copyTo, destination)) {
        ctx.io.stderr(`fcbackup: --copy-to ${copyTo} is the --to folder itself; give a second folder for the copy.`);
        return ExitCode.usage;
      }
    }
    // A person at a terminal sees that work has started, and each step of the copy; scripts get only the result (or one error line).
    const person = !ctx.json && ctx.io.isTTY;
    if (person) ctx.io.stderr(`Backing up the cluster configuration into ${destination}…`);
    const engine = await ctx.engine();
    const stopProgress = person && copyTo !== undefined ? ctx.onProgress?.((step, fraction) => {
      if (step.startsWith('Copying to ') || step.startsWith('Verifying the copy')) {
        ctx.io.stderr(`${step}${fraction !== undefined ? ` (${Math.round(fraction * 100)}%)` : ''}`);
      }
    }) : undefined;
    let result: BackupResult;
    try {
      result = await engine.request(Requests.backup, { destination, keep, reason, copyTo }, ctx.signal);
    } finally {
      stopProgress?.();
    }
    if (ctx.json) {
      printJson(ctx, {
        path: result.path, kind: result.kind, cluster: result.cluster, node: result.node, time: result.time, reason: result.reason ?? null,
        files: result.files, removedByRetention: result.removedByRetention, retentionProblems: result.retentionProblems ?? [],
        copy: result.copy ?? null,
      });
    } else {
      for (const removed of result.removedByRetention) ctx.io.stderr(`Removed older set ${removed} (--keep ${keep}).`);
      for (const removed of result.copy?.removedByRetention ?? []) ctx.io.stderr(`Removed older copy ${removed} (--keep ${keep}).`);
      if (result.copy?.path) ctx.io.stderr(`Copied to ${result.copy.path} (verified).`);
      ctx.io.stdout(result.path);
    }
    return reportProblems(ctx, result, keep);
  },
};
