/**
 * Folder paths of this machine compared the way its file systems do, for the rules the CLI,
 * the engine and the UI all apply (a copy folder that is the backup folder itself, a journal
 * that names another cluster folder). Plain path work: no I/O.
 */
import path = require('node:path');

/**
 * Whether two folder paths name the same folder: both resolved, trailing separators ignored,
 * and without regard to case on Windows (NTFS and SMB shares are case-insensitive by default).
 */
export function sameFolder(a: string, b: string, platform: NodeJS.Platform = process.platform): boolean {
  const resolve = platform === 'win32' ? path.win32.resolve : path.posix.resolve;
  const norm = (p: string): string => {
    const full = resolve(p).replace(/[\\/]+$/, '');
    return platform === 'win32' ? full.toUpperCase() : full;
  };
  return norm(a) === norm(b);
}
