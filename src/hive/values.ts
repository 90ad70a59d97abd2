/**
 * Values: the value list of a key, its vk records, and their data — inline in the vk
 * (4 bytes or fewer), in one data cell, or split over the segments of a big data ("db")
 * record (docs/windows.md, "Registry hive format"). Data in one place is returned as a view
 * of the hive's bytes, not a copy, so the tree costs little beyond the file itself; data
 * in segments is copied together.
 */
import { NO_CELL, signatureOf, type HiveCells } from './cells';
import { readName } from './names';
import type { RegistryValue } from './types';

const VK_HEADER = 20;
const VALUE_COMP_NAME = 0x0001;
/** Bit 31 of a vk's data size: the data (at most 4 bytes) is in the data offset field itself. */
const DATA_INLINE = 0x8000_0000;
/** Data larger than this is stored in a big data record (format 1.4 and later); each segment but the last holds this much. */
export const BIG_DATA_SEGMENT = 16344;
const DB_HEADER = 8;
const DB = signatureOf('db');

/** The values of a key with none (frozen) and the data of an empty value (no bytes to change): one each, shared. */
const NO_VALUES: readonly RegistryValue[] = Object.freeze([]);
const NO_DATA = new Uint8Array(0);

export function readValues(cells: HiveCells, count: number, listOffset: number, keyAt: number): readonly RegistryValue[] {
  if (count === 0) return NO_VALUES;
  const list = cells.cell(listOffset, 'the value list', keyAt + 40);
  const listLength = cells.length(list);
  if (count > listLength / 4) cells.fail(list, `the value list holds ${Math.floor(listLength / 4)} entries, the key says ${count}`);
  cells.charge(4 * count, list);
  const values: RegistryValue[] = new Array(count);
  for (let i = 0; i < count; i++) values[i] = readValue(cells, cells.u32(list + 4 * i), list + 4 * i);
  return values;
}

function readValue(cells: HiveCells, offset: number, referencedAt: number): RegistryValue {
  const vk = cells.record(offset, 'vk', VK_HEADER, referencedAt);
  const nameLength = cells.u16(vk + 2);
  const vkLength = cells.length(vk);
  if (nameLength > vkLength - VK_HEADER) cells.fail(vk + 2, `the value name's length ${nameLength} runs past its vk record (${vkLength} bytes)`);
  const name = readName(cells, vk + VK_HEADER, nameLength, (cells.u16(vk + 16) & VALUE_COMP_NAME) !== 0);
  return { name, type: cells.u32(vk + 12), data: readData(cells, vk) };
}

function readData(cells: HiveCells, vkAt: number): Uint8Array {
  const rawSize = cells.u32(vkAt + 4);
  if (rawSize >= DATA_INLINE) {
    const size = rawSize - DATA_INLINE;
    if (size > 4) cells.fail(vkAt + 4, `inline value data of ${size} bytes (at most 4 fit in a vk record)`);
    return size === 0 ? NO_DATA : cells.bytesAt(vkAt + 8, size);
  }
  if (rawSize === 0) return NO_DATA;
  cells.charge(rawSize, vkAt + 4);
  const dataOffset = cells.u32(vkAt + 8);
  if (dataOffset === NO_CELL) cells.fail(vkAt + 8, `value data of ${rawSize} bytes has no data cell`);
  const data = cells.cell(dataOffset, 'the value data', vkAt + 8);
  const dataLength = cells.length(data);
  if (dataLength >= rawSize) return cells.bytesAt(data, rawSize);
  // Too large for its cell: only a big data record may hold it.
  if (rawSize > BIG_DATA_SEGMENT && dataLength >= DB_HEADER && cells.signature(data) === DB) {
    return readBigData(cells, data, rawSize);
  }
  return cells.fail(vkAt + 4, `value data of ${rawSize} bytes does not fit its ${dataLength}-byte data cell`);
}

function readBigData(cells: HiveCells, dbAt: number, size: number): Uint8Array {
  const segments = cells.u16(dbAt + 2);
  const needed = Math.ceil(size / BIG_DATA_SEGMENT);
  if (segments !== needed) cells.fail(dbAt + 2, `the big data record has ${segments} segments; ${size} bytes need ${needed}`);
  const list = cells.cell(cells.u32(dbAt + 4), 'the big data segment list', dbAt + 4);
  const listLength = cells.length(list);
  if (listLength < 4 * segments) cells.fail(list, `the big data segment list holds ${Math.floor(listLength / 4)} entries, the record says ${segments}`);
  const out = new Uint8Array(size);
  let filled = 0;
  for (let i = 0; i < segments; i++) {
    const segment = cells.cell(cells.u32(list + 4 * i), `big data segment ${i + 1}`, list + 4 * i);
    const segmentLength = cells.length(segment);
    const take = Math.min(BIG_DATA_SEGMENT, size - filled);
    if (segmentLength < take) cells.fail(segment, `big data segment ${i + 1} holds ${segmentLength} bytes, ${take} are needed`);
    out.set(cells.bytes.subarray(segment, segment + take), filled);
    filled += take;
  }
  return out;
}
