/**
 * hivex (Debian libhivex-bin, libwin-hivex-perl, python3-hivex; installed by
 * scripts/setup-system.mjs) as the independent writer and reader the hive reader is
 * checked against:
 * - `hivexHive` makes a hive the way an administrator's .reg import would: it starts
 *   from an empty hive (hivex cannot create one; test/support/hiveBuilder.ts makes it:
 *   a base block, one bin, a root key and its security record) and merges a .reg file
 *   into it with `hivexregedit --merge`, which writes through the hivex library;
 * - `hivexTree` walks any hive with the hivex library (test/support/hivex-walk.py).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildHive } from './hiveBuilder';
import type { RegistryKey } from '../../src/hive/types';
import { projectRoot } from './sim';

/** The system Python: the Debian python3-hivex module is installed for it, not for any other Python on PATH. */
const PYTHON = '/usr/bin/python3';
const WALKER = path.join(projectRoot, 'test', 'support', 'hivex-walk.py');

export interface HivexValue {
  name: string;
  type: number;
  /** Lowercase hex. */
  data: string;
}

export interface HivexKey {
  name: string;
  values: HivexValue[];
  subkeys: HivexKey[];
}

function run(cmd: string, args: string[], what: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 300_000 });
  if (r.error) throw new Error(`${what}: cannot run ${cmd} (${r.error.message}); install the hivex tools with "node scripts/setup-system.mjs"`);
  if (r.status !== 0) throw new Error(`${what}: ${cmd} exited with ${r.status ?? r.signal}: ${r.stderr.trim().slice(-1000)}`);
  return r.stdout;
}

/** The tree hivex reads from the hive at `file`. */
export function hivexTree(file: string): HivexKey {
  return JSON.parse(run(PYTHON, [WALKER, file], `hivex walking ${file}`)) as HivexKey;
}

/** The tree hivex reads from `file`, in the shape of src/hive/types.ts (each value's raw type and bytes). */
export function hivexRegistryTree(file: string): RegistryKey {
  const convert = (key: HivexKey): RegistryKey => ({
    name: key.name,
    values: key.values.map((v) => ({ name: v.name, type: v.type, data: new Uint8Array(Buffer.from(v.data, 'hex')) })),
    subkeys: key.subkeys.map(convert),
  });
  return convert(hivexTree(file));
}

/** Writes to `file` the empty hive with `regText` (a regedit 5.00 file) merged in by hivexregedit. */
export function hivexHive(file: string, regText: string, rootName = 'ROOT'): Buffer {
  fs.writeFileSync(file, buildHive({ name: rootName }));
  const regFile = `${file}.reg`;
  fs.writeFileSync(regFile, `Windows Registry Editor Version 5.00\n\n${regText}`);
  run('hivexregedit', ['--merge', file, regFile], `hivexregedit --merge ${regFile}`);
  return fs.readFileSync(file);
}

/** A .reg `hex(N):` line for any type and bytes. */
export function regHexValue(name: string, type: number, data: Uint8Array): string {
  const key = name === '' ? '@' : `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return `${key}=hex(${type.toString(16)}):${Array.from(data, (b) => b.toString(16).padStart(2, '0')).join(',')}`;
}

/** Counts of allocated cells by their two-letter signature (nk, vk, lh, ri, db, …) and "nk-utf16" for UTF-16 key names. */
export function cellKinds(hive: Uint8Array): Record<string, number> {
  const b = Buffer.from(hive.buffer, hive.byteOffset, hive.byteLength);
  const counts: Record<string, number> = {};
  const end = 4096 + b.readUInt32LE(40);
  for (let bin = 4096; bin < end; bin += b.readUInt32LE(bin + 8)) {
    for (let cell = bin + 32; cell < bin + b.readUInt32LE(bin + 8); cell += Math.abs(b.readInt32LE(cell))) {
      if (b.readInt32LE(cell) > 0) continue;
      const sig = b.toString('latin1', cell + 4, cell + 6);
      if (!/^(nk|vk|sk|li|lf|lh|ri|db)$/.test(sig)) continue;
      counts[sig] = (counts[sig] ?? 0) + 1;
      if (sig === 'nk' && (b.readUInt16LE(cell + 6) & 0x20) === 0) counts['nk-utf16'] = (counts['nk-utf16'] ?? 0) + 1;
    }
  }
  return counts;
}
