/**
 * The third part of "is this set this cluster's" (after its name and this node's membership,
 * restorePreflight.ts): the cluster's unique id, `ClusterInstanceID` at the root of the
 * cluster database, read from the set's CLUSDB with the hive reader and from the live
 * cluster through the cluster registry API. A cluster of the same name whose members share
 * this node's name is then still told apart. Where either side has no id, the name and
 * membership checks stand alone. docs/windows.md, "Cluster identity", says why this value
 * and what is unverified about it.
 */
import { readHiveFile } from '../hive/reader';
import { utf16 } from '../hive/json';
import { RegType, type RegistryValue } from '../hive/types';
import type { VerifiedBackupSet } from './backupSet';
import type { OperationContext } from './context';
import { errorMessage } from './errors';
import { readLiveRootValue } from './liveRegistry';
import type { Identity, LocalFacts } from './restorePreflight';
import { clusDbEntry } from './setConfiguration';
import type { RestoreParams } from '../wire/restore';

export const CLUSTER_INSTANCE_ID = 'ClusterInstanceID';

/** The id as text to compare: a REG_SZ GUID, without braces, NULs or case; null when absent or not text. */
export function instanceIdText(value: RegistryValue | null | undefined): string | null {
  if (!value || (value.type !== RegType.REG_SZ && value.type !== RegType.REG_EXPAND_SZ)) return null;
  const text = utf16(value.data).replace(/\0+$/, '').trim().replace(/^\{(.*)\}$/, '$1').toLowerCase();
  return text === '' ? null : text;
}

/** The ClusterInstanceID in the set's CLUSDB hive, or null (no CLUSDB, no value, or a hive that cannot be read: logged). */
export async function setClusterInstanceId(set: VerifiedBackupSet, ctx: OperationContext): Promise<string | null> {
  const entry = clusDbEntry(set.manifest);
  if (!entry) return null;
  try {
    const hive = await readHiveFile(set.fileOnDisk(entry));
    return instanceIdText(hive.root.values.find((v) => v.name === CLUSTER_INSTANCE_ID));
  } catch (err) {
    ctx.logger.log('warn', `The CLUSDB of ${set.summary.name} cannot be read for its ${CLUSTER_INSTANCE_ID}: ${errorMessage(err)}`);
    return null;
  }
}

/** The live cluster's ClusterInstanceID (`clusterName`, or this node's cluster), or null (no value, or the read failed: logged). */
export function liveClusterInstanceId(clusterName: string | undefined, ctx: OperationContext): string | null {
  try {
    return instanceIdText(readLiveRootValue(CLUSTER_INSTANCE_ID, clusterName));
  } catch (err) {
    ctx.logger.log('warn', `The live cluster's ${CLUSTER_INSTANCE_ID} cannot be read: ${errorMessage(err)}`);
    return null;
  }
}

/**
 * `identity` with a `clusterId` refusal added when the set passed the name and membership
 * checks but both the set and the live cluster record a ClusterInstanceID and they differ
 * (unless `allowOtherCluster`, then a warning). The live cluster is the one identity
 * came from: this node's while its service runs, else the set's cluster reached by name;
 * when no cluster answered there is no live id, and identity stands as it is.
 */
export async function checkClusterInstance(identity: Identity, facts: LocalFacts, set: VerifiedBackupSet, params: RestoreParams, ctx: OperationContext): Promise<Identity> {
  if (identity.refusal !== null) return identity;
  const setCluster = set.manifest.cluster.name;
  const reachedByName = !facts.status.cluster && identity.membershipKnown && !identity.nodesFromSet && setCluster !== null;
  if (!facts.status.cluster && !reachedByName) {
    ctx.logger.log('info', `No cluster answers, so the set's ${CLUSTER_INSTANCE_ID} is not compared with a live one; its name and members were checked.`);
    return identity;
  }
  const setId = await setClusterInstanceId(set, ctx);
  const liveId = liveClusterInstanceId(reachedByName ? setCluster : undefined, ctx);
  if (setId === null || liveId === null) {
    ctx.logger.log('info', `${CLUSTER_INSTANCE_ID}: ${setId === null ? 'the set records none' : 'the live cluster has none'}, so the cluster's name and members alone identify it.`);
    return identity;
  }
  if (setId === liveId) {
    ctx.logger.log('info', `${CLUSTER_INSTANCE_ID} ${liveId}: the set's is the live cluster's.`);
    return identity;
  }
  const name = set.summary.name;
  if (params.allowOtherCluster) {
    ctx.logger.log('warn', `Restoring ${name} although its ${CLUSTER_INSTANCE_ID} ${setId} is not this cluster's (${liveId}), as explicitly allowed.`);
    return identity;
  }
  return {
    ...identity,
    refusal: {
      code: 'otherCluster', reason: 'clusterId', set: name, setCluster, liveCluster: identity.clusterName, node: facts.machine,
      setClusterId: setId, liveClusterId: liveId,
    },
  };
}
