/**
 * Which file of a set goes where, and which live files it displaces.
 *
 * A set's file is restored only when it is one of the Cluster Database writer's files:
 * its name matches a file descriptor (folder + filespec, IVssWMFiledesc) the writer reported
 * at backup time — the set's writer metadata — and, in the VSS session, one the running
 * writer reports now (checkLiveDescriptors). It goes directly into this node's ClusDb folder
 * (%SystemRoot%\Cluster): no subfolder, no `:` (an NTFS alternate data stream), no control
 * character, no name longer than a file name can be (255), none of this tool's own staging,
 * journal or safety names. An offline hive copy has no writer metadata: its files are the
 * `CLUSDB*` files the offline backup copies.
 *
 * Live `CLUSDB*` files that the set does not hold (transaction logs `.LOG1`/`.LOG2`, `.blf`,
 * `.regtrans-ms` containers) belong to the live hive; left beside an older base hive they
 * would be replayed onto it. They are the restore's *companions*: copied to the safety
 * folder and moved out of the ClusDb folder with the swap, put back by a roll-back.
 */
import fs = require('node:fs');
import path = require('node:path');
import type { VerifiedBackupSet } from './backupSet';
import type { OperationContext } from './context';
import { EngineError } from './errors';
import { expandEnvironmentVariables, isAbsolutePath, matchesFilespec, pathStyle } from './paths';
import { JOURNAL_FILE_NAME, NEW_FILE_SUFFIX, SAFETY_FOLDER_NAME } from './restoreJournal';
import { VssRestoreTarget } from '../native/vssTypes';
import type { ComponentRef } from '../native/vssBackupComponents';

/** The hive file itself; its folder at backup time anchors where every file of the set goes back. */
export const CLUSDB_FILE = 'CLUSDB';
/** The files of the cluster hive (what an offline copy holds, and what counts as a companion). */
export const HIVE_FILESPEC = 'CLUSDB*';
/** The longest file name NTFS allows (MAX_COMPONENT_LENGTH). */
const MAX_NAME_LENGTH = 255;

export interface FilePlacement {
  /** Absolute path of the live file (directly in the ClusDb folder). */
  target: string;
  source: string;
  sha256: string;
  size: number;
  /** Index into manifest.components (null for an offline hive copy). */
  component: number | null;
  /** The file's path at backup time. */
  originalPath: string;
}

/** A writer's file descriptor (IVssWMFiledesc): a folder, a filespec, whether it covers subfolders. */
export interface FileDescriptor {
  path: string;
  filespec: string;
  recursive: boolean;
}

function pathApi(p: string): path.PlatformPath {
  return pathStyle(p) === 'windows' ? path.win32 : path.posix;
}

/** Whether `child` is `parent` or inside it. */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function sameFolder(a: string, b: string): boolean {
  const api = pathApi(a);
  const norm = (p: string): string => api.normalize(p).replace(/[\\/]+$/, '');
  return pathStyle(a) === 'windows' ? norm(a).toUpperCase() === norm(b).toUpperCase() : norm(a) === norm(b);
}

/** Why `name` may not be written into the ClusDb folder, or null. */
export function unsafeFileNameReason(name: string): string | null {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'its name holds a control character';
  if (name.includes(':')) return 'its name holds ":" (an alternate data stream)';
  if (/[\\/]/.test(name)) return 'it is in a subfolder';
  if (name === '' || name === '.' || name === '..') return 'it has no file name';
  if (name.length > MAX_NAME_LENGTH) return `its name is ${name.length} characters long (at most ${MAX_NAME_LENGTH})`;
  const upper = name.toUpperCase();
  if (upper.endsWith(NEW_FILE_SUFFIX.toUpperCase()) || upper === JOURNAL_FILE_NAME.toUpperCase() || upper === SAFETY_FOLDER_NAME.toUpperCase()) {
    return 'its name is one of this tool\'s own staging, journal or safety names';
  }
  return null;
}

/** Whether a descriptor covers `name` directly in `folder` (folder compared after expanding its variables). */
function covers(d: FileDescriptor, folder: string, name: string, env: Record<string, string | undefined>): boolean {
  const expanded = expandEnvironmentVariables(d.path, env);
  return isAbsolutePath(expanded) && sameFolder(expanded, folder) && matchesFilespec(name, expandEnvironmentVariables(d.filespec, env));
}

export interface Placement {
  placements: FilePlacement[];
  /** One line per file that cannot be restored, naming it and why. */
  problems: string[];
}

/**
 * Where each file of the set goes: the folder that held CLUSDB at backup time maps onto this
 * node's ClusDb folder, and every file must sit directly in it and match one of `descriptors`
 * (the set's writer metadata; null for an offline hive copy: `CLUSDB*`). Nothing is thrown for
 * a bad file: each problem is listed (the plan refuses with all of them).
 */
export function placeFiles(set: VerifiedBackupSet, liveClusDbDir: string, descriptors: FileDescriptor[] | null): Placement {
  const files = set.manifest.files;
  const problems: string[] = [];
  const hive = files.find((f) => pathApi(f.originalPath).basename(f.originalPath).toUpperCase() === CLUSDB_FILE);
  if (!hive) return { placements: [], problems: [`it holds no ${CLUSDB_FILE} file (the cluster database hive)`] };
  const api = pathApi(hive.originalPath);
  const backupDir = api.dirname(hive.originalPath);
  // The writer's descriptors name the folder with %SystemRoot%: at backup time that was the ClusDb folder's parent.
  const env = { ...process.env, SystemRoot: api.dirname(backupDir), windir: api.dirname(backupDir) };
  const offline: FileDescriptor[] = [{ path: backupDir, filespec: HIVE_FILESPEC, recursive: false }];
  const seen = new Map<string, string>();
  const placements: FilePlacement[] = [];
  for (const f of files) {
    const problem = (why: string): void => {
      problems.push(`${JSON.stringify(f.originalPath)} (${f.path}): ${why}`);
    };
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(f.originalPath)) {
      problem('its original path holds a control character');
      continue;
    }
    if (!isAbsolutePath(f.originalPath) || pathStyle(f.originalPath) !== pathStyle(hive.originalPath)) {
      problem(`the original path is not an absolute path like ${hive.originalPath}`);
      continue;
    }
    const rel = api.relative(backupDir, f.originalPath);
    if (rel === '' || rel.startsWith('..') || api.isAbsolute(rel)) {
      problem(`it was not inside the cluster database folder ${backupDir}`);
      continue;
    }
    const name = rel;
    const unsafe = unsafeFileNameReason(name);
    if (unsafe) {
      problem(unsafe);
      continue;
    }
    if (!(descriptors ?? offline).some((d) => covers(d, backupDir, name, env))) {
      problem(descriptors
        ? 'it is not one of the Cluster Database writer\'s files (no file descriptor in the set\'s writer metadata names it)'
        : `it is not a file of the cluster hive (${HIVE_FILESPEC})`);
      continue;
    }
    const target = path.join(liveClusDbDir, name);
    if (!isInside(liveClusDbDir, target) || path.dirname(target) !== path.resolve(liveClusDbDir)) {
      problem(`it would be restored outside ${liveClusDbDir}`);
      continue;
    }
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(target);
    } catch {
      stat = undefined;
    }
    if (stat && !stat.isFile()) {
      problem(`the live ${target} is not a regular file (a folder or link), so it cannot be replaced`);
      continue;
    }
    const key = process.platform === 'win32' || pathStyle(liveClusDbDir) === 'windows' ? target.toUpperCase() : target;
    const other = seen.get(key);
    if (other) {
      problem(`${other} and ${f.path} would both be restored to ${target}`);
      continue;
    }
    seen.set(key, f.path);
    placements.push({ target, source: set.fileOnDisk(f), sha256: f.sha256, size: f.size, component: f.component, originalPath: f.originalPath });
  }
  return { placements, problems };
}

/**
 * The live companions: `CLUSDB*` regular files in the ClusDb folder that the restore does not
 * replace (and that are not this tool's staging files).
 */
export function findCompanions(liveClusDbDir: string, placements: FilePlacement[]): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(liveClusDbDir);
  } catch {
    return [];
  }
  const replaced = new Set(placements.map((p) => path.basename(p.target).toUpperCase()));
  return names
    .filter((n) => matchesFilespec(n, HIVE_FILESPEC) && !replaced.has(n.toUpperCase()) && unsafeFileNameReason(n) === null)
    .filter((n) => {
      try {
        return fs.lstatSync(path.join(liveClusDbDir, n)).isFile();
      } catch {
        return false;
      }
    })
    .sort()
    .map((n) => path.join(liveClusDbDir, n));
}

/**
 * The running writer must report each file too (its descriptors name %SystemRoot%\Cluster
 * on this node): a set whose files the writer no longer describes is not restored.
 */
export function checkLiveDescriptors(placements: FilePlacement[], live: FileDescriptor[], liveClusDbDir: string,
  env: Record<string, string | undefined>): void {
  const missing = placements.filter((p) => !live.some((d) => covers(d, liveClusDbDir, path.basename(p.target), env)));
  if (missing.length > 0) {
    throw new EngineError('INVALID_SET',
      `The running Cluster Database writer does not report ${missing.map((p) => path.basename(p.target)).join(', ')} among its files ` +
      `in ${liveClusDbDir}, so the set's file(s) are not restored. Check that the set is of this node's cluster and Windows version.`);
  }
}

/** The Cluster Database writer's components in the Backup Components Document (read again after PreRestore). */
export interface DocumentComponent {
  ref: ComponentRef;
  restoreTarget: number;
  directedTargets: { source: string; destination: string; ranges: boolean }[];
  preRestoreFailure: string | null;
}

export function describeComponent(ref: ComponentRef): string {
  return ref.logicalPath ? `${ref.logicalPath}\\${ref.componentName}` : ref.componentName;
}

/**
 * Where the writer wants the files after PreRestore: the original locations (the usual
 * case), or directed targets, which must be directly in the ClusDb folder. Alternate
 * locations are refused: they are for files that cannot go back to their place.
 */
export function applyWriterTargets(placements: FilePlacement[], components: DocumentComponent[], set: VerifiedBackupSet,
  liveClusDbDir: string, ctx: OperationContext): FilePlacement[] {
  const manifestComponents = set.manifest.components;
  const env = { ...process.env, SystemRoot: path.dirname(liveClusDbDir), windir: path.dirname(liveClusDbDir) };
  return placements.map((p) => {
    if (p.component === null) return p;
    const mc = manifestComponents[p.component];
    const doc = components.find((c) => c.ref.componentName === mc.name && c.ref.logicalPath === mc.logicalPath);
    if (!doc) return p;
    switch (doc.restoreTarget) {
      case VssRestoreTarget.Undefined:
      case VssRestoreTarget.Original:
      case VssRestoreTarget.OriginalLocation:
        return p;
      case VssRestoreTarget.Directed: {
        const api = pathApi(p.originalPath);
        const directed = doc.directedTargets.find((d) => api.relative(d.source, p.originalPath) === '');
        if (!directed) return p;
        if (directed.ranges) {
          throw new EngineError('RESTORE_FAILED', `The Cluster Database writer directed a partial restore of ${p.originalPath}, which this tool does not do.`);
        }
        const destination = path.resolve(expandEnvironmentVariables(directed.destination, env));
        const unsafe = unsafeFileNameReason(path.basename(destination));
        if (path.dirname(destination) !== path.resolve(liveClusDbDir) || unsafe) {
          throw new EngineError('RESTORE_FAILED',
            `The Cluster Database writer directed ${p.originalPath} to ${destination}, which is not a file directly in ${liveClusDbDir}; ` +
            'this tool restores only into the cluster folder.');
        }
        ctx.logger.log('info', `The writer directs ${p.originalPath} to ${destination}.`);
        return { ...p, target: destination };
      }
      default:
        throw new EngineError('RESTORE_FAILED',
          `The Cluster Database writer asks for restore target ${doc.restoreTarget} (alternate location) for ${describeComponent(doc.ref)}, which this tool does not support.`);
    }
  });
}
