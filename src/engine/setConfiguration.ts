/**
 * The cluster configuration inside a backup set: the set is verified (manifest, seal,
 * every size and SHA-256) before its ClusDb hive is read, then the hive becomes the
 * configuration model. File work only — no cluster, no native code — so the CLI runs it
 * in its own process and the engine serves it to the UI on any machine.
 *
 * Reading a large ClusDb takes a while, so results are kept: by the ClusDb file's SHA-256
 * (two sets holding the same database share one parse), and per set by the identity of
 * its manifest and ClusDb file (size, modification time, inode), so that expanding a set
 * again does not hash it again while neither file has changed on disk.
 */
import fsp = require('node:fs/promises');
import path = require('node:path');
import { configurationFromRegistry } from '../config/parse';
import type { ClusterConfiguration, ConfigurationSource } from '../config/model';
import type { HiveFile } from '../hive/types';
import { HiveError, readHiveFile } from '../hive/reader';
import { MANIFEST_FILE, openBackupSet, resolveInSet, type BackupManifest, type ManifestFile } from './backupSet';
import { EngineError, errorMessage } from './errors';

/** Parsed configurations kept at most (each can be tens of MiB for a very large cluster). */
const MAX_CACHED = 8;

interface Parsed {
  configuration: ClusterConfiguration;
  dirty: boolean;
}

const bySha256 = new Map<string, Parsed>();
const bySet = new Map<string, { stamp: string; source: ConfigurationSource }>();

function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > MAX_CACHED) map.delete(map.keys().next().value as K);
}

/** Forgets every parsed configuration (tests). */
export function clearConfigurationCache(): void {
  bySha256.clear();
  bySet.clear();
}

/** The manifest's entry for the CLUSDB hive: the file whose original name is CLUSDB (any case). */
export function clusDbEntry(manifest: BackupManifest): ManifestFile | undefined {
  const base = (p: string): string => p.split(/[\\/]/).pop() ?? '';
  return manifest.files.find((f) => base(f.originalPath).toUpperCase() === 'CLUSDB')
    ?? manifest.files.find((f) => base(f.path).toUpperCase() === 'CLUSDB');
}

async function statStamp(files: string[]): Promise<string | null> {
  try {
    const stats = await Promise.all(files.map((f) => fsp.stat(f, { bigint: true })));
    return stats.map((s) => `${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.ino}`).join('|');
  } catch {
    return null;
  }
}

export function setLabel(setPath: string): string {
  return `backup ${path.basename(setPath)}`;
}

export interface ReadSetConfigurationOptions {
  signal?: AbortSignal;
  /** Stands in for the hive reader (tests). */
  readHive?: (file: string) => Promise<HiveFile>;
}

/**
 * The configuration in the set at `setPath`. Throws EngineError('INVALID_SET') when the set
 * fails verification, holds no CLUSDB, or its CLUSDB is not a readable hive.
 */
export async function readSetConfiguration(setPath: string, options: ReadSetConfigurationOptions = {}): Promise<ConfigurationSource> {
  const abs = path.resolve(setPath);
  const known = bySet.get(abs);
  if (known) {
    if ((await currentStamp(abs, known.stamp)) === known.stamp) return known.source;
  }

  const set = await openBackupSet(abs, { signal: options.signal });
  const entry = clusDbEntry(set.manifest);
  if (!entry) throw new EngineError('INVALID_SET', `The backup set ${set.path} holds no CLUSDB file, so it has no cluster configuration to show.`);
  const file = set.fileOnDisk(entry);
  let parsed = bySha256.get(entry.sha256);
  if (!parsed) {
    let hive: HiveFile;
    try {
      hive = await (options.readHive ?? readHiveFile)(file);
    } catch (err) {
      const what = err instanceof HiveError ? err.message : errorMessage(err);
      throw new EngineError('INVALID_SET', `The CLUSDB file of the backup set ${set.path} is not a readable registry hive: ${what}`, { cause: err });
    }
    parsed = { configuration: configurationFromRegistry(hive.root), dirty: hive.dirty };
    remember(bySha256, entry.sha256, parsed);
  }
  const source: ConfigurationSource = {
    label: setLabel(set.path), configuration: parsed.configuration, setPath: set.path, sha256: entry.sha256, dirty: parsed.dirty,
    ...(set.manifest.reason === undefined ? {} : { reason: set.manifest.reason }),
  };
  const stamp = await statStamp([path.join(set.path, MANIFEST_FILE), file]);
  if (stamp !== null) remember(bySet, abs, { stamp: `${entry.path}\n${stamp}`, source });
  return source;
}

/** The stamp the set's manifest and the ClusDb file named in `previous` have now. */
async function currentStamp(setPath: string, previous: string): Promise<string | null> {
  const rel = previous.slice(0, previous.indexOf('\n'));
  const stamp = await statStamp([path.join(setPath, MANIFEST_FILE), resolveInSet(setPath, rel)]);
  return stamp === null ? null : `${rel}\n${stamp}`;
}
