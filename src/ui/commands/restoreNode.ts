import type { RestoreResult } from '../../protocol';
import { runRestore } from './restoreFlow';
import type { CommandDefinition } from './types';

/** Restore This Node…: this node only; it rejoins the running cluster afterwards. */
export const restoreNodeCommand: CommandDefinition = {
  id: 'fcbackup.restoreNode',
  title: (s) => s.t('Restore This Node'),
  run(s, arg): Promise<RestoreResult> {
    return runRestore(s, arg, false);
  },
};
