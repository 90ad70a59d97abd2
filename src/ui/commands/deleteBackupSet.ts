import path = require('node:path');
import vscode = require('vscode');
import type { DeleteSetResult } from '../../protocol';
import { verifyState } from '../backupRows';
import { UserCancelled } from '../errors';
import { deleteSetConfirmation } from '../setActionText';
import { onBackupSet } from './preconditions';
import type { CommandDefinition } from './types';

/**
 * Delete Backup Set…: asked first (the safe "Open Manifest" is the default button), then
 * done by the engine's file work, which deletes only a folder that is a backup set in the
 * backup folder and refuses anything else.
 */
export const deleteBackupSetCommand: CommandDefinition = {
  id: 'fcbackup.deleteBackupSet',
  title: (s) => s.t('Delete Backup Set'),
  run: onBackupSet((s) => s.t('Choose the backup set to delete'), async (s, element): Promise<DeleteSetResult> => {
    const { t } = s;
    const openManifest = { title: t('Open Manifest'), run: async () => { await vscode.commands.executeCommand('fcbackup.openManifest', element); } };
    if (!(await s.dialogs.confirm({ ...deleteSetConfirmation(element.set, verifyState(element), t), extras: [openManifest] }))) {
      s.log.info(`Not deleting ${element.set.path}.`);
      throw new UserCancelled();
    }
    // The folder the row is listed in: the backup folder, or the copy folder for a set in its group.
    const folder = s.backups.folderOf(element.set.path) ?? s.backups.backupFolder ?? path.dirname(element.set.path);
    try {
      return await s.progress.run(t('Deleting {0}', element.set.name), ({ signal }) =>
        s.engine.request('deleteBackupSet', { path: element.set.path, folder }, signal));
    } finally {
      await s.backups.refresh();
    }
  }),
};
