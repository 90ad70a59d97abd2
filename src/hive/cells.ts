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
/** Cell offsets that mean "no cell". */
export const NO_CELL = 0xffff_ffff;

export interface CellRange {
  /** File offset of the cell's data (after its 4-byte size). */
  readonly start: number;
  /** Bytes of data in the cell (its size less the size field). */
  readonly length: number;
}

/** The two decoders of Node's Buffer used for names (native, one flat string each; not in @types/node). */
interface NameDecoder {
  latin1Slice(start: number, end: number): string;
  ucs2Slice(start: number, end: number): string;
}

export class HiveCells {
  readonly view: DataView;
  /** The bytes as a Node Buffer (no copy), for decoding names. */
  readonly text: NameDecoder;
  /** One bit per 4-byte slot of the hive bins: an allocated cell starts there. */
  private readonly allocatedStarts: Uint8Array;
  /**
   * What the reader may still produce, in bytes of the file: each list entry, name and
   * data byte is charged. A well-formed hive uses each cell once, so its whole tree fits
   * in the size of its bins; a hive whose cells are shared between keys or values (which
   * could multiply the tree without bound) runs out and is refused.
   */
  private budget: number;

  constructor(readonly bytes: Uint8Array, readonly file: string, readonly hiveBinsSize: number) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as NameDecoder;
    this.allocatedStarts = new Uint8Array((hiveBinsSize >>> 5) + 1);
    this.budget = hiveBinsSize;
    this.walkBins();
  }

  fail(offset: number | undefined, reason: string): never {
    throw new HiveError(this.file, offset, reason);
  }

  u16(at: number): number {
    return this.view.getUint16(at, true);
  }

  u32(at: number): number {
    return this.view.getUint32(at, true);
  }

  /** The two ASCII signature bytes at `at` ("nk", "vk", …) as a number, big-endian. */
  signature(at: number): number {
    return this.view.getUint16(at, false);
  }

  /** A view (not a copy) of `length` bytes of the file at `at`. */
  bytesAt(at: number, length: number): Uint8Array {
    return new Uint8Array(this.bytes.buffer, this.bytes.byteOffset + at, length);
  }

  /** Charges `bytes` of output against the budget (see `budget`). */
  charge(bytes: number, at: number): void {
    this.budget -= bytes;
    if (this.budget < 0) {
      this.fail(at, 'the hive refers to more data than it holds: cells are shared between keys or values, or sizes are wrong');
    }
  }

  /** The allocated cell at `cellOffset` (relative to the first bin); `what` names it in errors. */
  cell(cellOffset: number, what: string, referencedAt: number): CellRange {
    if (cellOffset === NO_CELL) this.fail(referencedAt, `${what} is missing (offset 0xffffffff)`);
    if (cellOffset % 4 !== 0 || cellOffset >= this.hiveBinsSize || (this.allocatedStarts[cellOffset >>> 5] & (1 << ((cellOffset >>> 2) & 7))) === 0) {
      this.fail(referencedAt, `${what} at cell offset 0x${cellOffset.toString(16)} is not an allocated cell`);
    }
    const start = BASE_BLOCK_SIZE + cellOffset;
    return { start: start + 4, length: -this.view.getInt32(start, true) - 4 };
  }

  /** Like `cell`, and the cell must be at least `minLength` bytes and begin with the two-letter `sig`. */
  record(cellOffset: number, sig: string, minLength: number, referencedAt: number): CellRange {
    const range = this.cell(cellOffset, RECORD_NAMES[sig] ?? sig, referencedAt);
    // Every cell holds at least 4 bytes (walkCells), so the signature can be read first.
    if (this.signature(range.start) !== signatureOf(sig)) this.fail(range.start, `expected the ${sig} record, found ${describeSignature(this.view, range.start)}`);
    if (range.length < minLength) this.fail(range.start, `the ${sig} record is ${range.length} bytes, shorter than its ${minLength}-byte header`);
    return range;
  }

  private walkBins(): void {
    let binOffset = 0;
    while (binOffset < this.hiveBinsSize) {
      const at = BASE_BLOCK_SIZE + binOffset;
      if (this.hiveBinsSize - binOffset < HBIN_HEADER_SIZE || this.view.getUint32(at, false) !== 0x6862_696e) {
        this.fail(at, `no hive bin ("hbin") where one must start (bin offset 0x${binOffset.toString(16)})`);
      }
      const recorded = this.u32(at + 4);
      if (recorded !== binOffset) this.fail(at + 4, `the hive bin at 0x${binOffset.toString(16)} records its offset as 0x${recorded.toString(16)}`);
      const size = this.u32(at + 8);
      if (size < HIVE_BIN_ALIGNMENT || size % HIVE_BIN_ALIGNMENT !== 0 || size > this.hiveBinsSize - binOffset) {
        this.fail(at + 8, `the hive bin at 0x${binOffset.toString(16)} has size 0x${size.toString(16)}: not a multiple of 4096 that fits in the hive`);
      }
      this.walkCells(binOffset + HBIN_HEADER_SIZE, binOffset + size);
      binOffset += size;
    }
  }

  private walkCells(from: number, binEnd: number): void {
    let offset = from;
    while (offset < binEnd) {
      const raw = this.view.getInt32(BASE_BLOCK_SIZE + offset, true);
      const size = Math.abs(raw);
      if (size < 8 || size % 4 !== 0 || size > binEnd - offset) {
        this.fail(BASE_BLOCK_SIZE + offset, `a cell of size ${raw} does not fit its hive bin (cells are a multiple of 4 bytes, at least 8, inside one bin)`);
      }
      if (raw < 0) this.allocatedStarts[offset >>> 5] |= 1 << ((offset >>> 2) & 7);
      offset += size;
    }
  }
}

/** What `cell()` calls a record in an error (made once, not on every read). */
const RECORD_NAMES: Record<string, string> = { nk: 'the nk record', vk: 'the vk record', sk: 'the sk record' };

export function signatureOf(sig: string): number {
  return (sig.charCodeAt(0) << 8) | sig.charCodeAt(1);
}

function describeSignature(view: DataView, at: number): string {
  const a = view.getUint8(at);
  const b = view.getUint8(at + 1);
  const printable = (c: number): boolean => c >= 0x20 && c < 0x7f;
  return printable(a) && printable(b) ? `"${String.fromCharCode(a, b)}"` : `bytes 0x${a.toString(16).padStart(2, '0')}${b.toString(16).padStart(2, '0')}`;
}
