/**
 * One operation at a time per machine (a backup, a restore, the deletion of a backup set):
 * a lock file naming its owner.
 *
 * Where: on Windows `%ProgramData%\FailoverClusterBackup\lock` (FOLDERID_ProgramData,
 * the same folder for every account: a backup that Task Scheduler runs as SYSTEM and
 * one an administrator starts exclude each other; the user's temp folder would not).
 * Elsewhere (the simulator) `/tmp/fcbackup-lock`. FCBACKUP_LOCK_DIR overrides both
 * (tests). The README says where it is ("Checking sets anywhere").
 *
 * How:
 * - Taking: the owner record (pid, a random token…) is written to a private file and
 *   hard-linked to the lock name. link() fails when the name exists, so of any number of
 *   racers exactly one gets the name, and the lock is never seen half-written.
 * - A lock whose owner process no longer runs is stale. It may be removed only by the
 *   process that first creates `<lock>.takeover-<digest of the stale record>` (created
 *   the same exclusive way). No one else removes a lock with that record, so reading it
 *   again and then removing it cannot remove a newer owner's lock. The remover then
 *   races for the lock like everyone else. A takeover file left by a process that died
 *   is itself stale and is taken over the same way.
 * - Release removes the lock only while it still holds our token: nobody else removes a
 *   live owner's lock.
 */
import { randomBytes } from 'node:crypto';
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import { sha256OfBytes } from './durableFile';
import { EngineError } from './errors';
import { protectPath } from './protection';

export const LOCK_FILE_NAME = 'fcbackup-operation.lock';
const TAKEOVER_INFIX = '.takeover-';
const PRIVATE_INFIX = '.candidate-';
/** Bounds the takeover of takeovers: each level needs a process to die inside a few system calls. */
const MAX_TAKEOVER_DEPTH = 4;
const MAX_ATTEMPTS = 50;

/** What a backup set's deletion records as its operation (the message others get names it). */
export const SET_DELETION_OPERATION = 'backup set deletion';

/** The live process that holds the lock, as its record names it. */
export interface LockHolder {
  pid: number;
  /** What it does ('backup', 'authoritative restore', SET_DELETION_OPERATION…). */
  operation: string;
  /** When it took the lock (ISO 8601), or '' when the record does not say. */
  started: string;
}

/** The lock is held by a live process: `holder` says which, for a caller that words its own refusal. */
export class OperationBusyError extends EngineError {
  readonly holder: LockHolder;
  constructor(holder: LockHolder, file: string) {
    const running = holder.operation === SET_DELETION_OPERATION ? 'A backup set is being deleted' : 'Another backup or restore is running';
    super('BUSY', `${running} (pid ${holder.pid}, ${holder.operation}${holder.started ? ` since ${holder.started}` : ''}). ` +
      `Wait for it to finish, then try again. If no such operation is running, delete ${file}.`);
    this.holder = holder;
  }
}

export interface OperationLock {
  /** The lock file. */
  readonly path: string;
  /** Removes the lock file (only if it is still ours). Safe to call more than once. */
  release(): Promise<void>;
}

interface LockContent {
  pid: number;
  operation: string;
  started: string;
  hostname: string;
  token: string;
}

/** Whether a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The machine-wide lock folder: FCBACKUP_LOCK_DIR when set; on Windows
 * `%ProgramData%\FailoverClusterBackup\lock` (ProgramData, else ALLUSERSPROFILE, else
 * `%SystemDrive%\ProgramData`, the documented default of FOLDERID_ProgramData);
 * elsewhere `/tmp/fcbackup-lock`.
 */
export function defaultLockFolder(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const override = env.FCBACKUP_LOCK_DIR;
  if (override && override.trim() !== '') return override;
  if (platform === 'win32') {
    const programData = env.ProgramData || env.PROGRAMDATA || env.ALLUSERSPROFILE || `${env.SystemDrive || 'C:'}\\ProgramData`;
    return path.win32.join(programData, 'FailoverClusterBackup', 'lock');
  }
  return path.posix.join('/tmp', 'fcbackup-lock');
}

type Record_ = { text: string; content: LockContent | null };

/**
 * ENOENT, or on Windows a file whose deletion is pending (it stays visible, and cannot be
 * opened or created, until the last handle to it closes: EPERM/EACCES).
 */
function isGoneOrGoing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || (process.platform === 'win32' && (code === 'EPERM' || code === 'EACCES'));
}

/** The lock record at `file`: its raw text and, when well-formed, its content; null when there is no file. */
function readRecord(file: string): Record_ | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (isGoneOrGoing(err)) return null;
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockContent>;
    if (typeof parsed.pid !== 'number') return { text, content: null };
    return {
      text,
      content: {
        pid: parsed.pid,
        operation: typeof parsed.operation === 'string' ? parsed.operation : 'operation',
        started: typeof parsed.started === 'string' ? parsed.started : '',
        hostname: typeof parsed.hostname === 'string' ? parsed.hostname : '',
        token: typeof parsed.token === 'string' ? parsed.token : '',
      },
    };
  } catch {
    return { text, content: null };
  }
}

/**
 * Creates `file` holding `text`, atomically and exclusively: written and flushed under a
 * private name, then hard-linked to `file` (EEXIST when it exists). Returns false when
 * someone else has the name.
 */
function createExclusive(file: string, text: string): boolean {
  const candidate = `${file}${PRIVATE_INFIX}${process.pid}-${randomBytes(6).toString('hex')}`;
  const fd = fs.openSync(candidate, 'wx');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(candidate, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST' || isGoneOrGoing(err)) return false;
    throw err;
  } finally {
    fs.rmSync(candidate, { force: true });
  }
}

function ownerText(operation: string): { text: string; token: string } {
  const token = randomBytes(16).toString('hex');
  const content: LockContent = { pid: process.pid, operation, started: new Date().toISOString(), hostname: os.hostname(), token };
  return { text: JSON.stringify(content), token };
}

/** A well-formed record of a process that runs: the lock is held. Anything else (a dead owner, garbage) is stale. */
function isLive(record: Record_): boolean {
  return record.content !== null && isProcessAlive(record.content.pid);
}

type StaleOutcome = 'removed' | 'busy';

/**
 * Removes the stale lock `file` whose record was `seen`, if it still is that record.
 * 'busy' when another process is taking it over right now (the caller tries again).
 */
function removeStale(file: string, seen: Record_, depth: number): StaleOutcome {
  if (depth > MAX_TAKEOVER_DEPTH) return 'busy';
  const guard = `${file}${TAKEOVER_INFIX}${sha256OfBytes(seen.text).slice(0, 32)}`;
  const mine = ownerText('lock takeover');
  let held = false;
  for (let attempt = 0; attempt < MAX_ATTEMPTS && !held; attempt++) {
    held = createExclusive(guard, mine.text);
    if (held) break;
    const other = readRecord(guard);
    if (other === null) continue; // finished between our attempt and the read
    if (isLive(other)) return 'busy';
    if (removeStale(guard, other, depth + 1) === 'busy') return 'busy';
  }
  if (!held) return 'busy';
  try {
    // We hold the guard: only we may remove a lock holding exactly `seen`.
    const now = readRecord(file);
    if (now !== null && now.text === seen.text) fs.rmSync(file, { force: true });
    return 'removed';
  } finally {
    const stillOurs = readRecord(guard);
    if (stillOurs?.content?.token === mine.token) fs.rmSync(guard, { force: true });
  }
}

/**
 * Takes the machine-wide operation lock, or fails with OperationBusyError (code BUSY)
 * naming the process that holds it. `operation` is recorded in the file for that message.
 */
export async function acquireOperationLock(folder: string = defaultLockFolder(), operation = 'backup or restore'): Promise<OperationLock> {
  try {
    fs.mkdirSync(folder, { recursive: true });
    protectPath(folder, 'folder');
  } catch (err) {
    throw new EngineError('BAD_ARGUMENT',
      `Cannot create the operation lock folder ${folder} (${(err as NodeJS.ErrnoException).code ?? String(err)}). ` +
      'Run as administrator, or set FCBACKUP_LOCK_DIR to a folder every account that runs backups can write to.', { cause: err });
  }
  const file = path.join(folder, LOCK_FILE_NAME);
  const mine = ownerText(operation);

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (createExclusive(file, mine.text)) return makeLock(file, mine.token);
    const holder = readRecord(file);
    if (holder === null) continue; // released between our attempt and the read: try again
    if (isLive(holder)) {
      const { pid, operation: what, started } = holder.content!;
      throw new OperationBusyError({ pid, operation: what, started }, file);
    }
    if (removeStale(file, holder, 0) === 'busy') await new Promise((r) => setImmediate(r));
  }
  throw new EngineError('BUSY', `Could not take the operation lock ${file}: it keeps changing hands. Try again.`);
}

function makeLock(file: string, token: string): OperationLock {
  let released = false;
  return {
    path: file,
    async release() {
      if (released) return;
      released = true;
      // Only remove the file if it is still ours. No one else removes a live owner's lock,
      // so it cannot change between this read and the removal.
      if (readRecord(file)?.content?.token === token) fs.rmSync(file, { force: true });
    },
  };
}
