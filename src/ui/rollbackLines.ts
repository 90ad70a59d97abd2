/** The words a restore confirmation adds about what the restore rolls back. No vscode: the unit tests read them. */
import type { RollbackText } from '../config/rollback';
import { untranslated, type Translate } from './format';

/** The lines added to a restore confirmation's detail (pure: the unit tests read them). */
export function rollbackDetailLines(
  text: RollbackText, authoritative: boolean, t: Translate = untranslated,
): string[] {
  if (text.count === 0) return ['', t('The live configuration matches the backup: the restore rolls back no configuration change.')];
  const head = authoritative
    ? t('The restore rolls back {0} change(s) made since the backup:', text.count)
    : t('This node\'s copy rolls back {0} change(s) made since the backup (when the node rejoins, it takes the running cluster\'s configuration again):', text.count);
  const lines = ['', head, ...text.lines.map((line) => `• ${line}`)];
  if (text.more > 0) lines.push(t('… and {0} more (Show Full Difference lists them all).', text.more));
  return lines;
}
