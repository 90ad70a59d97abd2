import type { CommandDefinition } from './types';

/** Re-detects the clusters and re-lists the backup sets; restarts the engine if it had died. */
export const refreshCommand: CommandDefinition = {
  id: 'fcbackup.refresh',
  title: (s) => s.t('Refresh'),
  async run(s) {
    await Promise.all([s.clusters.refresh(), s.backups.refresh()]);
  },
};
