/**
 * The base block: the first 4096 bytes of a hive file (docs/windows.md, "Registry hive format").
 * Checked here: the "regf" signature, the checksum, format version 1.x, the file type
 * (a primary file, not a transaction log) and where the hive bins are.
 */
import { HiveError } from './errors';

export const BASE_BLOCK_SIZE = 4096;
/** Hive bins are whole multiples of this. */
export const HIVE_BIN_ALIGNMENT = 4096;
/** Cell offsets are 32-bit and relative to the first bin; no hive is larger than this. */
export const MAX_HIVE_BINS_SIZE = 0x7fff_f000;

export interface BaseBlock {
  /** The two sequence numbers differ: the last write did not finish and the logs were not applied. */
  readonly dirty: boolean;
  readonly minorVersion: number;
  /** The root key's cell offset, relative to the first hive bin. */
  readonly rootCellOffset: number;
  /** The size of the hive bins data that follows the base block. */
  readonly hiveBinsSize: number;
}

/** XOR of the first 127 little-endian dwords, with 0 and 0xFFFFFFFF mapped as Windows does. */
export function baseBlockChecksum(view: DataView): number {
  let sum = 0;
  for (let i = 0; i < 508; i += 4) sum ^= view.getUint32(i, true);
  sum >>>= 0;
  if (sum === 0xffff_ffff) return 0xffff_fffe;
  if (sum === 0) return 1;
  return sum;
}

/** `view` holds at least the base block; `fileLength` is the whole file's (its bins must fit in it). */
export function readBaseBlock(view: DataView, file: string, fileLength: number = view.byteLength): BaseBlock {
  const fail = (offset: number | undefined, reason: string): never => {
    throw new HiveError(file, offset, reason);
  };
  if (view.byteLength < BASE_BLOCK_SIZE) {
    fail(undefined, `is not a registry hive: ${view.byteLength} bytes, shorter than the ${BASE_BLOCK_SIZE}-byte base block`);
  }
  if (view.getUint32(0, false) !== 0x7265_6766) fail(0, 'is not a registry hive: no "regf" signature');
  const stored = view.getUint32(508, true);
  const computed = baseBlockChecksum(view);
  if (stored !== computed) {
    fail(508, `the base block's checksum is 0x${stored.toString(16)}, its contents give 0x${computed.toString(16)}: the header is damaged`);
  }
  const major = view.getUint32(20, true);
  const minorVersion = view.getUint32(24, true);
  if (major !== 1) fail(20, `unsupported hive format version ${major}.${minorVersion} (only 1.x exists)`);
  const fileType = view.getUint32(28, true);
  if (fileType !== 0) fail(28, `is a transaction log or an unknown kind of hive file (file type ${fileType}), not a primary hive file`);
  const rootCellOffset = view.getUint32(36, true);
  const hiveBinsSize = view.getUint32(40, true);
  if (hiveBinsSize === 0 || hiveBinsSize % HIVE_BIN_ALIGNMENT !== 0 || hiveBinsSize > MAX_HIVE_BINS_SIZE) {
    fail(40, `the hive bins data size 0x${hiveBinsSize.toString(16)} is not a positive multiple of ${HIVE_BIN_ALIGNMENT}`);
  }
  if (BASE_BLOCK_SIZE + hiveBinsSize > fileLength) {
    fail(40, `the file is truncated: the base block announces ${hiveBinsSize} bytes of hive bins, the file holds ${fileLength - BASE_BLOCK_SIZE}`);
  }
  return {
    dirty: view.getUint32(4, true) !== view.getUint32(8, true),
    minorVersion,
    rootCellOffset,
    hiveBinsSize,
  };
}
