/**
 * The first pass over a hive: every bin header and every cell size is checked, in file
 * order, as the bins arrive in chunks (one reused read buffer, or the caller's bytes), and
 * only the allocated cells are kept, copied one after another into one compact store.
 * Free cells (a hive holds a lot of them: a third of a hive written by a registry library)
 * are checked by their size field and dropped, bin headers too.
 *
 * Why a copy: a fresh page of memory costs far more the first time it is written than the
 * copy into it, so reading the whole file into memory costs mostly its free space and
 * headers being paged in; the store pages in only what the tree can use. Its pages past
 * the last cell are never touched, so neither they nor the arrays below sized for the
 * worst case cost memory (bench/README.md, "Reading the figures").
 *
 * The store keeps each cell with its size field. The base block is copied to its start, so
 * store positions below 4096 are the base block's own file offsets. Where each cell went is
 * found through the allocation bitmap: one bit per 4-byte slot of the bins, a count of the
 * cells before each 128-byte block, and each cell's store position by its ordinal. (A cell's
 * file offset, for errors, is found the other way: its ordinal's bit in the bitmap.)
 */
import { BASE_BLOCK_SIZE, HIVE_BIN_ALIGNMENT } from './baseBlock';
import { HiveError } from './errors';

const HBIN_HEADER_SIZE = 32;
/** "hbin" read as a little-endian dword. */
const HBIN = 0x6e69_6268;
/** Cells are at least 8 bytes, so a hive holds at most this many per byte of bins. */
const MIN_CELL_SIZE = 8;

/** True where the CPU stores numbers little-endian, as hives do (x64, arm64: every platform VS Code runs on). */
export const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * `bytes` as little-endian 32-bit words (its length rounded down to a multiple of 4): a view where
 * the CPU is little-endian and the bytes start at a multiple of 4 (always, for the reader's own
 * buffers), a decoded copy otherwise.
 */
export function wordsOf(bytes: Uint8Array): Int32Array {
  const count = bytes.byteLength >>> 2;
  if (LITTLE_ENDIAN_HOST && bytes.byteOffset % 4 === 0) return new Int32Array(bytes.buffer, bytes.byteOffset, count);
  const words = new Int32Array(count);
  for (let i = 0; i < count; i++) words[i] = bytes[4 * i] | (bytes[4 * i + 1] << 8) | (bytes[4 * i + 2] << 16) | (bytes[4 * i + 3] << 24);
  return words;
}

/** What the first pass leaves for the reader (see HiveCells). */
export interface CellStore {
  /** The base block, then every allocated cell (size field and data), in file order. */
  readonly bytes: Buffer;
  /** One bit per 4-byte slot of the bins (bit `i & 31` of word `i >>> 5`): an allocated cell starts there. */
  readonly allocatedStarts: Int32Array;
  /** Per word of `allocatedStarts`: the number of allocated cells that start before it. */
  readonly cellsBefore: Int32Array;
  /** Per allocated cell, in file order: where its size field is in `bytes`. */
  readonly cellPositions: Int32Array;
  readonly cellCount: number;
}

/**
 * Takes the bins in order, in chunks whose lengths are multiples of 4096 (the last may be
 * shorter only where the bins end), checks them and copies the allocated cells out. A chunk
 * is not kept: the caller may reuse its memory for the next one.
 */
export class CellStoreBuilder {
  private readonly bytes: Buffer;
  private readonly allocatedStarts: Int32Array;
  private readonly cellsBefore: Int32Array;
  private readonly cellPositions: Int32Array;
  private cellCount = 0;
  /** Words of `cellsBefore` filled so far. */
  private rankedWords = 0;
  /** Where the next cell goes in `bytes`. */
  private fill = BASE_BLOCK_SIZE;
  /** Bin offset of the next chunk's first byte. */
  private chunkStart = 0;
  /** Bin offset of the next cell or bin header to read. */
  private next = 0;
  private binEnd = 0;
  /**
   * What is still to be copied: `copyLeft` bytes from bin offset `copyFrom`. Allocated cells
   * that follow one another are copied together (one copy per run, not per cell); a run may
   * go on into the next chunk.
   */
  private copyFrom = 0;
  private copyLeft = 0;

  constructor(private readonly file: string, private readonly hiveBinsSize: number, baseBlock: Uint8Array) {
    // Sized for the worst case; untouched pages cost nothing (see above).
    this.bytes = Buffer.alloc(BASE_BLOCK_SIZE + hiveBinsSize);
    this.bytes.set(baseBlock.subarray(0, BASE_BLOCK_SIZE));
    const words = (hiveBinsSize >>> 7) + 1;
    this.allocatedStarts = new Int32Array(words);
    this.cellsBefore = new Int32Array(words);
    this.cellPositions = new Int32Array(hiveBinsSize / MIN_CELL_SIZE);
  }

  /** The next `chunk` of the bins (at bin offset `chunkStart`, the end of the previous one). */
  add(chunk: Uint8Array): void {
    const chunkStart = this.chunkStart;
    const chunkEnd = Math.min(chunkStart + chunk.length, this.hiveBinsSize);
    this.chunkStart = chunkEnd;
    // The rest of a run that the previous chunk ended in the middle of.
    if (this.copyLeft > 0) this.copy(chunk, chunkStart, chunkEnd);
    const words = wordsOf(chunk);
    let offset = this.next;
    while (offset < chunkEnd) {
      // Bins start at multiples of 4096 and chunks are multiples of 4096 long: a bin header or a size field is never split.
      if (offset === this.binEnd) {
        if (this.copyLeft > 0) this.copy(chunk, chunkStart, chunkEnd);
        this.binEnd = offset + this.binSize(words, offset - chunkStart, offset);
        offset += HBIN_HEADER_SIZE;
      }
      offset = this.addCells(chunk, words, chunkStart, offset, Math.min(this.binEnd, chunkEnd));
    }
    if (this.copyLeft > 0) this.copy(chunk, chunkStart, chunkEnd);
    this.next = offset;
  }

  /**
   * The cells from bin offset `offset` up to `end` (in one bin and in this chunk); returns where the
   * next cell starts. One call per bin (or per piece of a bin a chunk holds): a loop this short is
   * compiled once its callers have run every path, where one loop over a whole chunk was compiled in
   * the middle of the first chunk and thrown out again at the end of every later one.
   */
  private addCells(chunk: Uint8Array, words: Int32Array, chunkStart: number, offset: number, end: number): number {
    const binEnd = this.binEnd;
    const allocatedStarts = this.allocatedStarts;
    while (offset < end) {
      const at = offset - chunkStart;
      const raw = words[at >> 2];
      const size = raw < 0 ? -raw : raw;
      if (size < MIN_CELL_SIZE || (size & 3) !== 0 || size > binEnd - offset) {
        throw new HiveError(this.file, BASE_BLOCK_SIZE + offset, `a cell of size ${raw} does not fit its hive bin (cells are a multiple of 4 bytes, at least 8, inside one bin)`);
      }
      if (raw < 0) {
        const word = offset >>> 7;
        if (word >= this.rankedWords) this.rankUpTo(word);
        allocatedStarts[word] |= 1 << ((offset >>> 2) & 31);
        // The run so far is copied first when this cell does not follow it; then the cell joins the run.
        if (this.copyLeft > 0 && this.copyFrom + this.copyLeft !== offset) this.copy(chunk, chunkStart, chunkStart + chunk.length);
        this.cellPositions[this.cellCount++] = this.fill + this.copyLeft;
        if (this.copyLeft === 0) this.copyFrom = offset;
        this.copyLeft += size;
      }
      offset += size;
    }
    return offset;
  }

  /** The store, once every bin was added; throws when the bins ended early. */
  finish(): CellStore {
    if (this.chunkStart < this.hiveBinsSize) {
      throw new HiveError(this.file, 40, `the file is truncated: the base block announces ${this.hiveBinsSize} bytes of hive bins, the file holds ${this.chunkStart}`);
    }
    this.rankUpTo(this.allocatedStarts.length - 1);
    return {
      bytes: this.bytes,
      allocatedStarts: this.allocatedStarts,
      cellsBefore: this.cellsBefore,
      cellPositions: this.cellPositions,
      cellCount: this.cellCount,
    };
  }

  /** Copies what this chunk holds of the run being copied (it may go on into the next chunk). */
  private copy(chunk: Uint8Array, chunkStart: number, chunkEnd: number): void {
    const take = Math.min(this.copyLeft, chunkEnd - this.copyFrom);
    // A plain view and TypedArray#set: one memmove, without Buffer#copy's argument handling.
    this.bytes.set(new Uint8Array(chunk.buffer, chunk.byteOffset + this.copyFrom - chunkStart, take), this.fill);
    this.fill += take;
    this.copyFrom += take;
    this.copyLeft -= take;
  }

  /** Fills `cellsBefore` up to and including `word` with the count of cells seen so far. */
  private rankUpTo(word: number): void {
    const count = this.cellCount;
    for (let w = this.rankedWords; w <= word; w++) this.cellsBefore[w] = count;
    this.rankedWords = word + 1;
  }

  /** Checks the header of the bin at `binOffset` (at `at` in `chunk`) and returns its size. */
  private binSize(words: Int32Array, at: number, binOffset: number): number {
    const fileAt = BASE_BLOCK_SIZE + binOffset;
    if (this.hiveBinsSize - binOffset < HBIN_HEADER_SIZE || words[at >> 2] !== HBIN) {
      throw new HiveError(this.file, fileAt, `no hive bin ("hbin") where one must start (bin offset 0x${binOffset.toString(16)})`);
    }
    const recorded = words[(at + 4) >> 2] >>> 0;
    if (recorded !== binOffset) throw new HiveError(this.file, fileAt + 4, `the hive bin at 0x${binOffset.toString(16)} records its offset as 0x${recorded.toString(16)}`);
    const size = words[(at + 8) >> 2] >>> 0;
    if (size < HIVE_BIN_ALIGNMENT || size % HIVE_BIN_ALIGNMENT !== 0 || size > this.hiveBinsSize - binOffset) {
      throw new HiveError(this.file, fileAt + 8, `the hive bin at 0x${binOffset.toString(16)} has size 0x${size.toString(16)}: not a multiple of 4096 that fits in the hive`);
    }
    return size;
  }
}
