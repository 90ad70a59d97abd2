/**
 * Everything a restore checks before it changes anything, computed once and shared by the
 * plan and the restore: this node's facts, the set (verified once, see setVerification.ts),
 * whose cluster it is, the service states, the VSS documents and where each file goes.
 * The policy that turns these facts into steps or a refusal is restorePlan.ts.
 */
import path = require('node:path');
import { readHiveFile } from '../hive/reader';
import { isProcessElevated } from '../native/advapi32';
import { getComputerName } from '../native/kernel32';
import type { VerifiedBackupSet } from './backupSet';
import type { OperationContext } from './context';
import { checkClusterInstance } from './clusterIdentity';
import { forecastQuorumAlone, type QuorumForecast } from './quorumForecast';
import { clusDbEntry } from './setConfiguration';
import { connectToCluster, detectLocalCluster, sameComputerName } from './discovery';
import { CancelledError, EngineError, errorMessage, throwIfCancelled } from './errors';
import type { ClusterStatus } from './model';
import { membersOf } from './restoreOutcome';
import { CLUSDB_FILE, findCompanions, placeFiles, type FilePlacement } from './restorePlacement';
import { JournalStore, type RestoreJournal } from './restoreJournal';
import { loadVssDocuments, type VssDocuments } from './restoreVss';
import { verifySetOnce } from './setVerification';
import { CLUSTER_SERVICE_NAME, nativeServiceControl, queryServiceState, type ServiceStateLabel, type ServiceTarget } from './serviceControl';
import { clusDbFolder } from './vssSession';
import type { MembershipDifference, RestoreParams, RestoreRefusal, SetVerification } from '../wire/restore';

export interface LocalFacts {
  machine: string;
  clusDbDir: string;
  status: ClusterStatus;
}

export async function readLocalFacts(ctx: OperationContext): Promise<LocalFacts> {
  const status = await detectLocalCluster(ctx);
  return { machine: status.machine || getComputerName(), clusDbDir: clusDbFolder(), status };
}

export function localTarget(machine: string): ServiceTarget {
  return { node: machine, isLocal: true };
}

export function ensureElevated(): void {
  if (!isProcessElevated()) {
    throw new EngineError('NOT_ELEVATED',
      'Restoring the cluster configuration needs an elevated process: run VS Code or fcbackup as an administrator ' +
      '(Run as administrator) and try again. Nothing was changed.');
  }
}

export function checkParams(params: RestoreParams): void {
  if (!params || typeof params.set !== 'string' || params.set.trim() === '') {
    throw new EngineError('BAD_ARGUMENT', 'No backup set was given: name the folder of the set to restore.');
  }
  if (typeof params.authoritative !== 'boolean' || typeof params.stopOtherNodes !== 'boolean') {
    throw new EngineError('BAD_ARGUMENT', 'authoritative and stopOtherNodes must be true or false.');
  }
  if (params.verificationToken !== undefined && typeof params.verificationToken !== 'string') {
    throw new EngineError('BAD_ARGUMENT', 'verificationToken must be the token of a restore plan.');
  }
  if (params.forceQuorum !== undefined && typeof params.forceQuorum !== 'boolean') {
    throw new EngineError('BAD_ARGUMENT', 'forceQuorum must be true or false.');
  }
  if (params.forceQuorum === true && !params.authoritative) {
    throw new EngineError('BAD_ARGUMENT', 'forceQuorum applies only to an authoritative restore: a node restore joins the running cluster. Nothing was changed.');
  }
}

/** The service is not stopped (running, starting, stopping, paused): it counts as running for the checks. */
export function isActive(state: ServiceStateLabel): boolean {
  return state !== 'stopped' && state !== 'notInstalled';
}

function sameClusterName(a: string, b: string): boolean {
  return a.normalize('NFC').toUpperCase() === b.normalize('NFC').toUpperCase();
}

function without(names: string[], others: string[]): string[] {
  return names.filter((n) => !others.some((o) => sameComputerName(n, o)));
}

/** Which cluster the set is checked against, and the result. */
export interface Identity {
  clusterName: string | null;
  /** The live cluster's nodes (or, when nothing answers, the nodes the set recorded). */
  nodes: string[];
  membershipKnown: boolean;
  nodesFromSet: boolean;
  membership: MembershipDifference;
  /** Set when the set is not this cluster's and allowOtherCluster was not given. */
  refusal: RestoreRefusal | null;
  /** Whether a running cluster answered (this node, or the cluster by its name); false: the cluster is down. */
  clusterAnswered: boolean;
}

/**
 * Whether the set is this cluster's: its name matches, this node is among the members the
 * set recorded (`manifest.nodes`; a set without them must at least have been made on a
 * member), and the cluster's unique id (ClusterInstanceID) matches, checked after this by
 * clusterIdentity.ts.
 *
 * While the cluster service runs here the local cluster answers; otherwise the set's cluster
 * is opened by its network name (it answers while any node runs) and must list this node;
 * when nothing answers, a set made on this node is taken as this node's cluster, with the
 * node names it recorded.
 */
export async function identifyCluster(facts: LocalFacts, set: VerifiedBackupSet, params: RestoreParams, ctx: OperationContext): Promise<Identity> {
  const manifest = set.manifest;
  const setCluster = manifest.cluster.name;
  const setMembers = manifest.nodes ?? null;
  const name = set.summary.name;
  const refusal = (reason: Extract<RestoreRefusal, { code: 'otherCluster' }>['reason'], live: string | null): RestoreRefusal | null => {
    if (params.allowOtherCluster) {
      ctx.logger.log('warn', `Restoring ${name} (cluster ${setCluster ?? 'unnamed'}, node ${manifest.node}) although it is not this cluster's (${reason}), as explicitly allowed.`);
      return null;
    }
    return { code: 'otherCluster', reason, set: name, setCluster, liveCluster: live, node: facts.machine };
  };
  const diff = (live: string[]): MembershipDifference => setMembers === null
    ? { onlyInSet: [], onlyLive: [] }
    : { onlyInSet: without(setMembers, live), onlyLive: without(live, setMembers) };
  /** The set's own record says whether this node was a member of the cluster that made it. */
  const memberOfSet = (): boolean => setMembers !== null
    ? setMembers.some((n) => sameComputerName(n, facts.machine))
    : sameComputerName(manifest.node, facts.machine);

  const check = (live: string): RestoreRefusal | null => {
    if (setCluster === null) return refusal('unnamed', live);
    if (!sameClusterName(setCluster, live)) return refusal('name', live);
    if (!memberOfSet()) return refusal('notMember', live);
    return null;
  };

  if (facts.status.cluster) {
    const here = facts.status.cluster.name;
    const nodes = facts.status.nodes.map((n) => n.name);
    return { clusterName: here, nodes, membershipKnown: true, nodesFromSet: false, membership: diff(nodes), refusal: check(here), clusterAnswered: true };
  }
  // The cluster service does not run here: ask the cluster through its network name.
  if (setCluster !== null) {
    try {
      const remote = await connectToCluster(setCluster, ctx);
      const nodes = remote.nodes.map((n) => n.name);
      const listsUs = nodes.some((n) => sameComputerName(n, facts.machine));
      ctx.logger.log('info', `Cluster ${setCluster} answers through its network name${listsUs ? ' and lists this node' : ' but does not list this node'}.`);
      const live = remote.cluster?.name ?? setCluster;
      return {
        clusterName: listsUs ? live : null, nodes, membershipKnown: true, nodesFromSet: false, membership: diff(nodes),
        refusal: listsUs ? check(live) : refusal('notMember', live), clusterAnswered: true,
      };
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      ctx.logger.log('info', `Cluster ${setCluster} cannot be reached by name (${errorMessage(err)}).`);
    }
  }
  if (sameComputerName(manifest.node, facts.machine) || (setMembers !== null && memberOfSet())) {
    ctx.logger.log('info', `The cluster service is not running here; the set lists this node (${facts.machine}), so it is taken as this node's cluster.`);
    if (setMembers && setMembers.length > 0) {
      // Nothing answers for the cluster, so no node runs its service as a member; the nodes at backup time are the ones to check.
      ctx.logger.log('info', `The set records the cluster's nodes at backup time: ${setMembers.join(', ')}; they are the nodes checked.`);
      const nodes = memberOfSet() ? [...setMembers] : [facts.machine, ...setMembers];
      // Members added since the backup are in this node's own (live) CLUSDB: they are checked too.
      for (const member of await liveHiveMembers(facts, ctx)) {
        if (!nodes.some((n) => sameComputerName(n, member))) nodes.push(member);
      }
      return { clusterName: setCluster, nodes, membershipKnown: true, nodesFromSet: true, membership: { onlyInSet: [], onlyLive: [] }, refusal: null, clusterAnswered: false };
    }
    return { clusterName: setCluster, nodes: [facts.machine], membershipKnown: false, nodesFromSet: false, membership: { onlyInSet: [], onlyLive: [] }, refusal: null, clusterAnswered: false };
  }
  return {
    clusterName: setCluster, nodes: [facts.machine], membershipKnown: false, nodesFromSet: false, membership: { onlyInSet: [], onlyLive: [] },
    refusal: refusal('unconfirmed', null), clusterAnswered: false,
  };
}

/** The members this node's live CLUSDB lists, read as a plain hive (empty when it cannot be read). */
async function liveHiveMembers(facts: LocalFacts, ctx: OperationContext): Promise<string[]> {
  try {
    const members = membersOf((await readHiveFile(path.join(facts.clusDbDir, CLUSDB_FILE))).root);
    ctx.logger.log('info', `This node's live CLUSDB lists the members ${members.join(', ')}.`);
    return members;
  } catch (err) {
    ctx.logger.log('info', `This node's live CLUSDB cannot be read for its members: ${errorMessage(err)}`);
    return [];
  }
}

/** The facts a plan and a restore work from. */
export interface Preflight {
  facts: LocalFacts;
  set: VerifiedBackupSet;
  verification: SetVerification;
  identity: Identity;
  localService: ServiceStateLabel;
  otherNodes: string[];
  runningOtherNodes: string[];
  unqueryable: { node: string; error: string }[];
  /** The journal of an earlier restore (read with the operation lock held: it is interrupted). */
  pending: RestoreJournal | null;
  /** The VSS documents (null for an offline hive copy, or when they failed to load: see problems). */
  docs: VssDocuments | null;
  placements: FilePlacement[];
  /** Live CLUSDB* files the set does not hold. */
  companions: string[];
  /** What makes the set unrestorable as it is (documents, file names). */
  problems: string[];
  /**
   * With this node's service stopped: why it cannot start (the live CLUSDB is not a readable hive, or its
   * last start ended with an error), or null.
   */
  cannotStart: string | null;
  /** Authoritative: whether this node can form the cluster alone on the set's configuration (null: not known). */
  quorumAlone: QuorumForecast | null;
}

/**
 * Everything a restore checks before it changes anything. The other nodes' services are
 * queried for the plan and for an authoritative restore; a node restore does not need
 * them (and should not wait for unreachable nodes). Runs inside a VSS (COM) session.
 */
export async function preflight(params: RestoreParams, ctx: OperationContext, facts: LocalFacts, queryOtherNodes: boolean): Promise<Preflight> {
  const pending = new JournalStore(facts.clusDbDir).read();

  ctx.progress('Verifying the backup set');
  const { set, verification } = await verifySetOnce(params.set, params.verificationToken, ctx);
  const m = set.manifest;
  throwIfCancelled(ctx.signal, 'The restore');

  const identity = await checkClusterInstance(await identifyCluster(facts, set, params, ctx), facts, set, params, ctx);

  const localService = queryServiceState(localTarget(facts.machine));
  ctx.logger.log('info', `${CLUSTER_SERVICE_NAME} on ${facts.machine} (this node): ${localService}.`);

  const otherNodes = identity.nodes.filter((n) => !sameComputerName(n, facts.machine));
  const runningOtherNodes: string[] = [];
  const unqueryable: { node: string; error: string }[] = [];
  for (const node of queryOtherNodes && identity.refusal === null ? otherNodes : []) {
    throwIfCancelled(ctx.signal, 'The restore');
    ctx.progress(`Querying ${CLUSTER_SERVICE_NAME} on ${node}`);
    try {
      const state = queryServiceState({ node, isLocal: false });
      ctx.logger.log('info', `${CLUSTER_SERVICE_NAME} on ${node}: ${state}.`);
      if (isActive(state)) runningOtherNodes.push(node);
    } catch (err) {
      ctx.logger.log('warn', `${CLUSTER_SERVICE_NAME} on ${node} cannot be queried: ${errorMessage(err)}`);
      unqueryable.push({ node, error: errorMessage(err) });
    }
  }

  const problems: string[] = [];
  let docs: VssDocuments | null = null;
  if (m.kind === 'vss-cluster-writer') {
    const loaded = await loadVssDocuments(set, ctx);
    docs = loaded.docs;
    problems.push(...loaded.problems);
  }
  const placed = placeFiles(set, facts.clusDbDir, docs ? docs.descriptors : m.kind === 'vss-cluster-writer' ? [] : null);
  if (docs || m.kind !== 'vss-cluster-writer') problems.push(...placed.problems);
  const companions = findCompanions(facts.clusDbDir, placed.placements);
  const cannotStart = isActive(localService) || localService === 'notInstalled' ? null : await whyServiceCannotStart(facts, ctx);
  const quorumAlone = params.authoritative ? await quorumForecast(set, facts.machine, ctx) : null;
  return {
    facts, set, verification, identity, localService, otherNodes, runningOtherNodes, unqueryable, pending, docs,
    placements: placed.placements, companions, problems, cannotStart, quorumAlone,
  };
}

/** Whether this node can form the cluster alone on the set's configuration; null when the set's CLUSDB cannot say (logged). */
async function quorumForecast(set: VerifiedBackupSet, node: string, ctx: OperationContext): Promise<QuorumForecast | null> {
  const entry = clusDbEntry(set.manifest);
  if (!entry) return null;
  try {
    const forecast = await forecastQuorumAlone(set.fileOnDisk(entry), node);
    if (forecast) {
      ctx.logger.log('info', `Quorum by the set's configuration: ${node} holds ${forecast.nodeVotes} of ${forecast.totalVotes} votes` +
        `${forecast.witness ? ' (with a witness)' : ''}; it ${forecast.formsAlone ? 'can' : 'cannot'} form the cluster alone.`);
    }
    return forecast;
  } catch (err) {
    ctx.logger.log('warn', `The set's CLUSDB cannot be read for its node votes: ${errorMessage(err)}. Force quorum is then decided when the node starts.`);
    return null;
  }
}

/**
 * The cluster service loads CLUSDB as a registry hive when it starts, so it cannot start on one that is
 * missing or damaged (the seed: a damaged ClusDb keeps the service from running); a last start that ended
 * with a Win32 exit code says the same (SERVICE_STATUS_PROCESS.dwWin32ExitCode).
 */
async function whyServiceCannotStart(facts: LocalFacts, ctx: OperationContext): Promise<string | null> {
  const hive = path.join(facts.clusDbDir, CLUSDB_FILE);
  try {
    await readHiveFile(hive);
  } catch (err) {
    const why = `the live ${hive} is not a readable registry hive (${errorMessage(err)}), so the cluster service cannot load it`;
    ctx.logger.log('info', `${CLUSTER_SERVICE_NAME} on ${facts.machine} cannot start: ${why}.`);
    return why;
  }
  try {
    const status = nativeServiceControl.query(undefined, CLUSTER_SERVICE_NAME);
    if (status.win32ExitCode !== 0) {
      const why = `its last start ended with exit code ${status.win32ExitCode}${status.serviceSpecificExitCode ? ` (service code ${status.serviceSpecificExitCode})` : ''}`;
      ctx.logger.log('info', `${CLUSTER_SERVICE_NAME} on ${facts.machine}: ${why}.`);
      return why;
    }
  } catch (err) {
    ctx.logger.log('warn', `${CLUSTER_SERVICE_NAME} on ${facts.machine} could not be queried for its exit code: ${errorMessage(err)}`);
  }
  return null;
}
