/**
 * The cells of a hive, as the first pass (cellStore.ts) kept them: every bin and every
 * cell size was checked there, and the start of every allocated cell recorded, so that an
 * offset read from the file is used only when it names an allocated cell that lies wholly
 * inside its bin. Everything else in the reader reads through `cell()`, which returns the
 * cell's position in the store; positions are what the reader passes around, and errors
 * name the file offset they came from.
 */
import { BASE_BLOCK_SIZE } from './baseBlock';
import { wordsOf, type CellStore } from './cellStore';
import { HiveError } from './errors';

/** Cell offsets that mean "no cell". */
export const NO_CELL = 0xffff_ffff;

/** The two decoders of Node's Buffer used for names (native, one flat string each; not in @types/node). */
interface NameDecoder {
  latin1Slice(start: number, end: number): string;
  ucs2Slice(start: number, end: number): string;
}

/**
 * Reads go straight to the bytes (no DataView, no object per cell): this runs once per
 * record of a hive that can hold hundreds of thousands, and its first run is what counts
 * (much of it runs before the JIT has compiled it). Numbers are read as whole 32-bit words
 * of one Int32Array over the store: every number a hive stores is at an offset a multiple
 * of its size from a cell's start, and cells are kept at multiples of 4, so one indexed
 * load replaces four byte loads and their shifts.
 */
export class HiveCells {
  /** The store as a Node Buffer, for decoding names. */
  readonly text: NameDecoder;
  /** The store: the base block, then the allocated cells (cellStore.ts). */
  readonly bytes: Uint8Array;
  /** Where `bytes` lie, for making views of them (read once: Buffer's getters are not free). */
  private readonly arrayBuffer: ArrayBufferLike;
  private readonly byteOffset: number;
  /** The store as little-endian 32-bit words: a view on a little-endian CPU, a decoded copy on another. */
  private readonly words: Int32Array;
  private readonly allocatedStarts: Int32Array;
  private readonly cellsBefore: Int32Array;
  private readonly cellPositions: Int32Array;
  private readonly cellCount: number;
  /** One byte per allocated cell: the key walk has read the nk record there (cycle check). */
  private visitedKeys: Uint8Array;
  /**
   * What the reader may still produce, in bytes of the file: each list entry, name and
   * data byte is charged. A well-formed hive uses each cell once, so its whole tree fits
   * in the size of its bins; a hive whose cells are shared between keys or values (which
   * could multiply the tree without bound) runs out and is refused.
   */
  private budget: number;

  constructor(store: CellStore, readonly file: string, readonly hiveBinsSize: number) {
    this.bytes = store.bytes;
    this.text = store.bytes as unknown as NameDecoder;
    this.arrayBuffer = store.bytes.buffer;
    this.byteOffset = store.bytes.byteOffset;
    this.words = wordsOf(store.bytes);
    this.allocatedStarts = store.allocatedStarts;
    this.cellsBefore = store.cellsBefore;
    this.cellPositions = store.cellPositions;
    this.cellCount = store.cellCount;
    this.visitedKeys = new Uint8Array(store.cellCount);
    this.budget = hiveBinsSize;
  }

  /** Throws the HiveError for a problem at store position `at` (named by its file offset). */
  fail(at: number, reason: string): never {
    throw new HiveError(this.file, this.fileOffset(at), reason);
  }

  /** The file offset of store position `at`: the base block is where it is in the file, each cell is where it was. */
  fileOffset(at: number): number {
    if (at < BASE_BLOCK_SIZE) return at;
    // The last cell that starts at or before `at` (positions grow with the cells' order).
    let low = 0;
    let high = this.cellCount - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.cellPositions[mid] <= at) low = mid;
      else high = mid - 1;
    }
    return BASE_BLOCK_SIZE + this.offsetOf(low) + (at - this.cellPositions[low]);
  }

  /** The bin offset of the allocated cell number `ordinal` (in file order): that set bit of the allocation bitmap. */
  private offsetOf(ordinal: number): number {
    // The last bitmap word with no more than `ordinal` cells before it holds the cell's bit.
    let low = 0;
    let high = this.cellsBefore.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.cellsBefore[mid] <= ordinal) low = mid;
      else high = mid - 1;
    }
    let word = this.allocatedStarts[low];
    for (let skip = ordinal - this.cellsBefore[low]; skip > 0; skip--) word &= word - 1;
    return ((low << 5) + (31 - Math.clz32(word & -word))) << 2;
  }

  /** The 16-bit number at `at`, a multiple of 2. */
  u16(at: number): number {
    return (this.words[at >> 2] >>> ((at & 2) << 3)) & 0xffff;
  }

  /** The 32-bit number at `at`, a multiple of 4. */
  u32(at: number): number {
    return this.words[at >> 2] >>> 0;
  }

  i32(at: number): number {
    return this.words[at >> 2];
  }

  /** The two ASCII signature bytes at `at` ("nk", "vk", …; at a multiple of 4) as `signatureOf` gives them. */
  signature(at: number): number {
    return this.words[at >> 2] & 0xffff;
  }

  /** Bytes of data in the cell whose data starts at `start` (a value `cell()` returned): its size less the size field. */
  length(start: number): number {
    return -this.i32(start - 4) - 4;
  }

  /**
   * Marks the key whose nk record is the cell at `cellOffset` (already checked by `cell()`) as read;
   * false when it was read before (the tree has a cycle or a shared subtree).
   */
  firstVisit(cellOffset: number): boolean {
    const ordinal = this.ordinal(cellOffset);
    if (this.visitedKeys[ordinal] !== 0) return false;
    this.visitedKeys[ordinal] = 1;
    return true;
  }

  /** A view (not a copy) of `length` bytes of the file at `at`. */
  bytesAt(at: number, length: number): Uint8Array {
    return new Uint8Array(this.arrayBuffer, this.byteOffset + at, length);
  }

  /** Lets go of what only the walk needs, once the tree is read; the tree keeps `this` for its lazy parts. */
  finishWalk(): void {
    this.visitedKeys = EMPTY;
  }

  /** Charges `bytes` of output against the budget (see `budget`). */
  charge(bytes: number, at: number): void {
    this.budget -= bytes;
    if (this.budget < 0) {
      this.fail(at, 'the hive refers to more data than it holds: cells are shared between keys or values, or sizes are wrong');
    }
  }

  /**
   * The allocated cell at `cellOffset` (relative to the first bin); `what` names it in errors.
   * Returns the store position of the cell's data (after its 4-byte size); `length()` gives its size.
   */
  cell(cellOffset: number, what: string, referencedAt: number): number {
    if (cellOffset === NO_CELL) this.fail(referencedAt, `${what} is missing (offset 0xffffffff)`);
    if (cellOffset % 4 !== 0 || cellOffset >= this.hiveBinsSize || (this.allocatedStarts[cellOffset >>> 7] & (1 << ((cellOffset >>> 2) & 31))) === 0) {
      this.fail(referencedAt, `${what} at cell offset 0x${cellOffset.toString(16)} is not an allocated cell`);
    }
    return this.cellPositions[this.ordinal(cellOffset)] + 4;
  }

  /** The store position of the data of the cell at `cellOffset`, which `cell()` has already checked. */
  cellStart(cellOffset: number): number {
    return this.cellPositions[this.ordinal(cellOffset)] + 4;
  }

  /** The allocated cell at `cellOffset` (checked) as its number in file order: the cells before its 128-byte block, and those in it before it. */
  private ordinal(cellOffset: number): number {
    const word = cellOffset >>> 7;
    return this.cellsBefore[word] + bitsBelow(this.allocatedStarts[word], (cellOffset >>> 2) & 31);
  }

  /** Like `cell`, and the cell must be a record of `kind`: its signature, and at least its header's length. */
  record(cellOffset: number, kind: RecordKind, referencedAt: number): number {
    const start = this.cell(cellOffset, kind.what, referencedAt);
    // Every cell holds at least 4 bytes (walkCells), so the signature can be read first.
    if (this.signature(start) !== kind.signature) this.fail(start, `expected the ${kind.sig} record, found ${describeSignature(this.bytes, start)}`);
    const length = this.length(start);
    if (length < kind.headerLength) this.fail(start, `the ${kind.sig} record is ${length} bytes, shorter than its ${kind.headerLength}-byte header`);
    return start;
  }
}

/** A kind of record (nk, vk, sk) as `HiveCells.record` checks it; made once per kind (recordKind). */
export interface RecordKind {
  readonly sig: string;
  readonly signature: number;
  /** What errors call it: "the nk record". */
  readonly what: string;
  readonly headerLength: number;
}

export function recordKind(sig: string, headerLength: number): RecordKind {
  return { sig, signature: signatureOf(sig), what: `the ${sig} record`, headerLength };
}

/** A two-letter signature as `HiveCells.signature` reads it (the first letter in the low byte). */
export function signatureOf(sig: string): number {
  return sig.charCodeAt(0) | (sig.charCodeAt(1) << 8);
}

const EMPTY = new Uint8Array(0);

/** How many of the bits of `word` below bit `bit` are set. */
function bitsBelow(word: number, bit: number): number {
  let v = bit === 0 ? 0 : word & (-1 >>> (32 - bit));
  v -= (v >>> 1) & 0x5555_5555;
  v = (v & 0x3333_3333) + ((v >>> 2) & 0x3333_3333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f_0f0f, 0x0101_0101) >>> 24);
}

function describeSignature(bytes: Uint8Array, at: number): string {
  const a = bytes[at];
  const b = bytes[at + 1];
  const printable = (c: number): boolean => c >= 0x20 && c < 0x7f;
  return printable(a) && printable(b) ? `"${String.fromCharCode(a, b)}"` : `bytes 0x${a.toString(16).padStart(2, '0')}${b.toString(16).padStart(2, '0')}`;
}
