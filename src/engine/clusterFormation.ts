/**
 * After an authoritative restore, the restored node must form the cluster first and the other
 * nodes join it afterwards: a node that joins a formed cluster takes the cluster's configuration,
 * and when a cluster forms the newest copy among the running nodes wins — so a node started too
 * early could bring its own (newer) copy back. This module waits (bounded, with progress) until a
 * node is Up in a formed cluster; starts this node with force quorum (`/fq`) when it cannot reach
 * quorum alone and the user consented ("the copy of the cluster configuration that is on that node
 * will be treated as the authoritative copy and will be replicated to all other nodes",
 * Start-ClusterNode -FixQuorum); and starts the other nodes one at a time, each after the previous
 * one joined. Cancel stops a wait; nothing here ever stops a node because of a cancel.
 * The rules and their sources: docs/windows.md, "Cluster formation and force quorum".
 */
import * as clusapi from '../native/clusapi';
import { NativeError } from '../native/errors';
import { sleep, type OperationContext } from './context';
import { CancelledError, EngineError, errorMessage, throwIfCancelled } from './errors';
import { CLUSTER_SERVICE_NAME, startServiceAndWait, stopServiceAndWait, type ServiceTarget } from './serviceControl';

/** How long a node may take to be Up in a formed cluster after its service runs (a real cluster forms within a minute or two). */
export const DEFAULT_FORMATION_TIMEOUT_MS = 120_000;
const POLL_MS = 1_000;

/** The cluster's view of a node, as GetClusterNodeState reports it (or why it could not be asked). */
export type Membership = 'up' | 'paused' | 'joining' | 'down' | 'unknown' | 'unreachable';

/** Where the node states come from: the cluster API by default, a fake in unit tests. */
export interface MembershipApi {
  nodeState(node: string): Membership;
}

/** GetClusterNodeState for `node`, asking the cluster through that node (OpenCluster on its name). */
export const nativeMembership: MembershipApi = {
  nodeState(node: string): Membership {
    try {
      return clusapi.withCluster(node, (cluster) => clusapi.withNode(cluster, node, (h) => clusapi.clusterNodeStateName(clusapi.getClusterNodeState(h))));
    } catch (err) {
      if (err instanceof NativeError) return 'unreachable';
      throw err;
    }
  },
};

export interface FormationOptions {
  /** The longest wait for a node to be Up after its service runs (default DEFAULT_FORMATION_TIMEOUT_MS; 0 = look once). */
  timeoutMs?: number;
  /** The service start/stop timeout (serviceControl.ts). */
  serviceTimeoutMs?: number;
  api?: MembershipApi;
}

function isUp(state: Membership): boolean {
  return state === 'up' || state === 'paused';
}

/**
 * Waits until `node` is Up (or Paused) in a formed cluster, at most `timeoutMs`; returns the last
 * state seen. Cancellation stops the wait (CancelledError); it changes nothing.
 */
export async function waitUntilUp(node: string, ctx: OperationContext, options: FormationOptions = {}): Promise<Membership> {
  const api = options.api ?? nativeMembership;
  const timeoutMs = options.timeoutMs ?? DEFAULT_FORMATION_TIMEOUT_MS;
  const started = Date.now();
  for (;;) {
    throwIfCancelled(ctx.signal, `Waiting for ${node} to be Up in the cluster`);
    const state = api.nodeState(node);
    const waited = Date.now() - started;
    if (isUp(state)) {
      ctx.logger.log('info', `${node} is ${state} in the formed cluster.`);
      return state;
    }
    if (waited >= timeoutMs) return state;
    ctx.progress(`Waiting for ${node} to be Up in the cluster (${state}, ${Math.round(waited / 1000)} s of ${Math.round(timeoutMs / 1000)} s)`);
    ctx.logger.log('info', `${node} is ${state}; waiting until it is Up in a formed cluster (${Math.round(waited / 1000)} s of ${Math.round(timeoutMs / 1000)} s).`);
    await sleep(Math.min(POLL_MS, Math.max(1, timeoutMs - waited)), ctx.signal);
  }
}

/** The StartServiceW argument vector for a forced quorum: lpServiceArgVectors[0] is the service's name, then the arguments. */
export function forceQuorumArgs(service: string): string[] {
  return [service, '/fq'];
}

export interface FormationRequest {
  /** This node (its service runs). */
  node: string;
  service: string;
  /** The user consented to starting this node with force quorum when it cannot form the cluster alone. */
  forceQuorum: boolean;
}

/** How this node came to be Up: the cluster formed by quorum, or by a forced quorum. */
export type FormationResult = 'formed' | 'forced';

/**
 * This node's service runs on the restored configuration: wait until it is Up in a formed
 * cluster. When it stays out (it cannot reach quorum alone) and `forceQuorum` was given, stop its
 * service and start it again with `/fq`, so that its copy is the one replicated to every node.
 * Without consent, fails with QUORUM_NOT_REACHED. The plan asks for consent before any change when the set's
 * votes say it is needed (quorumForecast.ts); this failure is the case the forecast did not see, past the
 * commit point, so its message says how to finish by hand.
 */
export async function formClusterHere(request: FormationRequest, ctx: OperationContext, options: FormationOptions = {}): Promise<FormationResult> {
  const here: ServiceTarget = { node: request.node, isLocal: true };
  ctx.progress(`Waiting for ${request.node} to form the cluster`);
  const state = await waitUntilUp(request.node, ctx, options);
  if (isUp(state)) return 'formed';
  if (!request.forceQuorum) {
    throw new EngineError('QUORUM_NOT_REACHED',
      `${request.node} runs the restored configuration but is ${state}: it cannot reach quorum alone while the other nodes are stopped, ` +
      'and starting them now would let their copy of the configuration replace the restored one, so they were not started. The restored ' +
      `files are in place. To finish: on ${request.node} run Start-ClusterNode -FixQuorum (or net start clussvc /fq) — its copy becomes ` +
      'the authoritative one and is replicated to every node — wait until it is Up, then start the cluster service on the other nodes ' +
      'one at a time. (Next time allow force quorum up front: --force-quorum, or "Force Quorum If Needed".)');
  }
  ctx.logger.log('warn', `${request.node} is ${state} and cannot reach quorum alone; restarting ${request.service} with force quorum (/fq), ` +
    'as consented: its copy of the configuration becomes authoritative and is replicated to every node.');
  await stopServiceAndWait(here, request.service, ctx, { timeoutMs: options.serviceTimeoutMs });
  await startServiceAndWait(here, request.service, ctx, { timeoutMs: options.serviceTimeoutMs, args: forceQuorumArgs(request.service) });
  const forced = await waitUntilUp(request.node, ctx, options);
  if (!isUp(forced)) {
    throw new EngineError('QUORUM_NOT_REACHED',
      `${request.node} is still ${forced} after its cluster service was started with force quorum (/fq). ` +
      'Check the System event log there (Event ID 1177 and the FailoverClustering events), then try again.');
  }
  return 'forced';
}

/**
 * Starts the cluster service on `nodes` one at a time, each after the previous one is Up in the
 * cluster (it joined and took the cluster's configuration). Returns what did not work; a node that
 * started is never stopped. `ctx` starts the services (a start once asked for is waited for);
 * `cancel` stops the waiting for nodes to join — the remaining nodes are still started (the
 * restore stopped them, and a cancel must not leave the cluster without them), just not waited for.
 * `notMembers` (upper-case names): nodes the restored configuration does not list — started, not waited for.
 */
export async function startNodesOneByOne(nodes: readonly string[], ctx: OperationContext, cancel: AbortSignal,
  options: FormationOptions = {}, notMembers: ReadonlySet<string> = new Set()): Promise<string[]> {
  const problems: string[] = [];
  const waiting: OperationContext = { ...ctx, signal: cancel };
  for (const node of nodes) {
    try {
      await startServiceAndWait({ node, isLocal: false }, CLUSTER_SERVICE_NAME, ctx, { timeoutMs: options.serviceTimeoutMs });
      if (notMembers.has(node.toUpperCase())) {
        // Its service ran before, so it runs again; but the restored configuration does not list it (the plan's
        // membership difference), so it cannot join — it is not waited for.
        ctx.logger.log('warn', `${node} runs ${CLUSTER_SERVICE_NAME} again but is not a member of the restored configuration, so it does not join the cluster. Add it again (Add-ClusterNode) if it should be one.`);
        continue;
      }
      if (cancel.aborted) {
        ctx.logger.log('warn', `${node} was started without waiting for it to join: the restore was cancelled while waiting for the nodes to join.`);
        continue;
      }
      const state = await waitUntilUp(node, waiting, options);
      if (!isUp(state)) problems.push(`${node} runs ${CLUSTER_SERVICE_NAME} but is ${state}, not Up in the cluster`);
    } catch (err) {
      if (err instanceof CancelledError) {
        ctx.logger.log('warn', `Stopped waiting for ${node} to join (cancelled); the remaining nodes are started without waiting.`);
        continue;
      }
      problems.push(`${CLUSTER_SERVICE_NAME} on ${node}: ${errorMessage(err)}`);
      ctx.logger.log('error', `Starting ${CLUSTER_SERVICE_NAME} on ${node} and waiting for it to join failed: ${errorMessage(err)}`);
    }
  }
  return problems;
}
