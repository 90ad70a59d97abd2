// PLACEHOLDER for the hive helper's reader (same exports); dropped at merge.
import type { HiveFile } from './types';

export class HiveError extends Error {
  constructor(readonly file: string, readonly offset: number, readonly reason: string) {
    super(`${file}: ${reason} (at offset ${offset})`);
    this.name = 'HiveError';
  }
}

export function readHive(_bytes: Uint8Array, file: string): HiveFile {
  throw new HiveError(file, 0, 'the hive reader is not built yet (placeholder)');
}

export async function readHiveFile(path: string): Promise<HiveFile> {
  return readHive(new Uint8Array(), path);
}
