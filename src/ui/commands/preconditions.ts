/**
 * What a command needs before it runs, as wrappers around its handler: a backup set (the
 * Backups row it was run on, or one picked from the backup folder), or a tree row that has
 * a name. A command states its precondition in its table entry and its handler gets what
 * it needs, typed.
 */
import { isClusterElement, isNodeElement } from '../elements';
import { resolveBackupSet } from '../pickers';
import type { Services } from '../services';
import type { BackupSetElement } from '../treeModel';
import type { CommandDefinition } from './types';

/** The handler runs on a backup set: the row's, or one the user picks (`placeHolder` asks for it). */
export function onBackupSet(
  placeHolder: (s: Services) => string,
  run: (s: Services, element: BackupSetElement) => Promise<unknown>,
): CommandDefinition['run'] {
  return async (s, arg) => run(s, await resolveBackupSet(s, arg, placeHolder(s)));
}

/** The handler runs on the name of a cluster or node row (menus only offer it there). */
export function onNamedRow(run: (s: Services, name: string) => Promise<unknown>): CommandDefinition['run'] {
  return async (s, arg) => {
    if (isClusterElement(arg)) return run(s, arg.name);
    if (isNodeElement(arg)) return run(s, arg.node.name);
    throw new Error(s.t('Run this command on a cluster or node row of the Failover Clusters view.'));
  };
}
