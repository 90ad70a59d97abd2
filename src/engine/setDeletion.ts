/**
 * Deleting one backup set (the Backups view's "Delete Backup Set…"): file work, no cluster.
 *
 * Only a folder that is a set is deleted: a direct subfolder of the backup folder (no link),
 * named as this tool names sets (`<cluster>_<node>_<yyyymmddThhmmssZ>[-n]`), holding a
 * manifest.json that is a regular file, and nothing but what a set holds (the manifest, the
 * two VSS documents and the files/ folder). A damaged set is still a set and may be deleted;
 * any other folder, a file, a link or a path outside the backup folder is refused with a
 * message naming it, and nothing is changed.
 *
 * The deletion holds the machine-wide operation lock (lock.ts) from the check to the last
 * removal, as a backup and a restore do: a restore reading the set, or a backup whose
 * retention prunes the folder, is never raced. While one of them runs the deletion is
 * refused up front, naming it; while a deletion runs they are refused the same way.
 */
import fsp = require('node:fs/promises');
import path = require('node:path');
import { BACKUP_COMPONENTS_FILE, FILES_FOLDER, MANIFEST_FILE, nameStamp, removeTree, WRITER_METADATA_FILE } from './backupSet';
import type { Logger } from './context';
import { EngineError } from './errors';
import { fileErrorCode } from './fileErrors';
import { acquireOperationLock, OperationBusyError, SET_DELETION_OPERATION, type OperationLock } from './lock';

/** What a set folder may hold. */
const SET_ENTRIES = new Set([MANIFEST_FILE, BACKUP_COMPONENTS_FILE, WRITER_METADATA_FILE, FILES_FOLDER]);

export interface DeleteSetParams {
  /** The set's folder. */
  path: string;
  /** The backup folder it must be a direct subfolder of. */
  folder: string;
}

export interface DeleteSetResult {
  path: string;
}

export interface DeleteSetOptions {
  /** The operation lock's folder (tests); the machine-wide one by default. */
  lockFolder?: string;
}

function refuse(setPath: string, why: string): never {
  throw new EngineError('BAD_ARGUMENT', `${setPath} is not deleted: ${why} Nothing was changed.`);
}

/** Why `setPath` is not a backup set of `folder` that may be deleted, or null when it is one. */
export async function notASetReason(setPath: string, folder: string): Promise<string | null> {
  const abs = path.resolve(setPath);
  if (path.dirname(abs) !== path.resolve(folder)) return `it is not a folder directly in the backup folder ${path.resolve(folder)}.`;
  if (!nameStamp(path.basename(abs)) || path.basename(abs).startsWith('.')) {
    return 'its name is not the name of a backup set (<cluster>_<node>_<yyyymmddThhmmssZ>).';
  }
  let stat;
  try {
    stat = await fsp.lstat(abs);
  } catch (err) {
    return fileErrorCode(err) === 'ENOENT' ? 'it does not exist (it may have been deleted already).' : `it cannot be read (${fileErrorCode(err) ?? String(err)}).`;
  }
  if (stat.isSymbolicLink()) return 'it is a link, not a backup set folder.';
  if (!stat.isDirectory()) return 'it is a file, not a backup set folder.';
  const manifest = await fsp.lstat(path.join(abs, MANIFEST_FILE)).catch(() => undefined);
  if (!manifest?.isFile()) return `it holds no ${MANIFEST_FILE}, so it is not a backup set.`;
  const foreign = (await fsp.readdir(abs)).filter((name) => !SET_ENTRIES.has(name));
  if (foreign.length > 0) return `it holds ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}, which a backup set does not; move them away first if the set is to go.`;
  return null;
}

/** "an authoritative restore", "a backup": the holder's operation as the subject of a sentence. */
function withArticle(operation: string): string {
  return `${/^[aeiou]/i.test(operation) ? 'an' : 'a'} ${operation}`;
}

/** The operation lock for deleting `setPath`, or a refusal naming the operation that holds it. */
async function lockForDeletion(setPath: string, options: DeleteSetOptions): Promise<OperationLock> {
  try {
    return await acquireOperationLock(options.lockFolder, SET_DELETION_OPERATION);
  } catch (err) {
    if (!(err instanceof OperationBusyError)) throw err;
    const { pid, operation, started } = err.holder;
    throw new EngineError('BUSY', `${setPath} is not deleted: ${withArticle(operation)} is running (pid ${pid}${started ? ` since ${started}` : ''}). ` +
      'Wait for it to finish, then delete the set again. Nothing was changed.', { cause: err });
  }
}

/** Deletes the set at `params.path` after checking that it is one (see the top of this file). */
export async function deleteBackupSet(params: DeleteSetParams, logger?: Logger, options: DeleteSetOptions = {}): Promise<DeleteSetResult> {
  if (typeof params?.path !== 'string' || params.path.trim() === '') throw new EngineError('BAD_ARGUMENT', 'The backup set path is missing.');
  if (typeof params.folder !== 'string' || params.folder.trim() === '') throw new EngineError('BAD_ARGUMENT', 'The backup folder is missing.');
  const abs = path.resolve(params.path);
  const lock = await lockForDeletion(abs, options);
  try {
    const reason = await notASetReason(abs, params.folder);
    if (reason) refuse(abs, reason);
    try {
      await removeTree(abs);
    } catch (err) {
      throw new EngineError('BAD_ARGUMENT', `Deleting ${abs} failed (${fileErrorCode(err) ?? String(err)}); part of it may remain. Check the folder's permissions, then delete it again.`);
    }
  } finally {
    await lock.release();
  }
  logger?.log('info', `Deleted the backup set ${abs}.`);
  return { path: abs };
}
