/**
 * Step 1 of the seed: detect whether this machine is a cluster node and in what
 * state, and if the cluster runs, read its name, version, quorum resource and nodes.
 *
 * - GetNodeClusterState(NULL) decides: not installed, not configured, installed but
 *   not running (a stand-alone server, as the seed says), or running (a cluster).
 * - The cluster is opened with OpenCluster(<this machine's name>) rather than
 *   OpenCluster(NULL): a handle opened by name keeps working even if the cluster
 *   service stops on the node first connected to. OpenCluster(NULL) is the fallback.
 * - A node that cannot be asked is reported as `unreachable` (or `unknown`) with the
 *   error attached; it does not fail the whole status.
 */
import * as clusapi from '../native/clusapi';
import { NativeError, NativeLoadError } from '../native/errors';
import { getComputerName } from '../native/kernel32';
import { getNativeTarget } from '../native/loader';
import { nodeQueryThreadsAvailable, readNodesInThreads } from '../native/nodeQueryPool';
import { failureError, readNodeRaw, type RawNodeRead } from '../native/nodeRead';
import type { OperationContext } from './context';
import { isUnreachableError, sameComputerName, validateClusterName } from './clusterNames';
import { errorMessage, throwIfCancelled } from './errors';
import type { ClusterStatus, ClusterSummary, LocalClusterState, NativeErrorInfo, NodeInfo, NodeState } from './model';

export interface DiscoveryOptions {
  /** How many nodes are read at once (default 1: one after another). */
  nodeConcurrency?: number;
}

/** The most node query threads a status uses (each waits on one node's answer). */
export const MAX_NODE_CONCURRENCY = 16;

export { isUnreachableError, sameComputerName, validateClusterName, MAX_CLUSTER_NAME_LENGTH } from './clusterNames';
export { welcomeViewFor, type WelcomeView } from './welcome';

export function nativeErrorInfo(err: NativeError): NativeErrorInfo {
  return { api: err.api, code: err.code, codeName: err.codeName, message: err.message };
}

/** A failed call for the log: a NativeError's message already names the API, the code and the argument. */
function describeFailure(call: string, err: unknown): string {
  if (err instanceof NativeError) return err.message;
  return `${call} failed: ${errorMessage(err)}`;
}

/** GetNodeClusterState(NULL) as a LocalClusterState, logged. */
function readLocalState(ctx: OperationContext): LocalClusterState {
  let raw: number;
  try {
    raw = clusapi.getNodeClusterState(null);
  } catch (err) {
    // Without clusapi.dll (a Windows edition without the clustering feature or its tools)
    // the question has its answer: clustering is not installed here.
    if (err instanceof NativeLoadError && getNativeTarget().kind === 'windows') {
      ctx.logger.log('info', `clusapi.dll could not be loaded (${err.message}); treating the cluster feature as not installed`);
      return 'notInstalled';
    }
    ctx.logger.log('error', describeFailure('GetNodeClusterState', err));
    throw err;
  }
  const state = clusapi.nodeClusterStateName(raw);
  ctx.logger.log('info', `GetNodeClusterState → ${clusapi.describeNodeClusterState(raw)}: ${describeLocalState(state)}`);
  return state;
}

function describeLocalState(state: LocalClusterState): string {
  switch (state) {
    case 'notInstalled': return 'the Failover Clustering feature is not installed on this machine';
    case 'notConfigured': return 'the Failover Clustering feature is installed but this machine is not a cluster node';
    case 'notRunning': return 'this machine is a cluster node but the cluster service is not running; treating it as a stand-alone server';
    case 'running': return 'the cluster service is running; treating this machine as a cluster node';
  }
}

function readComputerName(ctx: OperationContext): string {
  try {
    const name = getComputerName();
    ctx.logger.log('debug', `GetComputerNameW → ${name}`);
    return name;
  } catch (err) {
    ctx.logger.log('warn', `${describeFailure('GetComputerNameW', err)}; the local cluster is opened with OpenCluster(NULL)`);
    return '';
  }
}

/** OpenCluster(machine name), falling back to OpenCluster(NULL); both attempts are logged. */
function openLocalCluster(machine: string, ctx: OperationContext): clusapi.ClusterHandle {
  if (machine !== '') {
    try {
      const handle = clusapi.openCluster(machine);
      ctx.logger.log('info', `OpenCluster(${machine}) → opened`);
      return handle;
    } catch (err) {
      ctx.logger.log('warn', `${describeFailure('OpenCluster', err)}; trying OpenCluster(NULL)`);
    }
  }
  try {
    const handle = clusapi.openCluster(null);
    ctx.logger.log('info', 'OpenCluster(NULL) → opened the local cluster');
    return handle;
  } catch (err) {
    ctx.logger.log('error', describeFailure('OpenCluster', err));
    throw err;
  }
}

function formatVersion(version: clusapi.ClusterVersion): string {
  return `${version.major}.${version.minor}.${version.build}`;
}

function readClusterSummary(cluster: clusapi.ClusterHandle, ctx: OperationContext): ClusterSummary {
  let info: clusapi.ClusterInformation;
  try {
    info = clusapi.getClusterInformation(cluster);
  } catch (err) {
    ctx.logger.log('error', describeFailure('GetClusterInformation', err));
    throw err;
  }
  const v = info.version;
  ctx.logger.log('info', `GetClusterInformation → cluster ${info.name}, version ${formatVersion(v)} (${v.vendor}${v.csdVersion ? `, ${v.csdVersion}` : ''}), ` +
    `functional level 0x${v.highestVersion.toString(16)}${v.mixedMode ? ', mixed mode' : ''}`);

  let quorum: ClusterSummary['quorum'] = null;
  try {
    const q = clusapi.getClusterQuorumResource(cluster);
    if (q.resourceName !== '') quorum = { resource: q.resourceName, device: q.deviceName, maxLogSize: q.maxQuorumLogSize };
    ctx.logger.log('info', quorum ? `GetClusterQuorumResource → ${q.resourceName}${q.deviceName ? ` on ${q.deviceName}` : ''}` : 'GetClusterQuorumResource → no quorum resource');
  } catch (err) {
    // The cluster is still worth showing without its quorum details.
    ctx.logger.log('warn', `${describeFailure('GetClusterQuorumResource', err)}; the quorum resource is not shown`);
  }

  return {
    name: info.name,
    version: formatVersion(v),
    versionInfo: {
      major: v.major, minor: v.minor, build: v.build, vendor: v.vendor, csdVersion: v.csdVersion,
      highestVersion: v.highestVersion, lowestVersion: v.lowestVersion, mixedMode: v.mixedMode,
    },
    quorum,
  };
}

function stateForFailure(err: NativeError): NodeState {
  return isUnreachableError(err.code) ? 'unreachable' : 'unknown';
}

/** One node's state and id from its raw answers, logged; failures make it unreachable/unknown instead of failing the status. */
function nodeInfoFrom(read: RawNodeRead, machine: string, ctx: OperationContext): NodeInfo {
  const name = read.name;
  const isLocal = machine !== '' && sameComputerName(name, machine);
  if (read.openError) {
    const err = failureError(read.openError);
    const state = stateForFailure(err);
    ctx.logger.log('warn', `${err.message}; node ${name} is ${state}`);
    return { name, id: null, state, isLocal, error: nativeErrorInfo(err) };
  }
  let id: string | null = null;
  if (read.idError) {
    ctx.logger.log('warn', `${failureError(read.idError).message}; the id of node ${name} is not shown`);
  } else if (read.id !== undefined) {
    id = read.id;
    ctx.logger.log('debug', `GetClusterNodeId(${name}) → ${id}`);
  }
  if (read.closeError) ctx.logger.log('warn', failureError(read.closeError).message);
  if (read.stateError || read.state === undefined) {
    const err = failureError(read.stateError ?? { api: 'GetClusterNodeState', code: 0, detail: `node ${name}` });
    const failed = stateForFailure(err);
    ctx.logger.log('warn', `${err.message}; node ${name} is ${failed}`);
    return { name, id, state: failed, isLocal, error: nativeErrorInfo(err) };
  }
  const state = clusapi.clusterNodeStateName(read.state);
  ctx.logger.log('debug', `GetClusterNodeState(${name}) → ${state} (${read.state})`);
  return { name, id, state, isLocal };
}

/** Lets the engine process see a cancellation between native calls (each call itself is synchronous). */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** About twenty progress reports however many nodes there are. */
function reportEvery(count: number): number {
  return Math.max(1, Math.floor(count / 20));
}

/**
 * Each node's state and id, in the cluster's order: one node after another, or with
 * `nodeConcurrency` above 1, that many at once in node query threads
 * (src/native/nodeQueryPool.ts), so that slow or unreachable nodes do not hold up the rest.
 */
async function readNodeInfos(cluster: clusapi.ClusterHandle, names: string[], machine: string, ctx: OperationContext,
  options: DiscoveryOptions): Promise<NodeInfo[]> {
  const concurrency = Math.min(options.nodeConcurrency ?? 1, MAX_NODE_CONCURRENCY, names.length);
  if (concurrency > 1 && nodeQueryThreadsAvailable()) {
    ctx.logger.log('debug', `Reading ${names.length} nodes, ${concurrency} at a time`);
    let reads: RawNodeRead[];
    try {
      reads = await readNodesInThreads(cluster, names, concurrency, ctx.signal, (read, done) => {
        if (done % reportEvery(names.length) === 0) ctx.progress(`Read node ${read.name}`, done / names.length);
      });
    } catch (err) {
      throwIfCancelled(ctx.signal, 'Reading the cluster status');
      throw err;
    }
    return reads.map((read) => nodeInfoFrom(read, machine, ctx));
  }
  const nodes: NodeInfo[] = [];
  for (const [index, name] of names.entries()) {
    await yieldToEventLoop();
    throwIfCancelled(ctx.signal, 'Reading the cluster status');
    if (index % reportEvery(names.length) === 0) ctx.progress(`Reading node ${name}`, index / names.length);
    nodes.push(nodeInfoFrom(readNodeRaw(cluster, name), machine, ctx));
  }
  return nodes;
}

async function readNodes(cluster: clusapi.ClusterHandle, machine: string, ctx: OperationContext, options: DiscoveryOptions): Promise<NodeInfo[]> {
  let names: string[];
  try {
    names = clusapi.enumerateNodeNames(cluster);
  } catch (err) {
    ctx.logger.log('error', `Enumerating the cluster's nodes failed: ${describeFailure('ClusterEnum', err)}`);
    throw err;
  }
  ctx.logger.log('info', `ClusterEnum(CLUSTER_ENUM_NODE) → ${names.length} node${names.length === 1 ? '' : 's'}`);
  const nodes = await readNodeInfos(cluster, names, machine, ctx, options);
  const counts = new Map<NodeState, number>();
  for (const n of nodes) counts.set(n.state, (counts.get(n.state) ?? 0) + 1);
  ctx.logger.log('info', `Nodes: ${[...counts].map(([s, c]) => `${c} ${s}`).join(', ') || 'none'}`);
  return nodes;
}

async function readOpenCluster(cluster: clusapi.ClusterHandle, machine: string, ctx: OperationContext,
  options: DiscoveryOptions): Promise<Pick<ClusterStatus, 'cluster' | 'nodes'>> {
  await yieldToEventLoop();
  throwIfCancelled(ctx.signal, 'Reading the cluster status');
  const summary = readClusterSummary(cluster, ctx);
  await yieldToEventLoop();
  throwIfCancelled(ctx.signal, 'Reading the cluster status');
  const nodes = await readNodes(cluster, machine, ctx, options);
  return { cluster: summary, nodes };
}

function closeCluster(cluster: clusapi.ClusterHandle, ctx: OperationContext): void {
  try {
    cluster.close();
  } catch (err) {
    ctx.logger.log('warn', describeFailure('CloseCluster', err));
  }
}

/** What this machine is (seed step 1) and, when the cluster service runs here, the cluster with its nodes. */
export async function detectLocalCluster(ctx: OperationContext, options: DiscoveryOptions = {}): Promise<ClusterStatus> {
  throwIfCancelled(ctx.signal, 'Detecting the cluster');
  ctx.progress('Detecting the cluster service');
  const state = readLocalState(ctx);
  const machine = readComputerName(ctx);
  if (state !== 'running') return { state, machine, cluster: null, nodes: [] };

  throwIfCancelled(ctx.signal, 'Detecting the cluster');
  ctx.progress('Opening the cluster');
  const cluster = openLocalCluster(machine, ctx);
  try {
    return { state, machine, ...(await readOpenCluster(cluster, machine, ctx, options)) };
  } finally {
    closeCluster(cluster, ctx);
  }
}

/** "Connect to Cluster…": open a cluster by its name (or a node's name, DNS name or IP address). */
export async function connectToCluster(name: string, ctx: OperationContext, options: DiscoveryOptions = {}): Promise<ClusterStatus> {
  const clusterName = validateClusterName(name);
  throwIfCancelled(ctx.signal, 'Connecting to the cluster');
  ctx.progress(`Connecting to ${clusterName}`);
  const state = readLocalState(ctx);
  const machine = readComputerName(ctx);
  let cluster: clusapi.ClusterHandle;
  try {
    cluster = clusapi.openCluster(clusterName);
    ctx.logger.log('info', `OpenCluster(${clusterName}) → opened`);
  } catch (err) {
    ctx.logger.log('error', describeFailure('OpenCluster', err));
    throw err;
  }
  try {
    return { state, machine, ...(await readOpenCluster(cluster, machine, ctx, options)), connectedName: clusterName };
  } finally {
    closeCluster(cluster, ctx);
  }
}
