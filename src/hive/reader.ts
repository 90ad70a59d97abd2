/**
 * The hive reader: a registry hive file (the "regf" format, docs/windows.md "Registry hive
 * format") into a plain tree. Read-only and self-contained: no vscode, no koffi, no
 * native code. It never trusts the file: every offset is checked to name an allocated
 * cell inside its bin, the key walk refuses cycles and depth beyond Windows' limit, and
 * the output is bounded by the file's size, so any input ends in a tree or one HiveError.
 * Transaction logs are not applied: a hive whose last write did not finish is returned
 * as it is, marked `dirty`.
 */
import * as fs from 'node:fs';
import { MAX_HIVE_BINS_SIZE, BASE_BLOCK_SIZE, readBaseBlock } from './baseBlock';
import { HiveCells } from './cells';
import { HiveError } from './errors';
import { readKeyTree } from './keys';
import type { HiveFile } from './types';

export { HiveError } from './errors';

/** The start of the reason of an error the reader did not foresee (tests look for it). */
export const UNEXPECTED = 'the hive reader failed unexpectedly';

/**
 * Reads the hive in `bytes`; `file` names it in the result and in errors. Throws only HiveError:
 * the whole hive is checked here. Names and value data are decoded from `bytes` when first asked
 * for, and value data are views of `bytes` where the hive stores them in one piece: do not change
 * `bytes` afterwards. (`bytes` is copied first when it does not start at a multiple of 4.)
 */
export function readHive(bytes: Uint8Array, file: string): HiveFile {
  try {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const base = readBaseBlock(view, file);
    const cells = new HiveCells(bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes), file, base.hiveBinsSize);
    const root = readKeyTree(cells, base.rootCellOffset);
    cells.finishWalk();
    return { file, dirty: base.dirty, root };
  } catch (err) {
    if (err instanceof HiveError) throw err;
    // Every read is bounds-checked before it is made, so anything else is a bug here; still one error naming the file.
    throw new HiveError(file, undefined, `${UNEXPECTED} (${err instanceof Error ? err.message : String(err)})`);
  }
}

/**
 * Reads the hive file at `path`. Throws only HiveError (a file that cannot be read is one too).
 * The file is read with one read into one buffer of the size it had when opened (no chunks
 * joined, no second copy): the tree's value data are views of that buffer.
 */
export async function readHiveFile(path: string): Promise<HiveFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readWholeFile(path);
  } catch (err) {
    if (err instanceof HiveError) throw err;
    throw new HiveError(path, undefined, fileProblem(err));
  }
  return readHive(bytes, path);
}

async function readWholeFile(path: string): Promise<Uint8Array> {
  const handle = await fs.promises.open(path, 'r');
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new HiveError(path, undefined, 'is not a file');
    if (stat.size > BASE_BLOCK_SIZE + MAX_HIVE_BINS_SIZE) throw new HiveError(path, undefined, `is ${stat.size} bytes, larger than any registry hive`);
    const bytes = Buffer.allocUnsafeSlow(stat.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    // A file that shrank while it was read is parsed as what was read (the base block's sizes are checked against it).
    return filled === bytes.length ? bytes : bytes.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

function fileProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is not a file';
  return `cannot be read: ${err instanceof Error ? err.message : String(err)}`;
}
