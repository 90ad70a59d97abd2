import type { VerifyResult } from '../../protocol';
import { resolveBackupSet } from '../pickers';
import { verifyResultText } from '../restoreText';
import type { CommandDefinition } from './types';

/** Verify Backup…: every check of the set (schema, paths, sizes, SHA-256), nothing changed. */
export const verifyBackupCommand: CommandDefinition = {
  id: 'fcbackup.verifyBackup',
  title: (s) => s.t('Verify Backup'),
  async run(s, arg): Promise<VerifyResult> {
    const element = await resolveBackupSet(s, arg, s.t('Choose the backup set to verify'));
    const result = await s.progress.run(s.t('Verifying {0}', element.set.name), ({ signal }) =>
      s.engine.request('verifyBackup', { path: element.set.path }, signal));
    s.backups.recordVerification(result);
    const text = verifyResultText(result, s.t);
    if (result.ok) {
      s.log.info(text);
      s.notifier.info(text);
    } else {
      for (const problem of result.problems) s.log.warn(`${result.summary.name}: ${problem}`);
      s.notifier.warning(text, [{ title: s.t('Show Log'), run: () => s.log.show() }]);
    }
    return result;
  },
};
