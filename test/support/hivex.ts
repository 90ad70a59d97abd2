/**
 * hivex (Debian python3-hivex, installed by scripts/setup-system.mjs) as an independent
 * reader of the hive files the simulator writes: the tree it lists, in the shape of
 * src/hive/types.ts, with each value's raw type and bytes.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { RegistryKey } from '../../src/hive/types';

const SCRIPT = `
import sys, json, hivex
h = hivex.Hivex(sys.argv[1])
def walk(n):
    values = []
    for v in h.node_values(n):
        t, d = h.value_value(v)
        values.append({"name": h.value_key(v), "type": t, "hex": d.hex()})
    return {"name": h.node_name(n), "values": values, "subkeys": [walk(c) for c in h.node_children(n)]}
sys.setrecursionlimit(10000)
json.dump(walk(h.root()), sys.stdout)
`;

interface RawKey {
  name: string;
  values: { name: string; type: number; hex: string }[];
  subkeys: RawKey[];
}

/** The system Python, which has the hivex module (a pyenv or venv python on PATH may not). */
function python(): string {
  return fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

function convert(raw: RawKey): RegistryKey {
  return {
    name: raw.name,
    values: raw.values.map((v) => ({ name: v.name, type: v.type, data: new Uint8Array(Buffer.from(v.hex, 'hex')) })),
    subkeys: raw.subkeys.map(convert),
  };
}

/** The tree hivex reads from `file`; throws with hivex's message when it cannot open it. */
export function hivexTree(file: string): RegistryKey {
  const r = spawnSync(python(), ['-c', SCRIPT, file], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw new Error(`hivex (python3-hivex) could not be run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`hivex could not read ${file}: ${r.stderr.trim()}`);
  return convert(JSON.parse(r.stdout) as RawKey);
}

