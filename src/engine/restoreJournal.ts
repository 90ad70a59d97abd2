/**
 * The restore journal and the crash-safe replacement of the live ClusDb files.
 *
 * A restore is the one operation that can leave a node unable to start its cluster
 * service, so every change it makes is recorded on disk before it is made:
 *
 *   <ClusDb dir>/../ClusterRestoreJournal.json   the journal, rewritten atomically at each phase
 *   <ClusDb dir>/../ClusterRestoreSafety/<id>/    copies of the live files taken before any is replaced
 *
 * The set's files are first *staged* beside the live ones (`<file>.fcbnew`, verified
 * against the manifest's SHA-256 and flushed) — that can happen while the cluster
 * service runs and holds the live files open — and later *swapped* in by renaming each
 * staged file over its live file, so each live file is always either wholly old or
 * wholly new. When the engine dies part-way, the next run reads the journal and either
 * rolls back (staged files removed, every live file back as the safety copy has it) or,
 * once the restore had committed (the cluster service ran here on the restored files),
 * finishes what was left — never leaving a mix of old and new files. Both directions are
 * idempotent, so a crash during recovery is recovered the same way.
 *
 * Live companions of the hive that the set does not hold (CLUSDB.LOG1, .blf, .regtrans-ms …)
 * are copied with the safety copy and removed from the ClusDb folder at the swap, so no
 * transaction log of the newer hive is left beside the restored one; a roll-back puts them back.
 *
 * A journal is data on disk that anyone with access could edit, and recovery deletes and
 * renames files by what it says: every path in it must be directly in the ClusDb folder it
 * belongs to, or in this restore's folder under the safety root (read() refuses anything else).
 */
import { randomUUID } from 'node:crypto';
import fs = require('node:fs');
import path = require('node:path');
import { NativeError } from '../native/errors';
import { ERROR_SHARING_VIOLATION, MOVEFILE_DELAY_UNTIL_REBOOT, MOVEFILE_REPLACE_EXISTING, MOVEFILE_WRITE_THROUGH, moveFileEx } from '../native/kernel32';
import { copyAndHashSync, flushDirectorySync, hashFileSync, STAGING_SUFFIX, writeFileAtomicSync, type HashResult } from './durableFile';
import { EngineError } from './errors';
import { restoreWriteError } from './fileErrors';
import { protectPath } from './protection';
import { sameFolder } from '../wire/folders';

export const JOURNAL_FILE_NAME = 'ClusterRestoreJournal.json';
export const SAFETY_FOLDER_NAME = 'ClusterRestoreSafety';
export const NEW_FILE_SUFFIX = STAGING_SUFFIX;
const JOURNAL_VERSION = 4;

/**
 * The phases of a restore, each written once everything before it is done. A VSS_RME_RESTORE_STOP_START
 * restore (the Cluster Database writer's method) writes them in this order: PreRestore, the safety copy,
 * the set's files staged beside the live ones and renamed over them (MoveFileExW), then PostRestore and
 * the service stopped and started. When a live file is in use (ERROR_SHARING_VIOLATION) its replacement
 * is scheduled for the next restart instead and the restore waits in `rebootPending` (PostRestore sent)
 * until the files are seen replaced. The offline path (no writer) skips preRestored and postRestored.
 * Roll-back relies on what the journal records (the safety copy, the staged and replaced files, the
 * nodes stopped), not on the position of a phase — except the commit point.
 */
export const RESTORE_PHASES = [
  'planned', 'otherNodesStopped', 'preRestored', 'safetyCopied', 'staged', 'replacing', 'replaced', 'rebootPending', 'postRestored',
  'serviceStopped', 'servicesStarted', 'done',
] as const;
export type RestorePhase = (typeof RESTORE_PHASES)[number];

/**
 * The restore commits when the writer was told the files are in place (PostRestore after
 * VSS_RS_ALL: the writer has acted on them, so going back would contradict it) or, without a
 * writer, when the cluster service runs here on the restored files. Before that, an
 * interruption or failure puts the old files back; from then on it is finished.
 */
export function isCommitted(journal: RestoreJournal): boolean {
  return journal.phase === 'servicesStarted' || journal.phase === 'done' || journal.postRestoreSent;
}

/** One live file the restore replaces. */
export interface JournalFile {
  /** Absolute path of the live file. */
  target: string;
  /** Absolute path of the new content inside the backup set. */
  source: string;
  /** SHA-256 (hex) and size of the new content, as the verified manifest gives them. */
  sha256: string;
  size: number;
  /** Whether the live file existed before the restore (else rolling back removes it). */
  existed: boolean;
  /** Absolute path of its safety copy (when it existed); filled in by the safety copy. */
  safetyCopy: string | null;
  /** SHA-256 and size of the old content, recorded by the safety copy. */
  oldSha256: string | null;
  oldSize: number | null;
}

/** A live file of the hive that the set does not hold: saved with the safety copy, removed at the swap. */
export interface JournalCompanion {
  /** Absolute path of the live file (directly in the ClusDb folder). */
  path: string;
  /** Its copy in the safety folder and the copy's hash and size (filled in by the safety copy). */
  safetyCopy: string | null;
  sha256: string | null;
  size: number | null;
}

export interface RestoreJournal {
  version: number;
  id: string;
  /** The backup set being restored and its kind (the VSS sequence is skipped for offline-hive sets). */
  set: string;
  kind: 'vss-cluster-writer' | 'offline-hive';
  authoritative: boolean;
  /** The writer's VSS_RESTOREMETHOD_ENUM value that sets the order of the steps (null: offline hive, no writer). */
  restoreMethod: number | null;
  /** This node, and the cluster service the restore stops and starts here. */
  localNode: string;
  serviceName: string;
  /**
   * Whether the service ran here before the restore. A roll-back leaves it as it was: started again
   * when it ran, stopped again when the restore had started it (the writer needs it running).
   */
  localServiceWasRunning: boolean;
  /** Whether the restore stopped or started the service here (recorded before it does). */
  localServiceChanged: boolean;
  /** Other nodes whose service this restore stops, recorded before each is stopped; started again afterwards. */
  otherNodesToRestart: string[];
  /**
   * The user consented to starting this node with force quorum (/fq) when it cannot form the cluster
   * alone (authoritative only). Kept so that a restore finished later (recover, after a restart) forms
   * the cluster as the user allowed. Absent in journals of earlier versions: no consent.
   */
  forceQuorum?: boolean;
  /** Other nodes the restored configuration does not list: started again, not waited for (they cannot join). */
  notMembers?: string[];
  phase: RestorePhase;
  clusDbDir: string;
  safetyDir: string;
  files: JournalFile[];
  /** The live companions (recorded by the safety copy). */
  companions: JournalCompanion[];
  /** Targets whose staged copy (`<target>.fcbnew`) is complete. */
  staged: string[];
  /** Whether the safety copy of every live file is complete and recorded (live files may change only then). */
  safetyCopied: boolean;
  /** Whether PostRestore was sent with every file in place (VSS_RS_ALL): the commit point of a writer's restore. */
  postRestoreSent: boolean;
  /** Targets already renamed into place (replacing phase). */
  replaced: string[];
  /** Targets whose replacement is scheduled for the next restart (MoveFileExW with MOVEFILE_DELAY_UNTIL_REBOOT). */
  atReboot: string[];
  /** Companions whose deletion is scheduled for the next restart (they were in use). */
  companionsAtReboot: string[];
  startedAt: string;
  updatedAt: string;
}

/** Where the journal and the safety copies of a ClusDb folder live: next to that folder. */
export function journalPathFor(clusDbDir: string): string {
  return path.join(path.dirname(path.resolve(clusDbDir)), JOURNAL_FILE_NAME);
}

export function safetyRootFor(clusDbDir: string): string {
  return path.join(path.dirname(path.resolve(clusDbDir)), SAFETY_FOLDER_NAME);
}

export function newRestoreId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomUUID().slice(0, 8)}`;
}

export function createJournal(init: {
  set: string; kind: RestoreJournal['kind']; authoritative: boolean; restoreMethod: number | null; localNode: string;
  serviceName: string; localServiceWasRunning: boolean; clusDbDir: string;
  files: Array<Pick<JournalFile, 'target' | 'source' | 'sha256' | 'size'>>;
  forceQuorum?: boolean; notMembers?: string[];
}): RestoreJournal {
  const id = newRestoreId();
  const now = new Date().toISOString();
  return {
    version: JOURNAL_VERSION,
    id,
    set: init.set,
    kind: init.kind,
    authoritative: init.authoritative,
    restoreMethod: init.restoreMethod,
    localNode: init.localNode,
    serviceName: init.serviceName,
    localServiceWasRunning: init.localServiceWasRunning,
    localServiceChanged: false,
    otherNodesToRestart: [],
    forceQuorum: init.forceQuorum === true,
    notMembers: [...(init.notMembers ?? [])],
    phase: 'planned',
    clusDbDir: path.resolve(init.clusDbDir),
    safetyDir: path.join(safetyRootFor(init.clusDbDir), id),
    files: init.files.map((f) => ({
      target: f.target, source: f.source, sha256: f.sha256.toLowerCase(), size: f.size,
      existed: false, safetyCopy: null, oldSha256: null, oldSize: null,
    })),
    companions: [],
    staged: [],
    safetyCopied: false,
    postRestoreSent: false,
    replaced: [],
    atReboot: [],
    companionsAtReboot: [],
    startedAt: now,
    updatedAt: now,
  };
}

// ---- durable file primitives (durableFile.ts) ----

/**
 * Copy `from` to `to` (created or truncated), flush it, and check that what was read
 * has the expected hash — the source could have changed since it was verified.
 */
function copyVerified(from: string, to: string, expected: { sha256: string; size: number } | null): HashResult {
  const got = copyAndHashSync(from, to);
  if (expected && (got.sha256 !== expected.sha256 || got.size !== expected.size)) {
    fs.rmSync(to, { force: true });
    throw new EngineError('RESTORE_FAILED',
      `${from} changed while it was being restored (expected ${expected.size} bytes with SHA-256 ${expected.sha256}, ` +
      `read ${got.size} bytes with SHA-256 ${got.sha256}).`);
  }
  return got;
}

/** Replace `target` with a verified copy of `source` by writing beside it and renaming over it. */
function replaceFileAtomically(source: string, target: string, expected: { sha256: string; size: number }): void {
  const temp = `${target}${NEW_FILE_SUFFIX}`;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  copyVerified(source, temp, expected);
  fs.renameSync(temp, target);
  flushDirectorySync(path.dirname(target));
}

function matches(file: string, expected: { sha256: string | null; size: number | null }): boolean {
  if (!fs.existsSync(file) || expected.sha256 === null) return false;
  const got = hashFileSync(file);
  return got.sha256 === expected.sha256 && got.size === expected.size;
}

// ---- the journal on disk ----

/** Whether `file` is a plain name directly in `folder` (no `:` stream, no control character). */
function directlyIn(folder: string, file: unknown): boolean {
  if (typeof file !== 'string' || file === '' || !path.isAbsolute(file)) return false;
  const name = path.basename(file);
  // eslint-disable-next-line no-control-regex
  if (name === '' || name === '.' || name === '..' || name.includes(':') || /[\u0000-\u001f]/.test(name)) return false;
  return sameFolder(path.dirname(path.resolve(file)), folder);
}

/** The journal's paths that are not where a restore of `clusDbDir` may touch. */
function pathsOutside(journal: RestoreJournal, clusDbDir: string): string[] {
  const bad: string[] = [];
  const safetyRoot = safetyRootFor(clusDbDir);
  if (typeof journal.clusDbDir !== 'string' || !sameFolder(journal.clusDbDir, clusDbDir)) bad.push(String(journal.clusDbDir));
  const safetyOk = typeof journal.safetyDir === 'string' && directlyIn(safetyRoot, journal.safetyDir) &&
    path.basename(journal.safetyDir) === journal.id && /^[0-9A-Za-z-]+$/.test(journal.id);
  if (!safetyOk) bad.push(String(journal.safetyDir));
  const check = (p: unknown, folder: string): void => {
    if (!directlyIn(folder, p)) bad.push(String(p));
  };
  for (const f of journal.files) {
    check(f.target, clusDbDir);
    if (f.safetyCopy !== null) check(f.safetyCopy, journal.safetyDir);
  }
  for (const c of journal.companions) {
    check(c.path, clusDbDir);
    if (c.safetyCopy !== null) check(c.safetyCopy, journal.safetyDir);
  }
  for (const t of [...journal.staged, ...journal.replaced, ...journal.atReboot, ...journal.companionsAtReboot]) check(t, clusDbDir);
  return bad;
}

export class JournalStore {
  readonly path: string;
  readonly clusDbDir: string;
  constructor(clusDbDir: string) {
    this.clusDbDir = path.resolve(clusDbDir);
    this.path = journalPathFor(clusDbDir);
  }

  /** The journal of an unfinished restore, or null when there is none. */
  read(): RestoreJournal | null {
    let text: string;
    try {
      text = fs.readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    let journal: RestoreJournal;
    try {
      journal = JSON.parse(text) as RestoreJournal;
    } catch (err) {
      throw new EngineError('RESTORE_FAILED',
        `The restore journal ${this.path} cannot be read (${(err as Error).message}). An earlier restore did not finish; ` +
        `compare the files in ${path.dirname(this.path)} with the safety copies under ${SAFETY_FOLDER_NAME} before removing it.`);
    }
    if (journal.version !== JOURNAL_VERSION || !RESTORE_PHASES.includes(journal.phase) || !Array.isArray(journal.files) ||
      !Array.isArray(journal.companions) || !Array.isArray(journal.staged) || !Array.isArray(journal.replaced) ||
      typeof journal.safetyCopied !== 'boolean' || typeof journal.postRestoreSent !== 'boolean' || !Array.isArray(journal.otherNodesToRestart) || !Array.isArray(journal.atReboot) ||
      !Array.isArray(journal.companionsAtReboot) || (journal.forceQuorum !== undefined && typeof journal.forceQuorum !== 'boolean') ||
      (journal.notMembers !== undefined && (!Array.isArray(journal.notMembers) || !journal.notMembers.every((n) => typeof n === 'string')))) {
      throw new EngineError('RESTORE_FAILED',
        `The restore journal ${this.path} has an unknown format (version ${String(journal.version)}). ` +
        'It was written by another version of this tool; finish that restore with it, or remove the journal after checking the ClusDb files.');
    }
    const outside = pathsOutside(journal, this.clusDbDir);
    if (outside.length > 0) {
      throw new EngineError('RESTORE_FAILED',
        `The restore journal ${this.path} names paths outside the cluster folder ${this.clusDbDir} and the safety folder ` +
        `${safetyRootFor(this.clusDbDir)}: ${outside.slice(0, 5).join(', ')}${outside.length > 5 ? ' …' : ''}. It was edited or damaged, ` +
        'so it is not followed and nothing was changed. Compare the ClusDb files with the safety copies, then remove the journal.');
    }
    return journal;
  }

  write(journal: RestoreJournal): void {
    journal.updatedAt = new Date().toISOString();
    fs.mkdirSync(path.dirname(this.path), { recursive: true });
    writeFileAtomicSync(this.path, JSON.stringify(journal, null, 2) + '\n');
    try {
      protectPath(this.path, 'file'); // administrators only (src/engine/protection.ts)
    } catch (err) {
      // Before the commit point a journal that cannot be protected stops the restore (nothing has changed
      // yet, or it rolls back). After it the restore must stand: the next write protects the file again.
      if (!isCommitted(journal)) throw err;
    }
    journalWritten?.(journal);
  }

  /** Record a phase and make it durable. */
  advance(journal: RestoreJournal, phase: RestorePhase): void {
    journal.phase = phase;
    this.write(journal);
  }

  remove(): void {
    fs.rmSync(this.path, { force: true });
    flushDirectorySync(path.dirname(this.path));
  }
}

/**
 * Called each time a journal state reached the disk. A shipped engine has none; the
 * crash-recovery tests install one (src/worker/testHooks.ts) that ends the process there.
 */
let journalWritten: ((journal: Readonly<RestoreJournal>) => void) | null = null;

export function onJournalWritten(hook: ((journal: Readonly<RestoreJournal>) => void) | null): void {
  journalWritten = hook;
}

// ---- the file steps ----

/** Hooks the tests use to fail a step after a given number of files. */
export interface ReplaceHooks {
  afterFileStaged?(target: string, index: number): void;
  afterFileReplaced?(target: string, index: number): void;
}

/**
 * How live files are replaced: through kernel32's MoveFileExW, so that a file in use fails
 * the way the operating system decides (ERROR_SHARING_VIOLATION), and a replacement that must
 * wait is scheduled for the next restart ("MoveFileExW function", MOVEFILE_DELAY_UNTIL_REBOOT).
 */
export interface FileMover {
  /** Rename `from` over `to` now (MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH); throws NativeError 32 for a file in use. */
  replaceNow(from: string, to: string): void;
  /** At the next restart: rename `from` over `to`, or delete `from` (`to` null). */
  atReboot(from: string, to: string | null): void;
}

export const nativeFileMover: FileMover = {
  replaceNow: (from, to) => moveFileEx(from, to, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH),
  atReboot: (from, to) => moveFileEx(from, to, MOVEFILE_DELAY_UNTIL_REBOOT | (to === null ? 0 : MOVEFILE_REPLACE_EXISTING)),
};

function inUse(err: unknown): boolean {
  return err instanceof NativeError && err.code === ERROR_SHARING_VIOLATION;
}

/**
 * Where a file's restored content waits beside its live file: `<target>.<restore>.fcbnew`.
 * The restore's id is in the name because a rename scheduled for the next restart cannot be
 * cancelled: a later restore must never stage under a name an earlier one scheduled.
 */
export function stagedPathFor(journal: Pick<RestoreJournal, 'id'>, target: string): string {
  return `${target}.${journal.id.slice(-8)}${NEW_FILE_SUFFIX}`;
}

/**
 * Write each file's restored content beside its live file (stagedPathFor), verified
 * against the manifest's hash and flushed, recording each one. The live files are not
 * touched. The journal (with the final targets) is written before the first file, so a
 * crash leaves nothing unrecorded. Writes the `staged` phase.
 */
export function stageFiles(store: JournalStore, journal: RestoreJournal, hooks: ReplaceHooks = {}): void {
  journal.staged = [];
  store.write(journal);
  journal.files.forEach((file, index) => {
    fs.mkdirSync(path.dirname(file.target), { recursive: true });
    try {
      copyVerified(file.source, stagedPathFor(journal, file.target), { sha256: file.sha256, size: file.size });
    } catch (err) {
      throw restoreWriteError(err, path.dirname(file.target), stagedPathFor(journal, file.target));
    }
    journal.staged.push(file.target);
    store.write(journal);
    hooks.afterFileStaged?.(file.target, index);
  });
  for (const dir of new Set(journal.files.map((f) => path.dirname(f.target)))) flushDirectorySync(dir);
  store.advance(journal, 'staged');
}

/** Delete every staged file of the journal (and a half-written one); returns the ones that existed. */
export function removeStagedFiles(journal: RestoreJournal): string[] {
  const removed: string[] = [];
  for (const file of journal.files) {
    const staged = stagedPathFor(journal, file.target);
    if (fs.existsSync(staged)) {
      fs.rmSync(staged, { force: true });
      removed.push(staged);
    }
  }
  return removed;
}

/**
 * Copy the current live files into the safety folder (flushed and hashed) and record
 * them. Nothing live is changed. Writes the `safetyCopied` phase.
 */
export function takeSafetyCopy(store: JournalStore, journal: RestoreJournal): void {
  fs.rmSync(journal.safetyDir, { recursive: true, force: true });
  fs.mkdirSync(journal.safetyDir, { recursive: true });
  protectPath(journal.safetyDir, 'folder'); // before the live files are copied into it
  journal.files.forEach((file, index) => {
    file.existed = fs.existsSync(file.target);
    if (file.existed) {
      const copy = path.join(journal.safetyDir, `${index}-${path.basename(file.target)}`);
      const got = copyVerified(file.target, copy, null);
      file.safetyCopy = copy;
      file.oldSha256 = got.sha256;
      file.oldSize = got.size;
    }
  });
  journal.companions.forEach((companion, index) => {
    if (!fs.existsSync(companion.path)) return;
    const copy = path.join(journal.safetyDir, `companion-${index}-${path.basename(companion.path)}`);
    const got = copyVerified(companion.path, copy, null);
    companion.safetyCopy = copy;
    companion.sha256 = got.sha256;
    companion.size = got.size;
  });
  flushDirectorySync(journal.safetyDir);
  journal.safetyCopied = true;
  store.advance(journal, 'safetyCopied');
}

/**
 * Put the staged files in place: the companions are moved into the safety folder (over their
 * copies), then each staged file is renamed over its live file with MoveFileExW, checked against
 * the manifest's hash once more first and recorded. When a live file is in use
 * (ERROR_SHARING_VIOLATION) that file and every one after it are scheduled for the next restart
 * instead (MOVEFILE_DELAY_UNTIL_REBOOT | MOVEFILE_REPLACE_EXISTING), companions in use are
 * scheduled for deletion then. Needs the safety copy. Writes `replacing` … then `replaced`, or
 * `rebootPending` when anything waits for the restart; returns which.
 */
export function replaceLiveFiles(store: JournalStore, journal: RestoreJournal, mover: FileMover = nativeFileMover,
  hooks: ReplaceHooks = {}): 'replaced' | 'rebootPending' {
  if (!journal.safetyCopied) throw new Error('The live files cannot be replaced before their safety copy is recorded.');
  journal.replaced = [];
  journal.atReboot = [];
  journal.companionsAtReboot = [];
  store.advance(journal, 'replacing');
  let atReboot = false;
  // The companions are in the safety copy: they leave the folder before the restored hive arrives.
  for (const companion of journal.companions) {
    if (companion.safetyCopy === null) continue;
    if (!atReboot) {
      try {
        mover.replaceNow(companion.path, companion.safetyCopy);
        continue;
      } catch (err) {
        if (!inUse(err)) throw err;
        atReboot = true;
      }
    }
    mover.atReboot(companion.path, null);
    journal.companionsAtReboot.push(companion.path);
    store.write(journal);
  }
  if (journal.companions.length > 0) flushDirectorySync(journal.clusDbDir);
  journal.files.forEach((file, index) => {
    const staged = stagedPathFor(journal, file.target);
    if (!matches(staged, { sha256: file.sha256, size: file.size })) {
      throw new EngineError('RESTORE_FAILED',
        `The restored copy of ${path.basename(file.target)} staged in ${staged} is missing or no longer matches the backup set ` +
        `(SHA-256 ${file.sha256}, ${file.size} bytes).`);
    }
    if (!atReboot) {
      try {
        mover.replaceNow(staged, file.target);
        flushDirectorySync(path.dirname(file.target));
        journal.replaced.push(file.target);
        store.write(journal);
        hooks.afterFileReplaced?.(file.target, index);
        return;
      } catch (err) {
        if (!inUse(err)) throw err;
        atReboot = true;
      }
    }
    mover.atReboot(staged, file.target);
    journal.atReboot.push(file.target);
    store.write(journal);
  });
  const phase = journal.atReboot.length > 0 || journal.companionsAtReboot.length > 0 ? 'rebootPending' : 'replaced';
  store.advance(journal, phase);
  return phase;
}

/** Whether every file of the journal holds the set's content at its live place (checked by SHA-256). */
export function filesInPlace(journal: RestoreJournal): { inPlace: boolean; wrong: string[] } {
  const wrong = journal.files.filter((f) => !matches(f.target, { sha256: f.sha256, size: f.size })).map((f) => f.target);
  return { inPlace: wrong.length === 0, wrong };
}

/** Whether the staged copies scheduled for the restart still wait beside the live files (no restart yet). */
export function rebootStillPending(journal: RestoreJournal): boolean {
  return journal.atReboot.some((t) => fs.existsSync(stagedPathFor(journal, t)));
}

/**
 * Put every live file back as the safety copy has it (files that did not exist are
 * removed) and delete staged `.fcbnew` files. Every file is checked, not only those the
 * journal lists as replaced: the engine may have died between a rename and its record.
 * Before the safety copy is recorded no live file has been changed, so only the staged
 * files go. Returns the targets that had to be changed.
 */
export function restoreSafetyCopy(journal: RestoreJournal): string[] {
  const changed: string[] = [];
  removeStagedFiles(journal);
  if (!journal.safetyCopied) return changed;
  for (const file of journal.files) {
    if (!file.existed) {
      if (fs.existsSync(file.target)) {
        fs.rmSync(file.target, { force: true });
        changed.push(file.target);
      }
      continue;
    }
    if (matches(file.target, { sha256: file.oldSha256, size: file.oldSize })) continue;
    if (!file.safetyCopy || !matches(file.safetyCopy, { sha256: file.oldSha256, size: file.oldSize })) {
      throw new EngineError('RESTORE_FAILED',
        `The safety copy of ${file.target} (${file.safetyCopy ?? 'none'}) is missing or damaged, so the file cannot be rolled back. ` +
        `Restore ${path.basename(file.target)} from a backup with the cluster service stopped.`);
    }
    replaceFileAtomically(file.safetyCopy, file.target, { sha256: file.oldSha256 as string, size: file.oldSize as number });
    changed.push(file.target);
  }
  for (const companion of journal.companions) {
    if (companion.safetyCopy === null || matches(companion.path, { sha256: companion.sha256, size: companion.size })) continue;
    if (!matches(companion.safetyCopy, { sha256: companion.sha256, size: companion.size })) {
      throw new EngineError('RESTORE_FAILED',
        `The safety copy of ${companion.path} (${companion.safetyCopy}) is missing or damaged, so the file cannot be put back. ` +
        `Restore ${path.basename(companion.path)} from a backup with the cluster service stopped.`);
    }
    replaceFileAtomically(companion.safetyCopy, companion.path, { sha256: companion.sha256 as string, size: companion.size as number });
    changed.push(companion.path);
  }
  return changed;
}

/** Remove the safety folder of a finished (or fully rolled back) restore. */
export function removeSafetyCopy(journal: RestoreJournal): void {
  fs.rmSync(journal.safetyDir, { recursive: true, force: true });
  const root = path.dirname(journal.safetyDir);
  try {
    if (fs.readdirSync(root).length === 0) fs.rmdirSync(root);
  } catch {
    // The folder is shared by restores; leaving it empty is harmless.
  }
}
