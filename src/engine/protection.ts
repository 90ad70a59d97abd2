/**
 * Only administrators can read a backup (issue #15 §1): every set, the restore journal,
 * the safety copies and the operation lock folder get permissions that let SYSTEM,
 * Administrators and Backup Operators in, and nobody else.
 *
 * The one platform split (docs/windows.md, "Who can read a backup"):
 * - Windows: an explicit, protected DACL — ADMINISTRATORS_ONLY_SDDL applied with
 *   SetNamedSecurityInfoW(PROTECTED_DACL_SECURITY_INFORMATION), so nothing is inherited
 *   from the parent folder (a new folder under C:\ would give Authenticated Users modify).
 *   Its OI/CI flags make every file created inside inherit the same three entries.
 * - Elsewhere (Linux: the simulator run, a file server checking sets): mode bits, folders
 *   0700 and files 0600, for the account that runs the tool.
 *
 * This module loads no native code until a Windows call is needed (it is also used by the
 * CLI's local `verify`, which must run without koffi on a non-Windows file server).
 */
import fs = require('node:fs');
import path = require('node:path');

/**
 * D: the DACL; P: protected (SE_DACL_PROTECTED, nothing inherited from the parent);
 * each (A;OICI;FA;;;X): allow, inherited by files (OI) and folders (CI) inside, FILE_ALL_ACCESS,
 * for SY (LocalSystem), BA (BUILTIN\Administrators), BO (BUILTIN\Backup Operators).
 * Sources: "Security Descriptor String Format" and "ACE Strings" (learn.microsoft.com,
 * windows/win32/secauthz), [MS-DTYP] 2.5.1.1 (SDDL syntax and SID tokens).
 */
export const ADMINISTRATORS_ONLY_SDDL = 'D:P(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;FA;;;BO)';
export const FOLDER_MODE = 0o700;
export const FILE_MODE = 0o600;

export type ProtectedKind = 'folder' | 'file';

type WindowsSecurity = Pick<typeof import('../native/advapi32'), 'setProtectedFileDacl' | 'getFileDaclSddl'>;

/** The advapi32 calls, loaded on first use on Windows only. */
function windowsSecurity(): WindowsSecurity {
  // A lazy require on purpose: a static import would load koffi in every process that checks a set.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../native/advapi32') as WindowsSecurity;
}

export function usesWindowsDacl(): boolean {
  return process.platform === 'win32';
}

/**
 * Gives `target` administrators-only permissions. Call it right after creating a folder and
 * before anything is written into it, so its contents are never readable by others.
 * Throws (Win32Error naming SetNamedSecurityInfoW and the code, or the chmod error).
 */
export function protectPath(target: string, kind: ProtectedKind): void {
  if (usesWindowsDacl()) windowsSecurity().setProtectedFileDacl(target, ADMINISTRATORS_ONLY_SDDL);
  else fs.chmodSync(target, kind === 'folder' ? FOLDER_MODE : FILE_MODE);
}

/** Creates `folder` (and missing parents) and protects it; an existing folder is protected too. */
export function createProtectedFolder(folder: string): void {
  fs.mkdirSync(folder, { recursive: true });
  protectPath(folder, 'folder');
}

/**
 * Everything under a protected folder: on Windows the files inherit the folder's entries
 * (OI/CI), so nothing is needed; elsewhere each file gets 0600 and each folder 0700 (a new
 * file gets the process's umask, usually 0644 — unreachable for others inside a 0700 folder,
 * but `verify` reports it).
 */
export function protectContents(folder: string): void {
  if (usesWindowsDacl()) return;
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      fs.chmodSync(full, FOLDER_MODE);
      protectContents(full);
    } else if (entry.isFile()) {
      fs.chmodSync(full, FILE_MODE);
    }
  }
}

/** The DACL entries and flags of an SDDL "D:" part, order-free, for comparison. */
function daclShape(sddl: string): { isProtected: boolean; aces: string[] } | null {
  const match = /^D:([A-Z]*)((?:\([^)]*\))*)$/.exec(sddl.trim());
  if (!match) return null;
  const flags = match[1];
  // "AI"/"AR" (auto-inheritance bookkeeping) may be added by Windows when it stores the DACL; "P" is what matters.
  const isProtected = flags.replace(/AI|AR/g, '').includes('P');
  const aces = (match[2].match(/\([^)]*\)/g) ?? []).map((ace) => ace.toUpperCase()).sort();
  return { isProtected, aces };
}

/** Whether a DACL read back is exactly the administrators-only one (protected, the same three entries). */
export function isAdministratorsOnlyDacl(sddl: string): boolean {
  const got = daclShape(sddl);
  const want = daclShape(ADMINISTRATORS_ONLY_SDDL)!;
  return got !== null && got.isProtected && got.aces.length === want.aces.length && got.aces.every((ace, i) => ace === want.aces[i]);
}

/**
 * Why `setPath` is readable by more than administrators, one line each; empty when it is not.
 * Windows: the set folder's DACL read back (GetNamedSecurityInfoW) is not the administrators-only
 * one. Elsewhere: the folder or a file inside grants anything to group or others.
 * A check that cannot be made is reported as such, never as "fine".
 */
export function permissionWarnings(setPath: string): string[] {
  if (usesWindowsDacl()) {
    try {
      const sddl = windowsSecurity().getFileDaclSddl(setPath);
      return isAdministratorsOnlyDacl(sddl) ? [] : [
        `Readable by more than administrators: the folder's permissions are ${sddl}, not ${ADMINISTRATORS_ONLY_SDDL} ` +
        '(SYSTEM, Administrators and Backup Operators only). A cluster configuration is sensitive; move the set into a folder only ' +
        'administrators can read, or reset its permissions (icacls SET /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F *S-1-5-32-551:(OI)(CI)F).',
      ];
    } catch (err) {
      return [`Could not read the set folder's permissions (${err instanceof Error ? err.message : String(err)}).`];
    }
  }
  const wider: string[] = [];
  const check = (full: string, stat: fs.Stats): void => {
    const mode = stat.mode & 0o777;
    if (mode & 0o077) wider.push(`${path.relative(setPath, full) || '.'} (mode ${mode.toString(8).padStart(4, '0')})`);
  };
  const walk = (folder: string): void => {
    check(folder, fs.statSync(folder));
    for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) check(full, fs.statSync(full));
    }
  };
  try {
    walk(setPath);
  } catch (err) {
    return [`Could not read the set's permissions (${err instanceof Error ? err.message : String(err)}).`];
  }
  if (wider.length === 0) return [];
  const shown = wider.slice(0, 5).join(', ') + (wider.length > 5 ? ` and ${wider.length - 5} more` : '');
  return [`Readable by more than its owner: ${shown}. A cluster configuration is sensitive; ` +
    `run chmod -R go-rwx on the set (folders ${FOLDER_MODE.toString(8).padStart(4, '0')}, files ${FILE_MODE.toString(8).padStart(4, '0')}).`];
}
