/**
 * The hive reader: a registry hive file (the "regf" format, docs/windows.md "Registry hive
 * format") into a plain tree. Read-only and self-contained: no vscode, no koffi, no
 * native code. It never trusts the file: every offset is checked to name an allocated
 * cell inside its bin, the key walk refuses cycles and depth beyond Windows' limit, and
 * the output is bounded by the file's size, so any input ends in a tree or one HiveError.
 * Transaction logs are not applied: a hive whose last write did not finish is returned
 * as it is, marked `dirty`.
 */
import fs = require('node:fs');
import { MAX_HIVE_BINS_SIZE, BASE_BLOCK_SIZE, readBaseBlock } from './baseBlock';
import { HiveCells } from './cells';
import { CellStoreBuilder } from './cellStore';
import { HiveError } from './errors';
import { readKeyTree } from './keys';
import type { HiveFile } from './types';

export { HiveError } from './errors';

/** The start of the reason of an error the reader did not foresee (tests look for it). */
export const UNEXPECTED = 'the hive reader failed unexpectedly';

/** readHiveFile reads the bins through one buffer of this size (a multiple of 4096, see cellStore.ts). */
const CHUNK_SIZE = 1024 * 1024;

/**
 * Reads the hive in `bytes`; `file` names it in the result and in errors. Throws only HiveError:
 * the whole hive is checked here. The allocated cells are copied out of `bytes` (cellStore.ts);
 * names and value data are decoded from that copy when first asked for.
 */
export function readHive(bytes: Uint8Array, file: string): HiveFile {
  return guarded(file, () => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const base = readBaseBlock(view, file, bytes.byteLength);
    const builder = new CellStoreBuilder(file, base.hiveBinsSize, bytes);
    builder.add(Buffer.from(bytes.buffer, bytes.byteOffset + BASE_BLOCK_SIZE, base.hiveBinsSize));
    return walk(builder, file, base.hiveBinsSize, base.rootCellOffset, base.dirty);
  });
}

/**
 * Reads the hive file at `path`. Throws only HiveError (a file that cannot be read is one too).
 * The file is read once, in order, through one reused buffer: only its allocated cells are kept
 * (cellStore.ts explains why). A file that changes while it is read is read as the bytes came.
 */
export async function readHiveFile(path: string): Promise<HiveFile> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(path, 'r');
  } catch (err) {
    throw new HiveError(path, undefined, fileProblem(err));
  }
  try {
    const builder = await readCells(handle, path);
    return guarded(path, () => walk(builder.builder, path, builder.hiveBinsSize, builder.rootCellOffset, builder.dirty));
  } catch (err) {
    if (err instanceof HiveError) throw err;
    throw new HiveError(path, undefined, fileProblem(err));
  } finally {
    await handle.close().catch(() => undefined);
  }
}

interface FileCells {
  builder: CellStoreBuilder;
  hiveBinsSize: number;
  rootCellOffset: number;
  dirty: boolean;
}

/** The base block and the bins of the open file, the bins through the cell store's first pass. */
async function readCells(handle: fs.promises.FileHandle, path: string): Promise<FileCells> {
  const stat = await handle.stat();
  if (!stat.isFile()) throw new HiveError(path, undefined, 'is not a file');
  if (stat.size > BASE_BLOCK_SIZE + MAX_HIVE_BINS_SIZE) throw new HiveError(path, undefined, `is ${stat.size} bytes, larger than any registry hive`);
  const chunk = Buffer.allocUnsafeSlow(Math.min(CHUNK_SIZE, Math.ceil(Math.max(1, stat.size) / BASE_BLOCK_SIZE) * BASE_BLOCK_SIZE));
  const baseLength = await readFully(handle, chunk, BASE_BLOCK_SIZE, 0);
  // The sizes are checked against the file's size when it was opened; a file that shrinks after that ends early (finish()).
  const base = guarded(path, () => readBaseBlock(new DataView(chunk.buffer, chunk.byteOffset, baseLength), path, Math.max(baseLength, stat.size)));
  const builder = guarded(path, () => new CellStoreBuilder(path, base.hiveBinsSize, chunk));
  for (let done = 0; done < base.hiveBinsSize;) {
    const wanted = Math.min(chunk.length, base.hiveBinsSize - done);
    const length = await readFully(handle, chunk, wanted, BASE_BLOCK_SIZE + done);
    // Where the file ended early, its last partial 4096 bytes are not a bin either; finish() reports the truncation.
    const whole = length - (length % BASE_BLOCK_SIZE);
    if (whole > 0) guarded(path, () => builder.add(whole === chunk.length ? chunk : chunk.subarray(0, whole)));
    done += whole;
    if (length < wanted) break;
  }
  return { builder, hiveBinsSize: base.hiveBinsSize, rootCellOffset: base.rootCellOffset, dirty: base.dirty };
}

/** Reads `length` bytes at file `position` into the start of `buffer`, or fewer where the file ends. */
async function readFully(handle: fs.promises.FileHandle, buffer: Buffer, length: number, position: number): Promise<number> {
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

/** The second pass: the key tree over the cells the first pass kept. */
function walk(builder: CellStoreBuilder, file: string, hiveBinsSize: number, rootCellOffset: number, dirty: boolean): HiveFile {
  const cells = new HiveCells(builder.finish(), file, hiveBinsSize);
  const root = readKeyTree(cells, rootCellOffset);
  cells.finishWalk();
  return { file, dirty, root };
}

/** Runs `read`, turning anything but a HiveError into one naming the file: every read is bounds-checked first, so that is a bug here. */
function guarded<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof HiveError) throw err;
    throw new HiveError(file, undefined, `${UNEXPECTED} (${err instanceof Error ? err.message : String(err)})`);
  }
}

function fileProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is not a file';
  return `cannot be read: ${err instanceof Error ? err.message : String(err)}`;
}
