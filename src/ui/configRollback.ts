/**
 * What a restore rolls back, for the restore confirmations: the configuration changes made
 * since the backup (the set compared with the live cluster), capped so the dialog stays
 * readable, with a "Show Full Difference" action that opens the whole comparison.
 */
import { compareConfigurations } from '../config/diff';
import { rollbackText } from '../config/rollback';
import { openComparison } from './configDocuments';
import { describeError } from './errors';
import type { RestorePlan } from '../protocol';
import { restoreImpactLine, type ConfirmationText } from './restoreDialogText';
import { rollbackDetailLines } from './rollbackLines';
import type { Services } from './services';

/**
 * `confirmation` with which roles the restore moves (the impact line) and what the restore of
 * the plan's set rolls back: the lines, and the Show Full Difference action. When the
 * configurations cannot be read, it says so instead.
 */
export async function withRollbackLines(s: Services, plan: RestorePlan, confirmation: ConfirmationText): Promise<ConfirmationText> {
  const { t } = s;
  const setPath = plan.set.path;
  const authoritative = plan.authoritative;
  try {
    const [backup, live] = await Promise.all([s.backups.configurations.forSet(setPath), s.backups.configurations.live()]);
    const text = rollbackText(compareConfigurations(backup.configuration, live.configuration));
    s.log.info(`${backup.label}: ${text.sentence}`);
    return {
      ...confirmation,
      detail: [confirmation.detail, ...impact(restoreImpactLine(plan, live.configuration, t)), ...rollbackDetailLines(text, authoritative, t)].join('\n'),
      ...(text.count > 0 ? { more: { title: t('Show Full Difference'), run: async () => { await openComparison(s, backup, live); } } } : {}),
    };
  } catch (err) {
    const error = describeError(err);
    s.log.warn(`What the restore of ${setPath} rolls back could not be determined: ${error.message}`);
    return { ...confirmation, detail: `${confirmation.detail}\n\n${t('What the restore rolls back could not be determined: {0}', error.message)}` };
  }
}

function impact(line: string | null): string[] {
  return line === null ? [] : ['', line];
}
