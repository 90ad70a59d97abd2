import path = require('node:path');
import { UserCancelled } from '../errors';
import { backupSetLabel } from '../backupRows';
import type { OpenedComparison } from '../configDocuments';
import { openComparison } from '../configDocuments';
import { resolveBackupSet } from '../pickers';
import type { BackupSetElement } from '../treeModel';
import type { CommandDefinition } from './types';

/**
 * Compare with Backup…: the set's configuration (left) against another set's (right), chosen in a
 * quick pick, or given as a second argument (a set's path) by automation.
 */
export const compareWithBackupCommand: CommandDefinition = {
  id: 'fcbackup.compareWithBackup',
  title: (s) => s.t('Compare with Backup'),
  async run(s, arg, otherArg): Promise<OpenedComparison> {
    const element = await resolveBackupSet(s, arg, s.t('Choose the first backup set to compare'));
    let other: string;
    if (typeof otherArg === 'string' && otherArg.trim() !== '') {
      other = path.resolve(otherArg);
    } else {
      const others = (await s.backups.elements()).filter((e) => e.set.path !== element.set.path);
      if (others.length === 0) throw new Error(s.t('There is no other backup set to compare {0} with.', element.set.name));
      const now = Date.now();
      // Labelled as the Backups view's rows are.
      const chosen = await s.dialogs.pick(others.map((e: BackupSetElement) => ({
        label: backupSetLabel(e.set, now, s.t),
        description: e.set.name,
        detail: e.set.path,
        path: e.set.path,
      })), { placeHolder: s.t('Compare {0} with…', element.set.name), matchOnDetail: true });
      if (!chosen) throw new UserCancelled();
      other = chosen.path;
    }
    const [left, right] = await s.progress.run(s.t('Reading the configurations of {0} and {1}', element.set.name, path.basename(other)), () =>
      Promise.all([s.backups.configurations.forSet(element.set.path), s.backups.configurations.forSet(other)]));
    return openComparison(s, left, right);
  },
};
