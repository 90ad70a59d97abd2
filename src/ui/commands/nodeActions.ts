/**
 * The node actions of the Failover Clusters tree, as Failover Cluster Manager offers them:
 * Start Cluster Service, Stop Cluster Service, Pause (drain roles) and Resume. Stop and
 * Pause are confirmed first; each runs with progress, and success is said only once the
 * engine has read the node's new state back. From the palette the node is picked (on a
 * machine whose cluster service is stopped, Start means this machine).
 */
import type { NodeActionKind, NodeActionParams, NodeActionResult } from '../../protocol';
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

interface ActionWords {
  progress: string;
  /** The confirmation, for the actions that take roles off a node. */
  confirm?: { message: string; detail: string; button: string };
  done(result: NodeActionResult): string;
}

function words(s: Services, action: NodeActionKind, node: string): ActionWords {
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
    case 'pause': return {
      progress: t('Pausing {0} and draining its roles', node),
      confirm: {
        message: t('Pause {0} and drain its roles?', node),
        detail: t('The roles running on {0} move to other nodes, and no role moves to {0} until it is resumed. A role that cannot move stays on {0}.', node),
        button: t('Pause and Drain Roles'),
      },
      done: (r) => r.changed ? t('{0} is paused; its roles were drained.', node) : t('{0} was already paused.', node),
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
      const text = words(s, action, target.node);
      if (text.confirm && !(await s.dialogs.confirm({ message: text.confirm.message, detail: text.confirm.detail, confirm: text.confirm.button }))) {
        s.log.info(`${title(s)} on ${target.node}: not confirmed; nothing was changed.`);
        throw new UserCancelled();
      }
      const params: NodeActionParams = { action, node: target.node, ...(target.cluster ? { cluster: target.cluster } : {}) };
      s.log.info(`${title(s)}: ${target.node}${target.cluster ? ` in ${target.cluster}` : ''}.`);
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
