/**
 * The restore sequence shared by Restore This Node… and Restore Cluster
 * (Authoritative)…: ask the engine what would happen (nothing changes), say it in
 * plain words in a modal, ask separately before stopping the cluster service on
 * other nodes, run with progress, then refresh both trees and show the node states.
 */
import type { RestoreParams, RestoreResult } from '../../protocol';
import { withRollbackLines } from '../configRollback';
import { describeError, UserCancelled } from '../errors';
import { resolveBackupSet } from '../pickers';
import {
  fullPlanText, restoreConfirmation, stopNodesConfirmation, typedNameConfirmation, typedNameMatches, type ConfirmAction,
} from '../restoreDialogText';
import { forceQuorumQuestion, refusalText, restoreResultSeverity, restoreResultText } from '../restoreText';
import { describeRefusal } from '../../wire/restoreWords';
import type { Services } from '../services';
import { readSettings } from '../settings';

export async function runRestore(s: Services, arg: unknown, authoritative: boolean): Promise<RestoreResult> {
  const { t } = s;
  const element = await resolveBackupSet(s, arg, authoritative
    ? t('Choose the backup to restore to every node of the cluster (authoritative)')
    : t('Choose the backup to restore on this node'), true);
  // The pick verified every set (pickers.ts): the plan reuses that verification rather than hashing the set again.
  const params: RestoreParams = {
    set: element.set.path, authoritative, stopOtherNodes: false, verificationToken: element.verification?.summary.verificationToken,
  };
  const plan = await markDamagedOnFailure(s, element.set.path,
    s.progress.run(t('Checking {0}', element.set.name), ({ signal }) => s.engine.request('planRestore', params, signal)));
  s.log.info(`Restore plan for ${plan.set.name} on ${plan.node} (${authoritative ? 'authoritative' : 'node'}): ` +
    `${plan.steps.map((step) => step.kind).join(' / ')}${plan.refusal ? ` — refused: ${plan.refusal.code}` : ''}`);
  params.verificationToken = plan.verification.token;

  const refused = refusalText(plan, t);
  // A set the plan's checks found damaged is marked in the Backups view at once (its restore actions go).
  if (plan.refusal?.code === 'setNotRestorable') s.backups.markDamaged(element.set.path, plan.refusal.problems);
  if (refused) throw new Error(refused);

  // The engine's full wording (every step and name, the VSS restore method) is one button away, in the log.
  const showFullPlan: ConfirmAction = {
    title: t('Show Full Plan'),
    run: async () => {
      s.log.info(fullPlanText(plan));
      s.log.show();
    },
  };
  // An authoritative restore always asks; a node restore unless the user turned confirmations off.
  if (authoritative || readSettings().confirmDestructiveSteps) {
    const first = await withRollbackLines(s, plan, { ...restoreConfirmation(plan, t), extras: [showFullPlan] });
    if (!(await s.dialogs.confirm(first))) {
      s.log.info('Restore not confirmed; nothing was changed.');
      throw new UserCancelled();
    }
  }
  if (authoritative && plan.nodesToStop.length > 0) {
    if (!(await s.dialogs.confirm({ ...stopNodesConfirmation(plan, t), extras: [showFullPlan] }))) {
      s.log.info(`Not stopping the cluster service on ${plan.nodesToStop.length} node(s) (${plan.nodesToStop.join(', ')}); the authoritative restore was not started.`);
      throw new UserCancelled();
    }
    params.stopOtherNodes = true;
  }
  if (authoritative) {
    // Force quorum replaces every node's configuration: asked separately, the safe answer first (the default button).
    const question = forceQuorumQuestion(plan, t);
    const choice = await s.dialogs.explain(question.message, question.detail, [question.safe, question.force]);
    if (choice === undefined) {
      s.log.info('Force quorum question dismissed; the authoritative restore was not started.');
      throw new UserCancelled();
    }
    params.forceQuorum = choice === question.force;
    if (!params.forceQuorum && plan.refusal?.code === 'needsForceQuorum') {
      s.log.info('Force quorum not allowed; the authoritative restore needs it and was not started.');
      throw new Error(describeRefusal(plan.refusal, t));
    }
    // The last word before every node goes back: the cluster's name, typed.
    const typed = typedNameConfirmation(plan, t);
    const confirmed = await s.dialogs.typeToConfirm({
      title: typed.title, prompt: typed.prompt, placeHolder: typed.placeHolder, mismatch: typed.mismatch,
      matches: (value) => typedNameMatches(value, typed.expected),
    });
    if (!confirmed) {
      s.log.info('The cluster\'s name was not typed; the authoritative restore was not started and nothing was changed.');
      throw new UserCancelled();
    }
  }

  const title = authoritative ? t('Restoring {0} authoritatively', plan.cluster ?? plan.set.cluster ?? '') : t('Restoring {0}', plan.node);
  let result: RestoreResult;
  try {
    result = await markDamagedOnFailure(s, element.set.path, s.progress.run(title, ({ signal }) => s.engine.request('restore', params, signal)));
  } finally {
    // Whatever happened, the services and the files may have changed.
    await Promise.all([s.clusters.refresh(), s.backups.refresh()]);
  }
  const text = restoreResultText(result, t);
  s.log.info(text);
  s.notifier[restoreResultSeverity(result)](text, [{ title: t('Show Log'), run: () => s.log.show() }]);
  return result;
}

/** Passes `request` through; when the engine found the set damaged (INVALID_SET), the set is marked first. */
async function markDamagedOnFailure<T>(s: Services, setPath: string, request: PromiseLike<T>): Promise<T> {
  try {
    return await request;
  } catch (err) {
    const info = describeError(err);
    if (info.engineCode === 'INVALID_SET') s.backups.markDamaged(setPath, info.message.split('\n').map((l) => l.trim()).filter((l) => l !== ''));
    throw err;
  }
}
