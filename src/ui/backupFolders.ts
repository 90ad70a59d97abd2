/**
 * The Backups view's folders: the backup folder (fcbackup.backupFolder) and, when set, the
 * copy folder (fcbackup.copyFolder) that Back Up copies each new set to. Pure (no vscode).
 */
import path = require('node:path');

/** Whether two folder paths name the same folder: without regard to case on Windows (NTFS and SMB shares are case-insensitive by default). */
export function sameFolder(a: string, b: string, platform: NodeJS.Platform = process.platform): boolean {
  const resolve = platform === 'win32' ? path.win32.resolve : path.posix.resolve;
  const norm = (p: string): string => {
    const full = resolve(p).replace(/[\\/]+$/, '');
    return platform === 'win32' ? full.toUpperCase() : full;
  };
  return norm(a) === norm(b);
}
