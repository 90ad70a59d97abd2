/**
 * The node actions Failover Cluster Manager offers: Start and Stop Cluster Service
 * (through the node's Service Control Manager, serviceControl.ts), Pause with its roles
 * drained and Resume (clusapi PauseClusterNodeEx / ResumeClusterNodeEx; docs/windows.md,
 * "Node actions"). Each one reads the node's state before, acts, and reads the state
 * back before it reports success: a pause that the cluster did not take is an error,
 * not a success.
 */
import * as clusapi from '../native/clusapi';
import { NativeError } from '../native/errors';
import { getComputerName } from '../native/kernel32';
import type { NodeActionParams, NodeActionResult, ResumeFailback } from '../wire/nodeActions';
import { isUnreachableError, sameComputerName, validateClusterName } from './clusterNames';
import { sleep, type OperationContext } from './context';
import { CancelledError, EngineError } from './errors';
import type { NodeState } from './model';
import {
  CLUSTER_SERVICE_NAME, startServiceAndWait, stopServiceAndWait, type ServiceControlApi, type ServiceTarget,
} from './serviceControl';

export type { NodeActionKind, NodeActionParams, NodeActionResult, ResumeFailback } from '../wire/nodeActions';

export interface NodeActionOptions {
  api?: ServiceControlApi;
  /** How long the node may take to show the state the action leads to (default 2 minutes). */
  settleTimeoutMs?: number;
}

const DEFAULT_SETTLE_MS = 2 * 60_000;
const SETTLE_POLL_MS = 500;

const FAILBACK: Record<ResumeFailback, clusapi.ClusterNodeResumeFailbackType> = {
  none: clusapi.ClusterNodeResumeFailbackType.DoNotFailbackGroups,
  immediate: clusapi.ClusterNodeResumeFailbackType.FailbackGroupsImmediately,
  policy: clusapi.ClusterNodeResumeFailbackType.FailbackGroupsPerPolicy,
};

/** A node's state as the cluster reached through `clusterName` reports it; a failure is the state it implies. */
export function readNodeState(clusterName: string | null, node: string): { state: NodeState; error?: NativeError } {
  try {
    return clusapi.withCluster(clusterName, (cluster) =>
      clusapi.withNode(cluster, node, (handle) => ({ state: clusapi.clusterNodeStateName(clusapi.getClusterNodeState(handle)) })));
  } catch (err) {
    if (!(err instanceof NativeError)) throw err;
    return { state: isUnreachableError(err.code) ? 'unreachable' : 'unknown', error: err };
  }
}

/** The cluster's own name, read through `route` (a node or cluster name; null: this machine over LPC). */
function clusterNameThrough(route: string | null): string {
  return clusapi.withCluster(route, (cluster) => clusapi.getClusterInformation(cluster).name);
}

/** Waits until the node's state is one of `wanted`; returns the last state read. */
async function settle(clusterName: string | null, node: string, wanted: readonly NodeState[], ctx: OperationContext,
  options: NodeActionOptions, what: string): Promise<NodeState> {
  const timeoutMs = options.settleTimeoutMs ?? DEFAULT_SETTLE_MS;
  const started = Date.now();
  for (;;) {
    if (ctx.signal.aborted) throw new CancelledError(what);
    const read = readNodeState(clusterName, node);
    ctx.logger.log('debug', `GetClusterNodeState(${node}) → ${read.state}${read.error ? ` (${read.error.message})` : ''}`);
    if (wanted.includes(read.state)) return read.state;
    if (Date.now() - started >= timeoutMs) {
      throw new EngineError('TIMEOUT', `${what}: node ${node} is still ${read.state} after ${Math.round(timeoutMs / 1000)} s ` +
        `(expected ${wanted.join(' or ')}).${read.error ? ` ${read.error.message}.` : ''} Check the node in Failover Cluster Manager.`);
    }
    ctx.progress(`Waiting for ${node} to be ${wanted.join(' or ')} (now ${read.state})`);
    await sleep(SETTLE_POLL_MS, ctx.signal);
  }
}

function validateNodeName(node: unknown): string {
  if (typeof node !== 'string' || node.trim() === '') throw new EngineError('BAD_ARGUMENT', 'Name the node (its computer name).');
  return validateClusterName(node.trim());
}

/** Start Cluster Service, Stop Cluster Service, Pause (drain roles) or Resume on one node. */
export async function runNodeAction(params: NodeActionParams, ctx: OperationContext, options: NodeActionOptions = {}): Promise<NodeActionResult> {
  const node = validateNodeName(params?.node);
  const connected = params.cluster === undefined ? undefined : validateClusterName(params.cluster);
  const machine = getComputerName();
  const target: ServiceTarget = { node, isLocal: sameComputerName(node, machine) };
  const route = connected ?? machine;
  switch (params.action) {
    case 'startService': return startService(node, target, route, ctx, options);
    case 'stopService': return stopService(node, target, route, ctx, options);
    case 'pause': return pause(node, route, params.drain ?? true, drainTargetOf(params, node), ctx, options);
    case 'resume': return resume(node, route, params.failback ?? 'none', ctx, options);
    default: throw new EngineError('BAD_ARGUMENT', `Unknown node action "${String((params as { action?: unknown }).action)}": use startService, stopService, pause or resume.`);
  }
}

async function startService(node: string, target: ServiceTarget, route: string, ctx: OperationContext,
  options: NodeActionOptions): Promise<NodeActionResult> {
  const before = readNodeState(route, node).state;
  ctx.logger.log('info', `Starting the cluster service on ${node} (node ${before}).`);
  const transition = await startServiceAndWait(target, CLUSTER_SERVICE_NAME, ctx, { api: options.api });
  // Once ClusSvc runs on the node, the node itself answers for the cluster.
  const clusterName = clusterNameThrough(node);
  const after = await settle(clusterName, node, ['up', 'paused'], ctx, options, `Starting the cluster service on ${node}`);
  ctx.logger.log('info', `The cluster service runs on ${node}; the node is ${after}.`);
  return { action: 'startService', node, before, after, service: 'running', changed: transition.changed };
}

async function stopService(node: string, target: ServiceTarget, route: string, ctx: OperationContext,
  options: NodeActionOptions): Promise<NodeActionResult> {
  const before = readNodeState(route, node).state;
  // Read back through the cluster's name: it stays online while any other node runs.
  let clusterName: string | null = null;
  try {
    clusterName = clusterNameThrough(route);
  } catch (err) {
    if (!(err instanceof NativeError)) throw err;
    ctx.logger.log('debug', `The cluster's name could not be read before the stop: ${err.message}`);
  }
  ctx.logger.log('info', `Stopping the cluster service on ${node} (node ${before}); its roles move to other nodes.`);
  const transition = await stopServiceAndWait(target, CLUSTER_SERVICE_NAME, ctx, { api: options.api });
  let after: NodeState = 'down';
  if (clusterName !== null) {
    const read = readNodeState(clusterName, node);
    // No node left to ask (it was the last one running): the stopped service is the answer.
    if (read.error && isUnreachableError(read.error.code)) ctx.logger.log('info', `No running node answers for ${clusterName} any more; ${node}'s service is stopped.`);
    else if (read.state !== 'down') after = await settle(clusterName, node, ['down'], ctx, options, `Stopping the cluster service on ${node}`);
  }
  ctx.logger.log('info', `The cluster service is stopped on ${node}; the node is ${after}.`);
  return { action: 'stopService', node, before, after, service: 'stopped', changed: transition.changed };
}

/** The pause's drain target (validated), or undefined for the best possible node. */
function drainTargetOf(params: NodeActionParams, node: string): string | undefined {
  if (params.drainTarget === undefined) return undefined;
  if (typeof params.drainTarget !== 'string' || params.drainTarget.trim() === '') {
    throw new EngineError('BAD_ARGUMENT', 'Name the node the roles move to (its computer name), or leave it out for the best possible node.');
  }
  const target = validateClusterName(params.drainTarget.trim());
  if (params.drain === false) throw new EngineError('BAD_ARGUMENT', 'A node the roles move to is given only with a drain; nothing was changed.');
  if (sameComputerName(target, node)) throw new EngineError('BAD_ARGUMENT', `The roles of ${node} cannot be drained to ${node} itself; choose another node.`);
  return target;
}

async function pause(node: string, route: string, drain: boolean, drainTarget: string | undefined, ctx: OperationContext,
  options: NodeActionOptions): Promise<NodeActionResult> {
  const clusterName = clusterNameThrough(route);
  const before = readNodeState(clusterName, node).state;
  if (before === 'paused') {
    ctx.logger.log('info', `${node} is already paused.`);
    return { action: 'pause', node, before, after: before, changed: false };
  }
  if (drainTarget !== undefined) {
    // The cluster refuses a target that is not up (ERROR_HOST_NODE_NOT_AVAILABLE); said here in plain words first.
    const target = readNodeState(clusterName, drainTarget);
    if (target.state !== 'up') {
      throw new EngineError('BAD_ARGUMENT', `The roles of ${node} cannot move to ${drainTarget}: it is ${target.state}` +
        `${target.error ? ` (${target.error.message})` : ''}, not up. Choose a node that is up, or the best possible node; nothing was changed.`);
    }
  }
  // A role that cannot move stays on the paused node rather than going offline.
  const flags = drain ? clusapi.CLUSAPI_NODE_PAUSE_REMAIN_ON_PAUSED_NODE_ON_MOVE_ERROR : 0;
  const to = drainTarget === undefined ? '' : ` to ${drainTarget}`;
  ctx.progress(drain ? `Pausing ${node} and draining its roles${to}` : `Pausing ${node}`);
  clusapi.withCluster(clusterName, (cluster) => clusapi.withNode(cluster, node, (handle) => drainTarget === undefined
    ? clusapi.pauseClusterNodeEx(handle, drain, flags)
    : clusapi.withNode(cluster, drainTarget, (target) => clusapi.pauseClusterNodeEx(handle, drain, flags, target))));
  ctx.logger.log('info', `PauseClusterNodeEx(${node}, drain ${drain ? 'yes' : 'no'}, flags 0x${flags.toString(16)}` +
    `${drainTarget === undefined ? '' : `, target ${drainTarget}`}) → requested.`);
  const after = await settle(clusterName, node, ['paused'], ctx, options, `Pausing ${node}`);
  ctx.logger.log('info', `${node} is paused${drain ? `; its roles were drained to ${drainTarget ?? 'other nodes'}` : ''}.`);
  return { action: 'pause', node, before, after, changed: true, ...(drainTarget !== undefined ? { drainTarget } : {}) };
}

async function resume(node: string, route: string, failback: ResumeFailback, ctx: OperationContext,
  options: NodeActionOptions): Promise<NodeActionResult> {
  const type = FAILBACK[failback];
  if (type === undefined) throw new EngineError('BAD_ARGUMENT', `Unknown failback "${String(failback)}": use none, immediate or policy.`);
  const clusterName = clusterNameThrough(route);
  const before = readNodeState(clusterName, node).state;
  if (before === 'up') {
    ctx.logger.log('info', `${node} is not paused; nothing to resume.`);
    return { action: 'resume', node, before, after: before, changed: false };
  }
  ctx.progress(`Resuming ${node}`);
  clusapi.withCluster(clusterName, (cluster) => clusapi.withNode(cluster, node, (handle) => clusapi.resumeClusterNodeEx(handle, type)));
  ctx.logger.log('info', `ResumeClusterNodeEx(${node}, ${clusapi.ClusterNodeResumeFailbackType[type]}) → requested.`);
  const after = await settle(clusterName, node, ['up'], ctx, options, `Resuming ${node}`);
  ctx.logger.log('info', `${node} is up again.`);
  return { action: 'resume', node, before, after, changed: true };
}

