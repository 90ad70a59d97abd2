/**
 * A folder of backup sets: listing them, retention (keep the newest N of a cluster),
 * and removing the unfinished sets of crashed backups.
 *
 * Each set is looked at on its own: a set that cannot be read or fails validation is
 * one reported problem, and the others carry on. Retention ranks sets by the time
 * stamp in their folder name (`…_<yyyymmddThhmmssZ>[-n]`), which this tool wrote and
 * which does not change when a manifest is edited; a set whose stamp lies in the
 * future is reported and neither counted nor deleted. Retention never fails silently:
 * what it could not do is returned as problems for the caller to report.
 */
import type { Dirent } from 'node:fs';
import fsp = require('node:fs/promises');
import path = require('node:path');
import {
  MANIFEST_FILE, nameStamp, PARTIAL_MARKER_FILE, partialFolderPid, readManifestFile, removeTree, sameClusterName, summarize,
  validateBackupSet, type ValidatedSet,
} from './backupSet';
import type { Logger } from './context';
import { CancelledError, EngineError, errorMessage } from './errors';
import { fileErrorCode } from './fileErrors';
import { isProcessAlive } from './lock';
import type { BackupSetSummary } from './model';

/**
 * How far ahead of this machine's clock a set's stamp may be before it counts as dated
 * in the future: the clock skew Kerberos tolerates by default, so domain members agree
 * within it.
 */
export const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

function newestFirst(a: BackupSetSummary, b: BackupSetSummary): number {
  const ta = a.time ? Date.parse(a.time) : Number.NEGATIVE_INFINITY;
  const tb = b.time ? Date.parse(b.time) : Number.NEGATIVE_INFINITY;
  if (ta !== tb && !Number.isNaN(ta) && !Number.isNaN(tb)) return tb - ta;
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}

async function readFolder(abs: string, missingIsError: boolean): Promise<Dirent[]> {
  try {
    return await fsp.readdir(abs, { withFileTypes: true });
  } catch (err) {
    const code = fileErrorCode(err);
    if (code === 'ENOENT' && !missingIsError) return [];
    if (code === 'ENOENT') throw new EngineError('BAD_ARGUMENT', `The backup folder ${abs} does not exist.`);
    if (code === 'ENOTDIR') throw new EngineError('BAD_ARGUMENT', `${abs} is a file, not a folder of backup sets.`);
    throw new EngineError('BAD_ARGUMENT', `Cannot read the backup folder ${abs} (${code ?? errorMessage(err)}).`);
  }
}

export interface ListOptions {
  verify: boolean;
  signal?: AbortSignal;
  /** A missing folder is an error (the CLI's `list DIR`) rather than an empty list (the Backups view before the first backup). */
  folderMustExist?: boolean;
  /**
   * With `verify`: validates one set (default: validateBackupSet, which hashes it). The
   * restore pick's listing passes validateRemembered (setVerification.ts), which reuses the
   * result of a set unchanged since it was hashed and gives a set that passed its token.
   */
  validate?: (setPath: string, signal?: AbortSignal) => Promise<{ result: ValidatedSet; token?: string }>;
}

/**
 * The sets in `folder` (its direct subfolders holding a manifest.json), newest first.
 * With `verify`, each is fully validated; otherwise only its manifest is read and
 * checked (`verified` stays null for a readable manifest). A set that cannot be read
 * is listed with its problem.
 */
export async function listBackupSets(folder: string, options: ListOptions): Promise<BackupSetSummary[]> {
  const abs = path.resolve(folder);
  const entries = await readFolder(abs, options.folderMustExist === true);
  const sets: BackupSetSummary[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const setPath = path.join(abs, e.name);
    const hasManifest = await fsp.lstat(path.join(setPath, MANIFEST_FILE)).then(() => true, (err: unknown) => fileErrorCode(err) !== 'ENOENT');
    if (!hasManifest) continue;
    if (options.signal?.aborted) throw new CancelledError('Listing the backup sets');
    if (options.verify) {
      const { result, token } = options.validate ? await options.validate(setPath, options.signal) : { result: await validateBackupSet(setPath, options.signal) };
      sets.push(token === undefined ? result.summary : { ...result.summary, verificationToken: token });
    } else {
      const parsed = await readManifestFile(setPath);
      sets.push(summarize(setPath, parsed, parsed.manifest ? null : false, parsed.problems));
    }
  }
  return sets.sort(newestFirst);
}

export interface RetentionOptions {
  /** The cluster whose sets are pruned (compared without regard to case); null for sets without a cluster name. */
  cluster: string | null;
  /** Keep this many of the newest valid sets of that cluster; 0 or less keeps everything. */
  keep: number;
  /** Sets that are never deleted, e.g. the one just made (it holds a slot). */
  protect?: string[];
  logger?: Logger;
  signal?: AbortSignal;
  /** This machine's clock (tests). */
  now?: () => Date;
}

export interface RetentionResult {
  /** The sets deleted. */
  removed: string[];
  /**
   * What retention could not do or left alone for the user to look at: a set that
   * failed validation, a set whose name has no time stamp or a stamp in the future, a
   * set that could not be deleted. Empty when retention did all it should.
   */
  problems: string[];
}

/**
 * Keeps the newest `keep` valid sets of one cluster, ranked by their name's stamp, and
 * deletes its older valid sets. Sets that fail validation, carry no stamp or a stamp in
 * the future are neither counted nor deleted, and are reported.
 */
export async function applyRetention(folder: string, options: RetentionOptions): Promise<RetentionResult> {
  const keep = Math.floor(options.keep);
  if (!(keep > 0)) return { removed: [], problems: [] };
  const now = (options.now ?? (() => new Date()))().getTime();
  const protect = new Set((options.protect ?? []).map((p) => path.resolve(p)));
  const sets = await listBackupSets(folder, { verify: true, signal: options.signal });
  // A set whose manifest could not be read may be this cluster's: it is reported (never deleted) too.
  const unreadable = (s: BackupSetSummary): boolean => s.verified === false && s.cluster === null;
  const mine = sets.filter((s) => (options.cluster === null ? s.cluster === null : (s.cluster !== null && sameClusterName(s.cluster, options.cluster)) || unreadable(s)));
  const problems: string[] = [];
  const report = (problem: string): void => {
    problems.push(problem);
    options.logger?.log('warn', `Retention: ${problem}`);
  };

  const ranked: { set: BackupSetSummary; time: number; sequence: number }[] = [];
  for (const set of mine) {
    const stamp = nameStamp(set.name);
    if (!set.verified) {
      report(`${set.path} failed validation and is left in place (${set.problems.length} problem(s): ${set.problems.slice(0, 3).join('; ')}${set.problems.length > 3 ? '; …' : ''}).`);
    } else if (!stamp) {
      report(`${set.path} has no time stamp in its name (…_yyyymmddThhmmssZ), so it cannot be ranked; it is left in place and does not count.`);
    } else if (stamp.time > now + FUTURE_TOLERANCE_MS) {
      report(`${set.path} is dated ${new Date(stamp.time).toISOString()}, in the future of this machine's clock; it is left in place and does not count. Check the clock of the machine that made it.`);
    } else {
      ranked.push({ set, time: stamp.time, sequence: stamp.sequence });
    }
  }
  ranked.sort((a, b) => b.time - a.time || b.sequence - a.sequence || (a.set.name < b.set.name ? 1 : -1));

  const removed: string[] = [];
  let kept = 0;
  for (const { set } of ranked) {
    if (kept < keep || protect.has(path.resolve(set.path))) {
      kept++;
      continue;
    }
    try {
      await removeTree(set.path);
      options.logger?.log('info', `Retention: removed ${set.path} (keeping the newest ${keep} set(s) of ${options.cluster ?? 'this node'}).`);
      removed.push(set.path);
    } catch (err) {
      report(`${set.path} could not be deleted (${fileErrorCode(err) ?? errorMessage(err)}).`);
    }
  }
  return { removed, problems };
}

/**
 * Removes the unfinished sets that backups of processes no longer running left in
 * `destination` (a crash or power loss mid-backup). Only folders this tool made are
 * touched: the exact name partialFolderName gives, holding the marker file that names
 * the same process. Returns what was removed.
 */
export async function removeStalePartialSets(destination: string, logger?: Logger): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await fsp.readdir(destination, { withFileTypes: true });
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const pid = partialFolderPid(entry.name);
    if (pid === null || pid === process.pid || isProcessAlive(pid)) continue;
    const full = path.join(destination, entry.name);
    if (!(await hasOwnMarker(full, pid))) continue;
    await removeTree(full);
    logger?.log('info', `Removed the unfinished backup set ${full} left by process ${pid}, which no longer runs.`);
    removed.push(full);
  }
  return removed;
}

/** Whether `folder` holds the marker file BackupSetWriter writes, naming process `pid`. */
async function hasOwnMarker(folder: string, pid: number): Promise<boolean> {
  const marker = path.join(folder, PARTIAL_MARKER_FILE);
  try {
    const stat = await fsp.lstat(marker);
    if (!stat.isFile() || stat.size > 4096) return false;
    const content = JSON.parse(await fsp.readFile(marker, 'utf8')) as { tool?: unknown; pid?: unknown };
    return content.tool === 'failover-cluster-backup' && content.pid === pid;
  } catch {
    return false;
  }
}
