/**
 * File-system failures said plainly: which path, what the system said (its code), and
 * what to do. A raw `EEXIST: file already exists, mkdir '…\.x.partial-12'` names a
 * folder the user never chose; these messages name the folder they did choose.
 */
import { EngineError } from './errors';

/** The code of a Node file-system error (`EACCES`, `ENOSPC`…), or undefined. */
export function fileErrorCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Which folder the user chose a set is written to: errors call it by that name. */
export type SetFolderKind = 'backup folder' | 'copy folder';

/**
 * An error while writing a backup set into `destination` (the `kind` of folder the user chose),
 * at `file` (the file or folder being written when it failed).
 */
export function backupWriteError(err: unknown, destination: string, file: string, kind: SetFolderKind, creatingFolder = false): Error {
  if (err instanceof EngineError) return err;
  const code = fileErrorCode(err);
  if ((code === 'EEXIST' || code === 'ENOTDIR') && !creatingFolder) return err instanceof Error ? err : new Error(String(err));
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new EngineError('BAD_ARGUMENT',
        `The disk holding ${destination} is full (${code}) while writing ${file}. Free space there or choose another folder; the unfinished set was removed.`, { cause: err });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new EngineError('BAD_ARGUMENT',
        `The ${kind} ${destination} cannot be written to (${code}${code === 'EROFS' ? ': read-only file system' : ': access denied'}). ` +
        'Choose a folder this account can write to, or give it write access.', { cause: err });
    case 'EEXIST':
    case 'ENOTDIR':
      return new EngineError('BAD_ARGUMENT',
        `The ${kind} ${destination} is not a folder: it, or a folder above it, is a file (${code}). Choose a folder.`, { cause: err });
    default:
      return err instanceof Error ? err : new Error(String(err));
  }
}

/**
 * An error while a restore writes `file` into the cluster folder `folder` (staging the set's
 * files beside the live ones): a full disk says so with the folder; others stay as they are.
 */
export function restoreWriteError(err: unknown, folder: string, file: string): Error {
  if (err instanceof EngineError) return err;
  const code = fileErrorCode(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new EngineError('RESTORE_FAILED',
      `The disk holding the cluster folder ${folder} is full (${code}) while writing ${file}. Free space on it, then restore again.`, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}
