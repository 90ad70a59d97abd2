/**
 * Starting the services of a restore that had committed but was not finished by the run that
 * began it: `fcbackup recover`, Finish Interrupted Restore, and the first engine run after a
 * restart that put the files in place (restoreRecovery.ts). The same rules as the restore's own
 * run (restoreRun.ts) apply, from where the journal says it stopped:
 *
 * - VSS_RME_RESTORE_STOP_START: after PostRestore the service is stopped and started again, so
 *   it loads the restored files (the writer acts on them at that start);
 * - authoritative: this node forms the cluster first — with force quorum (/fq) only when the
 *   user consented to it for this restore (recorded in the journal) — and only then the other
 *   nodes start, one at a time, each waited for (clusterFormation.ts). When this node cannot
 *   form the cluster, the other nodes are not started: their copy of the configuration would
 *   replace the restored one.
 */
import type { OperationContext } from './context';
import { formClusterHere, startNodesOneByOne } from './clusterFormation';
import { errorMessage } from './errors';
import { RESTORE_PHASES, type JournalStore, type RestoreJournal } from './restoreJournal';
import { CLUSTER_SERVICE_NAME, queryServiceState, startServiceAndWait, stopServiceAndWait, type ServiceTarget } from './serviceControl';
import { VssRestoreMethod } from '../native/vssTypes';

export interface FinishTimeouts {
  /** The service start/stop timeout (serviceControl.ts). */
  timeoutMs?: number;
  /** The longest wait for a node to be Up in the formed cluster (clusterFormation.ts; 0 = look once). */
  formationTimeoutMs?: number;
}

/**
 * The problem line for the other nodes a restore left stopped because this node does not run or
 * did not form the cluster (`why`), with the order to start them in by hand. None for no nodes.
 */
export function othersNotStarted(others: readonly string[], localNode: string, why: string): string[] {
  return others.length === 0 ? []
    : [`${CLUSTER_SERVICE_NAME} on ${others.join(', ')}: not started, because ${why}. Start it on ${localNode} first ` +
      `and wait until ${localNode} is Up in the cluster, then on them one at a time.`];
}

const phaseIndex = (phase: RestoreJournal['phase']): number => RESTORE_PHASES.indexOf(phase);

/**
 * Whether the stop and start that follow PostRestore (VSS_RME_RESTORE_STOP_START) are still to do:
 * PostRestore was sent with the files in place, and the run ended before the service was stopped.
 * (A restore that waited for a restart was started again by the restart, on the replaced files.)
 */
export function restartStillDue(journal: RestoreJournal): boolean {
  return journal.restoreMethod === VssRestoreMethod.RestoreStopStart && journal.postRestoreSent &&
    journal.phase !== 'rebootPending' && phaseIndex(journal.phase) < phaseIndex('serviceStopped');
}

/**
 * Brings this node's service up on the restored files, lets this node form the cluster
 * (authoritative) and starts the other nodes the restore stopped, by the formation rules.
 * Returns what did not work; never throws for a service or a node.
 */
export async function startAfterCommit(store: JournalStore, journal: RestoreJournal, ctx: OperationContext, timeouts: FinishTimeouts): Promise<string[]> {
  const here: ServiceTarget = { node: journal.localNode, isLocal: true };
  const formation = { timeoutMs: timeouts.formationTimeoutMs, serviceTimeoutMs: timeouts.timeoutMs };
  const others = journal.otherNodesToRestart;
  const notStarted = (why: string): string[] => othersNotStarted(others, journal.localNode, why);
  try {
    if (restartStillDue(journal) && queryServiceState(here, journal.serviceName) !== 'stopped') {
      ctx.logger.log('info', `PostRestore was sent but ${journal.serviceName} on ${journal.localNode} was not stopped and started afterwards: ` +
        'doing it now, so that it loads the restored files.');
      journal.localServiceChanged = true;
      store.write(journal);
      await stopServiceAndWait(here, journal.serviceName, ctx, { timeoutMs: timeouts.timeoutMs });
      store.advance(journal, 'serviceStopped');
    }
    await startServiceAndWait(here, journal.serviceName, ctx, { timeoutMs: timeouts.timeoutMs });
  } catch (err) {
    ctx.logger.log('error', `Starting ${journal.serviceName} on ${journal.localNode} failed: ${errorMessage(err)}`);
    return [`${journal.serviceName} on ${journal.localNode}: ${errorMessage(err)}`,
      ...notStarted(`${journal.serviceName} does not run on ${journal.localNode}`)];
  }
  if (journal.authoritative) {
    try {
      const formed = await formClusterHere({ node: journal.localNode, service: journal.serviceName, forceQuorum: journal.forceQuorum === true }, ctx, formation);
      ctx.logger.log('info', `${journal.localNode} is Up in the cluster ${formed === 'forced' ? 'it formed with force quorum (/fq)' : 'formed on the restored configuration'}.`);
    } catch (err) {
      ctx.logger.log('error', `${journal.localNode} did not form the cluster: ${errorMessage(err)}`);
      return [`${journal.serviceName} on ${journal.localNode}: ${errorMessage(err)}`,
        ...notStarted(`${journal.localNode} did not form the cluster, and a node started now would bring its own copy of the configuration back`)];
    }
  }
  return startNodesOneByOne(others, ctx, ctx.signal, formation, new Set((journal.notMembers ?? []).map((n) => n.toUpperCase())));
}
