/**
 * Values: the value list of a key, its vk records, and their data — inline in the vk
 * (4 bytes or fewer), in one data cell, or split over the segments of a big data ("db")
 * record (docs/windows.md, "Registry hive format").
 *
 * Every vk record and everything its data needs is checked when the hive is read, so a
 * damaged hive fails then, with one HiveError. What a value holds is only decoded when a
 * caller asks: a `HiveValue` is the position of its checked vk record, and its name and
 * data are read from the kept cells (cellStore.ts) each time they are asked for. A hive
 * holds hundreds of thousands of values; building a name string and a byte view for each
 * up front, or keeping those a caller asked for, would cost more than reading the hive
 * (bench/README.md, "Reading the figures"), and a caller keeps what it needs itself.
 */
import { NO_CELL, recordKind, signatureOf, type HiveCells } from './cells';
import { chargeName, decodeName } from './names';
import type { RegistryValue } from './types';

const VK_HEADER = 20;
const VALUE_COMP_NAME = 0x0001;
const VK_RECORD = recordKind('vk', VK_HEADER);
/** Bit 31 of a vk's data size: the data (at most 4 bytes) is in the data offset field itself. */
const DATA_INLINE = 0x8000_0000;
/** Data larger than this is stored in a big data record (format 1.4 and later); each segment but the last holds this much. */
export const BIG_DATA_SEGMENT = 16344;
const DB_HEADER = 8;
const DB = signatureOf('db');

/** The values of a key with none (frozen) and the data of an empty value (no bytes to change): one each, shared. */
export const NO_VALUES: readonly RegistryValue[] = Object.freeze([]);
const NO_DATA = new Uint8Array(0);

/** Checks the value list of the key whose nk record starts at `keyAt` and every value in it (see `checkValue`). */
export function checkValues(cells: HiveCells, count: number, listOffset: number, keyAt: number): void {
  if (count === 0) return;
  const list = cells.cell(listOffset, 'the value list', keyAt + 40);
  const listLength = cells.length(list);
  if (count > listLength / 4) cells.fail(list, `the value list holds ${Math.floor(listLength / 4)} entries, the key says ${count}`);
  cells.charge(4 * count, list);
  for (let i = 0; i < count; i++) checkValue(cells, cells.u32(list + 4 * i), list + 4 * i);
}

/** The `count` values of the list at store position `list`, checked by `checkValues`. */
export function valuesOf(cells: HiveCells, count: number, list: number): readonly RegistryValue[] {
  const values: RegistryValue[] = new Array(count);
  // checkValue checked every entry, so each names a whole vk record: its data starts 4 bytes after the cell.
  for (let i = 0; i < count; i++) values[i] = new HiveValue(cells, cells.cellStart(cells.u32(list + 4 * i)));
  return values;
}

/** Everything `HiveValue` will read: the vk record, its name, its data and where they lie. Charges the name and the data. */
function checkValue(cells: HiveCells, offset: number, referencedAt: number): void {
  const vk = cells.record(offset, VK_RECORD, referencedAt);
  const nameLength = cells.u16(vk + 2);
  const vkLength = cells.length(vk);
  if (nameLength > vkLength - VK_HEADER) cells.fail(vk + 2, `the value name's length ${nameLength} runs past its vk record (${vkLength} bytes)`);
  chargeName(cells, vk + VK_HEADER, nameLength, (cells.u16(vk + 16) & VALUE_COMP_NAME) !== 0);
  checkData(cells, vk);
}

function checkData(cells: HiveCells, vkAt: number): void {
  const rawSize = cells.u32(vkAt + 4);
  if (rawSize >= DATA_INLINE) {
    const size = rawSize - DATA_INLINE;
    if (size > 4) cells.fail(vkAt + 4, `inline value data of ${size} bytes (at most 4 fit in a vk record)`);
    return;
  }
  if (rawSize === 0) return;
  cells.charge(rawSize, vkAt + 4);
  const dataOffset = cells.u32(vkAt + 8);
  if (dataOffset === NO_CELL) cells.fail(vkAt + 8, `value data of ${rawSize} bytes has no data cell`);
  const data = cells.cell(dataOffset, 'the value data', vkAt + 8);
  const dataLength = cells.length(data);
  if (dataLength >= rawSize) return;
  // Too large for its cell: only a big data record may hold it.
  if (rawSize > BIG_DATA_SEGMENT && dataLength >= DB_HEADER && cells.signature(data) === DB) {
    checkBigData(cells, data, rawSize);
    return;
  }
  cells.fail(vkAt + 4, `value data of ${rawSize} bytes does not fit its ${dataLength}-byte data cell`);
}

function checkBigData(cells: HiveCells, dbAt: number, size: number): void {
  const segments = cells.u16(dbAt + 2);
  const needed = Math.ceil(size / BIG_DATA_SEGMENT);
  if (segments !== needed) cells.fail(dbAt + 2, `the big data record has ${segments} segments; ${size} bytes need ${needed}`);
  const list = cells.cell(cells.u32(dbAt + 4), 'the big data segment list', dbAt + 4);
  const listLength = cells.length(list);
  if (listLength < 4 * segments) cells.fail(list, `the big data segment list holds ${Math.floor(listLength / 4)} entries, the record says ${segments}`);
  let left = size;
  for (let i = 0; i < segments; i++) {
    const segment = cells.cell(cells.u32(list + 4 * i), `big data segment ${i + 1}`, list + 4 * i);
    const segmentLength = cells.length(segment);
    const take = Math.min(BIG_DATA_SEGMENT, left);
    if (segmentLength < take) cells.fail(segment, `big data segment ${i + 1} holds ${segmentLength} bytes, ${take} are needed`);
    left -= take;
  }
}

/**
 * One value of the tree, read from its vk record (checked by `checkValues`) each time it is asked
 * for. The data of one piece is a view of the kept cells' bytes (not a copy); the data of a big
 * data record is copied together into new bytes.
 */
export class HiveValue implements RegistryValue {
  constructor(private readonly cells: HiveCells, private readonly vk: number) {}

  get name(): string {
    const { cells, vk } = this;
    return decodeName(cells, vk + VK_HEADER, cells.u16(vk + 2), (cells.u16(vk + 16) & VALUE_COMP_NAME) !== 0);
  }

  get type(): number {
    return this.cells.u32(this.vk + 12);
  }

  get data(): Uint8Array {
    const { cells, vk } = this;
    const rawSize = cells.u32(vk + 4);
    if (rawSize >= DATA_INLINE) return rawSize === DATA_INLINE ? NO_DATA : cells.bytesAt(vk + 8, rawSize - DATA_INLINE);
    if (rawSize === 0) return NO_DATA;
    const data = cells.cellStart(cells.u32(vk + 8));
    // checkData found either one cell that holds the data or a big data record with every segment in place.
    return cells.length(data) >= rawSize ? cells.bytesAt(data, rawSize) : bigData(cells, data, rawSize);
  }
}

/** The `size` bytes of the checked big data record at `db`, its segments copied together. */
function bigData(cells: HiveCells, db: number, size: number): Uint8Array {
  const list = cells.cellStart(cells.u32(db + 4));
  const out = new Uint8Array(size);
  for (let filled = 0, i = 0; filled < size; i++) {
    const segment = cells.cellStart(cells.u32(list + 4 * i));
    const take = Math.min(BIG_DATA_SEGMENT, size - filled);
    out.set(cells.bytes.subarray(segment, segment + take), filled);
    filled += take;
  }
  return out;
}
