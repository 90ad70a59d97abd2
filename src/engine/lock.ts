/**
 * One backup or restore at a time per machine (design.md §5): a lock file holding the
 * owner's pid. The file is created exclusively (O_EXCL), so of two processes racing
 * for it exactly one wins. A lock whose owner process no longer exists (it crashed or
 * was killed) is stale and is taken over.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineError } from './errors';

export const LOCK_FILE_NAME = 'fcbackup-operation.lock';

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

function readLock(file: string): LockContent | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable';
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockContent>;
    if (typeof parsed.pid !== 'number') return 'unreadable';
    return {
      pid: parsed.pid,
      operation: typeof parsed.operation === 'string' ? parsed.operation : 'operation',
      started: typeof parsed.started === 'string' ? parsed.started : '',
      hostname: typeof parsed.hostname === 'string' ? parsed.hostname : '',
    };
  } catch {
    return 'unreadable';
  }
}

/** The lock folder: FCBACKUP_LOCK_DIR when set (tests, services with their own temp), else the system temp folder. */
export function defaultLockFolder(): string {
  return process.env.FCBACKUP_LOCK_DIR || os.tmpdir();
}

/**
 * Takes the machine-wide operation lock, or fails with EngineError('BUSY') naming the
 * process that holds it. `operation` is recorded in the file for that message.
 */
export async function acquireOperationLock(folder: string = defaultLockFolder(), operation = 'backup or restore'): Promise<OperationLock> {
  fs.mkdirSync(folder, { recursive: true });
  const file = path.join(folder, LOCK_FILE_NAME);
  const content: LockContent = { pid: process.pid, operation, started: new Date().toISOString(), hostname: os.hostname() };
  const text = JSON.stringify(content);

  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      try {
        fs.writeSync(fd, text);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      return makeLock(file, text);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readLock(file);
    if (holder === 'missing') continue; // released between our attempt and the read: try again
    if (holder !== 'unreadable' && isProcessAlive(holder.pid)) {
      const since = holder.started ? ` since ${holder.started}` : '';
      throw new EngineError('BUSY',
        `Another backup or restore is running (pid ${holder.pid}, ${holder.operation}${since}). ` +
        `Wait for it to finish, then try again. If no such operation is running, delete ${file}.`);
    }
    if (holder === 'unreadable') {
      // A half-written file from a process that died between create and write, or garbage.
      // Give a live writer a moment before declaring it stale.
      const age = Date.now() - safeMtime(file);
      if (age < 2000) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
    }
    // Stale: its owner is gone. Remove it and race for the file again.
    try {
      fs.unlinkSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new EngineError('BUSY', `Could not take the operation lock ${file}: it keeps changing hands. Try again.`);
}

function safeMtime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function makeLock(file: string, ownText: string): OperationLock {
  let released = false;
  return {
    path: file,
    async release() {
      if (released) return;
      released = true;
      try {
        // Only remove the file if it is still ours (a stale-lock takeover may have replaced it).
        if (fs.readFileSync(file, 'utf8') === ownText) fs.unlinkSync(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    },
  };
}
