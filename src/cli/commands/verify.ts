/**
 * fcbackup verify SET [--cluster NAME]: checks a backup set completely (manifest and
 * its seal, every path, size and SHA-256, no missing or extra file) and that it belongs
 * to a cluster. Exit 0 only when the set is intact; otherwise every problem is printed
 * and the exit code is 1.
 *
 * File work (`local`): it runs in this process on any operating system. The cluster it
 * is checked against is `--cluster NAME`; without it, this machine's cluster when this
 * machine can have one (Windows, or the simulator configured: ctx.clusterReachable) and
 * its cluster service runs — asking that starts the engine. Elsewhere (a Linux file
 * server, a workstation) only the files are checked, and the output says so.
 *
 * A damaged set is an outcome for the Windows Event Log ("verify failed", README "Event
 * Log"), as when VS Code or the engine verifies it: where this machine has an Event Log
 * (Windows, or the simulator: ctx.clusterReachable) the engine process verifies the set again
 * and writes that event from its own finding — the CLI itself loads no native code. Elsewhere there is no Event Log to write to.
 */
import path = require('node:path');
import { readBackupSet } from '../../engine/backupSet';
import type { VerifyResult } from '../../wire/model';
import { Requests } from '../../protocol';
import { countOf, onlyArgument, printResult } from '../output';
import { ExitCode, type CliCommand, type CliContext } from '../types';

interface VerifyOutput extends VerifyResult {
  /** The cluster the set was checked against; null when only the files were checked. */
  checkedCluster: string | null;
}

/** The verification as lines for a person. */
function formatVerification(result: VerifyOutput): string {
  if (result.ok) {
    const s = result.summary;
    const against = result.checkedCluster === null ? ' Files checked; no cluster to check it against here (use --cluster NAME).' : '';
    const reason = s.reason ? `\n  Reason: ${s.reason}` : '';
    return `${result.path}: intact (${s.kind ?? '?'}, cluster ${s.cluster ?? 'unknown'}, node ${s.node ?? '?'}, ${s.time ?? 'unknown time'}).${against}${reason}`;
  }
  return [`${result.path}: ${countOf(result.problems.length, 'problem')}:`, ...result.problems.map((problem) => `  ${problem}`)].join('\n');
}

/** This machine's cluster name, when there is one running here; undefined (with a warning when asking failed) otherwise. */
async function localClusterName(ctx: CliContext): Promise<string | undefined> {
  if (!ctx.clusterReachable) return undefined;
  try {
    const engine = await ctx.engine();
    const status = await engine.request(Requests.status, {}, ctx.signal);
    return status.state === 'running' && status.cluster ? status.cluster.name : undefined;
  } catch (err) {
    ctx.io.stderr(`fcbackup: warning: could not ask this machine's cluster (${err instanceof Error ? err.message : String(err)}); ` +
      'only the files are checked. Use --cluster NAME to check the cluster too.');
    return undefined;
  }
}

/**
 * The "verify failed" event: the engine verifies the set again itself and writes the event from
 * its own finding (an event's text never comes from a client). A failure is a warning and never
 * changes the exit code.
 */
async function writeVerifyFailedEvent(result: VerifyResult, expectedCluster: string | undefined, ctx: CliContext): Promise<void> {
  if (!ctx.clusterReachable) return;
  try {
    const engine = await ctx.engine();
    const seen = await engine.request(Requests.verifyBackup, { path: result.path, ...(expectedCluster === undefined ? {} : { expectedCluster }) }, ctx.signal);
    if (seen.ok) ctx.io.stderr(`fcbackup: warning: ${result.path} passed when the engine verified it again (it changed in between); no "verify failed" event was written.`);
  } catch (err) {
    ctx.io.stderr(`fcbackup: warning: the "verify failed" event could not be written to the Application log (${err instanceof Error ? err.message : String(err)}).`);
  }
}

export const command: CliCommand = {
  name: 'verify',
  usage: 'verify SET [--cluster NAME] [--json]',
  summary: 'Check a backup set: every file\'s size and SHA-256, no missing or extra file, an unedited manifest, its cluster',
  local: true,
  options: { cluster: { type: 'string' } },
  async run(args, ctx) {
    const setArgument = onlyArgument(this, args, ctx, 'backup set folder');
    if (setArgument === undefined) return ExitCode.usage;
    const setPath = path.resolve(setArgument);
    const given = args.options.cluster;
    if (typeof given === 'string' && given.trim() === '') {
      ctx.io.stderr(`fcbackup: --cluster needs the name of the cluster the set must belong to; usage: fcbackup ${this.usage}`);
      return ExitCode.usage;
    }
    const expectedCluster = typeof given === 'string' ? given.trim() : await localClusterName(ctx);
    const verified = await readBackupSet(setPath, { expectedCluster, signal: ctx.signal });
    const result: VerifyOutput = { ...verified, checkedCluster: expectedCluster ?? null };
    printResult(ctx, result, formatVerification);
    for (const warning of result.warnings ?? []) ctx.io.stderr(`fcbackup: warning: ${result.path}: ${warning}`);
    if (!result.ok) {
      await writeVerifyFailedEvent(verified, expectedCluster, ctx);
      ctx.io.stderr(`fcbackup: the backup set ${result.path} failed verification (${countOf(result.problems.length, 'problem')}).`);
      return ExitCode.failed;
    }
    return ExitCode.ok;
  },
};
