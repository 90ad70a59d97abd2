/**
 * The `fcbackup hive FILE --json` document (issue 13 §4):
 *   { "file": PATH, "dirty": BOOLEAN, "root": KEY }
 *   KEY   = { "name": STRING, "values": [ { "name", "type", "data" } ], "subkeys": [ KEY, … ] }
 * in the order stored. TYPE is the REG_* name, or "0x" and lowercase hex for other numbers.
 * DATA: REG_SZ/REG_EXPAND_SZ a string up to the first NUL; REG_MULTI_SZ the strings
 * without the trailing empty ones; REG_DWORD/REG_DWORD_BIG_ENDIAN a number; REG_QWORD a
 * decimal string (it does not fit a JSON number); anything else lowercase hex of the bytes.
 * A DWORD or QWORD whose data is not 4 or 8 bytes is not a number of that kind: it is
 * given as hex, so nothing is lost or invented.
 */
import { RegType, type HiveFile, type RegistryKey, type RegistryValue } from './types';

export type HiveJsonData = string | number | string[];

export interface HiveJsonValue {
  name: string;
  type: string;
  data: HiveJsonData;
}

export interface HiveJsonKey {
  name: string;
  values: HiveJsonValue[];
  subkeys: HiveJsonKey[];
}

export interface HiveJson {
  file: string;
  dirty: boolean;
  root: HiveJsonKey;
}

const TYPE_NAMES = new Map<number, string>(Object.entries(RegType).map(([name, number]) => [number, name]));

/** "REG_SZ", or "0x1f" for a type number without a name. */
export function valueTypeName(type: number): string {
  return TYPE_NAMES.get(type) ?? `0x${(type >>> 0).toString(16)}`;
}

/** UTF-16LE code units of `data` (an odd last byte is not a character and is dropped). */
export function utf16(data: Uint8Array): string {
  const units = data.length >> 1;
  let out = '';
  // In chunks: String.fromCharCode takes its arguments on the stack.
  for (let i = 0; i < units; i += 8192) {
    const chunk = new Array<number>(Math.min(8192, units - i));
    for (let j = 0; j < chunk.length; j++) chunk[j] = data[2 * (i + j)] | (data[2 * (i + j) + 1] << 8);
    out += String.fromCharCode(...chunk);
  }
  return out;
}

export function hex(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex');
}

export function valueData(value: RegistryValue): HiveJsonData {
  const { type, data } = value;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  switch (type) {
    case RegType.REG_SZ:
    case RegType.REG_EXPAND_SZ: {
      const text = utf16(data);
      const nul = text.indexOf('\0');
      return nul < 0 ? text : text.slice(0, nul);
    }
    case RegType.REG_MULTI_SZ: {
      const strings = utf16(data).split('\0');
      while (strings.length > 0 && strings[strings.length - 1] === '') strings.pop();
      return strings;
    }
    case RegType.REG_DWORD:
      return data.length === 4 ? view.getUint32(0, true) : hex(data);
    case RegType.REG_DWORD_BIG_ENDIAN:
      return data.length === 4 ? view.getUint32(0, false) : hex(data);
    case RegType.REG_QWORD:
      return data.length === 8 ? view.getBigUint64(0, true).toString() : hex(data);
    default:
      return hex(data);
  }
}

function keyJson(key: RegistryKey): HiveJsonKey {
  return {
    name: key.name,
    values: key.values.map((v) => ({ name: v.name, type: valueTypeName(v.type), data: valueData(v) })),
    subkeys: key.subkeys.map(keyJson),
  };
}

export function hiveToJson(hive: HiveFile): HiveJson {
  return { file: hive.file, dirty: hive.dirty, root: keyJson(hive.root) };
}
