/**
 * The engine's file primitives that must survive a crash or power loss: hashing,
 * copying while hashing, writing a new file or replacing one atomically, and flushing
 * a folder so that a new name or a rename in it is on disk.
 *
 * Backup sets (backupSet.ts) and the restore (restore journal) use these and nothing
 * of their own, so that "flushed" and "atomic" mean the same thing everywhere.
 * Asynchronous variants serve long copies (cancellable, progress); the synchronous
 * ones serve the restore journal, whose steps must not interleave with other work.
 */
import { createHash } from 'node:crypto';
import fs = require('node:fs');
import fsp = require('node:fs/promises');
import path = require('node:path');
import { CancelledError } from './errors';

/** Suffix of a file staged beside its final name before it is renamed over it. */
export const STAGING_SUFFIX = '.fcbnew';

const CHUNK_BYTES = 1024 * 1024;

export interface HashResult {
  size: number;
  /** Lower-case hex SHA-256. */
  sha256: string;
}

export function sha256OfBytes(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 and size of a file, streamed in 1 MiB chunks, cancellable between chunks. */
export async function hashFile(file: string, signal?: AbortSignal): Promise<HashResult> {
  const handle = await fsp.open(file, 'r');
  try {
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let size = 0;
    for (;;) {
      if (signal?.aborted) throw new CancelledError('Hashing');
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { size, sha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

/** hashFile without yielding to the event loop. */
export function hashFileSync(file: string): HashResult {
  const fd = fs.openSync(file, 'r');
  try {
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let size = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
      size += n;
    }
    return { size, sha256: hash.digest('hex') };
  } finally {
    fs.closeSync(fd);
  }
}

async function writeFully(handle: fsp.FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset, null);
    offset += bytesWritten;
  }
}

function writeFullySync(fd: number, chunk: Buffer): void {
  let offset = 0;
  while (offset < chunk.length) offset += fs.writeSync(fd, chunk, offset, chunk.length - offset);
}

export interface CopyOptions {
  signal?: AbortSignal;
  /** Called after each chunk with the bytes copied so far. */
  onBytes?: (done: number) => void;
}

/**
 * Copies `source` to the new file `target` (which must not exist) while hashing it:
 * one pass, two 1 MiB buffers (the next read overlaps the previous write), then fsync.
 */
export async function copyAndHash(source: string, target: string, options: CopyOptions = {}): Promise<HashResult> {
  const input = await fsp.open(source, 'r');
  try {
    const output = await fsp.open(target, 'wx');
    try {
      const hash = createHash('sha256');
      const buffers = [Buffer.allocUnsafe(CHUNK_BYTES), Buffer.allocUnsafe(CHUNK_BYTES)];
      let pendingWrite: Promise<unknown> = Promise.resolve();
      let size = 0;
      for (let i = 0; ; i ^= 1) {
        if (options.signal?.aborted) {
          await pendingWrite.catch(() => undefined);
          throw new CancelledError('Copying');
        }
        const buffer = buffers[i];
        const { bytesRead } = await input.read(buffer, 0, buffer.length, null);
        await pendingWrite;
        if (bytesRead === 0) break;
        const chunk = buffer.subarray(0, bytesRead);
        hash.update(chunk);
        size += bytesRead;
        pendingWrite = writeFully(output, chunk);
        // It is awaited after the next read; until then a failed write (a full disk) must not
        // count as an unhandled rejection, which would end the process.
        pendingWrite.catch(() => undefined);
        options.onBytes?.(size);
      }
      await output.sync();
      return { size, sha256: hash.digest('hex') };
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}

/** Copies `source` over `target` (created or truncated), flushed, and returns what was read. */
export function copyAndHashSync(source: string, target: string): HashResult {
  const input = fs.openSync(source, 'r');
  try {
    const output = fs.openSync(target, 'w');
    try {
      const hash = createHash('sha256');
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
      let size = 0;
      for (;;) {
        const n = fs.readSync(input, buffer, 0, buffer.length, null);
        if (n === 0) break;
        const chunk = buffer.subarray(0, n);
        hash.update(chunk);
        writeFullySync(output, chunk);
        size += n;
      }
      fs.fsyncSync(output);
      return { size, sha256: hash.digest('hex') };
    } finally {
      fs.closeSync(output);
    }
  } finally {
    fs.closeSync(input);
  }
}

/** Creates `file` (it must not exist) with `data`, flushed to disk. */
export async function writeNewFile(file: string, data: string | Buffer): Promise<HashResult> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const handle = await fsp.open(file, 'wx');
  try {
    await writeFully(handle, bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { size: bytes.length, sha256: sha256OfBytes(bytes) };
}

/** Replaces `file` with `data` atomically: written beside it (`<file>.fcbnew`), flushed, renamed over it, folder flushed. */
export function writeFileAtomicSync(file: string, data: string | Buffer): void {
  const temp = `${file}${STAGING_SUFFIX}`;
  const fd = fs.openSync(temp, 'w');
  try {
    writeFullySync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
  flushDirectorySync(path.dirname(file));
}

/**
 * Flushes a folder so that a new entry or a rename in it is durable. Windows cannot
 * open a folder for FlushFileBuffers from Node and NTFS journals its metadata, so
 * there it is a no-op; some POSIX file systems refuse it, which is ignored (the
 * files themselves were flushed).
 */
export async function flushDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // see above
  } finally {
    await handle?.close();
  }
}

export function flushDirectorySync(dir: string): void {
  if (process.platform === 'win32') return;
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // see flushDirectory
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Windows briefly refuses to rename a folder whose files a scanner has open; retry a few times there. */
export async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fsp.rename(from, to);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (process.platform !== 'win32' || attempt >= 10 || (code !== 'EPERM' && code !== 'EBUSY' && code !== 'EACCES')) throw err;
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
    }
  }
}
