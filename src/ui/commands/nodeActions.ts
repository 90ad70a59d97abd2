/**
 * The node actions of the Failover Clusters tree, as Failover Cluster Manager offers them:
 * Start Cluster Service, Stop Cluster Service, Pause (drain roles) and Resume. Stop and
 * Pause are confirmed first; each runs with progress, and success is said only once the
 * engine has read the node's new state back. From the palette the node is picked (on a
 * machine whose cluster service is stopped, Start means this machine). Pause asks where the
 * roles go, as Failover Cluster Manager's "Drain Roles" does: the best possible node (the
 * default, first) or one of the other nodes that are up (PauseClusterNodeEx's drain target).
 */
import type * as vscode from 'vscode';
import type { NodeActionKind, NodeActionParams, NodeActionResult, NodeInfo } from '../../protocol';
import { isNodeElement } from '../elements';
import { UserCancelled } from '../errors';
import { nodeStateLabel } from '../format';
import { pickNode } from '../pickers';
import type { Services } from '../services';
import type { CommandDefinition } from './types';

interface NodeTarget {
  node: string;
  /** Set for a node of a cluster connected to by name. */
  cluster?: string;
}

async function chooseNode(s: Services, arg: unknown, action: NodeActionKind): Promise<NodeTarget> {
  if (isNodeElement(arg)) return { node: arg.node.name, ...(arg.source === 'connected' ? { cluster: arg.cluster } : {}) };
  if (typeof arg === 'string' && arg.trim() !== '') return { node: arg.trim() };
  const status = await s.clusters.localStatus();
  // This machine is a node whose cluster service is stopped: there is only one node to start here.
  if (action === 'startService' && status.state === 'notRunning') return { node: status.machine };
  if (status.nodes.length === 0) throw new Error(s.t('There is no cluster on this machine to choose a node from.'));
  const node = await pickNode(s, status, s.t('Choose the node'));
  return { node: node.name };
}

/** The nodes of the target's cluster as the tree last read them (empty when not known). */
async function clusterNodes(s: Services, target: NodeTarget): Promise<NodeInfo[]> {
  if (target.cluster !== undefined) {
    const wanted = target.cluster.toLowerCase();
    return s.clusters.clusters().find((c) => c.source === 'connected' && c.name.toLowerCase() === wanted)?.status?.nodes ?? [];
  }
  try {
    return (await s.clusters.localStatus()).nodes;
  } catch {
    return [];
  }
}

interface DrainPick extends vscode.QuickPickItem {
  /** undefined: the best possible node. */
  node: string | undefined;
}

/** Where the roles of `target.node` go: undefined for the best possible node, else a node that is up. */
async function chooseDrainTarget(s: Services, target: NodeTarget): Promise<string | undefined> {
  const { t } = s;
  const others = (await clusterNodes(s, target)).filter((n) => n.state === 'up' && n.name.toLowerCase() !== target.node.toLowerCase());
  // With no other node up there is nothing to choose: the cluster decides (and says when it cannot).
  if (others.length === 0) return undefined;
  const items: DrainPick[] = [
    { label: t('Best Possible Node'), description: t('default'), detail: t('The cluster places each role on the node best suited for it.'), node: undefined },
    ...others.map((n) => ({ label: n.name, description: n.isLocal ? t('this machine') : undefined, detail: t('Move every role of {0} to {1}.', target.node, n.name), node: n.name })),
  ];
  const chosen = await s.dialogs.pick(items, { placeHolder: t('Where do the roles of {0} go?', target.node), title: t('Pause (Drain Roles)') });
  if (!chosen) throw new UserCancelled();
  return chosen.node;
}

interface ActionWords {
  progress: string;
  /** The confirmation, for the actions that take roles off a node. */
  confirm?: { message: string; detail: string; button: string };
  done(result: NodeActionResult): string;
}

function words(s: Services, action: NodeActionKind, node: string, drainTarget?: string): ActionWords {
  const { t } = s;
  const state = (r: NodeActionResult): string => nodeStateLabel(r.after, t);
  switch (action) {
    case 'startService': return {
      progress: t('Starting the cluster service on {0}', node),
      done: (r) => r.changed ? t('The cluster service runs on {0}; the node is {1}.', node, state(r)) : t('The cluster service was already running on {0}.', node),
    };
    case 'stopService': return {
      progress: t('Stopping the cluster service on {0}', node),
      confirm: {
        message: t('Stop the cluster service on {0}?', node),
        detail: t('The roles running on {0} move to other nodes, and {0} leaves the cluster until its cluster service is started again. If it is the last node running, the cluster goes offline.', node),
        button: t('Stop Cluster Service'),
      },
      done: (r) => r.changed ? t('The cluster service is stopped on {0}.', node) : t('The cluster service was already stopped on {0}.', node),
    };
    case 'pause': return drainTarget === undefined ? {
      progress: t('Pausing {0} and draining its roles', node),
      confirm: {
        message: t('Pause {0} and drain its roles?', node),
        detail: t('The roles running on {0} move to other nodes, and no role moves to {0} until it is resumed. A role that cannot move stays on {0}.', node),
        button: t('Pause and Drain Roles'),
      },
      done: (r) => r.changed ? t('{0} is paused; its roles were drained.', node) : t('{0} was already paused.', node),
    } : {
      progress: t('Pausing {0} and draining its roles to {1}', node, drainTarget),
      confirm: {
        message: t('Pause {0} and drain its roles to {1}?', node, drainTarget),
        detail: t('The roles running on {0} move to {1}, and no role moves to {0} until it is resumed. A role that cannot move stays on {0}.', node, drainTarget),
        button: t('Pause and Drain Roles'),
      },
      done: (r) => r.changed ? t('{0} is paused; its roles were drained to {1}.', node, drainTarget) : t('{0} was already paused.', node),
    };
    case 'resume': return {
      progress: t('Resuming {0}', node),
      done: (r) => r.changed ? t('{0} is up again; its roles were not failed back.', node) : t('{0} was not paused.', node),
    };
  }
}

function nodeActionCommand(id: string, action: NodeActionKind, title: (s: Services) => string): CommandDefinition {
  return {
    id,
    title,
    async run(s, arg): Promise<NodeActionResult> {
      const target = await chooseNode(s, arg, action);
      const drainTarget = action === 'pause' ? await chooseDrainTarget(s, target) : undefined;
      const text = words(s, action, target.node, drainTarget);
      if (text.confirm && !(await s.dialogs.confirm({ message: text.confirm.message, detail: text.confirm.detail, confirm: text.confirm.button }))) {
        s.log.info(`${title(s)} on ${target.node}: not confirmed; nothing was changed.`);
        throw new UserCancelled();
      }
      const params: NodeActionParams = {
        action, node: target.node, ...(target.cluster ? { cluster: target.cluster } : {}), ...(drainTarget !== undefined ? { drainTarget } : {}),
      };
      s.log.info(`${title(s)}: ${target.node}${target.cluster ? ` in ${target.cluster}` : ''}${drainTarget !== undefined ? `, roles to ${drainTarget}` : ''}.`);
      let result: NodeActionResult;
      try {
        result = await s.progress.run(text.progress, ({ signal }) => s.engine.request('nodeAction', params, signal));
      } finally {
        // Whatever happened, the node may have changed.
        await s.clusters.refresh();
      }
      const message = text.done(result);
      s.log.info(message);
      s.notifier.info(message);
      return result;
    },
  };
}

export const startClusterServiceCommand = nodeActionCommand('fcbackup.startClusterService', 'startService', (s) => s.t('Start Cluster Service'));
export const stopClusterServiceCommand = nodeActionCommand('fcbackup.stopClusterService', 'stopService', (s) => s.t('Stop Cluster Service'));
export const pauseNodeCommand = nodeActionCommand('fcbackup.pauseNode', 'pause', (s) => s.t('Pause (Drain Roles)'));
export const resumeNodeCommand = nodeActionCommand('fcbackup.resumeNode', 'resume', (s) => s.t('Resume'));
