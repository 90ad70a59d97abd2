/**
 * Runs a backup or a restore against the simulator with its target on a small file system
 * (enospc.test.ts mounts it) and prints one JSON line: the outcome, every file left in the
 * folder that filled up, with its SHA-256, and that folder's file system (type and size) —
 * the parent cannot look there itself, since the mount lives only in this process's mount
 * namespace.
 *   node enospc-child.js backup  SCENARIO DESTINATION LOCK_FOLDER
 *   node enospc-child.js restore SCENARIO CLUSDB_FOLDER LOCK_FOLDER SET
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { backupCluster } from '../../src/engine/backup';
import { makeContext } from '../../src/engine/context';
import { EngineError } from '../../src/engine/errors';
import { restoreCluster } from '../../src/engine/restore';
import { useScenario } from '../support/sim';

const [mode, scenario, folder, lockFolder, set] = process.argv.slice(2);

function filesUnder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(e.parentPath, e.name);
    const rel = path.relative(dir, full);
    out[rel] = e.isFile() ? createHash('sha256').update(fs.readFileSync(full)).digest('hex') : 'folder';
  }
  return out;
}

async function main(): Promise<void> {
  useScenario(scenario);
  const options = { lockFolder, pollIntervalMs: { min: 1, max: 4 } };
  let outcome: { ok: boolean; engineCode?: string | null; message?: string; result?: unknown };
  try {
    const result = mode === 'backup'
      ? await backupCluster({ destination: folder }, makeContext(), options)
      : await restoreCluster({ set, authoritative: false, stopOtherNodes: false }, makeContext(), options);
    outcome = { ok: true, result };
  } catch (err) {
    outcome = { ok: false, engineCode: err instanceof EngineError ? err.code : null, message: (err as Error).message };
  }
  // The file system the folder is on, so that the test can tell it really was the small tmpfs.
  const disk = fs.statfsSync(folder);
  process.stdout.write(`${JSON.stringify({ ...outcome, files: filesUnder(folder), disk: { type: disk.type, bytes: disk.blocks * disk.bsize } })}\n`);
}

main().catch((err: unknown) => {
  process.stdout.write(`${JSON.stringify({ ok: false, crashed: String((err as Error).stack ?? err) })}\n`);
});
