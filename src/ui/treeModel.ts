/**
 * The elements of the two trees and how each one looks, without vscode: the tree
 * providers turn a TreeItemModel into a vscode.TreeItem. Keeping this pure lets the
 * unit tests check labels, descriptions, icons and context values (which the
 * package.json menus match with when-clauses) from a ClusterStatus alone.
 */
import { welcomeViewFor, type WelcomeView } from '../client/welcome';
import type { BackupSetSummary, ClusterStatus, NodeInfo, NodeState, VerifyResult } from '../protocol';
import { configItem, type ConfigElement } from './configRows';
import { nodeIconId, nodesForTree, notElevatedText, type ExtensionHostPlace } from './nodeRows';
import { describePendingRestore } from '../wire/restoreWords';
import { backupFolderItem, backupSetItem, type BackupFolderElement } from './backupRows';
import { formatLocalTime, nodeStateLabel, untranslated, type Translate } from './format';

export { backupSetElements, backupSetItem, verifyLabel, verifyState } from './backupRows';

/** Where a cluster in the tree came from: local detection, or "Connect to Cluster…". */
export type ClusterSource = 'local' | 'connected';

/** A failure to show in the tree (and in a notification). */
export interface ErrorInfo {
  message: string;
  /** "OpenCluster: RPC_S_SERVER_UNAVAILABLE (1722)" when a Windows call failed. */
  apiDetail?: string;
}

export interface ClusterElement {
  kind: 'cluster';
  id: string;
  source: ClusterSource;
  /** The name shown: the cluster's name, or the name the user connected to when it could not be read. */
  name: string;
  status?: ClusterStatus;
  error?: ErrorInfo;
  /** When `status` was read (ISO-8601), shown in the tooltip: the tree refreshes on an interval. */
  readAt?: string;
}

export interface NodeElement {
  kind: 'node';
  id: string;
  source: ClusterSource;
  cluster: string;
  node: NodeInfo;
}

export interface DetailElement {
  kind: 'detail';
  id: string;
  label: string;
  value: string;
  icon: string;
}

export type MessageSeverity = 'error' | 'warning' | 'info';

export interface MessageElement {
  kind: 'message';
  id: string;
  severity: MessageSeverity;
  text: string;
  tooltip?: string;
  /** A command to run when the row is clicked (e.g. Show Log). */
  command?: { id: string; title: string };
}

export interface BackupSetElement {
  kind: 'backupSet';
  id: string;
  set: BackupSetSummary;
  /** The last verification of this set in this session, when there was one. */
  verification?: VerifyResult;
  /** The folder holds sets of more than one cluster: the row names the set's cluster too. */
  showCluster?: boolean;
}

export type TreeElement = ClusterElement | NodeElement | DetailElement | MessageElement | BackupSetElement | ConfigElement | BackupFolderElement;

export interface TreeItemModel {
  label: string;
  description?: string;
  tooltip?: string;
  /** Matched by the menus' `viewItem` when-clauses. */
  contextValue: string;
  /** A codicon id, with an optional theme color id. */
  icon: { id: string; color?: string };
  collapsible: 'none' | 'collapsed' | 'expanded';
  command?: { id: string; title: string };
}

/** Codicon and theme color for each node state. */
export function nodeStateIcon(state: NodeState): { id: string; color?: string } {
  switch (state) {
    case 'up': return { id: 'pass-filled', color: 'testing.iconPassed' };
    case 'down': return { id: 'error', color: 'testing.iconFailed' };
    case 'paused': return { id: 'debug-pause', color: 'editorWarning.foreground' };
    case 'joining': return { id: 'sync', color: 'editorInfo.foreground' };
    case 'unreachable': return { id: 'debug-disconnect', color: 'testing.iconFailed' };
    case 'unknown': return { id: 'question' };
  }
}

/** "up · id 1" (plus "· this machine" for the local node). */
export function nodeDescription(node: NodeInfo, t: Translate = untranslated): string {
  const parts = [nodeStateLabel(node.state, t), node.id === null ? t('id ?') : t('id {0}', node.id)];
  if (node.isLocal) parts.push(t('this machine'));
  return parts.join(' · ');
}

function clusterKey(source: ClusterSource, name: string): string {
  return `${source}:${name.toLowerCase()}`;
}

export function clusterElement(source: ClusterSource, status: ClusterStatus, readAt?: string): ClusterElement {
  const name = status.cluster?.name ?? status.connectedName ?? status.machine;
  return { kind: 'cluster', id: `cluster/${clusterKey(source, name)}`, source, name, status, ...(readAt !== undefined ? { readAt } : {}) };
}

export function failedClusterElement(source: ClusterSource, name: string, error: ErrorInfo): ClusterElement {
  return { kind: 'cluster', id: `cluster/${clusterKey(source, name)}`, source, name, error };
}

export function messageElement(id: string, severity: MessageSeverity, text: string, extra: Partial<MessageElement> = {}): MessageElement {
  return { kind: 'message', id: `message/${id}`, severity, text, ...extra };
}

/** Version and quorum rows first, then the nodes in the cluster's order. */
export function clusterChildren(cluster: ClusterElement, t: Translate = untranslated): TreeElement[] {
  if (cluster.error) {
    return [messageElement(`${cluster.id}/error`, 'error', cluster.error.message, {
      tooltip: cluster.error.apiDetail, command: { id: 'fcbackup.showLog', title: t('Show Log') },
    })];
  }
  const status = cluster.status;
  if (!status) return [];
  const children: TreeElement[] = [];
  const pending = status.pendingRestore;
  if (pending) {
    children.push(messageElement(`${cluster.id}/pending-restore`, 'warning', describePendingRestore(pending, t),
      pending.running ? {} : { command: { id: 'fcbackup.finishRestore', title: t('Finish Interrupted Restore') } }));
  }
  const summary = status.cluster;
  if (summary) {
    children.push({ kind: 'detail', id: `${cluster.id}/version`, label: t('Version'), value: versionText(status), icon: 'versions' });
    children.push({
      kind: 'detail', id: `${cluster.id}/quorum`, label: t('Quorum'),
      value: summary.quorum
        ? (summary.quorum.device ? `${summary.quorum.resource} (${summary.quorum.device})` : summary.quorum.resource)
        : t('none'),
      icon: 'law',
    });
  }
  for (const node of nodesForTree(status.nodes)) {
    children.push({ kind: 'node', id: `${cluster.id}/node/${node.name.toLowerCase()}`, source: cluster.source, cluster: cluster.name, node });
  }
  if (status.nodes.length === 0) children.push(messageElement(`${cluster.id}/no-nodes`, 'info', t('No nodes reported.')));
  return children;
}

function versionText(status: ClusterStatus): string {
  const summary = status.cluster;
  if (!summary) return '';
  const csd = summary.versionInfo.csdVersion ? ` ${summary.versionInfo.csdVersion}` : '';
  const mixed = summary.versionInfo.mixedMode ? ' (mixed mode)' : '';
  return `${summary.version}${csd}${mixed}`;
}

function countNodes(status: ClusterStatus, state: NodeState): number {
  return status.nodes.filter((n) => n.state === state).length;
}

export function clusterItem(element: ClusterElement, t: Translate = untranslated): TreeItemModel {
  if (element.error) {
    return {
      label: element.name,
      description: t('failed'),
      tooltip: element.error.apiDetail ? `${element.error.message}\n${element.error.apiDetail}` : element.error.message,
      contextValue: `cluster-${element.source}-error`,
      icon: { id: 'server-environment', color: 'testing.iconFailed' },
      collapsible: 'expanded',
    };
  }
  const status = element.status!;
  const up = countNodes(status, 'up');
  const description = element.source === 'local'
    ? t('this cluster · {0} of {1} nodes up', up, status.nodes.length)
    : t('connected · {0} of {1} nodes up', up, status.nodes.length);
  const tooltipLines = [element.name];
  if (status.cluster) tooltipLines.push(t('Version {0}', versionText(status)));
  tooltipLines.push(t('Local machine: {0}', status.machine));
  if (element.readAt) tooltipLines.push(t('Last read: {0}', formatLocalTime(element.readAt)));
  return {
    label: element.name,
    description,
    tooltip: tooltipLines.join('\n'),
    contextValue: `cluster-${element.source}`,
    icon: { id: 'server-environment' },
    collapsible: 'expanded',
  };
}

export function nodeItem(element: NodeElement, t: Translate = untranslated): TreeItemModel {
  const node = element.node;
  const tooltipLines = [t('{0} in {1}', node.name, element.cluster), t('State: {0}', nodeStateLabel(node.state, t))];
  if (node.id !== null) tooltipLines.push(t('Node id: {0}', node.id));
  if (node.error) tooltipLines.push(`${node.error.api}: ${node.error.codeName} (${node.error.code}) — ${node.error.message}`);
  return {
    label: node.name,
    description: nodeDescription(node, t),
    tooltip: tooltipLines.join('\n'),
    // e.g. node-local-up, node-remote-unreachable (menus offer Back Up only on node-local-*).
    contextValue: `node-${node.isLocal && element.source === 'local' ? 'local' : 'remote'}-${node.state}`,
    icon: { ...nodeStateIcon(node.state), id: nodeIconId(node.state, nodeStateIcon(node.state).id) },
    collapsible: 'none',
  };
}

export function detailItem(element: DetailElement): TreeItemModel {
  return { label: element.label, description: element.value, tooltip: `${element.label}: ${element.value}`, contextValue: 'detail', icon: { id: element.icon }, collapsible: 'none' };
}

export function messageItem(element: MessageElement): TreeItemModel {
  const icon = element.severity === 'error'
    ? { id: 'error', color: 'errorForeground' }
    : element.severity === 'warning' ? { id: 'warning', color: 'editorWarning.foreground' } : { id: 'info' };
  return {
    label: element.text,
    tooltip: element.tooltip ?? element.text,
    contextValue: `message-${element.severity}`,
    icon,
    collapsible: 'none',
    command: element.command,
  };
}

export function itemModel(element: TreeElement, t: Translate = untranslated): TreeItemModel {
  switch (element.kind) {
    case 'cluster': return clusterItem(element, t);
    case 'node': return nodeItem(element, t);
    case 'detail': return detailItem(element);
    case 'message': return messageItem(element);
    case 'backupSet': return backupSetItem(element, t);
    case 'backupFolder': return backupFolderItem(element, t);
    case 'configSection':
    case 'configObject': return configItem(element, undefined, t);
  }
}

/**
 * The value of the `fcbackup.clusterState` context key the welcome views match: the
 * engine's welcome-view choice for the local machine (notWindows, notInstalled,
 * notConfigured, notRunning; none when the cluster runs), or `loading`, or `error`
 * (detection failed; the tree shows the message instead of a welcome view).
 */
export type ClusterViewState = 'loading' | 'error' | WelcomeView;

export function clusterViewState(local: { status?: ClusterStatus; error?: ErrorInfo; unavailable?: boolean } | undefined): ClusterViewState {
  if (!local) return 'loading';
  if (local.unavailable) return welcomeViewFor(null);
  if (local.error) return 'error';
  return local.status ? welcomeViewFor(local.status) : 'loading';
}

/** The root rows of the Failover Clusters tree. */
export function clusterRoots(
  local: { status?: ClusterStatus; error?: ErrorInfo; unavailable?: boolean; readAt?: string } | undefined,
  connected: ReadonlyArray<ClusterElement>,
  t: Translate = untranslated,
  place: ExtensionHostPlace = 'local',
): TreeElement[] {
  const roots: TreeElement[] = [];
  if (local?.status?.elevated === false) {
    const row = notElevatedText(place, t);
    roots.push(messageElement('not-elevated', 'warning', row.text, { tooltip: row.tooltip }));
  }
  if (local?.error) {
    roots.push(messageElement('local-error', 'error', local.error.message, {
      tooltip: local.error.apiDetail ? `${local.error.apiDetail}\n${t('Click to show the log.')}` : t('Click to show the log.'),
      command: { id: 'fcbackup.showLog', title: t('Show Log') },
    }));
  } else if (local?.status?.state === 'running' && local.status.cluster) {
    roots.push(clusterElement('local', local.status, local.readAt));
  }
  roots.push(...connected);
  return roots;
}
