/**
 * Verification results remembered per set, so a set is hashed at most once while it stays
 * unchanged on disk.
 *
 * - The restore pick lists a folder with verification (validateRemembered): a set whose
 *   fingerprint is the one it had when it was last hashed gets that result back (passed or
 *   damaged) without being read again; a second pick of the same folder hashes nothing.
 * - The plan verifies the set completely (every file's size and SHA-256) and hands out a
 *   token; the plan or restore that presents the token gets the same verified set back
 *   without hashing it again, while the fingerprint is unchanged (verifySetOnce).
 *
 * The fingerprint is the manifest's SHA-256 (its bytes are hashed: it is small) and, for
 * every entry in the set's folder, its name, type, size, modification and change times and
 * file id: a file rewritten, replaced, added, removed, renamed or given other attributes
 * changes it. A result is remembered only when the fingerprint read before the hashing
 * equals the one read after it (nothing changed while it was read), and never for a set
 * that could not be read completely (a sharing violation or a denied read passes).
 *
 * Why that is safe for a restore: the cheap check only spares the second full read. Every
 * byte the restore writes into the cluster folder is hashed again while it is copied
 * (restoreJournal's staging checks each file against the manifest's SHA-256), and the staged
 * copies are checked once more before they are renamed over the live files — so a file
 * changed in a way that keeps its size and times still stops the restore before a live file
 * changes (and it is rolled back). The operation lock is not held between the pick, the plan
 * and the restore, so the check cannot rely on it.
 */
import { createHash } from 'node:crypto';
import fsp = require('node:fs/promises');
import path = require('node:path');
import { MANIFEST_FILE, openBackupSet, validateBackupSet, verifiedSet, type ValidatedSet, type VerifiedBackupSet } from './backupSet';
import type { Logger, OperationContext } from './context';
import type { SetVerification } from '../wire/restore';

interface RememberedResult {
  fingerprint: string;
  /** The validation's result (a damaged set is remembered too: it stays damaged while unchanged). */
  result: ValidatedSet;
  /** For a set that passed: the verification a plan or restore may present. */
  verified?: { set: VerifiedBackupSet; verification: SetVerification };
}

/** Results of this engine process by the set's absolute path (each entry is the set's manifest, a few KiB). */
const remembered = new Map<string, RememberedResult>();
const MAX_REMEMBERED = 256;

/** The set's fingerprint (see the module comment); null when it cannot be read. */
export async function setFingerprint(setPath: string): Promise<string | null> {
  try {
    const hash = createHash('sha256').update(await fsp.readFile(path.join(setPath, MANIFEST_FILE)));
    const pending = [''];
    for (let rel = pending.pop(); rel !== undefined; rel = pending.pop()) {
      const dir = path.join(setPath, rel);
      const names = (await fsp.readdir(dir)).sort();
      for (const name of names) {
        const childRel = rel ? `${rel}/${name}` : name;
        const s = await fsp.lstat(path.join(dir, name), { bigint: true });
        const type = s.isDirectory() ? 'd' : s.isFile() ? 'f' : 'o';
        hash.update(`\n${childRel}\t${type}\t${s.size}\t${s.mtimeNs}\t${s.ctimeNs}\t${s.ino}`);
        if (type === 'd') pending.push(childRel);
      }
    }
    return hash.digest('hex');
  } catch {
    return null;
  }
}

function remember(abs: string, entry: RememberedResult): void {
  remembered.delete(abs);
  remembered.set(abs, entry);
  while (remembered.size > MAX_REMEMBERED) remembered.delete(remembered.keys().next().value as string);
}

function newVerification(set: VerifiedBackupSet, fingerprint: string): SetVerification {
  const m = set.manifest;
  return {
    files: m.files.length,
    bytes: m.files.reduce((sum, f) => sum + f.size, 0),
    token: createHash('sha256').update(`${set.path}\n${fingerprint}\n${Date.now()}\n${Math.random()}`).digest('hex').slice(0, 32),
  };
}

/** Records a result hashed between two equal fingerprint reads; returns the verification of a set that passed. */
function recordResult(abs: string, before: string | null, after: string | null, result: ValidatedSet): RememberedResult['verified'] {
  const set = result.manifest ? verifiedSet({ ...result, manifest: result.manifest }) : null;
  const verified = set ? { set, verification: newVerification(set, after ?? '') } : undefined;
  if (before !== null && before === after && result.readFailed !== true) remember(abs, { fingerprint: before, result, verified });
  else remembered.delete(abs);
  return verified;
}

/**
 * The set's validation for a verifying listing (the restore pick): the remembered result
 * while the set is unchanged, else a full validation (which is then remembered). A set that
 * passed carries the token a plan may present.
 */
export async function validateRemembered(setPath: string, signal?: AbortSignal, logger?: Logger):
Promise<{ result: ValidatedSet; token?: string; reused: boolean }> {
  const abs = path.resolve(setPath);
  const before = await setFingerprint(abs);
  const cached = remembered.get(abs);
  if (cached && before !== null && cached.fingerprint === before) {
    logger?.log('debug', `The backup set ${abs} is unchanged since it was verified (manifest, sizes, times and file ids); its result is reused.`);
    return { result: cached.result, token: cached.verified?.verification.token, reused: true };
  }
  logger?.log('debug', `Hashing the backup set ${abs}.`);
  const result = await validateBackupSet(abs, signal);
  const verified = recordResult(abs, before, await setFingerprint(abs), result);
  return { result, token: verified?.verification.token, reused: false };
}

/** The set at `setPath`, verified completely unless `token` names a verification whose set is unchanged. */
export async function verifySetOnce(setPath: string, token: string | undefined, ctx: OperationContext):
Promise<{ set: VerifiedBackupSet; verification: SetVerification; reused: boolean }> {
  const abs = path.resolve(setPath);
  const cached = remembered.get(abs)?.verified;
  if (token !== undefined && cached && cached.verification.token === token && (await setFingerprint(abs)) === remembered.get(abs)?.fingerprint) {
    ctx.logger.log('info', `The set ${cached.set.summary.name} is unchanged since it was verified (manifest, sizes and times); ` +
      'each file is checked against its SHA-256 again while it is restored.');
    return { set: cached.set, verification: cached.verification, reused: true };
  }
  ctx.logger.log('info', `Verifying the backup set ${abs}.`);
  const before = await setFingerprint(abs);
  const set = await openBackupSet(abs, { signal: ctx.signal });
  const m = set.manifest;
  ctx.logger.log('info', `The set ${set.summary.name} passed verification: ${m.kind}, cluster ${m.cluster.name ?? '(unnamed)'}, ` +
    `node ${m.node}, ${m.time}, ${m.files.length} file(s).`);
  const result: ValidatedSet = { path: set.path, manifest: m, problems: [], summary: set.summary };
  const verified = recordResult(abs, before, await setFingerprint(abs), result);
  return { set, verification: verified?.verification ?? newVerification(set, ''), reused: false };
}
