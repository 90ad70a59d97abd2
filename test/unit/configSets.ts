/** Backup sets for the configuration tests: real, sealed sets whose CLUSDB holds a marker the fake reader maps to a tree. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BackupSetWriter, toolVersion } from '../../src/engine/backupSet';
import type { HiveFile, RegistryKey } from '../../src/hive/types';

export async function makeSet(folder: string, name: string, clusdb: Buffer | string): Promise<string> {
  const source = path.join(folder, `${name}.CLUSDB`);
  fs.writeFileSync(source, clusdb);
  const writer = await BackupSetWriter.create(folder, name);
  await writer.copyFile(source, writer.allocatePath(['ClusDb', 'CLUSDB']), 'C:\\Windows\\Cluster\\CLUSDB', null);
  await writer.copyFile(source, writer.allocatePath(['ClusDb', 'CLUSDB.blf']), 'C:\\Windows\\Cluster\\CLUSDB.blf', null);
  fs.rmSync(source);
  const { path: setPath } = await writer.commit({
    schemaVersion: 1, toolVersion: toolVersion(), kind: 'offline-hive', time: '2026-12-01T10:00:00Z',
    cluster: { name: 'CLUSTER1', version: null }, node: 'NODE1', writer: null, components: [], snapshot: null,
  });
  return setPath;
}

export function tempFolder(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-config-'));
}

/** A reader that maps the file's text to a tree, counting its calls. */
export function fakeReader(trees: Record<string, RegistryKey>): { read(file: string): Promise<HiveFile>; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async read(file: string) {
      calls.push(file);
      const marker = fs.readFileSync(file, 'utf8');
      const root = trees[marker];
      if (!root) throw new Error(`not a hive: ${marker}`);
      return { file, dirty: marker.endsWith('dirty'), root };
    },
  };
}
