/**
 * The backup-set format (README, "Backup sets") and everything that writes or reads one set.
 *
 * A set is a folder `<cluster>_<node>_<UTC yyyymmddThhmmssZ>/` holding:
 * - `manifest.json` (manifest.ts): what the set is and, for every file, where it came
 *   from, where it is in the set, its size and SHA-256; sealed with a SHA-256 of its own
 *   content so that an edited manifest is detected;
 * - `backup-components.xml` and `writer-metadata.xml` (VSS sets only): the Backup
 *   Components Document and the Cluster Database writer's metadata, which a restore
 *   hands back to VSS;
 * - `files/…`: the copied files, under relative paths only.
 *
 * Writing goes to a hidden sibling folder `.<name>.partial-<pid>` that holds a marker
 * file naming this tool and the process; every file is flushed, the finished set is
 * checked by the same code as `verify`, and only then is the marker removed and the
 * folder renamed into place, so a failed or cancelled backup leaves nothing behind.
 * Reading validates everything before anything uses the set. Folders of sets (listing,
 * retention, clean-up of unfinished sets) are in backupSetFolder.ts.
 */
import fs = require('node:fs');
import fsp = require('node:fs/promises');
import path = require('node:path');
import {
  copyAndHash, flushDirectory, hashFile, renameWithRetry, sha256OfBytes, writeNewFile, type CopyOptions,
} from './durableFile';
import { CancelledError, EngineError } from './errors';
import {
  BACKUP_COMPONENTS_FILE, FILES_FOLDER, MANIFEST_FILE, MAX_MANIFEST_BYTES, parseManifest, sealManifest, WRITER_METADATA_FILE,
  type BackupManifest, type DocumentRole, type ManifestDocument, type ManifestFile, type ParsedManifest, type UnsealedManifest,
} from './manifest';
import type { BackupSetSummary, VerifyResult } from './model';
import { compactUtcStamp, sanitizeName, unsafeRelativePathReason } from './paths';
import { backupWriteError, fileErrorCode, type SetFolderKind } from './fileErrors';
import { permissionWarnings, protectContents, protectPath } from './protection';

export * from './manifest';
export type { HashResult } from './durableFile';

/** The XML documents are read whole by a restore; bound them too. */
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;
const PARTIAL_INFIX = '.partial-';
/** The file inside a set being written that says this tool made the folder (removed just before the rename). */
export const PARTIAL_MARKER_FILE = '.fcbackup-unfinished-set';
/** `.<cluster>_<node>_<stamp>.partial-<pid>`, exactly as partialFolderName makes it. */
const PARTIAL_FOLDER = /^\.(.+_.+_\d{8}T\d{6}Z)\.partial-(\d{1,10})$/u;
/** The stamp and the `-n` suffix at the end of a set's name. */
const NAME_STAMP = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z(?:-(\d{1,4}))?$/u;

// ---------------------------------------------------------------------------------
// names

/** The set's folder name: `<cluster>_<node>_<yyyymmddThhmmssZ>`, file-system safe, Unicode kept, long names hashed. */
export function backupSetName(cluster: string | null, node: string, time: Date): string {
  return `${sanitizeName(cluster ?? 'unknown-cluster', 80)}_${sanitizeName(node, 40)}_${compactUtcStamp(time)}`;
}

/** `.<name>.partial-<pid>`: where a set is written before it is renamed into place. */
export function partialFolderName(name: string, pid = process.pid): string {
  return `.${name}${PARTIAL_INFIX}${pid}`;
}

/** The process id in a folder name made by partialFolderName, or null when the name is not exactly such a name. */
export function partialFolderPid(folderName: string): number | null {
  const m = PARTIAL_FOLDER.exec(folderName);
  return m ? Number(m[2]) : null;
}

/** When the set was made according to its name (`…_<yyyymmddThhmmssZ>[-n]`), and its `-n`; null when the name has no stamp. */
export function nameStamp(setName: string): { time: number; sequence: number } | null {
  const m = NAME_STAMP.exec(setName);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const time = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(time);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return null;
  return { time, sequence: m[7] === undefined ? 1 : Number(m[7]) };
}

let cachedToolVersion: string | undefined;
/** The product version from the package.json above this module (bundled or compiled layout). */
export function toolVersion(): string {
  if (cachedToolVersion) return cachedToolVersion;
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'failover-cluster-backup' && typeof pkg.version === 'string') return (cachedToolVersion = pkg.version);
    } catch {
      // not here; look further up
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return (cachedToolVersion = '0.0.0');
}

/** A path inside the set → the native path under `setPath`. The caller must have validated `rel`. */
export function resolveInSet(setPath: string, rel: string): string {
  return path.join(setPath, ...rel.split('/'));
}

export async function removeTree(dir: string): Promise<void> {
  await fsp.rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

// ---------------------------------------------------------------------------------
// writing

/**
 * Builds one backup set in its temporary folder and commits it with a rename.
 * Use: `create` → `copyFile`/`addDocument` … → `commit(manifest)`; on any failure
 * `discard()` (idempotent) removes everything.
 */
export class BackupSetWriter {
  readonly destination: string;
  readonly name: string;
  /** What errors call `destination`: the backup folder, or the copy folder a set is copied to. */
  readonly folderKind: SetFolderKind;
  /** The temporary folder the set is written to. */
  readonly partialPath: string;
  private readonly usedPaths = new Set<string>();
  private readonly files: ManifestFile[] = [];
  private readonly documents: ManifestDocument[] = [];
  private finished = false;

  private constructor(destination: string, name: string, folderKind: SetFolderKind) {
    this.destination = destination;
    this.name = name;
    this.folderKind = folderKind;
    this.partialPath = path.join(destination, partialFolderName(name));
  }

  /**
   * Creates `<destination>/.<name>.partial-<pid>/files/` with the marker file.
   * `destination` is created when missing; when it cannot be, the error names it.
   */
  static async create(destination: string, name: string, folderKind: SetFolderKind = 'backup folder'): Promise<BackupSetWriter> {
    const writer = new BackupSetWriter(destination, name, folderKind);
    try {
      const existing = await fsp.stat(destination).catch(() => undefined);
      if (existing && !existing.isDirectory()) {
        throw new EngineError('BAD_ARGUMENT', `The ${folderKind} ${destination} is a file, not a folder. Choose a folder for the backup sets.`);
      }
      await fsp.mkdir(destination, { recursive: true });
    } catch (err) {
      throw backupWriteError(err, destination, destination, folderKind, true);
    }
    try {
      await removeTree(writer.partialPath);
      await fsp.mkdir(writer.partialPath);
      protectPath(writer.partialPath, 'folder'); // before anything is written into it (issue #15 §1)
      await writeNewFile(path.join(writer.partialPath, PARTIAL_MARKER_FILE),
        JSON.stringify({ tool: 'failover-cluster-backup', pid: process.pid, set: name, started: new Date().toISOString() }) + '\n');
      await fsp.mkdir(path.join(writer.partialPath, FILES_FOLDER));
    } catch (err) {
      await removeTree(writer.partialPath).catch(() => undefined);
      throw backupWriteError(err, destination, writer.partialPath, folderKind);
    }
    return writer;
  }

  /**
   * A fresh path inside the set for a file: `files/<folder>/<name>` with each segment
   * sanitised; a name already used (case-insensitively, as on Windows) gets a `~n` suffix.
   */
  allocatePath(segments: string[]): string {
    const clean = segments.map((s) => sanitizeName(s, 100));
    const base = [FILES_FOLDER, ...clean].join('/');
    let candidate = base;
    for (let n = 2; this.usedPaths.has(candidate.toLowerCase()); n++) {
      const last = clean[clean.length - 1];
      const dot = last.lastIndexOf('.');
      const renamed = dot > 0 ? `${last.slice(0, dot)}~${n}${last.slice(dot)}` : `${last}~${n}`;
      candidate = [FILES_FOLDER, ...clean.slice(0, -1), renamed].join('/');
    }
    this.usedPaths.add(candidate.toLowerCase());
    return candidate;
  }

  /** Copies `source` into the set at `relPath` (from allocatePath), hashing and flushing it. */
  async copyFile(
    source: string, relPath: string, originalPath: string, component: number | null, options: CopyOptions = {},
  ): Promise<ManifestFile> {
    const reason = unsafeRelativePathReason(relPath);
    if (reason || !relPath.startsWith(`${FILES_FOLDER}/`)) throw new Error(`Unsafe path inside the backup set: ${relPath} (${reason ?? 'outside files/'})`);
    const target = resolveInSet(this.partialPath, relPath);
    let result;
    try {
      await fsp.mkdir(path.dirname(target), { recursive: true });
      result = await copyAndHash(source, target, options);
    } catch (err) {
      // A failure reading the source is the source's; one writing the set is the destination's.
      if (fileErrorCode(err) === 'ENOENT' || (err as NodeJS.ErrnoException).path === source) throw err;
      throw backupWriteError(err, this.destination, target, this.folderKind);
    }
    const entry: ManifestFile = { originalPath, path: relPath, size: result.size, sha256: result.sha256, component };
    this.files.push(entry);
    return entry;
  }

  /** Writes one of the XML documents beside the manifest (text, or the bytes of another set's document when a set is copied). */
  async addDocument(role: DocumentRole, text: string | Buffer): Promise<ManifestDocument> {
    const file = role === 'backupComponents' ? BACKUP_COMPONENTS_FILE : WRITER_METADATA_FILE;
    const target = path.join(this.partialPath, file);
    const { size, sha256 } = await writeNewFile(target, text).catch((err: unknown) => {
      throw backupWriteError(err, this.destination, target, this.folderKind);
    });
    const doc: ManifestDocument = { role, path: file, size, sha256 };
    this.documents.push(doc);
    return doc;
  }

  /**
   * Writes the sealed manifest, flushes the folders, checks the finished set with the
   * same code as `verify` (a set that verify would reject is never put in place), and
   * renames it into place. Returns the final path and the manifest. If the name is
   * taken, `-2`, `-3`… is appended.
   */
  async commit(base: Omit<UnsealedManifest, 'files' | 'documents'>): Promise<{ path: string; manifest: BackupManifest }> {
    if (this.finished) throw new Error('The backup set was already committed or discarded.');
    const manifest = sealManifest({ ...base, documents: [...this.documents], files: [...this.files] });
    const manifestPath = path.join(this.partialPath, MANIFEST_FILE);
    try {
      await writeNewFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
    } catch (err) {
      throw backupWriteError(err, this.destination, manifestPath, this.folderKind);
    }
    protectContents(this.partialPath);
    await flushDirectory(path.join(this.partialPath, FILES_FOLDER));
    await flushDirectory(this.partialPath);

    const check = await validateSetFolder(this.partialPath, undefined, new Set([PARTIAL_MARKER_FILE]));
    if (check.problems.length > 0) {
      throw new EngineError('INVALID_SET',
        `The new backup set failed its own verification, so it was not kept (${check.problems.length} problem(s)):\n` +
        check.problems.map((l) => `  ${l}`).join('\n'));
    }
    await fsp.rm(path.join(this.partialPath, PARTIAL_MARKER_FILE));
    await flushDirectory(this.partialPath);

    for (let n = 1; n < 1000; n++) {
      const finalName = n === 1 ? this.name : `${this.name}-${n}`;
      const finalPath = path.join(this.destination, finalName);
      if (fs.existsSync(finalPath)) continue;
      try {
        await renameWithRetry(this.partialPath, finalPath);
      } catch (err) {
        const code = fileErrorCode(err);
        if (code === 'EEXIST' || code === 'ENOTEMPTY') continue;
        throw backupWriteError(err, this.destination, finalPath, this.folderKind);
      }
      this.finished = true;
      protectPath(finalPath, 'folder'); // the same DACL under the final name (docs/windows.md, "Who can read a backup")
      await flushDirectory(this.destination);
      return { path: finalPath, manifest };
    }
    throw new Error(`No free name for the backup set ${this.name} in ${this.destination}`);
  }

  /** Removes the temporary folder and everything in it (after a failure or cancellation). */
  async discard(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await removeTree(this.partialPath);
  }
}

// ---------------------------------------------------------------------------------
// reading and validation

/** manifest.json of the set at `setPath`, checked; never throws for a bad or unreadable file. */
export async function readManifestFile(setPath: string): Promise<ParsedManifest> {
  const file = path.join(setPath, MANIFEST_FILE);
  const fail = (problem: string): ParsedManifest => ({ manifest: null, raw: null, problems: [`${MANIFEST_FILE}: ${problem}`] });
  let stat: fs.Stats;
  try {
    stat = await fsp.lstat(file);
  } catch (err) {
    return fail(fileErrorCode(err) === 'ENOENT' ? 'missing' : `cannot be read (${fileErrorCode(err) ?? (err as Error).message})`);
  }
  if (!stat.isFile()) return fail('not a regular file');
  if (stat.size > MAX_MANIFEST_BYTES) return fail(`${stat.size} bytes is larger than any manifest this tool writes`);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    return fail(`cannot be read (${fileErrorCode(err) ?? (err as Error).message})`);
  }
  return parseManifest(text);
}

/** Every entry under `dir`, relative with `/`, classified without following links; iterative, so depth costs no stack. */
async function walkSet(dir: string): Promise<{ files: string[]; others: { rel: string; what: string }[] }> {
  const files: string[] = [];
  const others: { rel: string; what: string }[] = [];
  const pending: { abs: string; rel: string }[] = [{ abs: dir, rel: '' }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const entries = await fsp.readdir(next.abs, { withFileTypes: true });
    for (const e of entries) {
      const childRel = next.rel ? `${next.rel}/${e.name}` : e.name;
      if (e.isSymbolicLink()) others.push({ rel: childRel, what: 'is a symbolic link' });
      else if (e.isDirectory()) pending.push({ abs: path.join(next.abs, e.name), rel: childRel });
      else if (e.isFile()) files.push(childRel);
      else others.push({ rel: childRel, what: 'is not a regular file' });
    }
  }
  return { files, others };
}

const textOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The summary of a set from whatever of its manifest could be read (`raw` is shallow: parseManifest checked its depth). */
export function summarize(setPath: string, parsed: Pick<ParsedManifest, 'manifest' | 'raw'>, verified: boolean | null, problems: string[]): BackupSetSummary {
  const source: Record<string, unknown> = (parsed.manifest as unknown as Record<string, unknown> | null) ?? parsed.raw ?? {};
  const cluster = source.cluster;
  const clusterName = typeof cluster === 'object' && cluster !== null ? textOrNull((cluster as Record<string, unknown>).name) : null;
  const files = Array.isArray(source.files) ? (source.files as unknown[]) : [];
  const size = files.reduce<number>((sum, f) => {
    const s = typeof f === 'object' && f !== null ? (f as Record<string, unknown>).size : undefined;
    return sum + (typeof s === 'number' && Number.isFinite(s) ? s : 0);
  }, 0);
  return {
    path: setPath,
    name: path.basename(setPath),
    cluster: clusterName,
    node: textOrNull(source.node),
    time: textOrNull(source.time),
    kind: source.kind === 'vss-cluster-writer' || source.kind === 'offline-hive' ? source.kind : null,
    size,
    verified,
    problems,
    reason: textOrNull(source.reason),
  };
}

export interface ValidatedSet {
  path: string;
  manifest: BackupManifest | null;
  problems: string[];
  summary: BackupSetSummary;
  /** true: the set could not be read completely (it vanished, a read was denied or refused), so the verdict may change without the set changing. */
  readFailed?: boolean;
}

/** The checks of validateBackupSet on a folder; `allowed` names top-level files that may be there besides the set's own. */
async function validateSetFolder(abs: string, signal: AbortSignal | undefined, allowed: ReadonlySet<string>): Promise<ValidatedSet> {
  const parsed = await readManifestFile(abs);
  const problems = [...parsed.problems];
  const { files: present, others } = await walkSet(abs);
  for (const o of others) problems.push(`${o.rel}: ${o.what}; a backup set holds only regular files`);

  const manifest = parsed.manifest;
  if (manifest) {
    const listed = new Map<string, { size: number; sha256: string }>();
    for (const d of manifest.documents) listed.set(d.path, d);
    for (const f of manifest.files) listed.set(f.path, f);
    const presentSet = new Set(present);
    for (const rel of present.sort()) {
      if (rel === MANIFEST_FILE || listed.has(rel) || allowed.has(rel)) continue;
      problems.push(rel.startsWith(`${FILES_FOLDER}/`)
        ? `${rel}: extra file not listed in the manifest`
        : `${rel}: extra file outside ${FILES_FOLDER}/ (a backup set holds only ${MANIFEST_FILE}, its XML documents and ${FILES_FOLDER}/)`);
    }
    for (const [rel, expected] of listed) {
      if (!presentSet.has(rel)) {
        problems.push(`${rel}: missing (listed in the manifest)`);
        continue;
      }
      if (signal?.aborted) throw new CancelledError('Verifying the backup set');
      const file = resolveInSet(abs, rel);
      const size = (await fsp.stat(file)).size;
      if (size !== expected.size) {
        problems.push(`${rel}: size check failed — ${size} bytes, the manifest says ${expected.size}`);
        continue;
      }
      const actual = await hashFile(file, signal);
      if (actual.sha256 !== expected.sha256) {
        problems.push(`${rel}: SHA-256 check failed — the content differs from the backup (${actual.sha256.slice(0, 12)}… ≠ ${expected.sha256.slice(0, 12)}…)`);
      }
    }
  }
  const ok = problems.length === 0;
  return { path: abs, manifest: ok ? manifest : null, problems, summary: summarize(abs, parsed, ok, problems) };
}

/**
 * Full validation of the set at `setPath` (no cluster check). Never throws for a bad
 * set, whatever is wrong with it (only for a cancellation); problems say what is wrong.
 */
export async function validateBackupSet(setPath: string, signal?: AbortSignal): Promise<ValidatedSet> {
  const abs = path.resolve(setPath);
  const failed = (problem: string): ValidatedSet => {
    const problems = [problem];
    return { path: abs, manifest: null, problems, summary: summarize(abs, { manifest: null, raw: null }, false, problems), readFailed: true };
  };
  let stat: fs.Stats;
  try {
    stat = await fsp.stat(abs);
  } catch (err) {
    return failed(fileErrorCode(err) === 'ENOENT' ? `${abs}: the backup set folder does not exist` : `${abs}: cannot be read (${fileErrorCode(err) ?? (err as Error).message})`);
  }
  if (!stat.isDirectory()) return failed(`${abs}: not a folder`);
  try {
    return await validateSetFolder(abs, signal, new Set());
  } catch (err) {
    if (err instanceof CancelledError) throw err;
    // A folder or file that vanished or cannot be read while the set was checked.
    return failed(`${abs}: could not be read completely (${fileErrorCode(err) ?? ''}${fileErrorCode(err) ? ': ' : ''}${(err as Error).message})`);
  }
}

/** Cluster names compare without regard to case (NetBIOS names are case-insensitive). */
export function sameClusterName(a: string, b: string): boolean {
  return a.normalize('NFC').toUpperCase() === b.normalize('NFC').toUpperCase();
}

function clusterProblem(manifest: BackupManifest, expected: string): string | null {
  if (manifest.cluster.name === null) {
    return `${MANIFEST_FILE}: cluster check failed — the set does not record its cluster's name, so it cannot be confirmed to belong to ${expected}`;
  }
  if (!sameClusterName(manifest.cluster.name, expected)) {
    return `${MANIFEST_FILE}: cluster check failed — the set was made on cluster ${manifest.cluster.name}, not ${expected}`;
  }
  return null;
}

/**
 * Validates a set completely (`verify`): schema and seal, every path, size and hash, no
 * missing or extra file, and — when `expectedCluster` is given — the cluster name.
 */
export async function readBackupSet(setPath: string, options: { expectedCluster?: string; signal?: AbortSignal } = {}): Promise<VerifyResult> {
  const v = await validateBackupSet(setPath, options.signal);
  const problems = [...v.problems];
  if (v.manifest && options.expectedCluster) {
    const wrong = clusterProblem(v.manifest, options.expectedCluster);
    if (wrong) problems.push(wrong);
  }
  const ok = problems.length === 0;
  const warnings = v.manifest ? permissionWarnings(v.path) : [];
  return { path: v.path, ok, problems, warnings, summary: { ...v.summary, verified: ok, problems } };
}

/** A set that passed every check, for the restore. */
export interface VerifiedBackupSet {
  path: string;
  manifest: BackupManifest;
  summary: BackupSetSummary;
  /** The native path of a file listed in the manifest. */
  fileOnDisk(entry: { path: string }): string;
  /** The saved Backup Components Document (VSS sets), re-checked against its hash. */
  readBackupComponentsXml(): Promise<string>;
  /** The saved Writer Metadata Document (VSS sets), re-checked against its hash. */
  readWriterMetadataXml(): Promise<string>;
}

/**
 * Validates the set and returns it, or throws: EngineError('INVALID_SET') listing every
 * problem, or EngineError('WRONG_CLUSTER') when it belongs to another cluster (unless
 * `allowOtherCluster`).
 */
export async function openBackupSet(
  setPath: string, options: { expectedCluster?: string; allowOtherCluster?: boolean; signal?: AbortSignal } = {},
): Promise<VerifiedBackupSet> {
  const v = await validateBackupSet(setPath, options.signal);
  if (!v.manifest) {
    throw new EngineError('INVALID_SET', `The backup set ${v.path} failed validation; nothing was changed:\n${v.problems.map((l) => `  ${l}`).join('\n')}`);
  }
  if (options.expectedCluster && !options.allowOtherCluster) {
    const wrong = clusterProblem(v.manifest, options.expectedCluster);
    if (wrong) throw new EngineError('WRONG_CLUSTER', `${wrong}. Choose a set of this cluster, or confirm explicitly that you want to restore a set from another cluster.`);
  }
  return verifiedSet({ ...v, manifest: v.manifest });
}

/** The set that passed validateBackupSet (its manifest is there only when it passed), ready to be read. */
export function verifiedSet(v: ValidatedSet & { manifest: BackupManifest }): VerifiedBackupSet {
  const manifest = v.manifest;
  const readDocument = async (role: DocumentRole): Promise<string> => {
    const doc = manifest.documents.find((d) => d.role === role);
    if (!doc) throw new EngineError('INVALID_SET', `The backup set ${v.path} has no ${role === 'backupComponents' ? BACKUP_COMPONENTS_FILE : WRITER_METADATA_FILE}.`);
    if (doc.size > MAX_DOCUMENT_BYTES) throw new EngineError('INVALID_SET', `${doc.path} in ${v.path} is too large (${doc.size} bytes).`);
    const bytes = await fsp.readFile(resolveInSet(v.path, doc.path));
    if (bytes.length !== doc.size || sha256OfBytes(bytes) !== doc.sha256) {
      throw new EngineError('INVALID_SET', `${doc.path} in ${v.path} changed after it was verified (size or SHA-256 check failed).`);
    }
    return bytes.toString('utf8');
  };
  return {
    path: v.path,
    manifest,
    summary: v.summary,
    fileOnDisk: (entry) => {
      const reason = unsafeRelativePathReason(entry.path);
      if (reason) throw new EngineError('INVALID_SET', `Unsafe path in the backup set: ${entry.path} (${reason})`);
      return resolveInSet(v.path, entry.path);
    },
    readBackupComponentsXml: () => readDocument('backupComponents'),
    readWriterMetadataXml: () => readDocument('writerMetadata'),
  };
}
