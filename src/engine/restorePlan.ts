/**
 * The restore's policy, in one place: from the preflight's facts, the typed list of steps
 * the restore runs — or why it will not. The plan the user confirms shows exactly this
 * list (a dry run), and the restore executes exactly this list (restoreRun.ts), so what is
 * confirmed is what happens.
 *
 * The order follows the writer's restore method (VSS_RESTOREMETHOD_ENUM,
 * learn.microsoft.com/windows/win32/api/vswriter/ne-vswriter-vss_restoremethod_enum; the
 * sequence and its sources are in docs/windows.md, "VSS restore sequence"). The Cluster
 * Database writer lives inside the cluster service and reports VSS_RME_RESTORE_STOP_START:
 * with ClusSvc running here, PreRestore; the set's files written to their original locations
 * (MoveFileExW; a file in use is replaced at the next restart); SetFileRestoreStatus and
 * PostRestore; then ClusSvc stopped and started. VSS_RME_STOP_RESTORE_START: PreRestore, the
 * service stopped, the files restored, the service started, PostRestore. Other methods are
 * refused. When the service cannot run the writer — it is stopped and cannot start, or the
 * whole cluster is down — or the set is an offline hive copy, ClusDb is restored as a plain
 * hive with the service stopped (the offline path). Every restore ends by observing its
 * outcome (restoreOutcome.ts).
 */
import path = require('node:path');
import { restoreMethodName, VssRestoreMethod } from '../native/vssTypes';
import { EngineError, type EngineErrorCode } from './errors';
import { safetyRootFor } from './restoreJournal';
import { finishAction } from './restoreRecovery';
import { isActive, type Preflight } from './restorePreflight';
import { SUPPORTED_RESTORE_METHODS } from './restoreVss';
import { CLUSTER_SERVICE_NAME } from './serviceControl';
import type { RestoreMethodName, RestoreParams, RestoreRefusal, RestoreStep } from '../wire/restore';
import { describeRefusal } from '../wire/restoreWords';

export interface StepPlan {
  steps: RestoreStep[];
  refusal: RestoreRefusal | null;
  /** Other nodes whose service runs and that the restore stops (authoritative). */
  nodesToStop: string[];
  /** The writer's VSS_RESTOREMETHOD_ENUM value (null: offline hive copy). */
  method: number | null;
  /** The service the restore stops and starts here. */
  service: string;
}

const METHOD_KEYS: Record<number, RestoreMethodName> = {
  [VssRestoreMethod.Undefined]: 'undefined',
  [VssRestoreMethod.RestoreIfNotThere]: 'restoreIfNotThere',
  [VssRestoreMethod.RestoreIfCanReplace]: 'restoreIfCanReplace',
  [VssRestoreMethod.StopRestoreStart]: 'stopRestoreStart',
  [VssRestoreMethod.RestoreToAlternateLocation]: 'restoreToAlternateLocation',
  [VssRestoreMethod.RestoreAtReboot]: 'restoreAtReboot',
  [VssRestoreMethod.RestoreAtRebootIfCannotReplace]: 'restoreAtRebootIfCannotReplace',
  [VssRestoreMethod.Custom]: 'custom',
  [VssRestoreMethod.RestoreStopStart]: 'restoreStopStart',
};

export function methodKey(method: number): RestoreMethodName {
  return METHOD_KEYS[method] ?? 'undefined';
}

/** The first reason the restore cannot go ahead, or null. */
function refusalOf(params: RestoreParams, pre: Preflight, method: number | null): RestoreRefusal | null {
  const { facts, set } = pre;
  if (pre.localService === 'notInstalled') return { code: 'notClusterNode', node: facts.machine };
  if (pre.identity.refusal) return pre.identity.refusal;
  if (pre.problems.length > 0) return { code: 'setNotRestorable', set: set.summary.name, problems: pre.problems };
  if (params.authoritative && set.manifest.kind === 'offline-hive') return { code: 'offlineSetAuthoritative', set: set.summary.name };
  if (method !== null && !SUPPORTED_RESTORE_METHODS.has(method)) return { code: 'unsupportedRestoreMethod', method: methodKey(method) };
  if (!params.authoritative) return null;
  if (!pre.identity.membershipKnown) return { code: 'membershipUnknown', node: facts.machine, cluster: set.manifest.cluster.name };
  if (pre.unqueryable.length > 0) return { code: 'nodesUnreachable', nodes: pre.unqueryable };
  if (pre.runningOtherNodes.length > 0 && !params.stopOtherNodes) return { code: 'nodesRunning', nodes: pre.runningOtherNodes };
  // Consent to force quorum is needed before any change: once PostRestore is sent the restore cannot be rolled back.
  const votes = pre.quorumAlone;
  if (votes && !votes.formsAlone && params.forceQuorum !== true) {
    return { code: 'needsForceQuorum', node: facts.machine, nodeVotes: votes.nodeVotes, totalVotes: votes.totalVotes, witness: votes.witness };
  }
  return null;
}

/** Why the restore takes the offline path (ClusDb as a plain hive, no writer), or null for the VSS path. */
function offlineReason(params: RestoreParams, pre: Preflight): Extract<RestoreStep, { kind: 'offlinePath' }> | null {
  const node = pre.facts.machine;
  if (pre.set.manifest.kind === 'offline-hive') {
    return { kind: 'offlinePath', node, reason: 'offlineSet', detail: 'the set is an offline copy of the cluster hive, without the VSS documents' };
  }
  if (pre.cannotStart !== null) return { kind: 'offlinePath', node, reason: 'serviceCannotStart', detail: pre.cannotStart };
  if (!isActive(pre.localService) && !pre.identity.clusterAnswered && pre.runningOtherNodes.length === 0) {
    return { kind: 'offlinePath', node, reason: 'clusterDown', detail: params.authoritative
      ? 'the cluster service runs on no node that answers'
      : 'the cluster service runs on no node that answers, so this node has no running cluster to rejoin' };
  }
  return null;
}

/** The steps of the restore (also when it is refused: they say what would run). */
export function planSteps(params: RestoreParams, pre: Preflight): StepPlan {
  const { facts, set, docs } = pre;
  const offline = offlineReason(params, pre);
  const method = offline === null
    ? docs?.method.method ?? set.manifest.writer?.restoreMethod ?? VssRestoreMethod.RestoreStopStart
    : null;
  const service = docs?.method.service || CLUSTER_SERVICE_NAME;
  const refusal = refusalOf(params, pre, method);
  const node = facts.machine;
  const folder = facts.clusDbDir;
  const files = pre.placements.map((p) => path.basename(p.target));
  const companions = pre.companions.map((c) => path.basename(c));
  const nodesToStop = params.authoritative ? pre.runningOtherNodes : [];
  const steps: RestoreStep[] = [];

  if (pre.pending) {
    steps.push({ kind: 'finishInterrupted', set: path.basename(pre.pending.set), phase: pre.pending.phase, action: finishAction(pre.pending) });
  }
  const m = set.manifest;
  steps.push({ kind: 'verifySet', set: set.summary.name, files: m.files.length, node: m.node, cluster: m.cluster.name, time: m.time });

  const otherNodes: RestoreStep[] = [];
  if (params.authoritative) {
    if (nodesToStop.length > 0) otherNodes.push({ kind: 'stopOtherNodes', nodes: nodesToStop });
    else if (pre.otherNodes.length > 0) otherNodes.push({ kind: 'otherNodesStopped', nodes: pre.otherNodes, fromSet: pre.identity.nodesFromSet });
  }
  const safety = { kind: 'safetyCopy', folder: safetyRootFor(folder), files, companions } as const;
  const restoreFiles = { kind: 'restoreFiles', folder, files, companions } as const;
  // Authoritative: this node forms the cluster first (clusterFormation.ts); a node restore joins the running cluster.
  const start = params.authoritative
    ? { kind: 'startLocalService', node, service, rejoins: false, formsCluster: true, forceQuorum: params.forceQuorum === true } as const
    : { kind: 'startLocalService', node, service, rejoins: true } as const;
  const stop = { kind: 'stopLocalService', node, service } as const;

  if (offline !== null) {
    steps.push(offline, ...otherNodes);
    if (isActive(pre.localService)) steps.push(stop);
    steps.push(safety, restoreFiles, start);
  } else if (method === null) {
    throw new Error('A VSS restore without a restore method.');
  } else if (method === VssRestoreMethod.StopRestoreStart) {
    if (!isActive(pre.localService)) steps.push({ kind: 'startServiceForWriter', node, service });
    steps.push(...otherNodes, { kind: 'vssPreRestore', method: methodKey(method), authoritative: params.authoritative }, stop, safety, restoreFiles, start,
      { kind: 'vssPostRestore', method: methodKey(method) });
  } else {
    if (!isActive(pre.localService)) steps.push({ kind: 'startServiceForWriter', node, service });
    steps.push(...otherNodes, { kind: 'vssPreRestore', method: methodKey(method), authoritative: params.authoritative }, safety, restoreFiles,
      { kind: 'vssPostRestore', method: methodKey(method) }, stop, start);
  }
  if (nodesToStop.length > 0) steps.push({ kind: 'startOtherNodes', nodes: nodesToStop });
  steps.push({ kind: 'checkInEffect', authoritative: params.authoritative });
  return { steps, refusal, nodesToStop, method, service };
}

const REFUSAL_ERROR_CODES: Record<RestoreRefusal['code'], EngineErrorCode> = {
  otherCluster: 'WRONG_CLUSTER',
  membershipUnknown: 'NODE_UNREACHABLE',
  nodesUnreachable: 'NODE_UNREACHABLE',
  nodesRunning: 'NODES_RUNNING',
  offlineSetAuthoritative: 'BAD_ARGUMENT',
  unsupportedRestoreMethod: 'RESTORE_FAILED',
  notClusterNode: 'NOT_CLUSTER_NODE',
  setNotRestorable: 'INVALID_SET',
  needsForceQuorum: 'QUORUM_NOT_REACHED',
};

/** The error a refused restore fails with (its message made from the typed refusal). */
export function refusalError(refusal: RestoreRefusal): EngineError {
  return new EngineError(REFUSAL_ERROR_CODES[refusal.code], describeRefusal(refusal));
}

export function describeMethod(method: number | null): string {
  return method === null ? 'offline hive, without VSS' : restoreMethodName(method);
}
