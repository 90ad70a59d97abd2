import vscode = require('vscode');
import { onNamedRow } from './preconditions';
import type { CommandDefinition } from './types';

/** Copy Name: a cluster's or node's name to the clipboard, as stored (not as escaped for display). */
export const copyNameCommand: CommandDefinition = {
  id: 'fcbackup.copyName',
  title: (s) => s.t('Copy Name'),
  run: onNamedRow(async (s, name) => {
    await vscode.env.clipboard.writeText(name);
    s.log.debug(`Copied the name ${name}.`);
    return name;
  }),
};
