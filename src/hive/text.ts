/**
 * A hive tree for a person (`fcbackup hive FILE`): one line per key, `[name]`, indented two
 * spaces per level, and under it one line per value, `name = TYPE data`. Control
 * characters and the invisible characters that reorder text are shown as escapes
 * (\n, \x1b, \u202e) so that what a hive holds cannot rewrite the terminal or hide text;
 * long binary data is cut (the JSON form has it all).
 */
import { hex, valueData, valueTypeName } from './json';
import { RegType, type HiveFile, type RegistryKey, type RegistryValue } from './types';

const BINARY_SHOWN = 64;
// eslint-disable-next-line no-control-regex -- finding control characters is what this is for
const SPECIAL = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\\"]/g;

function escapeChar(c: string, quote: boolean): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };
  if (c === '"') return quote ? '\\"' : c;
  if (named[c]) return named[c];
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** A name as shown: control and reordering characters (and the backslash, which starts an escape) escaped. */
export function escapeName(text: string): string {
  return text.replace(SPECIAL, (c) => escapeChar(c, false));
}

/** A string as shown: in double quotes, with quotes, backslashes and control characters escaped. */
export function quote(text: string): string {
  return `"${text.replace(SPECIAL, (c) => escapeChar(c, true))}"`;
}

function dataText(value: RegistryValue): string {
  const data = valueData(value);
  if (Array.isArray(data)) return `[${data.map(quote).join(', ')}]`;
  if (typeof data === 'number') return `${data} (0x${data.toString(16).padStart(8, '0')})`;
  if (value.type === RegType.REG_SZ || value.type === RegType.REG_EXPAND_SZ) return quote(data);
  if (value.type === RegType.REG_QWORD && value.data.length === 8) return `${data} (0x${BigInt(data).toString(16).padStart(16, '0')})`;
  if (value.data.length === 0) return '(no data)';
  if (value.data.length <= BINARY_SHOWN) return data;
  return `${hex(value.data.subarray(0, BINARY_SHOWN))}… (${value.data.length} bytes)`;
}

function keyLines(key: RegistryKey, indent: string, out: string[]): void {
  out.push(`${indent}[${escapeName(key.name)}]`);
  const inner = `${indent}  `;
  for (const value of key.values) {
    out.push(`${inner}${value.name === '' ? '(default)' : escapeName(value.name)} = ${valueTypeName(value.type)} ${dataText(value)}`);
  }
  for (const subkey of key.subkeys) keyLines(subkey, inner, out);
}

export function hiveText(hive: HiveFile): string {
  const out = [
    `${escapeName(hive.file)}${hive.dirty ? ' (dirty: its last write did not finish; the transaction logs were not applied, so this is the tree before that write)' : ''}`,
  ];
  keyLines(hive.root, '', out);
  return out.join('\n');
}
