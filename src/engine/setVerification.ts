/**
 * A set is hashed once per restore. The plan verifies it completely (every file's size and
 * SHA-256) and hands out a token; the restore that presents the token gets the same verified
 * set back without hashing it again, as long as the set on disk still has the same manifest
 * (its bytes hashed: it is small) and every listed file the same size and modification time.
 *
 * Why that is safe: the cheap check only spares the second full read. Every byte the restore
 * writes into the cluster folder is hashed again while it is copied (restoreJournal's staging
 * checks each file against the manifest's SHA-256), and the staged copies are checked once
 * more before they are renamed over the live files — so a file changed between the plan and
 * the restore in a way that keeps its size and time stamp still stops the restore before a
 * live file changes (and it is rolled back). The operation lock is not held between the plan
 * and the restore, so the check cannot rely on it.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MANIFEST_FILE, openBackupSet, resolveInSet, type VerifiedBackupSet } from './backupSet';
import type { OperationContext } from './context';
import type { SetVerification } from '../wire/restore';

interface CachedVerification {
  fingerprint: string;
  set: VerifiedBackupSet;
  verification: SetVerification;
}

/**
 * Verified sets of this engine process by path: one per plan, or every set of a folder the
 * restore pick verified (each entry is the set's manifest, a few KiB).
 */
const verified = new Map<string, CachedVerification>();
const MAX_CACHED = 64;

/** The manifest's hash and each listed file's size and modification time; null when something is missing. */
function fingerprintOf(setPath: string, set: VerifiedBackupSet | null): string | null {
  try {
    const manifestBytes = fs.readFileSync(path.join(setPath, MANIFEST_FILE));
    const hash = createHash('sha256').update(manifestBytes);
    if (set) {
      for (const entry of [...set.manifest.documents, ...set.manifest.files]) {
        const stat = fs.statSync(resolveInSet(setPath, entry.path));
        hash.update(`\n${entry.path}\t${stat.size}\t${stat.mtimeMs}\t${stat.ino}`);
      }
    }
    return hash.digest('hex');
  } catch {
    return null;
  }
}

/** The set at `setPath`, verified completely unless `token` names a verification whose set is unchanged. */
export async function verifySetOnce(setPath: string, token: string | undefined, ctx: OperationContext):
Promise<{ set: VerifiedBackupSet; verification: SetVerification; reused: boolean }> {
  const abs = path.resolve(setPath);
  const cached = verified.get(abs);
  if (token !== undefined && cached && cached.verification.token === token && fingerprintOf(abs, cached.set) === cached.fingerprint) {
    ctx.logger.log('info', `The set ${cached.set.summary.name} is unchanged since it was verified (manifest, sizes and times); ` +
      'each file is checked against its SHA-256 again while it is restored.');
    return { set: cached.set, verification: cached.verification, reused: true };
  }
  ctx.logger.log('info', `Verifying the backup set ${abs}.`);
  const set = await openBackupSet(abs, { signal: ctx.signal });
  const m = set.manifest;
  ctx.logger.log('info', `The set ${set.summary.name} passed verification: ${m.kind}, cluster ${m.cluster.name ?? '(unnamed)'}, ` +
    `node ${m.node}, ${m.time}, ${m.files.length} file(s).`);
  return { set, verification: rememberVerifiedSet(set), reused: false };
}

/**
 * Records a set that was just verified completely (by a plan, or by a verifying listing such
 * as the one the UI's restore pick makes) and returns its verification: a plan or restore
 * that presents the token reuses it while the set is unchanged on disk.
 */
export function rememberVerifiedSet(set: VerifiedBackupSet): SetVerification {
  const abs = path.resolve(set.path);
  const m = set.manifest;
  const fingerprint = fingerprintOf(abs, set) ?? '';
  const verification: SetVerification = {
    files: m.files.length,
    bytes: m.files.reduce((sum, f) => sum + f.size, 0),
    token: createHash('sha256').update(`${abs}\n${fingerprint}\n${Date.now()}\n${Math.random()}`).digest('hex').slice(0, 32),
  };
  verified.delete(abs);
  verified.set(abs, { fingerprint, set, verification });
  while (verified.size > MAX_CACHED) verified.delete(verified.keys().next().value as string);
  return verification;
}
