// PLACEHOLDER for the simreg helper's live cluster database walk (same export); dropped at merge.
import type { RegistryKey } from '../hive/types';

export function readLiveClusterDatabase(_clusterName?: string): RegistryKey {
  throw new Error('readLiveClusterDatabase is not built yet (placeholder)');
}
