/**
 * The hive bins and the cells in them (docs/windows.md, "Registry hive format"). Every bin
 * and every cell size is checked once when the hive is opened, and the start of every
 * allocated cell is recorded, so that an offset read from the file is used only when it
 * names an allocated cell that lies wholly inside its bin. Everything else in the reader
 * reads through `cell()`.
 */
import { BASE_BLOCK_SIZE, HIVE_BIN_ALIGNMENT } from './baseBlock';
import { HiveError } from './errors';

const HBIN_HEADER_SIZE = 32;
/** "hbin" read as a little-endian dword. */
const HBIN = 0x6e69_6268;
/** Cell offsets that mean "no cell". */
export const NO_CELL = 0xffff_ffff;

/** The two decoders of Node's Buffer used for names (native, one flat string each; not in @types/node). */
interface NameDecoder {
  latin1Slice(start: number, end: number): string;
  ucs2Slice(start: number, end: number): string;
}

/** True where the CPU stores numbers little-endian, as hives do (x64, arm64: every platform VS Code runs on). */
const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * Reads go straight to the bytes (no DataView, no object per cell): this runs once per
 * record of a hive that can hold hundreds of thousands, and its first run is what counts
 * (much of it runs before the JIT has compiled it). Numbers are read as whole 32-bit words
 * of one Int32Array over the bytes: every number a hive stores is at an offset a multiple
 * of its size from a cell's start, and cells start at multiples of 4, so one indexed load
 * replaces four byte loads and their shifts.
 */
export class HiveCells {
  /** The bytes as a Node Buffer (no copy), for decoding names. */
  readonly text: NameDecoder;
  /** Where `bytes` lie, for making views of them (read once: Buffer's getters are not free). */
  private readonly arrayBuffer: ArrayBufferLike;
  private readonly byteOffset: number;
  /** The bytes as little-endian 32-bit words: a view on a little-endian CPU, a decoded copy on another. */
  private readonly words: Int32Array;
  /** One bit per 4-byte slot of the hive bins: an allocated cell starts there. */
  private allocatedStarts: Uint8Array;
  /** One bit per 4-byte slot of the hive bins: the key walk has read the nk record there (cycle check). */
  private visitedKeys: Uint8Array;
  /**
   * What the reader may still produce, in bytes of the file: each list entry, name and
   * data byte is charged. A well-formed hive uses each cell once, so its whole tree fits
   * in the size of its bins; a hive whose cells are shared between keys or values (which
   * could multiply the tree without bound) runs out and is refused.
   */
  private budget: number;

  /**
   * `bytes` must start at a multiple of 4 in its ArrayBuffer (readHive copies it when not) and hold
   * the base block and `hiveBinsSize` bytes of bins (readBaseBlock checked that).
   */
  constructor(readonly bytes: Uint8Array, readonly file: string, readonly hiveBinsSize: number) {
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as NameDecoder;
    this.words = wordsOf(bytes);
    this.arrayBuffer = bytes.buffer;
    this.byteOffset = bytes.byteOffset;
    this.allocatedStarts = new Uint8Array((hiveBinsSize >>> 5) + 1);
    this.visitedKeys = new Uint8Array(this.allocatedStarts.length);
    this.budget = hiveBinsSize;
    this.walkBins();
  }

  fail(offset: number | undefined, reason: string): never {
    throw new HiveError(this.file, offset, reason);
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
    const bit = 1 << ((cellOffset >>> 2) & 7);
    const slot = cellOffset >>> 5;
    if ((this.visitedKeys[slot] & bit) !== 0) return false;
    this.visitedKeys[slot] |= bit;
    return true;
  }

  /** A view (not a copy) of `length` bytes of the file at `at`. */
  bytesAt(at: number, length: number): Uint8Array {
    return new Uint8Array(this.arrayBuffer, this.byteOffset + at, length);
  }

  /** Lets go of what only the walk needs (the bitmaps), once the tree is read; the tree keeps `this` for its lazy parts. */
  finishWalk(): void {
    this.allocatedStarts = EMPTY_BITMAP;
    this.visitedKeys = EMPTY_BITMAP;
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
   * Returns the file offset of the cell's data (after its 4-byte size); `length()` gives its size.
   */
  cell(cellOffset: number, what: string, referencedAt: number): number {
    if (cellOffset === NO_CELL) this.fail(referencedAt, `${what} is missing (offset 0xffffffff)`);
    if (cellOffset % 4 !== 0 || cellOffset >= this.hiveBinsSize || (this.allocatedStarts[cellOffset >>> 5] & (1 << ((cellOffset >>> 2) & 7))) === 0) {
      this.fail(referencedAt, `${what} at cell offset 0x${cellOffset.toString(16)} is not an allocated cell`);
    }
    return BASE_BLOCK_SIZE + cellOffset + 4;
  }

  /** The file offset of the data of the cell at `cellOffset`, which `cell()` has already checked. */
  cellStart(cellOffset: number): number {
    return BASE_BLOCK_SIZE + cellOffset + 4;
  }

  /** Like `cell`, and the cell must be at least `minLength` bytes and begin with the two-letter `sig`. */
  record(cellOffset: number, sig: string, minLength: number, referencedAt: number): number {
    const start = this.cell(cellOffset, RECORD_NAMES[sig] ?? sig, referencedAt);
    // Every cell holds at least 4 bytes (walkCells), so the signature can be read first.
    if (this.signature(start) !== signatureOf(sig)) this.fail(start, `expected the ${sig} record, found ${describeSignature(this.bytes, start)}`);
    const length = this.length(start);
    if (length < minLength) this.fail(start, `the ${sig} record is ${length} bytes, shorter than its ${minLength}-byte header`);
    return start;
  }

  /**
   * Every bin header and every cell size, in one loop over the whole hive rather than a call
   * per bin: it runs once per hive, so it must be optimized early in that one run.
   */
  private walkBins(): void {
    const words = this.words;
    const allocatedStarts = this.allocatedStarts;
    const hiveBinsSize = this.hiveBinsSize;
    let binEnd = 0;
    let offset = 0;
    while (offset < hiveBinsSize) {
      if (offset === binEnd) {
        binEnd = offset + this.binSize(offset);
        offset += HBIN_HEADER_SIZE;
        continue;
      }
      const at = BASE_BLOCK_SIZE + offset;
      const raw = words[at >> 2];
      const size = raw < 0 ? -raw : raw;
      if (size < 8 || (size & 3) !== 0 || size > binEnd - offset) {
        this.fail(at, `a cell of size ${raw} does not fit its hive bin (cells are a multiple of 4 bytes, at least 8, inside one bin)`);
      }
      if (raw < 0) allocatedStarts[offset >>> 5] |= 1 << ((offset >>> 2) & 7);
      offset += size;
    }
  }

  /** Checks the header of the bin at `binOffset` and returns its size. */
  private binSize(binOffset: number): number {
    const at = BASE_BLOCK_SIZE + binOffset;
    if (this.hiveBinsSize - binOffset < HBIN_HEADER_SIZE || this.u32(at) !== HBIN) {
      this.fail(at, `no hive bin ("hbin") where one must start (bin offset 0x${binOffset.toString(16)})`);
    }
    const recorded = this.u32(at + 4);
    if (recorded !== binOffset) this.fail(at + 4, `the hive bin at 0x${binOffset.toString(16)} records its offset as 0x${recorded.toString(16)}`);
    const size = this.u32(at + 8);
    if (size < HIVE_BIN_ALIGNMENT || size % HIVE_BIN_ALIGNMENT !== 0 || size > this.hiveBinsSize - binOffset) {
      this.fail(at + 8, `the hive bin at 0x${binOffset.toString(16)} has size 0x${size.toString(16)}: not a multiple of 4096 that fits in the hive`);
    }
    return size;
  }
}

/** What `cell()` calls a record in an error (made once, not on every read). */
const RECORD_NAMES: Record<string, string> = { nk: 'the nk record', vk: 'the vk record', sk: 'the sk record' };

/** A two-letter signature as `HiveCells.signature` reads it (the first letter in the low byte). */
export function signatureOf(sig: string): number {
  return sig.charCodeAt(0) | (sig.charCodeAt(1) << 8);
}

const EMPTY_BITMAP = new Uint8Array(0);

/** `bytes` as little-endian 32-bit words (its length rounded down to a multiple of 4). */
function wordsOf(bytes: Uint8Array): Int32Array {
  const count = bytes.byteLength >>> 2;
  if (LITTLE_ENDIAN_HOST) return new Int32Array(bytes.buffer, bytes.byteOffset, count);
  const words = new Int32Array(count);
  for (let i = 0; i < count; i++) words[i] = bytes[4 * i] | (bytes[4 * i + 1] << 8) | (bytes[4 * i + 2] << 16) | (bytes[4 * i + 3] << 24);
  return words;
}

function describeSignature(bytes: Uint8Array, at: number): string {
  const a = bytes[at];
  const b = bytes[at + 1];
  const printable = (c: number): boolean => c >= 0x20 && c < 0x7f;
  return printable(a) && printable(b) ? `"${String.fromCharCode(a, b)}"` : `bytes 0x${a.toString(16).padStart(2, '0')}${b.toString(16).padStart(2, '0')}`;
}
