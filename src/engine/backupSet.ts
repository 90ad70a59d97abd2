/**
 * The backup-set format (design.md §4) and everything that reads or writes it.
 *
 * A set is a folder `<cluster>_<node>_<UTC yyyymmddThhmmssZ>/` holding:
 * - `manifest.json`: what the set is and, for every file, where it came from, where it
 *   is in the set, its size and SHA-256; sealed with a SHA-256 of its own content so
 *   that an edited manifest is detected;
 * - `backup-components.xml` and `writer-metadata.xml` (VSS sets only): the Backup
 *   Components Document and the Cluster Database writer's metadata, which a restore
 *   hands back to VSS;
 * - `files/…`: the copied files, under relative paths only.
 *
 * Writing goes to a hidden sibling folder `.<name>.partial-<pid>`; every file is
 * flushed, and only then is the folder renamed into place, so a failed or cancelled
 * backup leaves nothing behind. Reading validates everything before anything uses
 * the set: the manifest's shape and seal, every path, size and hash, no missing or
 * extra file, and the cluster name.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { Logger } from './context';
import { CancelledError, EngineError } from './errors';
import type { BackupFileEntry, BackupKind, BackupSetSummary, VerifyResult } from './model';
import { compactUtcStamp, isAbsolutePath, sanitizeName, unsafeRelativePathReason } from './paths';
import { isProcessAlive } from './lock';

export const BACKUP_SET_SCHEMA_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const BACKUP_COMPONENTS_FILE = 'backup-components.xml';
export const WRITER_METADATA_FILE = 'writer-metadata.xml';
export const FILES_FOLDER = 'files';
/** A manifest larger than this is not a manifest we wrote (it bounds what a reader loads into memory). */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
/** The XML documents are read whole by a restore; bound them too. */
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;
const COPY_CHUNK_BYTES = 1024 * 1024;
const PARTIAL_MARKER = '.partial-';

export type ComponentTypeName = 'database' | 'filegroup';

export interface ManifestWriter {
  /** The writer class id: 41e12264-35d8-479b-8e5c-9b23d1dad37e for the Cluster Database writer. */
  id: string;
  instanceId: string;
  name: string;
  /** VSS_RESTOREMETHOD_ENUM the writer reported at backup time, and the service it names. */
  restoreMethod: number | null;
  restoreService: string | null;
  /** GetBackupSchema mask (VSS_BS_AUTHORITATIVE_RESTORE = 0x4000). */
  backupSchema: number | null;
}

export interface ManifestComponent {
  logicalPath: string;
  name: string;
  type: ComponentTypeName;
}

export interface ManifestFile extends BackupFileEntry {
  /** Index into `components` of the component the file belongs to; null for an offline hive copy. */
  component: number | null;
}

export type DocumentRole = 'backupComponents' | 'writerMetadata';

export interface ManifestDocument {
  role: DocumentRole;
  path: string;
  size: number;
  sha256: string;
}

export interface ManifestSnapshot {
  setId: string;
  volumes: { volume: string; snapshotId: string; deviceObject: string }[];
}

/** manifest.json, schema version 1. */
export interface BackupManifest {
  schemaVersion: typeof BACKUP_SET_SCHEMA_VERSION;
  toolVersion: string;
  kind: BackupKind;
  /** UTC ISO-8601: when the snapshot was taken (or, for an offline hive, when the copy started). */
  time: string;
  /** The cluster's name and "major.minor.build" version; name null when it could not be determined (offline hive). */
  cluster: { name: string | null; version: string | null };
  /** The node the backup was taken on. */
  node: string;
  /** The cluster's node names at backup time (absent in sets that did not record them). */
  nodes?: string[];
  writer: ManifestWriter | null;
  components: ManifestComponent[];
  snapshot: ManifestSnapshot | null;
  documents: ManifestDocument[];
  files: ManifestFile[];
  /** SHA-256 of the manifest's JSON without this field: detects a manifest edited after the backup. */
  integrity: { algorithm: 'sha256'; digest: string };
}

export type UnsealedManifest = Omit<BackupManifest, 'integrity'>;

// ---------------------------------------------------------------------------------
// names, the seal, hashing and copying

/** The set's folder name: `<cluster>_<node>_<yyyymmddThhmmssZ>`, file-system safe, Unicode kept, long names hashed. */
export function backupSetName(cluster: string | null, node: string, time: Date): string {
  return `${sanitizeName(cluster ?? 'unknown-cluster', 80)}_${sanitizeName(node, 40)}_${compactUtcStamp(time)}`;
}

/** `.<name>.partial-<pid>`: where a set is written before it is renamed into place. */
export function partialFolderName(name: string, pid = process.pid): string {
  return `.${name}${PARTIAL_MARKER}${pid}`;
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

function sealDigest(unsealed: unknown): string {
  return createHash('sha256').update(JSON.stringify(unsealed), 'utf8').digest('hex');
}

export function sealManifest(unsealed: UnsealedManifest): BackupManifest {
  return { ...unsealed, integrity: { algorithm: 'sha256', digest: sealDigest(unsealed) } };
}

/** A path inside the set → the native path under `setPath`. The caller must have validated `rel`. */
export function resolveInSet(setPath: string, rel: string): string {
  return path.join(setPath, ...rel.split('/'));
}

export interface HashResult {
  size: number;
  sha256: string;
}

/** SHA-256 and size of a file, streamed (bounded memory), cancellable between chunks. */
export async function hashFile(file: string, signal?: AbortSignal): Promise<HashResult> {
  const handle = await fsp.open(file, 'r');
  try {
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
    let size = 0;
    for (;;) {
      if (signal?.aborted) throw new CancelledError('Hashing');
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { size, sha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

/**
 * Copies `source` to the new file `target` while hashing it: one pass, two 1 MiB
 * buffers (the next read overlaps the previous write), then fsync. `onBytes` reports
 * progress. The target must not exist.
 */
export async function copyAndHash(
  source: string, target: string, options: { signal?: AbortSignal; onBytes?: (done: number) => void } = {},
): Promise<HashResult> {
  const input = await fsp.open(source, 'r');
  try {
    const output = await fsp.open(target, 'wx');
    try {
      const hash = createHash('sha256');
      const buffers = [Buffer.allocUnsafe(COPY_CHUNK_BYTES), Buffer.allocUnsafe(COPY_CHUNK_BYTES)];
      let pendingWrite: Promise<unknown> = Promise.resolve();
      let size = 0;
      for (let i = 0; ; i ^= 1) {
        if (options.signal?.aborted) {
          await pendingWrite.catch(() => undefined);
          throw new CancelledError('Copying');
        }
        const buffer = buffers[i];
        const { bytesRead } = await input.read(buffer, 0, buffer.length, null);
        await pendingWrite;
        if (bytesRead === 0) break;
        const chunk = buffer.subarray(0, bytesRead);
        hash.update(chunk);
        size += bytesRead;
        pendingWrite = writeFully(output, chunk);
        options.onBytes?.(size);
      }
      await output.sync();
      return { size, sha256: hash.digest('hex') };
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}

async function writeFully(handle: fsp.FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset, null);
    offset += bytesWritten;
  }
}

async function writeFileSynced(file: string, data: string | Buffer): Promise<HashResult> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const handle = await fsp.open(file, 'wx');
  try {
    await writeFully(handle, bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** fsync a directory so a rename or a new entry in it is durable (not possible on Windows, where it is not needed). */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // Some file systems refuse to fsync directories; the data files themselves are synced.
  } finally {
    await handle?.close();
  }
}

async function removeTree(dir: string): Promise<void> {
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
  /** The temporary folder the set is written to. */
  readonly partialPath: string;
  private readonly usedPaths = new Set<string>();
  private readonly files: ManifestFile[] = [];
  private readonly documents: ManifestDocument[] = [];
  private finished = false;

  private constructor(destination: string, name: string) {
    this.destination = destination;
    this.name = name;
    this.partialPath = path.join(destination, partialFolderName(name));
  }

  /** Creates `<destination>/.<name>.partial-<pid>/files/`. `destination` is created when missing. */
  static async create(destination: string, name: string): Promise<BackupSetWriter> {
    await fsp.mkdir(destination, { recursive: true });
    const writer = new BackupSetWriter(destination, name);
    await removeTree(writer.partialPath);
    await fsp.mkdir(path.join(writer.partialPath, FILES_FOLDER), { recursive: true });
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
    source: string, relPath: string, originalPath: string, component: number | null,
    options: { signal?: AbortSignal; onBytes?: (done: number) => void } = {},
  ): Promise<ManifestFile> {
    const reason = unsafeRelativePathReason(relPath);
    if (reason || !relPath.startsWith(`${FILES_FOLDER}/`)) throw new Error(`Unsafe path inside the backup set: ${relPath} (${reason ?? 'outside files/'})`);
    const target = resolveInSet(this.partialPath, relPath);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    const { size, sha256 } = await copyAndHash(source, target, options);
    const entry: ManifestFile = { originalPath, path: relPath, size, sha256, component };
    this.files.push(entry);
    return entry;
  }

  /** Writes one of the XML documents beside the manifest. */
  async addDocument(role: DocumentRole, text: string): Promise<ManifestDocument> {
    const file = role === 'backupComponents' ? BACKUP_COMPONENTS_FILE : WRITER_METADATA_FILE;
    const { size, sha256 } = await writeFileSynced(path.join(this.partialPath, file), text);
    const doc: ManifestDocument = { role, path: file, size, sha256 };
    this.documents.push(doc);
    return doc;
  }

  /**
   * Writes the sealed manifest, flushes the folders and renames the set into place.
   * Returns the final path and the manifest. If the name is taken, `-2`, `-3`… is appended.
   */
  async commit(base: Omit<UnsealedManifest, 'files' | 'documents'>): Promise<{ path: string; manifest: BackupManifest }> {
    if (this.finished) throw new Error('The backup set was already committed or discarded.');
    const manifest = sealManifest({ ...base, documents: [...this.documents], files: [...this.files] });
    await writeFileSynced(path.join(this.partialPath, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    await syncDirectory(path.join(this.partialPath, FILES_FOLDER));
    await syncDirectory(this.partialPath);

    for (let n = 1; n < 1000; n++) {
      const finalName = n === 1 ? this.name : `${this.name}-${n}`;
      const finalPath = path.join(this.destination, finalName);
      if (fs.existsSync(finalPath)) continue;
      try {
        await renameWithRetry(this.partialPath, finalPath);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' || code === 'ENOTEMPTY') continue;
        throw err;
      }
      this.finished = true;
      await syncDirectory(this.destination);
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

/** Windows briefly refuses to rename a folder whose files a scanner has open; retry a few times. */
async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fsp.rename(from, to);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (process.platform !== 'win32' || attempt >= 10 || (code !== 'EPERM' && code !== 'EBUSY' && code !== 'EACCES')) throw err;
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
    }
  }
}

/**
 * Removes `.<name>.partial-<pid>` folders left in `destination` by processes that no
 * longer run (a crash or power loss mid-backup). Returns what was removed.
 */
export async function removeStalePartialSets(destination: string, logger?: Logger): Promise<string[]> {
  let entries: fs.Dirent[];
  try {
    entries = await fsp.readdir(destination, { withFileTypes: true });
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !entry.name.startsWith('.')) continue;
    const at = entry.name.lastIndexOf(PARTIAL_MARKER);
    if (at < 0) continue;
    const pid = Number(entry.name.slice(at + PARTIAL_MARKER.length));
    if (!Number.isInteger(pid) || pid === process.pid || isProcessAlive(pid)) continue;
    const full = path.join(destination, entry.name);
    await removeTree(full);
    logger?.log('info', `Removed the unfinished backup set ${full} left by process ${pid}, which no longer runs.`);
    removed.push(full);
  }
  return removed;
}

// ---------------------------------------------------------------------------------
// reading and validation

const SHA256_HEX = /^[0-9a-f]{64}$/;
const GUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks the manifest's shape and seal. Problems are lines like
 * `manifest.json: files[2].sha256 is not a SHA-256 hex digest`.
 */
export function checkManifest(value: unknown): { manifest: BackupManifest | null; problems: string[] } {
  const problems: string[] = [];
  const p = (msg: string): void => {
    problems.push(`${MANIFEST_FILE}: ${msg}`);
  };
  if (!isObject(value)) {
    p('is not a JSON object');
    return { manifest: null, problems };
  }
  const str = (v: unknown): v is string => typeof v === 'string';
  const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

  if (value.schemaVersion !== BACKUP_SET_SCHEMA_VERSION) {
    p(`schemaVersion is ${JSON.stringify(value.schemaVersion)}; this version of the tool reads schema ${BACKUP_SET_SCHEMA_VERSION}`);
    return { manifest: null, problems };
  }
  if (!str(value.toolVersion)) p('toolVersion is missing');
  const kind = value.kind;
  if (kind !== 'vss-cluster-writer' && kind !== 'offline-hive') p(`kind ${JSON.stringify(kind)} is not "vss-cluster-writer" or "offline-hive"`);
  if (!str(value.time) || !ISO_UTC.test(value.time) || Number.isNaN(Date.parse(value.time))) p('time is not a UTC ISO-8601 time');
  const cluster = value.cluster;
  if (!isObject(cluster) || !(cluster.name === null || (str(cluster.name) && cluster.name !== '')) || !(cluster.version === null || str(cluster.version))) {
    p('cluster must be { name, version } with a non-empty name or null');
  }
  if (!str(value.node) || value.node === '') p('node is missing');
  if (value.nodes !== undefined && (!Array.isArray(value.nodes) || !value.nodes.every((n) => str(n) && n !== ''))) {
    p('nodes must be a list of non-empty node names');
  }

  const components = value.components;
  if (!Array.isArray(components)) p('components is not a list');
  else {
    components.forEach((c, i) => {
      if (!isObject(c) || !str(c.logicalPath) || !str(c.name) || c.name === '' || (c.type !== 'database' && c.type !== 'filegroup')) {
        p(`components[${i}] must be { logicalPath, name, type: "database" | "filegroup" }`);
      }
    });
  }
  const componentCount = Array.isArray(components) ? components.length : 0;

  const writer = value.writer;
  if (kind === 'vss-cluster-writer') {
    if (!isObject(writer) || !str(writer.id) || !GUID_TEXT.test(writer.id) || !str(writer.instanceId) || !GUID_TEXT.test(writer.instanceId) || !str(writer.name)) {
      p('writer must name the VSS writer (id, instanceId as GUIDs, name)');
    } else if (
      !(writer.restoreMethod === null || count(writer.restoreMethod)) || !(writer.restoreService === null || str(writer.restoreService)) ||
      !(writer.backupSchema === null || count(writer.backupSchema))
    ) {
      p('writer.restoreMethod/restoreService/backupSchema have the wrong type');
    }
    if (componentCount === 0) p('a VSS backup set must list at least one component');
  } else if (writer !== null && writer !== undefined) {
    p('an offline-hive set has no writer');
  }
  const snapshot = value.snapshot;
  if (!(snapshot === null || (isObject(snapshot) && str(snapshot.setId) && Array.isArray(snapshot.volumes)))) p('snapshot has the wrong shape');

  const seen = new Set<string>();
  const checkEntryPath = (where: string, rel: unknown): boolean => {
    if (!str(rel)) {
      p(`${where}.path is missing`);
      return false;
    }
    const reason = unsafeRelativePathReason(rel);
    if (reason) {
      p(`${where}.path ${JSON.stringify(rel)} is unsafe: ${reason}`);
      return false;
    }
    const key = rel.normalize('NFC').toLowerCase();
    if (seen.has(key)) {
      p(`${where}.path ${JSON.stringify(rel)} is listed twice`);
      return false;
    }
    seen.add(key);
    return true;
  };
  const checkSizeHash = (where: string, entry: Record<string, Json>): void => {
    if (!count(entry.size)) p(`${where}.size is not a non-negative integer`);
    if (!str(entry.sha256) || !SHA256_HEX.test(entry.sha256)) p(`${where}.sha256 is not a SHA-256 hex digest`);
  };

  const documents = value.documents;
  if (!Array.isArray(documents)) p('documents is not a list');
  else {
    const roles = new Set<string>();
    documents.forEach((d, i) => {
      const where = `documents[${i}]`;
      if (!isObject(d)) return p(`${where} is not an object`);
      const expected = d.role === 'backupComponents' ? BACKUP_COMPONENTS_FILE : d.role === 'writerMetadata' ? WRITER_METADATA_FILE : null;
      if (!expected) return p(`${where}.role ${JSON.stringify(d.role)} is unknown`);
      if (roles.has(d.role as string)) p(`${where}.role ${String(d.role)} is listed twice`);
      roles.add(d.role as string);
      if (checkEntryPath(where, d.path) && d.path !== expected) p(`${where}.path must be ${expected}`);
      checkSizeHash(where, d);
    });
    if (kind === 'vss-cluster-writer') {
      if (!roles.has('backupComponents')) p(`${BACKUP_COMPONENTS_FILE} is not listed in documents`);
      if (!roles.has('writerMetadata')) p(`${WRITER_METADATA_FILE} is not listed in documents`);
    }
  }

  const files = value.files;
  if (!Array.isArray(files) || files.length === 0) p('files is not a non-empty list');
  else {
    files.forEach((f, i) => {
      const where = `files[${i}]`;
      if (!isObject(f)) return p(`${where} is not an object`);
      if (checkEntryPath(where, f.path) && !(f.path as string).startsWith(`${FILES_FOLDER}/`)) {
        p(`${where}.path ${JSON.stringify(f.path)} is outside ${FILES_FOLDER}/`);
      }
      if (!str(f.originalPath) || !isAbsolutePath(f.originalPath)) p(`${where}.originalPath is not an absolute path`);
      checkSizeHash(where, f);
      if (!(f.component === null || (count(f.component) && f.component < componentCount))) p(`${where}.component does not name a listed component`);
    });
  }

  const integrity = value.integrity;
  if (!isObject(integrity) || integrity.algorithm !== 'sha256' || !str(integrity.digest) || !SHA256_HEX.test(integrity.digest)) {
    p('integrity seal is missing or malformed');
  } else if (problems.length === 0) {
    const { integrity: _seal, ...unsealed } = value;
    if (sealDigest(unsealed) !== integrity.digest) p('integrity seal does not match: the manifest was edited after the backup');
  }
  return { manifest: problems.length === 0 ? (value as unknown as BackupManifest) : null, problems };
}

async function readManifestFile(setPath: string): Promise<{ manifest: BackupManifest | null; raw: Record<string, Json> | null; problems: string[] }> {
  const file = path.join(setPath, MANIFEST_FILE);
  let stat: fs.Stats;
  try {
    stat = await fsp.lstat(file);
  } catch {
    return { manifest: null, raw: null, problems: [`${MANIFEST_FILE}: missing`] };
  }
  if (!stat.isFile()) return { manifest: null, raw: null, problems: [`${MANIFEST_FILE}: not a regular file`] };
  if (stat.size > MAX_MANIFEST_BYTES) return { manifest: null, raw: null, problems: [`${MANIFEST_FILE}: ${stat.size} bytes is larger than any manifest this tool writes`] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fsp.readFile(file, 'utf8'));
  } catch (err) {
    return { manifest: null, raw: null, problems: [`${MANIFEST_FILE}: not valid JSON (${(err as Error).message})`] };
  }
  const { manifest, problems } = checkManifest(parsed);
  return { manifest, raw: isObject(parsed) ? parsed : null, problems };
}

/** Every entry under `dir`, relative with `/`, classified without following links. */
async function walkSet(dir: string): Promise<{ files: string[]; others: { rel: string; what: string }[] }> {
  const files: string[] = [];
  const others: { rel: string; what: string }[] = [];
  const visit = async (abs: string, rel: string): Promise<void> => {
    const entries = await fsp.readdir(abs, { withFileTypes: true });
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      const childAbs = path.join(abs, e.name);
      if (e.isSymbolicLink()) others.push({ rel: childRel, what: 'is a symbolic link' });
      else if (e.isDirectory()) await visit(childAbs, childRel);
      else if (e.isFile()) files.push(childRel);
      else others.push({ rel: childRel, what: 'is not a regular file' });
    }
  };
  await visit(dir, '');
  return { files, others };
}

/** The summary of a set from whatever of its manifest could be read. */
function summarize(setPath: string, raw: Record<string, Json> | null, manifest: BackupManifest | null, verified: boolean | null, problems: string[]): BackupSetSummary {
  const source = (manifest ?? raw ?? {}) as Partial<BackupManifest>;
  const clusterName = isObject(source.cluster) && typeof source.cluster.name === 'string' ? source.cluster.name : null;
  const files = Array.isArray(source.files) ? source.files : [];
  return {
    path: setPath,
    name: path.basename(setPath),
    cluster: clusterName,
    node: typeof source.node === 'string' ? source.node : null,
    time: typeof source.time === 'string' ? source.time : null,
    kind: source.kind === 'vss-cluster-writer' || source.kind === 'offline-hive' ? source.kind : null,
    size: files.reduce((sum, f) => sum + (isObject(f) && typeof f.size === 'number' ? f.size : 0), 0),
    verified,
    problems,
  };
}

export interface ValidatedSet {
  path: string;
  manifest: BackupManifest | null;
  problems: string[];
  summary: BackupSetSummary;
}

/** Full validation of the set at `setPath` (no cluster check). Never throws for a bad set; problems say what is wrong. */
export async function validateBackupSet(setPath: string, signal?: AbortSignal): Promise<ValidatedSet> {
  const abs = path.resolve(setPath);
  let stat: fs.Stats;
  try {
    stat = await fsp.stat(abs);
  } catch {
    const problems = [`${abs}: the backup set folder does not exist`];
    return { path: abs, manifest: null, problems, summary: summarize(abs, null, null, false, problems) };
  }
  if (!stat.isDirectory()) {
    const problems = [`${abs}: not a folder`];
    return { path: abs, manifest: null, problems, summary: summarize(abs, null, null, false, problems) };
  }

  const { manifest, raw, problems } = await readManifestFile(abs);
  const { files: present, others } = await walkSet(abs);
  for (const o of others) problems.push(`${o.rel}: ${o.what}; a backup set holds only regular files`);

  if (manifest) {
    const listed = new Map<string, { size: number; sha256: string }>();
    for (const d of manifest.documents) listed.set(d.path, d);
    for (const f of manifest.files) listed.set(f.path, f);
    const presentSet = new Set(present);
    for (const rel of present) {
      if (rel === MANIFEST_FILE || listed.has(rel)) continue;
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
  return { path: abs, manifest: ok ? manifest : null, problems, summary: summarize(abs, raw, manifest, ok, problems) };
}

function sameClusterName(a: string, b: string): boolean {
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
  return { path: v.path, ok, problems, summary: { ...v.summary, verified: ok, problems } };
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
  const manifest = v.manifest;
  if (options.expectedCluster && !options.allowOtherCluster) {
    const wrong = clusterProblem(manifest, options.expectedCluster);
    if (wrong) throw new EngineError('WRONG_CLUSTER', `${wrong}. Choose a set of this cluster, or confirm explicitly that you want to restore a set from another cluster.`);
  }
  const readDocument = async (role: DocumentRole): Promise<string> => {
    const doc = manifest.documents.find((d) => d.role === role);
    if (!doc) throw new EngineError('INVALID_SET', `The backup set ${v.path} has no ${role === 'backupComponents' ? BACKUP_COMPONENTS_FILE : WRITER_METADATA_FILE}.`);
    if (doc.size > MAX_DOCUMENT_BYTES) throw new EngineError('INVALID_SET', `${doc.path} in ${v.path} is too large (${doc.size} bytes).`);
    const bytes = await fsp.readFile(resolveInSet(v.path, doc.path));
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (bytes.length !== doc.size || digest !== doc.sha256) {
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

function newestFirst(a: BackupSetSummary, b: BackupSetSummary): number {
  const ta = a.time ? Date.parse(a.time) : Number.NEGATIVE_INFINITY;
  const tb = b.time ? Date.parse(b.time) : Number.NEGATIVE_INFINITY;
  if (ta !== tb) return tb - ta;
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}

/**
 * The sets in `folder` (its direct subfolders holding a manifest.json), newest first.
 * With `verify`, each is fully validated; otherwise only its manifest is read and
 * checked (`verified` stays null for a readable manifest).
 */
export async function listBackupSets(folder: string, options: { verify: boolean; signal?: AbortSignal }): Promise<BackupSetSummary[]> {
  const abs = path.resolve(folder);
  let entries: fs.Dirent[];
  try {
    entries = await fsp.readdir(abs, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    throw new EngineError('BAD_ARGUMENT', `Cannot read the backup folder ${abs}: ${(err as Error).message}`);
  }
  const sets: BackupSetSummary[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const setPath = path.join(abs, e.name);
    if (!fs.existsSync(path.join(setPath, MANIFEST_FILE))) continue;
    if (options.signal?.aborted) throw new CancelledError('Listing the backup sets');
    if (options.verify) {
      sets.push((await validateBackupSet(setPath, options.signal)).summary);
    } else {
      const { manifest, raw, problems } = await readManifestFile(setPath);
      sets.push(summarize(setPath, raw, manifest, manifest ? null : false, problems));
    }
  }
  return sets.sort(newestFirst);
}

export interface RetentionOptions {
  /** The cluster whose sets are pruned (compared without regard to case); null for sets without a cluster name. */
  cluster: string | null;
  /** Keep this many of the newest valid sets of that cluster; 0 or less keeps everything. */
  keep: number;
  /** Sets that are never deleted, e.g. the one just made. */
  protect?: string[];
  logger?: Logger;
  signal?: AbortSignal;
}

/**
 * Keeps the newest `keep` valid sets of one cluster and deletes its older valid sets.
 * A set that fails validation is neither counted nor deleted: it is reported in the
 * log and left for the user to inspect. Returns the deleted sets' paths.
 */
export async function applyRetention(folder: string, options: RetentionOptions): Promise<string[]> {
  const keep = Math.floor(options.keep);
  if (!(keep > 0)) return [];
  const protect = new Set((options.protect ?? []).map((p) => path.resolve(p)));
  const sets = await listBackupSets(folder, { verify: true, signal: options.signal });
  const mine = sets.filter((s) => (options.cluster === null ? s.cluster === null : s.cluster !== null && sameClusterName(s.cluster, options.cluster)));
  const removed: string[] = [];
  let kept = 0;
  for (const set of mine) {
    if (!set.verified) {
      options.logger?.log('warn', `Retention: ${set.path} failed validation and is left in place (${set.problems.length} problem(s): ${set.problems.slice(0, 3).join('; ')}${set.problems.length > 3 ? '; …' : ''}).`);
      continue;
    }
    if (kept < keep || protect.has(path.resolve(set.path))) {
      kept++;
      continue;
    }
    await removeTree(set.path);
    options.logger?.log('info', `Retention: removed ${set.path} (keeping the newest ${keep} set(s) of ${options.cluster ?? 'this node'}).`);
    removed.push(set.path);
  }
  return removed;
}
