import fs = require('node:fs');
import os = require('node:os');
import vscode = require('vscode');
import { folderPickerStart, scopeChoices, type ScopeChoice } from '../backupFolderChoice';
import { UserCancelled } from '../errors';
import { readSettings, SECTION } from '../settings';
import type { CommandDefinition } from './types';

/**
 * Change Backup Folder…: a folder picker that starts in the current backup folder (or a
 * sensible default), then where to save the setting: the user settings of the machine the
 * extension runs on (under Remote-SSH, the server's), or this folder's workspace settings.
 */
export const changeBackupFolderCommand: CommandDefinition = {
  id: 'fcbackup.changeBackupFolder',
  title: (s) => s.t('Change Backup Folder'),
  async run(s): Promise<{ folder: string; scope: ScopeChoice['scope'] }> {
    const { t } = s;
    const current = readSettings().backupFolder;
    const start = folderPickerStart(current, (f) => fs.existsSync(f), process.platform,
      { SystemDrive: process.env.SystemDrive, home: os.homedir() });
    const folder = await s.dialogs.chooseFolder({ title: t('Folder for cluster configuration backups'), start, openLabel: t('Use This Folder') });
    if (!folder) throw new UserCancelled();

    const inspected = vscode.workspace.getConfiguration(SECTION).inspect<string>('backupFolder');
    const workspaceOpen = (vscode.workspace.workspaceFolders?.length ?? 0) > 0;
    const choices = scopeChoices(os.hostname(), workspaceOpen, inspected?.workspaceValue || undefined, t);
    const chosen = choices.length === 1
      ? choices[0]!
      : await s.dialogs.pick(choices, { placeHolder: t('Where should the backup folder {0} be saved?', folder), title: t('Change Backup Folder') });
    if (!chosen) throw new UserCancelled();

    const target = chosen.scope === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration(SECTION).update('backupFolder', folder, target);
    // The settings change event refreshes the Backups view (extension.ts).
    s.log.info(`Backup folder set to ${folder} in the ${chosen.scope === 'workspace' ? 'workspace' : 'user'} settings (fcbackup.backupFolder).`);
    return { folder, scope: chosen.scope };
  },
};
