import fs = require('node:fs');
import { readSettings } from '../settings';
import { revealFolder } from '../reveal';
import type { CommandDefinition } from './types';

export const revealBackupFolderCommand: CommandDefinition = {
  id: 'fcbackup.revealBackupFolder',
  title: (s) => s.t('Reveal Backup Folder'),
  async run(s) {
    const folder = readSettings().backupFolder;
    if (!folder) throw new Error(s.t('No backup folder is set: set fcbackup.backupFolder, or run Back Up Cluster Configuration and choose one.'));
    if (!fs.existsSync(folder)) throw new Error(s.t('The backup folder {0} does not exist yet; it is created by the first backup.', folder));
    await revealFolder(s, folder);
  },
};
