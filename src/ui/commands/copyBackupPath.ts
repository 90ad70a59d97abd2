import vscode = require('vscode');
import { onBackupSet } from './preconditions';
import type { CommandDefinition } from './types';

/** Copy Path: the backup set's folder (on the machine the extension runs on) to the clipboard. */
export const copyBackupPathCommand: CommandDefinition = {
  id: 'fcbackup.copyBackupPath',
  title: (s) => s.t('Copy Path'),
  run: onBackupSet((s) => s.t('Choose the backup set whose path to copy'), async (s, element) => {
    await vscode.env.clipboard.writeText(element.set.path);
    s.log.debug(`Copied the path ${element.set.path}.`);
    return element.set.path;
  }),
};
