/** The words of Delete Backup Set…'s confirmation, without vscode (the unit tests read them). */
import type { BackupSetSummary } from '../protocol';
import { verifyLabel, type VerifyState } from './backupRows';
import { backupKindLabel, formatSize, formatZonedTime, untranslated, type Translate } from './format';
import type { ConfirmationText } from './restoreDialogText';

export function deleteSetConfirmation(set: BackupSetSummary, state: VerifyState, t: Translate = untranslated): ConfirmationText {
  return {
    message: t('Delete this backup set?'),
    detail: [
      t('{0} on {1}, made {2}.', set.cluster ?? '?', set.node ?? '?', formatZonedTime(set.time)),
      t('{0}, {1}, {2}.', backupKindLabel(set.kind, t), formatSize(set.size), verifyLabel(state, t)),
      set.path,
      '',
      t('The folder and every file in it are deleted from disk; this cannot be undone.'),
    ].join('\n'),
    confirm: t('Delete Backup Set'),
  };
}
