import path = require('node:path');
import vscode = require('vscode');
import { onBackupSet } from './preconditions';
import type { CommandDefinition } from './types';

/** The set's manifest (README, "Backup sets"). */
const MANIFEST_FILE = 'manifest.json';

/** Open Manifest: the set's manifest.json in a preview editor (a changed manifest fails the set's check: it is sealed). */
export const openManifestCommand: CommandDefinition = {
  id: 'fcbackup.openManifest',
  title: (s) => s.t('Open Manifest'),
  run: onBackupSet((s) => s.t('Choose the backup set whose manifest to open'), async (_s, element) => {
    const uri = vscode.Uri.file(path.join(element.set.path, MANIFEST_FILE));
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, { preview: true });
    return uri;
  }),
};
