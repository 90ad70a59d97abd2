/**
 * Path rules of the backup engine, for both path forms it meets: Windows paths
 * (`C:\Windows\Cluster\CLUSDB`, `\\server\share\…`, `\\?\Volume{…}\…`) on Windows, and
 * POSIX paths (`/tmp/…/Windows/Cluster/CLUSDB`) from the simulator on Linux. The form
 * is decided by the path itself, not by the platform the engine runs on.
 *
 * - The root of a path in its text (`C:\`, `\\server\share\`, `/`). This is not necessarily
 *   its volume: a mounted folder on the way puts it on another one (snapshotVolumes.ts asks
 *   Windows for the volume and its mount point).
 * - A file's copy inside a snapshot is `<snapshot device><sep><path below its volume's mount point>`.
 * - Writer file specifications may use `%VAR%` environment variables and `*`/`?` wildcards.
 */
import { createHash } from 'node:crypto';

export type PathStyle = 'windows' | 'posix';

/** `\\?\X:\…` or `\\.\X:\…` style prefixes that wrap an ordinary drive path. */
const DEVICE_DRIVE_PREFIX = /^[\\/]{2}[?.][\\/](?=[A-Za-z]:)/;

export function pathStyle(p: string): PathStyle {
  if (/^[A-Za-z]:/.test(p) || /^[\\/]{2}/.test(p) || p.includes('\\')) return 'windows';
  return 'posix';
}

export function separatorOf(style: PathStyle): '\\' | '/' {
  return style === 'windows' ? '\\' : '/';
}

/** Whether `p` is absolute in its own style (drive root, UNC, device path, or `/…`). */
export function isAbsolutePath(p: string): boolean {
  if (/^[A-Za-z]:[\\/]/.test(p)) return true;
  if (/^[\\/]{2}[^\\/]/.test(p)) return true;
  return p.startsWith('/') || p.startsWith('\\');
}

/**
 * The volume (root) of an absolute path, with its trailing separator:
 * `C:\Windows\x` → `C:\`; `\\srv\share\x` → `\\srv\share\`; `\\?\Volume{g}\x` → `\\?\Volume{g}\`;
 * `\\?\C:\x` → `C:\`; `/a/b` → `/`. Throws for a relative path.
 */
export function volumeOf(p: string): string {
  const parts = splitVolume(p);
  return parts.volume;
}

/** The path without its volume, in its own separators and without a leading separator: `Windows\Cluster\CLUSDB`. */
export function relativeToVolume(p: string): string {
  return splitVolume(p).rest;
}

function splitVolume(p: string): { volume: string; rest: string } {
  if (p.includes('\0')) throw new Error(`Path contains a NUL character: ${JSON.stringify(p)}`);
  const unwrapped = p.replace(DEVICE_DRIVE_PREFIX, '');
  const drive = /^([A-Za-z]):(?:[\\/]+|$)/.exec(unwrapped);
  if (drive) {
    return { volume: `${drive[1].toUpperCase()}:\\`, rest: trimSeparators(unwrapped.slice(drive[0].length), 'windows') };
  }
  const device = /^([\\/]{2}[?.][\\/][^\\/]+)(?:[\\/]+|$)/.exec(p);
  if (device) {
    return { volume: `${device[1].replace(/\//g, '\\')}\\`, rest: trimSeparators(p.slice(device[0].length), 'windows') };
  }
  const unc = /^[\\/]{2}([^\\/?.][^\\/]*)[\\/]+([^\\/]+)(?:[\\/]+|$)/.exec(p);
  if (unc) return { volume: `\\\\${unc[1]}\\${unc[2]}\\`, rest: trimSeparators(p.slice(unc[0].length), 'windows') };
  if (p.startsWith('/')) return { volume: '/', rest: trimSeparators(p.replace(/^\/+/, ''), 'posix') };
  throw new Error(`Not an absolute path: ${JSON.stringify(p)}`);
}

function trimSeparators(rest: string, style: PathStyle): string {
  const parts = rest.split(style === 'windows' ? /[\\/]+/ : /\/+/).filter((s) => s !== '' && s !== '.');
  return parts.join(separatorOf(style));
}

/**
 * Where the file `originalPath` is inside the snapshot whose device object is `device`:
 * `\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy3` + `\` + `Windows\Cluster\CLUSDB`,
 * the path below `mountPoint` (the mount point of the snapshotted volume, as
 * GetVolumePathNameW returns it; the path's own root when omitted).
 * The separator follows the original path's form.
 */
export function snapshotPath(device: string, originalPath: string, mountPoint?: string): string {
  const style = pathStyle(originalPath);
  const sep = separatorOf(style);
  const rel = mountPoint === undefined ? relativeToVolume(originalPath) : relativeToMountPoint(originalPath, mountPoint);
  const base = device.replace(/[\\/]+$/, '');
  // A file set at the volume root needs the trailing separator: the bare device name
  // opens the device itself, not its root folder.
  return rel === '' ? `${base}${sep}` : `${base}${sep}${rel}`;
}

/**
 * The part of `p` below `mountPoint` (`C:\ClusterData\` → `Cluster\CLUSDB` for
 * `C:\ClusterData\Cluster\CLUSDB`), without leading separator. Windows paths compare
 * without regard to case and separator form. Throws when `p` is not at or below it.
 */
export function relativeToMountPoint(p: string, mountPoint: string): string {
  const style = pathStyle(p);
  const normal = (s: string): string => (style === 'windows' ? s.replace(/\//g, '\\').toUpperCase() : s);
  const base = normal(mountPoint).replace(style === 'windows' ? /\\+$/ : /\/+$/, '');
  const rest = p.slice(base.length);
  const atBoundary = rest === '' || (style === 'windows' ? /^[\\/]/ : /^\//).test(rest);
  if (normal(p.slice(0, base.length)) !== base || !atBoundary) {
    throw new Error(`${JSON.stringify(p)} is not on the volume mounted at ${JSON.stringify(mountPoint)}`);
  }
  return trimSeparators(rest, style);
}

/** Joins path segments in the given style, collapsing duplicate separators. */
export function joinPath(style: PathStyle, first: string, ...more: string[]): string {
  const sep = separatorOf(style);
  const trailing = style === 'windows' ? /[\\/]+$/ : /\/+$/;
  const leading = style === 'windows' ? /^[\\/]+/ : /^\/+/;
  let out = first;
  for (const part of more) {
    if (part === '') continue;
    out = `${out.replace(trailing, '')}${sep}${part.replace(leading, '')}`;
  }
  return out;
}

/**
 * Expands `%NAME%` references (case-insensitive, as on Windows). Unknown names stay as
 * they are, like ExpandEnvironmentStrings does; `%%` is not special.
 */
export function expandEnvironmentVariables(text: string, env: Readonly<Record<string, string | undefined>>): string {
  const lookup = new Map<string, string>();
  for (const [k, v] of Object.entries(env)) if (v !== undefined) lookup.set(k.toUpperCase(), v);
  return text.replace(/%([^%\s]+)%/g, (whole, name: string) => lookup.get(name.toUpperCase()) ?? whole);
}

/**
 * Whether a file name matches a VSS file specification (`*`, `?`, case-insensitive, as
 * Windows matches names). `*.*` matches every name, including names without a dot.
 */
export function matchesFilespec(fileName: string, filespec: string): boolean {
  const spec = filespec.trim();
  if (spec === '' || spec === '*' || spec === '*.*') return true;
  let pattern = '^';
  for (const ch of spec) {
    if (ch === '*') pattern += '.*';
    else if (ch === '?') pattern += '.';
    else pattern += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  pattern += '$';
  return new RegExp(pattern, 'isu').test(fileName);
}

/** Characters Windows forbids in file names, plus the separators of both styles. */
// eslint-disable-next-line no-control-regex
const ILLEGAL_NAME_CHARS = /[<>:"/\\|?*\u0000-\u001f\u007f]/g;
const RESERVED_NAMES = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/**
 * A name usable as one file-system path component on Windows and Linux alike: characters
 * Windows forbids become `_`, trailing dots/spaces go, reserved device names get a `_`
 * prefix, and Unicode (Cyrillic, Japanese, emoji…) is kept. A name longer than
 * `maxLength` characters (or 3×maxLength UTF-8 bytes) is shortened deterministically:
 * a prefix, `~`, and 8 hex digits of the SHA-256 of the whole name, so distinct long
 * names stay distinct.
 */
export function sanitizeName(name: string, maxLength = 64): string {
  let clean = name.normalize('NFC').replace(ILLEGAL_NAME_CHARS, '_').replace(/[. ]+$/u, '').replace(/^ +/u, '');
  if (clean === '') clean = '_';
  if (RESERVED_NAMES.test(clean)) clean = `_${clean}`;
  const codePoints = Array.from(clean);
  const tooLong = codePoints.length > maxLength || Buffer.byteLength(clean, 'utf8') > maxLength * 3;
  if (!tooLong) return clean;
  const hash = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 8);
  const keep: string[] = [];
  let bytes = 0;
  const budgetChars = Math.max(1, maxLength - 9);
  const budgetBytes = Math.max(1, maxLength * 3 - 9);
  for (const cp of codePoints) {
    const b = Buffer.byteLength(cp, 'utf8');
    if (keep.length + 1 > budgetChars || bytes + b > budgetBytes) break;
    keep.push(cp);
    bytes += b;
  }
  const prefix = keep.join('').replace(/[. ]+$/u, '');
  return `${prefix || '_'}~${hash}`;
}

/** UTC `yyyymmddThhmmssZ`: sorts by time when compared as text. */
export function compactUtcStamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/**
 * Checks a path that must stay inside a backup set: relative, `/` separators only, no
 * empty, `.` or `..` segments, no drive letters, colons, backslashes or control
 * characters. Returns the reason it is unsafe, or null when it is safe.
 */
export function unsafeRelativePathReason(rel: string): string | null {
  if (typeof rel !== 'string' || rel === '') return 'the path is empty';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(rel)) return 'the path contains control characters';
  if (rel.includes('\\')) return 'the path contains a backslash';
  if (rel.startsWith('/') || /^[A-Za-z]:/.test(rel)) return 'the path is absolute';
  if (rel.includes(':')) return 'the path contains a colon (drive or alternate data stream)';
  const segments = rel.split('/');
  if (segments.some((s) => s === '..')) return 'the path contains ".."';
  if (segments.some((s) => s === '' || s === '.')) return 'the path has an empty or "." segment';
  if (segments.some((s) => /[. ]$/.test(s))) return 'a path segment ends with a dot or space';
  return null;
}
