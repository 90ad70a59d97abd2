/**
 * What a command asks for when it runs from the command palette instead of a tree
 * row: a cluster and one of its nodes, a backup set (newest first, with its verify
 * status), a folder. Dismissing a picker cancels the command quietly.
 */
import fs = require('node:fs');
import path = require('node:path');
import vscode = require('vscode');
import type { ClusterStatus, NodeInfo } from '../protocol';
import { UserCancelled } from './errors';
import { backupSetLabel } from './backupRows';
import { backupKindLabel, formatSize, formatZonedTime, nodeStateLabel } from './format';
import type { Services } from './services';
import { isBackupSetElement } from './elements';
import { verifyLabel, verifyState, type BackupSetElement, type ClusterElement } from './treeModel';

interface NodePick extends vscode.QuickPickItem {
  node: NodeInfo;
}

export async function pickNode(s: Services, status: ClusterStatus, placeHolder: string): Promise<NodeInfo> {
  const { t } = s;
  const nodes = [...status.nodes].sort((a, b) => Number(b.isLocal) - Number(a.isLocal));
  const items: NodePick[] = nodes.map((node) => ({
    label: node.name,
    description: node.isLocal ? t('this machine') : undefined,
    detail: t('{0} · id {1}', nodeStateLabel(node.state, t), node.id ?? '?'),
    node,
  }));
  const chosen = await s.dialogs.pick(items, { placeHolder, title: status.cluster?.name });
  if (!chosen) throw new UserCancelled();
  return chosen.node;
}

interface ClusterPick extends vscode.QuickPickItem {
  cluster: ClusterElement;
}

/** One of the clusters the Failover Clusters view shows (the local one first). */
export async function pickCluster(s: Services, clusters: ClusterElement[], placeHolder: string): Promise<ClusterElement> {
  const { t } = s;
  const items: ClusterPick[] = clusters.map((cluster) => ({
    label: cluster.name,
    description: cluster.source === 'local' ? t('this cluster') : t('connected by name'),
    detail: cluster.status ? t('{0} node(s)', String(cluster.status.nodes.length)) : undefined,
    cluster,
  }));
  const chosen = await s.dialogs.pick(items, { placeHolder });
  if (!chosen) throw new UserCancelled();
  return chosen.cluster;
}

interface SetPick extends vscode.QuickPickItem {
  element: BackupSetElement;
}

/**
 * Verify every set in the backup folder (sizes and SHA-256 of every file) and record
 * the results, so a quick pick shows each set's real status.
 */
async function verifyAllSets(s: Services): Promise<void> {
  await s.backups.elements(); // loads the Backups tree, which resolves the backup folder
  const folder = s.backups.backupFolder;
  if (!folder) return;
  const sets = await s.progress.run(s.t('Verifying the backup sets in {0}', folder),
    ({ signal }) => s.engine.request('listBackups', { folder, verify: true }, signal));
  for (const set of sets) {
    if (set.verified !== null) s.backups.recordVerification({ path: set.path, ok: set.verified, problems: set.problems, summary: set });
  }
}

/**
 * A backup set from the Backups tree's argument, a path argument, or a quick pick
 * (newest first, with each set's verify status; `verifyFirst`, for a restore, verifies
 * them all first and never offers a set found damaged).
 */
export async function resolveBackupSet(s: Services, arg: unknown, placeHolder: string, verifyFirst = false): Promise<BackupSetElement> {
  const forRestore = verifyFirst;
  if (isBackupSetElement(arg)) {
    if (forRestore && verifyState(arg) === 'invalid') {
      throw new Error(s.t('The backup set {0} is damaged (a check found: {1}); it cannot be restored. Nothing was changed.',
        arg.set.name, (arg.verification?.problems ?? arg.set.problems).slice(0, 3).join('; ') || s.t('see the log')));
    }
    return arg;
  }
  if (verifyFirst && !(typeof arg === 'string' && arg.trim() !== '')) await verifyAllSets(s);
  const elements = await s.backups.elements();
  if (typeof arg === 'string' && arg.trim() !== '') {
    const wanted = path.resolve(arg);
    const found = elements.find((e) => path.resolve(e.set.path) === wanted);
    if (found) return found;
    if (!fs.existsSync(wanted)) throw new Error(s.t('There is no backup set at {0}.', wanted));
    // A set outside the backup folder: the engine validates it like any other.
    return {
      kind: 'backupSet', id: `backupSet/${wanted}`,
      set: { path: wanted, name: path.basename(wanted), cluster: null, node: null, time: null, kind: null, size: 0, verified: null, problems: [] },
    };
  }
  if (elements.length === 0) {
    const folder = s.backups.backupFolder;
    throw new Error(folder
      ? s.t('There are no backup sets in {0}. Back up the cluster configuration first.', folder)
      : s.t('No backup folder is set: run Change Backup Folder… or Back Up Cluster Configuration first.'));
  }
  // A set any check found damaged is never offered for a restore.
  const offered = forRestore ? elements.filter((e) => verifyState(e) !== 'invalid') : elements;
  if (offered.length === 0) {
    throw new Error(s.t('None of the {0} backup set(s) in {1} is intact: every one failed its check (the Backups view marks them). Nothing was changed.',
      elements.length, s.backups.backupFolder ?? ''));
  }
  const now = Date.now();
  const items: SetPick[] = offered.map((element) => {
    const set = element.set;
    return {
      label: backupSetLabel(set, now, s.t),
      description: [set.cluster ?? '?', set.node ?? '?', formatSize(set.size), verifyLabel(verifyState(element), s.t)].join(' · '),
      detail: `${formatZonedTime(set.time)} · ${backupKindLabel(set.kind, s.t)} · ${set.path}`,
      element,
    };
  });
  const chosen = await s.dialogs.pick(items, { placeHolder, matchOnDetail: true });
  if (!chosen) throw new UserCancelled();
  return chosen.element;
}

export async function pickFolder(s: Services, title: string): Promise<string> {
  const uris = await vscode.window.showOpenDialog({
    canSelectFiles: false, canSelectFolders: true, canSelectMany: false, title, openLabel: s.t('Use This Folder'),
  });
  const uri = uris?.[0];
  if (!uri) throw new UserCancelled();
  return uri.fsPath;
}
