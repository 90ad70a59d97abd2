/**
 * The words for a restore plan's steps and refusals, made from the typed plan (wire/restore.ts).
 * One place for them: the engine's error messages, the CLI (untranslated) and the UI
 * (through vscode.l10n.t, passed in as `t`) all say the same thing. `{0}`, `{1}` … are the
 * arguments, as vscode.l10n.t expects.
 */
import type { MembershipDifference, PendingRestore, RestoreMethodName, RestoreRefusal, RestoreStep } from './restore';

/** Same contract as vscode.l10n.t(message, ...args). */
export type Translate = (message: string, ...args: Array<string | number | boolean>) => string;

export const untranslated: Translate = (message, ...args) =>
  message.replace(/\{(\d+)\}/g, (whole, index: string) => {
    const value = args[Number(index)];
    return value === undefined ? whole : String(value);
  });

const METHOD_NAMES: Record<RestoreMethodName, string> = {
  restoreIfNotThere: 'VSS_RME_RESTORE_IF_NOT_THERE',
  restoreIfCanReplace: 'VSS_RME_RESTORE_IF_CAN_REPLACE',
  stopRestoreStart: 'VSS_RME_STOP_RESTORE_START',
  restoreToAlternateLocation: 'VSS_RME_RESTORE_TO_ALTERNATE_LOCATION',
  restoreAtReboot: 'VSS_RME_RESTORE_AT_REBOOT',
  restoreAtRebootIfCannotReplace: 'VSS_RME_RESTORE_AT_REBOOT_IF_CANNOT_REPLACE',
  custom: 'VSS_RME_CUSTOM',
  restoreStopStart: 'VSS_RME_RESTORE_STOP_START',
  undefined: 'VSS_RME_UNDEFINED',
};

export function restoreMethodLabel(method: RestoreMethodName): string {
  return METHOD_NAMES[method];
}

function list(names: string[]): string {
  return names.join(', ');
}

/** One line per step. */
export function describeStep(step: RestoreStep, t: Translate = untranslated): string {
  switch (step.kind) {
    case 'finishInterrupted':
      return step.action === 'complete'
        ? t('First, finish the earlier restore of {0} that was interrupted at "{1}": it had restored the files and started the cluster service here, so it is completed (the nodes it stopped are started).', step.set, step.phase)
        : t('First, roll back the earlier restore of {0} that was interrupted at "{1}": its staged files are deleted, the files from before it are put back from its safety copy, and the services it stopped or started are returned to how they were.', step.set, step.phase);
    case 'verifySet':
      return t('Verify the backup set {0}: {1} file(s) from {2}, cluster {3}, made {4} — passed.', step.set, step.files, step.node, step.cluster ?? t('(unnamed)'), step.time);
    case 'startServiceForWriter':
      return t('Start the cluster service ({0}) on {1} and wait until it runs: the Cluster Database VSS writer runs inside it.', step.service, step.node);
    case 'stopOtherNodes':
      return t('Stop the cluster service on {0}.', list(step.nodes));
    case 'otherNodesStopped':
      return step.fromSet
        ? t('The cluster answers nowhere, so the nodes the set recorded were checked: the cluster service is stopped on {0}.', list(step.nodes))
        : t('The cluster service is already stopped on {0}.', list(step.nodes));
    case 'vssPreRestore':
      return step.authoritative
        ? t('Start the restore through the Cluster Database VSS writer ({0}), marked authoritative — the whole cluster goes back to this configuration: PreRestore.', restoreMethodLabel(step.method))
        : t('Start the restore through the Cluster Database VSS writer ({0}): PreRestore.', restoreMethodLabel(step.method));
    case 'vssPostRestore':
      return t('Tell the writer the files are restored: PostRestore.');
    case 'stopLocalService':
      return t('Stop the cluster service ({0}) on {1}.', step.service, step.node);
    case 'safetyCopy':
      return step.companions.length > 0
        ? t('Copy the live files {0} and their companions {1} to a safety folder under {2}.', list(step.files), list(step.companions), step.folder)
        : t('Copy the live files {0} to a safety folder under {1}.', list(step.files), step.folder);
    case 'restoreFiles':
      return step.companions.length > 0
        ? t('Write the set\'s {0} file(s) to their original locations in {1} (each checked against its SHA-256, then renamed over the live file with MoveFileExW), and move {2} (live companion files the set does not hold) into the safety folder so none of them sits beside an older hive. A file in use is replaced at the next restart instead: the restore then ends "reboot required" and never restarts the machine itself.', step.files.length, step.folder, list(step.companions))
        : t('Write the set\'s {0} file(s) to their original locations in {1} (each checked against its SHA-256, then renamed over the live file with MoveFileExW): {2}. A file in use is replaced at the next restart instead: the restore then ends "reboot required" and never restarts the machine itself.', step.files.length, step.folder, list(step.files));
    case 'startLocalService':
      if (step.rejoins) {
        return t('Start the cluster service on {0} and wait until it runs; the node rejoins the running cluster and takes its current configuration (a node restore does not change the cluster\'s configuration).', step.node);
      }
      if (!step.formsCluster) return t('Start the cluster service on {0} and wait until it runs.', step.node);
      return step.forceQuorum
        ? t('Start the cluster service on {0} and wait until it is Up in a cluster formed on the restored configuration, before any other node starts. If it cannot reach quorum alone, restart it with force quorum (/fq), as you allowed: its copy becomes the authoritative one and is replicated to every node.', step.node)
        : t('Start the cluster service on {0} and wait until it is Up in a cluster formed on the restored configuration, before any other node starts. If it stays out of quorum anyway, the other nodes are not started and the restore ends not in effect, saying how to finish with force quorum (/fq).', step.node);
    case 'startOtherNodes':
      return t('Then start the cluster service on {0} again, one node at a time, each after the previous one has joined (Up) and taken the restored configuration.', list(step.nodes));
    case 'offlinePath':
      switch (step.reason) {
        case 'offlineSet':
          return t('Restore without the VSS writer ({0}): ClusDb is restored as a plain registry hive with the cluster service stopped on {1}.', step.detail, step.node);
        case 'serviceCannotStart':
          return t('The cluster service cannot start on {0} ({1}), so the Cluster Database VSS writer, which runs inside it, is not available: ClusDb is restored as a plain registry hive with the service stopped, as the cluster documentation allows while the node is not part of a running cluster.', step.node, step.detail);
        case 'clusterDown':
          return t('The cluster is down ({0}): ClusDb is restored on {1} as a plain registry hive with the cluster service stopped, as the cluster documentation allows while the cluster is down.', step.detail, step.node);
      }
      break;
    case 'checkInEffect':
      return step.authoritative
        ? t('Check that the restore is in effect: the live configuration, read through the cluster registry API, must be the set\'s (members, keys and values; PaxosTag not older), and every node whose cluster service ran before must run again. Otherwise the restore is reported "not in effect" with what differs.')
        : t('Check that the restore is in effect: this node must be Up in the cluster, and its service running. A node restored non-authoritatively takes the running cluster\'s current configuration when it joins, so the set\'s configuration stays only where the cluster is down.');
  }
  return '';
}

/** The closing line of every plan: what happens when a step fails. */
export function describeRollback(t: Translate = untranslated): string {
  return t('If anything fails before the restored files are handed over (PostRestore sent to the cluster database writer with every file in place or, without the writer, the cluster service running on them), the staged files are deleted, the live files and their companions are put back from the safety folder, and the cluster services are returned to how they were. A restore that waits for a restart is finished by the first run of this tool after the restart, or rolled back by "fcbackup recover" before it.');
}

/** Why the restore is refused, with what to do. Ends with "Nothing was changed." */
export function describeRefusal(refusal: RestoreRefusal, t: Translate = untranslated): string {
  const unchanged = t('Nothing was changed.');
  switch (refusal.code) {
    case 'otherCluster': {
      const what = t('Choose a set of this cluster, or confirm explicitly that you want to restore a set from another cluster.');
      switch (refusal.reason) {
        case 'name':
          return `${t('The set {0} was made on cluster {1}, but this node belongs to {2}.', refusal.set, refusal.setCluster ?? '', refusal.liveCluster ?? '')} ${what} ${unchanged}`;
        case 'unnamed':
          return `${t('The set {0} does not record its cluster\'s name, so it cannot be confirmed to belong to {1}.', refusal.set, refusal.liveCluster ?? t('this node\'s cluster'))} ${what} ${unchanged}`;
        case 'notMember':
          return `${t('The set {0} was made on a cluster named {1} that does not have this node ({2}) among its members: it is another cluster of the same name.', refusal.set, refusal.setCluster ?? '', refusal.node)} ${what} ${unchanged}`;
        case 'clusterId':
          return `${t('The set {0} was made on a cluster named {1} whose cluster instance id ({2}) differs from this cluster\'s ({3}): it is another cluster of the same name.', refusal.set, refusal.setCluster ?? '', refusal.setClusterId ?? '?', refusal.liveClusterId ?? '?')} ${what} ${unchanged}`;
        case 'unconfirmed':
          return `${t('The cluster service is not running on this node and {0} cannot be reached, so the set {1} cannot be confirmed to belong to this node\'s cluster.', refusal.setCluster ?? t('the set\'s cluster'), refusal.set)} ${what} ${unchanged}`;
      }
      break;
    }
    case 'membershipUnknown':
      return `${t('The cluster\'s nodes cannot be listed: the cluster service runs neither on {0} nor on any node that answers for {1}, and the set does not record the cluster\'s nodes, so it cannot be confirmed that the service is stopped on every other node. Start the cluster service on one node (if need be with /forcequorum), then run the authoritative restore again and let it stop the other nodes.', refusal.node, refusal.cluster ?? t('the cluster'))} ${unchanged}`;
    case 'nodesUnreachable':
      return `${t('An authoritative restore needs the cluster service stopped on every other node, but it cannot be queried on {0}. Make the node reachable (or evict it) and try again.', refusal.nodes.map((n) => `${n.node} (${n.error})`).join(', '))} ${unchanged}`;
    case 'nodesRunning':
      return `${t('The cluster service is running on {0}. An authoritative restore needs it stopped on every other node: stop it there, or confirm that the restore may stop it.', list(refusal.nodes))} ${unchanged}`;
    case 'offlineSetAuthoritative':
      return `${t('The set {0} is an offline copy of the cluster hive (made while the cluster service was stopped). An authoritative restore is marked through the Cluster Database VSS writer, so it needs a VSS set; restore this set as a node restore, or choose a VSS set.', refusal.set)} ${unchanged}`;
    case 'unsupportedRestoreMethod':
      return `${t('The Cluster Database writer asks for restore method {0}, which this tool does not carry out.', restoreMethodLabel(refusal.method))} ${unchanged}`;
    case 'notClusterNode':
      return `${t('The cluster service (ClusSvc) is not installed on {0}. Install the Failover Clustering feature on this node before restoring its cluster configuration.', refusal.node)} ${unchanged}`;
    case 'setNotRestorable':
      return `${t('The backup set {0} cannot be restored: {1}', refusal.set, refusal.problems.join('; '))} ${unchanged}`;
    case 'needsForceQuorum':
      return `${t('After an authoritative restore {0} must form the cluster alone, before any other node starts, but by the backup\'s configuration it holds {1} of {2} votes{3}: no majority. Allow force quorum (--force-quorum, or "Force Quorum If Needed" in VS Code): {0} is then started with /fq only if it cannot reach quorum, and its restored copy is replicated to every node.', refusal.node, refusal.nodeVotes + (refusal.witness ? 1 : 0), refusal.totalVotes, refusal.witness ? t(' with the witness') : '')} ${unchanged}`;
  }
  return unchanged;
}

/** The membership line of a plan, or null when the set and the live cluster list the same nodes. */
export function describeMembership(diff: MembershipDifference, t: Translate = untranslated): string | null {
  const parts: string[] = [];
  if (diff.onlyInSet.length > 0) parts.push(t('the set\'s configuration has {0}, which the live cluster does not list', list(diff.onlyInSet)));
  if (diff.onlyLive.length > 0) parts.push(t('the live cluster has {0}, which the set\'s configuration does not list', list(diff.onlyLive)));
  if (parts.length === 0) return null;
  return t('Members differ: {0}. After the restore the cluster\'s members are the set\'s.', parts.join('; '));
}

/** A pending restore for `status`: running now, or interrupted and what finishing it does. */
export function describePendingRestore(pending: PendingRestore, t: Translate = untranslated): string {
  if (pending.rebootRequired && !pending.running) {
    return t('The {0} restore of {1} (started {2}) waits for this machine to restart: its files replace the live ones at the restart, and the next run of this tool after it finishes the restore. Restart the machine when convenient (this tool never does), or run "fcbackup recover" to roll the restore back instead. Backups are refused until then.', pending.authoritative ? t('authoritative') : t('node'), pending.set, pending.startedAt);
  }
  if (pending.running) {
    return t('The {0} restore of {1} is running (started {2}, at "{3}").', pending.authoritative ? t('authoritative') : t('node'), pending.set, pending.startedAt, pending.phase);
  }
  return pending.finish === 'complete'
    ? t('An interrupted {0} restore of {1} (started {2}) stopped at "{3}" after it had committed: run "fcbackup recover" (or Finish Interrupted Restore) to complete it. Backups are refused until then.', pending.authoritative ? t('authoritative') : t('node'), pending.set, pending.startedAt, pending.phase)
    : t('An interrupted {0} restore of {1} (started {2}) stopped at "{3}": run "fcbackup recover" (or Finish Interrupted Restore) to roll it back. Backups are refused until then.', pending.authoritative ? t('authoritative') : t('node'), pending.set, pending.startedAt, pending.phase);
}
