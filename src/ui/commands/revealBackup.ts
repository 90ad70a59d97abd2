import { resolveBackupSet } from '../pickers';
import { revealFolder } from '../reveal';
import type { CommandDefinition } from './types';

/** Reveal one backup set's folder (Backups tree menu). */
export const revealBackupCommand: CommandDefinition = {
  id: 'fcbackup.revealBackup',
  title: (s) => s.t('Reveal Backup'),
  async run(s, arg) {
    const element = await resolveBackupSet(s, arg, s.t('Choose the backup set to reveal'));
    await revealFolder(s, element.set.path);
  },
};
