import type { RestoreResult } from '../../protocol';
import { runRestore } from './restoreFlow';
import type { CommandDefinition } from './types';

/** Restore Cluster (Authoritative)…: rolls every node back to the backup. */
export const restoreClusterCommand: CommandDefinition = {
  id: 'fcbackup.restoreCluster',
  title: (s) => s.t('Restore Cluster (Authoritative)'),
  run(s, arg): Promise<RestoreResult> {
    return runRestore(s, arg, true);
  },
};
