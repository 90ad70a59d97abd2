import type { RecoverResult } from '../../protocol';
import { UserCancelled } from '../errors';
import { recoverResultText } from '../restoreText';
import type { CommandDefinition } from './types';

/**
 * Finish Interrupted Restore: a restore whose journal is on disk (the engine died part-way)
 * is completed when it had committed, else rolled back; the notification says which.
 */
export const restoreFinishCommand: CommandDefinition = {
  id: 'fcbackup.finishRestore',
  title: (s) => s.t('Finish Interrupted Restore'),
  async run(s): Promise<RecoverResult | undefined> {
    const { t } = s;
    const pending = await s.engine.request('pendingRestore', {});
    if (!pending) {
      s.notifier.info(t('There is no interrupted restore to finish.'));
      return undefined;
    }
    if (pending.running) {
      s.notifier.info(t('The restore of {0} is still running; it finishes by itself.', pending.set));
      return undefined;
    }
    const confirmed = await s.dialogs.confirm({
      message: pending.finish === 'complete'
        ? t('Complete the interrupted restore of {0}?', pending.set)
        : t('Roll back the interrupted restore of {0}?', pending.set),
      detail: pending.finish === 'complete'
        ? t('It stopped at "{0}" after the cluster service had run here on the restored files: the restored files stay and the cluster services it stopped are started.', pending.phase)
        : t('It stopped at "{0}", before it had committed: its staged files are deleted, the files from before it are put back from its safety copy, and the cluster services are returned to how they were.', pending.phase),
      confirm: pending.finish === 'complete' ? t('Complete Restore') : t('Roll Back Restore'),
    });
    if (!confirmed) throw new UserCancelled();
    let result: RecoverResult;
    try {
      result = await s.progress.run(t('Finishing the interrupted restore'), ({ signal }) => s.engine.request('recover', {}, signal));
    } finally {
      await Promise.all([s.clusters.refresh(), s.backups.refresh()]);
    }
    const text = recoverResultText(result, t);
    s.log.info(text);
    if (result.problems.length > 0) s.notifier.error(text, [{ title: t('Show Log'), run: () => s.log.show() }]);
    else s.notifier.info(text);
    return result;
  },
};
