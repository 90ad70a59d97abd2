/**
 * How the node rows of the Failover Clusters tree are ordered and drawn, and the row a
 * process that is not elevated shows. Pure (no vscode), for the unit tests.
 *
 * Node rows carry `node-<local|remote>-<state>` as their context value; the node menus
 * (Start/Stop Cluster Service, Pause, Resume) match the state with when-clauses.
 */
import type { NodeInfo, NodeState } from '../protocol';
import { untranslated, type Translate } from './format';

/** From this many nodes on, problem nodes are listed first (a short list is read in the cluster's order). */
export const SORT_PROBLEMS_FROM = 9;

/** How much a state needs the admin's eye: lower first. */
const ATTENTION: Record<NodeState, number> = { unreachable: 0, unknown: 1, down: 2, joining: 3, paused: 4, up: 5 };

/** The nodes as the tree lists them: with many nodes, problem nodes first (stable: the cluster's order within a state). */
export function nodesForTree(nodes: readonly NodeInfo[]): NodeInfo[] {
  if (nodes.length < SORT_PROBLEMS_FROM) return [...nodes];
  return nodes.map((node, index) => ({ node, index }))
    .sort((a, b) => ATTENTION[a.node.state] - ATTENTION[b.node.state] || a.index - b.index)
    .map((entry) => entry.node);
}

/** The codicon id of a node state; a joining node spins. */
export function nodeIconId(state: NodeState, staticId: string): string {
  return state === 'joining' ? `${staticId}~spin` : staticId;
}

/** Where VS Code runs the extension, for advice that fits: on this machine, or over Remote-SSH and the like. */
export type ExtensionHostPlace = 'local' | 'remote';

/** The message row for a process without administrator rights: what is off, and what to do where VS Code runs. */
export function notElevatedText(place: ExtensionHostPlace, t: Translate = untranslated): { text: string; tooltip: string } {
  return {
    text: t('Not running as administrator: back up and restore are turned off'),
    tooltip: place === 'remote'
      ? t('The Volume Shadow Copy Service and the cluster service accept only administrators. Connect the remote window with an account that is an administrator on this node (and of the cluster), then reload the window.')
      : t('The Volume Shadow Copy Service and the cluster service accept only administrators. Close VS Code and start it again with "Run as administrator" (with an account that administers the cluster).'),
  };
}
