import { isClusterElement } from '../elements';
import type { CommandDefinition } from './types';

/** Removes a cluster added with Connect to Cluster… from the tree (tree menu only). */
export const disconnectCommand: CommandDefinition = {
  id: 'fcbackup.disconnect',
  title: (s) => s.t('Remove from View'),
  async run(s, arg) {
    if (!isClusterElement(arg) || arg.source !== 'connected') throw new Error(s.t('Choose a connected cluster in the Failover Clusters view.'));
    await s.clusters.disconnect(arg);
    s.log.info(`Removed ${arg.name} from the view.`);
  },
};
