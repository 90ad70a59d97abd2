/**
 * The live cluster database, read through the cluster registry API (GetClusterKey and
 * ClusterReg*): on Windows this is the running cluster's own configuration, so "the
 * live configuration" always comes through here, never through the CLUSDB file.
 *
 * The result has the shape the hive reader gives for a ClusDb file (src/hive/types.ts),
 * so that one comparison serves both: values with their raw type and bytes, in the
 * order the API enumerates them (subkeys and values alike). The root is named
 * "Cluster", the key under which Windows loads the cluster hive (HKLM\Cluster).
 */
import * as clusapi from '../native/clusapi';
import {
  type ClusterKey, enumClusterSubkey, enumClusterValue, KEY_READ, openClusterSubkey, queryClusterValue, withClusterKey,
} from '../native/clusapiRegistry';
import { getComputerName } from '../native/kernel32';
import type { RegistryKey, RegistryValue } from '../hive/types';

/** Windows nests registry keys at most 512 levels deep. */
export const MAX_KEY_DEPTH = 512;
/** A guard against a database that does not end (far above any real cluster's size). */
export const MAX_KEYS = 1_000_000;
/** The root's name: the cluster hive is loaded as HKLM\Cluster. */
export const LIVE_ROOT_NAME = 'Cluster';

/** Opens the cluster by name, or the local one as discovery does: OpenCluster(computer name), then OpenCluster(NULL). */
function openTheCluster(clusterName: string | undefined): clusapi.ClusterHandle {
  if (clusterName !== undefined) return clusapi.openCluster(clusterName);
  let machine = '';
  try {
    machine = getComputerName();
  } catch {
    // Without the computer name the local cluster is still reachable over LPC.
  }
  if (machine !== '') {
    try {
      return clusapi.openCluster(machine);
    } catch {
      // Fall through to OpenCluster(NULL), whose error is the one reported.
    }
  }
  return clusapi.openCluster(null);
}

interface WalkBudget {
  keys: number;
}

function readValues(key: ClusterKey): RegistryValue[] {
  const values: RegistryValue[] = [];
  for (let index = 0; ; index++) {
    const value = enumClusterValue(key, index);
    if (value === null) return values;
    values.push({ name: value.name, type: value.type, data: value.data });
  }
}

function readKey(key: ClusterKey, name: string, depth: number, budget: WalkBudget): RegistryKey {
  if (depth > MAX_KEY_DEPTH) throw new Error(`The cluster database nests keys deeper than ${MAX_KEY_DEPTH} levels at ${key.path}.`);
  if (++budget.keys > MAX_KEYS) throw new Error(`The cluster database holds more than ${MAX_KEYS} keys; stopped reading it at ${key.path}.`);
  const values = readValues(key);
  const subkeys: RegistryKey[] = [];
  for (let index = 0; ; index++) {
    const sub = enumClusterSubkey(key, index);
    if (sub === null) break;
    const child = openClusterSubkey(key, sub.name, KEY_READ);
    try {
      subkeys.push(readKey(child, sub.name, depth + 1, budget));
    } finally {
      child.close();
    }
  }
  return { name, values, subkeys };
}

/**
 * Every key and value of the live cluster database: opens the cluster (`clusterName`,
 * or this machine's cluster), walks GetClusterKey's tree and closes every key and the
 * cluster handle, also on failure. Throws the Win32Error of the call that failed.
 */
export function readLiveClusterDatabase(clusterName?: string): RegistryKey {
  const cluster = openTheCluster(clusterName);
  try {
    return withClusterKey(cluster, KEY_READ, (root) => readKey(root, LIVE_ROOT_NAME, 0, { keys: 0 }));
  } finally {
    cluster.close();
  }
}

/**
 * One value at the root of the live cluster database (ClusterRegQueryValue on GetClusterKey's
 * key), or null when the root has no such value: the cluster `clusterName`, or this machine's.
 */
export function readLiveRootValue(valueName: string, clusterName?: string): RegistryValue | null {
  const cluster = openTheCluster(clusterName);
  try {
    return withClusterKey(cluster, KEY_READ, (root) => {
      const value = queryClusterValue(root, valueName);
      return value === null ? null : { name: valueName, type: value.type, data: value.data };
    });
  } finally {
    cluster.close();
  }
}
