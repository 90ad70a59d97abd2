/**
 * Registry values as the configuration model uses them: text for display and comparison,
 * and typed reads that say what is odd instead of throwing (a damaged or unusual database
 * is still shown).
 */
import { createHash } from 'node:crypto';
import { RegType, type RegistryKey, type RegistryValue } from '../hive/types';

/** Binary data longer than this is shown by its size and SHA-256 rather than in full. */
const MAX_HEX_BYTES = 64;

const utf16 = new TextDecoder('utf-16le');

/** UTF-16LE text up to the first NUL (an odd trailing byte is ignored). */
export function decodeString(data: Uint8Array): string {
  const even = data.subarray(0, data.length - (data.length % 2));
  const text = utf16.decode(even);
  const nul = text.indexOf('\0');
  return nul < 0 ? text : text.slice(0, nul);
}

/** REG_MULTI_SZ: the strings, without the empty ones at the end. */
export function decodeMultiString(data: Uint8Array): string[] {
  const even = data.subarray(0, data.length - (data.length % 2));
  const parts = utf16.decode(even).split('\0');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function hex(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex');
}

function binaryText(data: Uint8Array): string {
  if (data.length <= MAX_HEX_BYTES) return hex(data);
  const digest = createHash('sha256').update(data).digest('hex');
  return `${data.length} bytes, SHA-256 ${digest.slice(0, 16)}…`;
}

function littleEndianNumber(data: Uint8Array, bytes: 4 | 8): bigint | null {
  if (data.length < bytes) return null;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return bytes === 4 ? BigInt(view.getUint32(0, true)) : view.getBigUint64(0, true);
}

/** The value as one line of text: how it is shown and compared. */
export function valueText(value: RegistryValue): string {
  switch (value.type) {
    case RegType.REG_SZ:
    case RegType.REG_EXPAND_SZ:
    case RegType.REG_LINK:
      return decodeString(value.data);
    case RegType.REG_MULTI_SZ:
      return decodeMultiString(value.data).join(', ');
    case RegType.REG_DWORD: {
      const n = littleEndianNumber(value.data, 4);
      return n === null ? `(short REG_DWORD: ${hex(value.data)})` : n.toString();
    }
    case RegType.REG_DWORD_BIG_ENDIAN:
      return value.data.length < 4 ? `(short REG_DWORD_BIG_ENDIAN: ${hex(value.data)})`
        : new DataView(value.data.buffer, value.data.byteOffset, 4).getUint32(0, false).toString();
    case RegType.REG_QWORD: {
      const n = littleEndianNumber(value.data, 8);
      return n === null ? `(short REG_QWORD: ${hex(value.data)})` : n.toString();
    }
    default:
      return binaryText(value.data);
  }
}

/** Reads the values of one key by name (case-insensitively, as the registry does), noting odd ones. */
export class KeyReader {
  private readonly byName = new Map<string, RegistryValue>();
  private readonly used = new Set<string>();

  constructor(readonly key: RegistryKey, readonly where: string, private readonly problems: string[]) {
    for (const value of key.values) {
      const folded = value.name.toUpperCase();
      if (this.byName.has(folded)) problems.push(`${where}: the value ${JSON.stringify(value.name)} is stored twice; the first is used`);
      else this.byName.set(folded, value);
    }
  }

  private take(name: string): RegistryValue | undefined {
    const folded = name.toUpperCase();
    this.used.add(folded);
    return this.byName.get(folded);
  }

  /** A string value; a value of another type is shown as text and reported. */
  text(name: string, options: { required?: boolean } = {}): string | null {
    const value = this.take(name);
    if (!value) {
      if (options.required) this.problems.push(`${this.where}: no ${name} value`);
      return null;
    }
    if (value.type !== RegType.REG_SZ && value.type !== RegType.REG_EXPAND_SZ) {
      this.problems.push(`${this.where}: ${name} is ${typeName(value.type)}, not REG_SZ`);
    }
    return valueText(value);
  }

  /** A string or a number (REG_SZ, REG_DWORD or REG_QWORD) as text; other types are reported and shown as text. */
  textOrNumber(name: string, options: { required?: boolean } = {}): string | null {
    const value = this.take(name);
    if (!value) {
      if (options.required) this.problems.push(`${this.where}: no ${name} value`);
      return null;
    }
    const fine: number[] = [RegType.REG_SZ, RegType.REG_EXPAND_SZ, RegType.REG_DWORD, RegType.REG_QWORD];
    if (!fine.includes(value.type)) this.problems.push(`${this.where}: ${name} is ${typeName(value.type)}, not a string or a number`);
    return valueText(value);
  }

  /** A REG_DWORD (or REG_QWORD) value; anything else is reported and read as null. */
  number(name: string): number | null {
    const value = this.take(name);
    if (!value) return null;
    if (value.type === RegType.REG_DWORD || value.type === RegType.REG_QWORD) {
      const n = Number(valueText(value));
      if (Number.isSafeInteger(n)) return n;
    }
    this.problems.push(`${this.where}: ${name} is not a number (${typeName(value.type)}, ${valueText(value)})`);
    return null;
  }

  /** A REG_MULTI_SZ list; a REG_SZ is read as a list of one, anything else is reported. */
  list(name: string): string[] {
    const value = this.take(name);
    if (!value) return [];
    if (value.type === RegType.REG_MULTI_SZ) return decodeMultiString(value.data);
    if (value.type === RegType.REG_SZ || value.type === RegType.REG_EXPAND_SZ) {
      const text = decodeString(value.data);
      return text === '' ? [] : [text];
    }
    this.problems.push(`${this.where}: ${name} is ${typeName(value.type)}, not REG_MULTI_SZ`);
    return [];
  }

  /** The values not read above, and the values of subkeys other than `except`, as `Subkey\Value`. */
  rest(except: readonly string[] = []): { name: string; value: string }[] {
    const skip = new Set(except.map((n) => n.toUpperCase()));
    const out: { name: string; value: string }[] = [];
    for (const value of this.key.values) {
      if (!this.used.has(value.name.toUpperCase())) out.push({ name: value.name === '' ? '(default)' : value.name, value: valueText(value) });
    }
    for (const sub of this.key.subkeys) {
      if (!skip.has(sub.name.toUpperCase())) flattenKey(sub, sub.name, out, 0);
    }
    return out;
  }
}

/** Values below a key, flattened as `Path\Value`; bounded in depth (a hive's tree is not trusted). */
export function flattenKey(key: RegistryKey, prefix: string, out: { name: string; value: string }[], depth: number): void {
  if (depth > 16) return;
  for (const value of key.values) out.push({ name: `${prefix}\\${value.name === '' ? '(default)' : value.name}`, value: valueText(value) });
  for (const sub of key.subkeys) flattenKey(sub, `${prefix}\\${sub.name}`, out, depth + 1);
}

export function typeName(type: number): string {
  const known = Object.entries(RegType).find(([, n]) => n === type);
  return known ? known[0] : `0x${type.toString(16)}`;
}
