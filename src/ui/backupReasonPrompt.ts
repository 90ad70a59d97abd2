/**
 * Back Up's question "why is this backup taken?" (the CLI's `--reason`): optional — Enter on
 * an empty box backs up without one, Escape backs up nothing. What is typed follows the
 * CLI's rules (src/wire/backupReason.ts: one line of at most 256 characters, no control
 * character); text they refuse is named under the box and Enter does nothing. The reason
 * goes into the set's manifest, the engine's log and the Event Log entry; the Backups view
 * shows it in the set's tooltip. Pure (no vscode), so the unit tests read it directly.
 */
import { reasonProblem } from '../wire/backupReason';
import type { TextInputRequest } from './dialogs';
import { untranslated, type Translate } from './format';

/** The reason to record for what was typed: undefined for no reason (nothing, or only spaces). */
export function reasonFromInput(typed: string): string | undefined {
  const reason = typed.trim();
  return reason === '' ? undefined : reason;
}

/** Why the typed text cannot be the reason; undefined when it can (an empty box can: no reason). */
export function reasonInputProblem(typed: string, t: Translate = untranslated): string | undefined {
  const reason = reasonFromInput(typed);
  if (reason === undefined) return undefined;
  const problem = reasonProblem(reason);
  return problem === null ? undefined : t('The reason {0}.', problem);
}

/** The input box Back Up shows before it starts. */
export function backupReasonRequest(t: Translate = untranslated): TextInputRequest {
  return {
    title: t('Back Up Cluster Configuration'),
    prompt: t('Why is this backup taken? Optional: it is kept with the set and shown in the Backups view. Enter backs up, Escape cancels.'),
    placeHolder: t('e.g. before the December cumulative update (leave empty for no reason)'),
    validate: (typed) => reasonInputProblem(typed, t),
  };
}
