/**
 * Helpers for registry trees (src/hive/types.ts) in tests: a printable form for
 * assert.deepEqual, lookups by path and values decoded by their type. Pure Node.
 */
import type { RegistryKey } from '../../src/hive/types';

/** A tree in a form assert.deepEqual compares readably: data as lowercase hex. */
export function printable(key: RegistryKey): unknown {
  return {
    name: key.name,
    values: key.values.map((v) => ({ name: v.name, type: v.type, data: Buffer.from(v.data).toString('hex') })),
    subkeys: key.subkeys.map(printable),
  };
}

/** The subkey at a backslash-separated path (names compared without regard to case), or undefined. */
export function subkeyAt(key: RegistryKey, path: string): RegistryKey | undefined {
  let at: RegistryKey | undefined = key;
  for (const part of path.split('\\').filter((p) => p !== '')) {
    at = at?.subkeys.find((s) => s.name.toUpperCase() === part.toUpperCase());
  }
  return at;
}

/** A value's data decoded by its type: REG_SZ/EXPAND_SZ a string, REG_MULTI_SZ strings, REG_DWORD a number, else hex. */
export function valueOf(key: RegistryKey | undefined, name: string): string | string[] | number | undefined {
  const v = key?.values.find((x) => x.name.toUpperCase() === name.toUpperCase());
  if (!v) return undefined;
  const b = Buffer.from(v.data);
  if (v.type === 1 || v.type === 2) return b.toString('utf16le').replace(/\0.*$/s, '');
  if (v.type === 7) {
    const parts = b.toString('utf16le').split('\0');
    while (parts.length && parts[parts.length - 1] === '') parts.pop();
    return parts;
  }
  if (v.type === 4 && b.length === 4) return b.readUInt32LE(0);
  return b.toString('hex');
}
