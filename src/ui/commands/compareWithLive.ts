import type { OpenedComparison } from '../configDocuments';
import { openComparison } from '../configDocuments';
import { resolveBackupSet } from '../pickers';
import type { CommandDefinition } from './types';

/** Compare with Live Configuration: the set's configuration (left) against the running cluster's (right). */
export const compareWithLiveCommand: CommandDefinition = {
  id: 'fcbackup.compareWithLive',
  title: (s) => s.t('Compare with Live Configuration'),
  async run(s, arg): Promise<OpenedComparison> {
    const element = await resolveBackupSet(s, arg, s.t('Choose the backup set to compare with the live configuration'));
    const [backup, live] = await s.progress.run(s.t('Reading the configurations of {0} and the live cluster', element.set.name), () =>
      Promise.all([s.backups.configurations.forSet(element.set.path), s.backups.configurations.live()]));
    return openComparison(s, backup, live);
  },
};
