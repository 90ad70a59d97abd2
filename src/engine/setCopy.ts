/**
 * backup --copy-to: the finished, verified set copied to a second folder (e.g. a share
 * every node can reach) the same careful way the set itself was written — into a hidden
 * `.<name>.partial-<pid>` folder with the unfinished-set marker, each file hashed while it
 * is copied and checked against the set's manifest, the copy then checked by the same code
 * as `verify` and only then renamed into place (BackupSetWriter). A failure or a
 * cancellation removes the partial copy; a crash leaves a marked folder that the next
 * backup into that folder removes. The copy's manifest is the set's own, byte for byte
 * (same fields, same order, so the same seal), which is checked before the copy counts.
 */
import fsp = require('node:fs/promises');
import path = require('node:path');
import {
  BackupSetWriter, MANIFEST_FILE, readManifestFile, resolveInSet, type BackupManifest,
} from './backupSet';
import { removeStalePartialSets } from './backupSetFolder';
import type { OperationContext } from './context';
import { hashFile } from './durableFile';
import { EngineError, throwIfCancelled } from './errors';

/**
 * Copies the set at `setPath` into `destination` as a new set of the same name (`-2`… when
 * taken) and returns the copy's path. Throws on any failure, after removing what it wrote.
 */
export async function copyBackupSet(setPath: string, destination: string, ctx: OperationContext): Promise<string> {
  throwIfCancelled(ctx.signal, 'The copy');
  const source = await readManifestFile(setPath);
  if (!source.manifest) {
    throw new EngineError('INVALID_SET', `The backup set ${setPath} cannot be copied: ${source.problems.join('; ')}`);
  }
  const manifest = source.manifest;
  const sourceManifestHash = (await hashFile(path.join(setPath, MANIFEST_FILE))).sha256;
  await removeStalePartialSets(destination, ctx.logger);

  const writer = await BackupSetWriter.create(destination, path.basename(setPath), 'copy folder');
  try {
    for (const doc of manifest.documents) {
      throwIfCancelled(ctx.signal, 'The copy');
      const bytes = await fsp.readFile(resolveInSet(setPath, doc.path));
      const written = await writer.addDocument(doc.role, bytes);
      checkSame(doc.path, written, doc);
    }
    const total = manifest.files.reduce((sum, f) => sum + f.size, 0);
    let before = 0;
    for (const file of manifest.files) {
      const label = `Copying to ${destination}: ${file.path}`;
      ctx.progress(label, total > 0 ? before / total : undefined);
      // One progress line per whole percent (not per chunk): a share is slow enough for a person to watch it.
      let percent = total > 0 ? Math.floor((100 * before) / total) : 0;
      const copied = await writer.copyFile(resolveInSet(setPath, file.path), file.path, file.originalPath, file.component, {
        signal: ctx.signal,
        onBytes: (done) => {
          const now = total > 0 ? Math.floor((100 * (before + done)) / total) : 0;
          if (now > percent) {
            percent = now;
            ctx.progress(label, Math.min(1, (before + done) / total));
          }
        },
      });
      checkSame(file.path, copied, file);
      before += file.size;
    }
    ctx.progress(`Verifying the copy in ${destination}`);
    throwIfCancelled(ctx.signal, 'The copy');
    const { integrity: _seal, files: _files, documents: _documents, ...base } = manifest;
    const { path: copyPath, manifest: written } = await writer.commit(base);
    await checkSameManifest(copyPath, written, manifest, sourceManifestHash);
    ctx.logger.log('info', `Copied the backup set ${setPath} to ${copyPath} and verified the copy (${manifest.files.length} file(s)).`);
    return copyPath;
  } catch (err) {
    await writer.discard().catch((discardErr: unknown) => {
      ctx.logger.log('warn', `Could not remove the unfinished copy ${writer.partialPath}: ${(discardErr as Error).message}`);
    });
    throw err;
  }
}

/** The bytes copied are the bytes the set's manifest sealed (the set did not change after it was verified). */
function checkSame(rel: string, copied: { size: number; sha256: string }, expected: { size: number; sha256: string }): void {
  if (copied.size !== expected.size || copied.sha256 !== expected.sha256) {
    throw new EngineError('INVALID_SET',
      `${rel} changed in the backup set after it was verified (size or SHA-256 differs from its manifest); the copy was not kept. Verify the set.`);
  }
}

/**
 * The copy's manifest is the set's own: same seal, same bytes. Should it not be (it cannot
 * be, given checkSame, unless the manifest was rewritten differently), the copy is removed.
 */
async function checkSameManifest(copyPath: string, written: BackupManifest, original: BackupManifest, originalHash: string): Promise<void> {
  const copyHash = (await hashFile(path.join(copyPath, MANIFEST_FILE))).sha256;
  if (written.integrity.digest === original.integrity.digest && copyHash === originalHash) return;
  await fsp.rm(copyPath, { recursive: true, force: true });
  throw new EngineError('INVALID_SET', `The copy ${copyPath} does not carry the set's own manifest (its seal or bytes differ), so it was removed.`);
}
