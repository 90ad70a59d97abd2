/**
 * The restore's outcome, observed rather than assumed (issue "Restore by the documented
 * contract", point 5). After the restore has started the services again:
 *
 * - authoritative: the live configuration, read through the cluster registry API
 *   (liveRegistry.ts: GetClusterKey/ClusterReg*), must be the set's — the same members and
 *   the same keys and values. PaxosTag is compared apart: the cluster raises it when it
 *   takes an authoritative copy, so the live tag may be newer than the set's, never older;
 * - node restore: this node must be Up in the cluster (a node restored non-authoritatively
 *   takes the running cluster's configuration, so its configuration is not compared);
 * - every node whose cluster service ran before the restore (or that the restore stopped)
 *   must run again.
 *
 * What differs is returned as problems that say what to do; the restore is then
 * `notInEffect`.
 */
import path = require('node:path');
import { readHiveFile } from '../hive/reader';
import { RegType, type RegistryKey, type RegistryValue } from '../hive/types';
import type { OperationContext } from './context';
import { detectLocalCluster, sameComputerName } from './discovery';
import { errorMessage } from './errors';
import { readLiveClusterDatabase } from './liveRegistry';
import { queryServiceState, CLUSTER_SERVICE_NAME } from './serviceControl';
import { sha256OfBytes } from './durableFile';
import type { ObservedState } from '../wire/restore';

export interface OutcomeInputs {
  authoritative: boolean;
  localNode: string;
  serviceName: string;
  /** Other nodes whose service ran before the restore (the restore stopped them). */
  otherNodesThatRan: string[];
  /** The set's CLUSDB file (null: the set holds none, e.g. a test's partial set). */
  setHive: string | null;
}

const upper = (s: string): string => s.normalize('NFC').toUpperCase();

function findValue(key: RegistryKey, name: string): RegistryValue | undefined {
  return key.values.find((v) => upper(v.name) === upper(name));
}

function dword(value: RegistryValue | undefined): number | null {
  if (!value || value.type !== RegType.REG_DWORD || value.data.length < 4) return null;
  return Buffer.from(value.data).readUInt32LE(0);
}

function text(value: RegistryValue | undefined): string | null {
  if (!value || (value.type !== RegType.REG_SZ && value.type !== RegType.REG_EXPAND_SZ)) return null;
  return Buffer.from(value.data).toString('utf16le').replace(/\0+$/, '');
}

/** The members as the configuration lists them (Nodes\<id>\NodeName), sorted. */
export function membersOf(root: RegistryKey): string[] {
  const nodes = root.subkeys.find((k) => upper(k.name) === 'NODES');
  return (nodes?.subkeys ?? []).map((k) => text(findValue(k, 'NodeName')) ?? k.name).sort((a, b) => upper(a).localeCompare(upper(b)));
}

export function paxosTagOf(root: RegistryKey): number | null {
  return dword(findValue(root, 'PaxosTag'));
}

/**
 * A digest of a configuration tree in a canonical order (names compared without case, as the
 * registry does), leaving out the root's PaxosTag; the root's own name is not part of it.
 */
function canonical(key: RegistryKey, isRoot: boolean, out: string[]): void {
  const values = [...key.values].filter((v) => !(isRoot && upper(v.name) === 'PAXOSTAG')).sort((a, b) => upper(a.name).localeCompare(upper(b.name)));
  for (const v of values) out.push(`v ${upper(v.name)} ${v.type} ${Buffer.from(v.data).toString('hex')}`);
  const subkeys = [...key.subkeys].sort((a, b) => upper(a.name).localeCompare(upper(b.name)));
  for (const k of subkeys) {
    out.push(`k ${upper(k.name)} {`);
    canonical(k, false, out);
    out.push('}');
  }
}

export function configurationDigest(root: RegistryKey): string {
  const lines: string[] = [];
  canonical(root, true, lines);
  return sha256OfBytes(lines.join('\n'));
}

/** The top-level keys whose content differs between two trees (for the message). */
function differingKeys(set: RegistryKey, live: RegistryKey): string[] {
  const names = new Set([...set.subkeys, ...live.subkeys].map((k) => upper(k.name)));
  const digest = (root: RegistryKey, name: string): string | null => {
    const k = root.subkeys.find((s) => upper(s.name) === name);
    return k ? configurationDigest({ name: '', values: k.values, subkeys: k.subkeys }) : null;
  };
  const differing = [...names].filter((n) => digest(set, n) !== digest(live, n)).sort();
  const rootValues = (root: RegistryKey): string => root.values.filter((v) => upper(v.name) !== 'PAXOSTAG')
    .map((v) => `${upper(v.name)}=${Buffer.from(v.data).toString('hex')}`).sort().join(';');
  if (rootValues(set) !== rootValues(live)) differing.unshift('(root values)');
  return differing;
}

/** Reads what the restore changed and says whether it is in effect. */
export async function observeOutcome(inputs: OutcomeInputs, ctx: OperationContext): Promise<{ observed: ObservedState; problems: string[] }> {
  ctx.progress('Checking that the restore is in effect');
  const problems: string[] = [];
  const observed: ObservedState = {
    configurationMatches: null, setPaxosTag: null, livePaxosTag: null, setMembers: null, liveMembers: null, localNodeState: null, notRunning: [],
  };

  for (const [node, isLocal] of [[inputs.localNode, true] as const, ...inputs.otherNodesThatRan.map((n) => [n, false] as const)]) {
    let state: string;
    try {
      state = queryServiceState({ node, isLocal }, isLocal ? inputs.serviceName : CLUSTER_SERVICE_NAME);
    } catch (err) {
      state = `not queryable (${errorMessage(err)})`;
    }
    if (state !== 'running') {
      observed.notRunning.push(node);
      problems.push(`The cluster service runs no more on ${node} (it is ${state}); it ran before the restore. Start it there ` +
        '(Start-Service ClusSvc), then check `fcbackup status`.');
    }
  }

  if (!inputs.authoritative) {
    try {
      const status = await detectLocalCluster(ctx);
      const here = status.nodes.find((n) => n.isLocal || sameComputerName(n.name, inputs.localNode));
      observed.localNodeState = here?.state ?? 'not listed';
    } catch (err) {
      observed.localNodeState = `unknown (${errorMessage(err)})`;
    }
    if (observed.localNodeState !== 'up') {
      problems.push(`${inputs.localNode} is ${observed.localNodeState} in the cluster, not Up: the restored node has not joined the cluster. ` +
        'Check the System event log of the node and that the other nodes run; it joins (and takes the running cluster\'s configuration) once it reaches them.');
    }
    return { observed, problems };
  }

  if (inputs.setHive === null) {
    problems.push('The set holds no CLUSDB file, so the live configuration cannot be compared with it.');
    return { observed, problems };
  }
  let setRoot: RegistryKey;
  let liveRoot: RegistryKey;
  try {
    setRoot = (await readHiveFile(inputs.setHive)).root;
  } catch (err) {
    problems.push(`The set's ${path.basename(inputs.setHive)} cannot be read as a hive to compare with the live configuration: ${errorMessage(err)}`);
    return { observed, problems };
  }
  observed.setPaxosTag = paxosTagOf(setRoot);
  observed.setMembers = membersOf(setRoot);
  try {
    liveRoot = readLiveClusterDatabase();
  } catch (err) {
    problems.push(`The live configuration cannot be read through the cluster registry API (${errorMessage(err)}), so the restore cannot be seen ` +
      'in effect. Check that the cluster service runs on this node and the cluster has formed, then compare with `fcbackup diff SET --live`.');
    return { observed, problems };
  }
  observed.livePaxosTag = paxosTagOf(liveRoot);
  observed.liveMembers = membersOf(liveRoot);
  const sameMembers = observed.setMembers.length === observed.liveMembers.length &&
    observed.setMembers.every((m, i) => upper(m) === upper((observed.liveMembers as string[])[i]));
  const sameContent = configurationDigest(setRoot) === configurationDigest(liveRoot);
  const tagOk = observed.setPaxosTag === null || observed.livePaxosTag === null || observed.livePaxosTag >= observed.setPaxosTag;
  observed.configurationMatches = sameMembers && sameContent && tagOk;
  if (!observed.configurationMatches) {
    const what: string[] = [];
    if (!sameMembers) what.push(`members: the set has ${observed.setMembers.join(', ') || 'none'}, the live cluster ${observed.liveMembers.join(', ') || 'none'}`);
    if (!sameContent) what.push(`differing keys: ${differingKeys(setRoot, liveRoot).slice(0, 8).join(', ')}`);
    what.push(`PaxosTag: set ${observed.setPaxosTag ?? '?'}, live ${observed.livePaxosTag ?? '?'}`);
    problems.push(`The live configuration is not the set's (${what.join('; ')}). Another node's copy was probably taken when the cluster formed. ` +
      'Stop the cluster service on every other node and run the authoritative restore again, so that this node forms the cluster first.');
  }
  ctx.logger.log('info', `Observed after the restore: configuration ${observed.configurationMatches ? 'is' : 'is not'} the set's ` +
    `(PaxosTag set ${observed.setPaxosTag ?? '?'}, live ${observed.livePaxosTag ?? '?'}).`);
  return { observed, problems };
}
