import vscode = require('vscode');
import type { BackupResult, ClusterStatus, VerifyResult } from '../../protocol';
import { isClusterElement, isNodeElement } from '../elements';
import { UserCancelled } from '../errors';
import { backupReasonRequest, reasonFromInput } from '../backupReasonPrompt';
import { sameFolder } from '../../wire/folders';
import { pickCluster, pickFolder, pickNode } from '../pickers';
import { backupResultText } from '../restoreText';
import { revealFolder } from '../reveal';
import type { Services } from '../services';
import { SECTION, readSettings } from '../settings';
import type { CommandDefinition } from './types';

export interface BackupOutcome {
  result: BackupResult;
  /** The check of the new set right after it was written. */
  verification: VerifyResult;
  /** The check of its copy in the copy folder (fcbackup.copyFolder), when one was made. */
  copyVerification?: VerifyResult;
}

/**
 * A VSS requester backs up the node it runs on. For any other node, say how to
 * back it up there (a Remote window on that node) instead of silently backing up
 * this one; the user may choose this node instead.
 */
async function explainOtherNode(s: Services, node: string, status: ClusterStatus): Promise<void> {
  const { t } = s;
  const here = status.machine;
  const choice = await s.dialogs.explain(
    t('{0} can only be backed up on {0} itself.', node),
    t('A backup of the cluster configuration runs on the node it backs up (the Volume Shadow Copy Service snapshots that node\'s disks). To back up {0}, open a Remote window on {0} (for example Remote-SSH: Connect to Host… {0}) with this extension installed there, and run Back Up Cluster Configuration in that window.\n\nEvery node holds a copy of the same cluster database, so a backup of this node ({1}) also holds the cluster configuration.', node, here),
    [t('Back Up {0} Instead', here)],
  );
  if (choice === undefined) {
    s.log.info(`Back up of ${node} not started: it has to run on ${node} itself.`);
    throw new UserCancelled();
  }
}

/** Told when asked: why the palette backed up this node and how the other nodes are backed up. */
async function explainThisNodeOnly(s: Services, status: ClusterStatus): Promise<void> {
  const { t } = s;
  await s.dialogs.explain(
    t('Only this node ({0}) can be backed up here.', status.machine),
    t('A backup runs on the node it backs up (the Volume Shadow Copy Service snapshots that node\'s disks). Every node holds a copy of the same cluster database, so this backup holds the cluster configuration. To back up another node, open a Remote window on it (for example Remote-SSH: Connect to Host…) with this extension installed there, and back up in that window.'),
    [],
  );
}

/** Which node: the tree row's, or a pick from the palette; always ends on the local machine. */
async function chooseLocalNode(s: Services, arg: unknown, status: ClusterStatus): Promise<string> {
  const { t } = s;
  if (isNodeElement(arg)) {
    if (!arg.node.isLocal || arg.source !== 'local') await explainOtherNode(s, arg.node.name, status);
    return status.machine;
  }
  if (isClusterElement(arg)) {
    if (arg.source !== 'local') await explainOtherNode(s, t('a node of {0}', arg.name), status);
    return status.machine;
  }
  if (typeof arg === 'string' && arg.trim() !== '') {
    if (arg.trim().toLowerCase() !== status.machine.toLowerCase()) await explainOtherNode(s, arg.trim(), status);
    return status.machine;
  }
  // From the palette on a node of a running cluster: this node, the only one that can be backed up here
  // (the others are explained when asked, from the result's "Why Only This Node?").
  if (status.state === 'running' && status.nodes.some((n) => n.isLocal)) {
    s.log.info(`Backing up this node (${status.machine}); every other node is backed up on that node itself.`);
    return status.machine;
  }
  // From the palette: the cluster (the local one, or one connected by name) and its node.
  const choices = s.clusters.clusters()
    .filter((c) => c.status && c.status.nodes.length > 0 && (c.source !== 'local' || c.status.state === 'running'));
  if (choices.length === 0) return status.machine;
  const cluster = choices.length === 1 ? choices[0] : await pickCluster(s, choices, t('Choose the cluster to back up'));
  const clusterStatus = cluster.status ?? status;
  if (cluster.source === 'local' && clusterStatus.nodes.length === 1) return status.machine;
  const node = await pickNode(s, clusterStatus, t('Choose the node to back up'));
  const isThisMachine = cluster.source === 'local' ? node.isLocal : node.name.toLowerCase() === status.machine.toLowerCase();
  if (!isThisMachine) await explainOtherNode(s, node.name, status);
  return status.machine;
}

/** The backup folder setting, or one the user picks now (then remembered in the user settings). */
export async function chooseDestination(s: Services): Promise<string> {
  const configured = readSettings().backupFolder;
  if (configured) return configured;
  const folder = await pickFolder(s, s.t('Folder for cluster configuration backups'));
  // Remember it, so the Backups view lists what goes there.
  await vscode.workspace.getConfiguration(SECTION).update('backupFolder', folder, vscode.ConfigurationTarget.Global);
  s.log.info(`Backup folder set to ${folder} (fcbackup.backupFolder).`);
  return folder;
}

/** Why this backup is taken (optional); Escape backs up nothing. */
async function askReason(s: Services): Promise<string | undefined> {
  const typed = await s.dialogs.askText(backupReasonRequest(s.t));
  if (typed === undefined) {
    s.log.info('Back up not started: the reason box was closed with Escape.');
    throw new UserCancelled();
  }
  return reasonFromInput(typed);
}

/** The copy folder setting, unless it is the backup folder itself (then the copy is skipped, with a warning). */
function copyFolderFor(s: Services, destination: string): string | undefined {
  const copyFolder = readSettings().copyFolder;
  if (copyFolder === undefined) return undefined;
  if (sameFolder(copyFolder, destination)) {
    s.log.warn(`The copy folder (fcbackup.copyFolder) is the backup folder itself, ${destination}; the set is not copied. Choose a second folder, such as a share.`);
    return undefined;
  }
  return copyFolder;
}

/** The copy read back from the copy folder; a failure to read it (the share went away) is logged, never the backup's failure. */
async function verifyCopy(s: Services, copyPath: string, cluster: string, signal: AbortSignal): Promise<VerifyResult | undefined> {
  try {
    return await s.engine.request('verifyBackup', { path: copyPath, expectedCluster: cluster }, signal);
  } catch (err) {
    if (signal.aborted) throw err;
    s.log.warn(`The copy ${copyPath} was made and verified by the backup, but reading it back failed: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

/** Back Up Cluster Configuration: palette, the local cluster's row, the local node's row. */
export const backupCommand: CommandDefinition = {
  id: 'fcbackup.backup',
  title: (s) => s.t('Back Up Cluster Configuration'),
  async run(s, arg): Promise<BackupOutcome> {
    const { t } = s;
    const status = await s.clusters.localStatus();
    const node = await chooseLocalNode(s, arg, status);
    const destination = await chooseDestination(s);
    const reason = await askReason(s);
    const copyTo = copyFolderFor(s, destination);
    const keep = readSettings().keepBackups;
    const what = status.cluster ? t('Backing up {0} on {1}', status.cluster.name, node) : t('Backing up the cluster database of {0}', node);
    s.log.info(`${what} to ${destination} (keep ${keep === 0 ? 'all' : keep} set(s))${copyTo === undefined ? '' : `, copied to ${copyTo}`}` +
      `${reason === undefined ? '' : `, reason: ${JSON.stringify(reason)}`}.`);
    const outcome = await s.progress.run(what, async ({ signal }) => {
      const result = await s.engine.request('backup', { destination, keep, node, ...(reason === undefined ? {} : { reason }), ...(copyTo === undefined ? {} : { copyTo }) }, signal);
      const verification = await s.engine.request('verifyBackup', { path: result.path, expectedCluster: result.cluster }, signal);
      // The engine verified the copy before it kept it; this reads it back from the copy folder, as the view shows it.
      const copyPath = result.copy?.path ?? null;
      const copyVerification = copyPath === null ? undefined : await verifyCopy(s, copyPath, result.cluster, signal);
      return { result, verification, ...(copyVerification ? { copyVerification } : {}) };
    });
    s.backups.recordVerification(outcome.verification);
    if (outcome.copyVerification) s.backups.recordVerification(outcome.copyVerification);
    for (const removed of outcome.result.removedByRetention) s.log.info(`Removed ${removed} (more than ${keep} sets).`);
    const retentionProblems = outcome.result.retentionProblems ?? [];
    for (const problem of retentionProblems) s.log.warn(`Retention: ${problem}`);
    const copy = outcome.result.copy;
    for (const removed of copy?.removedByRetention ?? []) s.log.info(`Removed ${removed} from the copy folder (more than ${keep} sets).`);
    for (const problem of copy?.retentionProblems ?? []) s.log.warn(`Retention in the copy folder: ${problem}`);
    s.backups.recordCopyOutcome(copy, outcome.result.path);
    await s.backups.refresh();
    const allRetentionProblems = retentionProblems.length + (copy?.retentionProblems.length ?? 0);
    const copied = copy?.path ? ' ' + t('Copied to {0}.', copy.path) : '';
    const text = backupResultText(outcome.result, outcome.verification, t) + copied +
      (allRetentionProblems > 0 ? ' ' + t('Retention could not do all it should ({0} problem(s)); see the log.', allRetentionProblems) : '');
    const actions = [
      { title: t('Reveal in Explorer'), run: () => revealFolder(s, outcome.result.path) },
      { title: t('Show Log'), run: () => s.log.show() },
    ];
    if (arg === undefined && status.nodes.length > 1) actions.push({ title: t('Why Only This Node?'), run: () => explainThisNodeOnly(s, status) });
    if (outcome.verification.ok && allRetentionProblems === 0) {
      s.log.info(text);
      s.notifier.info(text, actions);
    } else {
      s.log.warn(text);
      s.notifier.warning(text, actions);
    }
    if (copy?.error) {
      // Its own warning: the set above was made and is kept; only the copy is missing.
      const copyText = t('The backup set {0} was made and is kept, but copying it to the copy folder {1} failed: {2}', outcome.result.path, copy.destination, copy.error);
      s.log.warn(copyText);
      s.notifier.warning(copyText, [{ title: t('Show Log'), run: () => s.log.show() }]);
    }
    return outcome;
  },
};
