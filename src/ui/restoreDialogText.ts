/**
 * The restore confirmations as a person reads them in a modal at any cluster size: a
 * question of one short sentence, a detail whose node lists are capped ("NODE2, NODE3,
 * NODE4, … and 60 more"), steps in plain words (the engine's exact wording, with the VSS
 * restore method, goes to the log behind "Show Full Plan"), one time format that names
 * the time zone, and an impact line saying which roles move. An authoritative restore is
 * confirmed last by typing the cluster's name. No vscode: the unit tests read exactly
 * what the dialogs say.
 */
import type { ClusterConfiguration } from '../config/model';
import type { RestorePlan, RestoreStep } from '../protocol';
import { displayText } from '../text/displayText';
import { describeMembership, describeRollback, describeStep } from '../wire/restoreWords';
import { backupKindLabel, cappedList, formatSize, formatZonedTime, untranslated, type Translate } from './format';

/** A button of a confirmation that shows more and asks again (never the one that goes ahead). */
export interface ConfirmAction {
  title: string;
  run(): Promise<void>;
}

export interface ConfirmationText {
  /** The dialog's question: one short sentence. */
  message: string;
  /** The dialog's detail: what will happen, in plain words, lists capped. */
  detail: string;
  /** The button that goes ahead (the dialog also has Cancel). It is never the dialog's default button. */
  confirm: string;
  /** A button that shows more without answering (e.g. "Show Full Difference"); the question is asked again after it. */
  more?: ConfirmAction;
  /** Further such buttons (e.g. "Show Full Plan"). */
  extras?: ConfirmAction[];
}

/**
 * The buttons of a confirmation in the order the modal gets them. VS Code makes the first
 * button the default one (focused, pressed by Enter), so the buttons that only show more
 * come first and the one that goes ahead comes last.
 */
export function confirmationButtons(text: ConfirmationText): string[] {
  const safe = [...(text.more ? [text.more.title] : []), ...(text.extras ?? []).map((e) => e.title)];
  return [...safe, text.confirm];
}

/** One line per step, in plain words; node lists capped. */
export function plainStep(step: RestoreStep, t: Translate = untranslated): string {
  switch (step.kind) {
    case 'finishInterrupted':
      return step.action === 'complete'
        ? t('Finish the earlier restore of {0}, which was interrupted after it had put its files in place.', step.set)
        : t('Undo the earlier restore of {0}, which was interrupted before it had put its files in place.', step.set);
    case 'verifySet':
      return t('Check the backup\'s {0} file(s) against their recorded checksums (done: intact).', step.files);
    case 'startServiceForWriter':
      return t('Start the cluster service on {0}: the restore goes through it.', step.node);
    case 'stopOtherNodes':
      return t('Stop the cluster service on {0}.', cappedList(step.nodes, t));
    case 'otherNodesStopped':
      return t('The cluster service is already stopped on {0}.', cappedList(step.nodes, t));
    case 'vssPreRestore':
      return step.authoritative
        ? t('Tell the cluster database\'s backup writer (VSS) that an authoritative restore begins.')
        : t('Tell the cluster database\'s backup writer (VSS) that a restore begins.');
    case 'offlinePath':
      return t('Restore the cluster database as a plain registry hive with the cluster service stopped on {0} ({1}).', step.node, step.detail);
    case 'vssPostRestore':
      return t('Tell the writer that the files are ready.');
    case 'stopLocalService':
      return t('Stop the cluster service on {0}.', step.node);
    case 'safetyCopy':
      return t('Keep a safety copy of the current files.');
    case 'restoreFiles':
      return t('Put the restored files in place of the current ones (at the next restart if a file is in use).');
    case 'startLocalService':
      if (step.rejoins) return t('Start the cluster service on {0}; it rejoins the cluster and takes the running cluster\'s configuration.', step.node);
      if (!step.formsCluster) return t('Start the cluster service on {0}.', step.node);
      return step.forceQuorum
        ? t('Start the cluster service on {0} and wait until it forms the cluster (with force quorum if it cannot reach quorum alone).', step.node)
        : t('Start the cluster service on {0} and wait until it forms the cluster.', step.node);
    case 'startOtherNodes':
      return t('Start the cluster service on {0} again, one node at a time.', cappedList(step.nodes, t));
    case 'checkInEffect':
      return t('Check that the restored configuration is in effect.');
  }
}

/** The engine's full wording of the plan, for the log ("Show Full Plan"): every step, every name. */
export function fullPlanText(plan: RestorePlan, t: Translate = untranslated): string {
  const lines = [t('Restore plan for {0} on {1} ({2}):', plan.set.name, plan.node, plan.authoritative ? t('authoritative') : t('this node only'))];
  plan.steps.forEach((step, i) => lines.push(`${i + 1}. ${describeStep(step, t)}`));
  lines.push(describeRollback(t));
  if (plan.nodesToStop.length > 0) lines.push(t('The cluster service runs on: {0}.', plan.nodesToStop.join(', ')));
  return lines.join('\n');
}

function roleNames(roles: ClusterConfiguration['roles']): string[] {
  return roles.map((r) => r.name);
}

/**
 * Which roles the restore moves, from the live configuration: an authoritative restore stops
 * the cluster service everywhere, so every role goes offline and comes back with the
 * backup's configuration; a node restore stops this node's service, so the roles it owns
 * move to other nodes (those that list it as their first preferred owner are named).
 * null when the live configuration could not be read.
 */
export function restoreImpactLine(plan: RestorePlan, live: ClusterConfiguration | undefined, t: Translate = untranslated): string | null {
  if (!live) return null;
  if (plan.authoritative) {
    if (live.roles.length === 0) return t('Impact: the cluster has no roles; the cluster service is stopped on every node until the restore has finished.');
    return t('Impact: all {0} role(s) ({1}) go offline while the cluster service is stopped and come back with the backup\'s configuration.',
      live.roles.length, cappedList(roleNames(live.roles), t));
  }
  const node = live.nodes.find((n) => n.name.toLowerCase() === plan.node.toLowerCase());
  const preferring = node ? live.roles.filter((r) => r.preferredOwners[0] === node.id) : [];
  return preferring.length > 0
    ? t('Impact: the roles {0} owns move to other nodes while its cluster service is stopped; {1} prefer(s) it: {2}.', plan.node, preferring.length, cappedList(roleNames(preferring), t))
    : t('Impact: the roles {0} owns move to other nodes while its cluster service is stopped; no role lists it as its preferred owner.', plan.node);
}

/** The first confirmation: which node or cluster, which backup, the steps in plain words. */
export function restoreConfirmation(plan: RestorePlan, t: Translate = untranslated): ConfirmationText {
  const when = formatZonedTime(plan.set.time);
  const cluster = plan.cluster ?? plan.set.cluster ?? t('the cluster');
  const lines: string[] = [];
  lines.push(plan.authoritative
    ? t('Every node of {0} goes back to the configuration of {1}; changes made since then are lost on all nodes.', cluster, when)
    : t('Only {0} is restored. When its cluster service starts again it rejoins {1} and takes the current configuration from the running nodes.', plan.node, cluster));
  lines.push(t('Backup: {0} ({1}, {2}), made on {3} at {4}.', plan.set.name, backupKindLabel(plan.set.kind, t), formatSize(plan.set.size), plan.set.node ?? '?', when));
  const membership = describeMembership({ onlyInSet: plan.membership.onlyInSet.length > 4 ? [cappedList(plan.membership.onlyInSet, t)] : plan.membership.onlyInSet,
    onlyLive: plan.membership.onlyLive.length > 4 ? [cappedList(plan.membership.onlyLive, t)] : plan.membership.onlyLive }, t);
  if (membership) lines.push('', membership);
  if (plan.steps.length > 0) {
    lines.push('', t('Steps:'));
    plan.steps.forEach((step, i) => lines.push(`${i + 1}. ${plainStep(step, t)}`));
    lines.push(t('If a step fails before the restored files are handed over to the cluster service, everything is put back as it was.'));
  }
  if (plan.nodesToStop.length > 0) {
    lines.push('', plan.nodesToStop.length === 1
      ? t('The cluster service still runs on {0}; you will be asked before it is stopped there.', plan.nodesToStop[0]!)
      : t('The cluster service still runs on {0} other nodes ({1}); you will be asked before it is stopped there.', plan.nodesToStop.length, cappedList(plan.nodesToStop, t)));
  }
  if (plan.authoritative) lines.push('', t('To go ahead you will type the cluster\'s name.'));
  return plan.authoritative
    ? { message: t('Restore all of {0} to this backup?', cluster), detail: lines.join('\n'), confirm: t('Restore Cluster…') }
    : { message: t('Restore {0} from this backup?', plan.node), detail: lines.join('\n'), confirm: t('Restore This Node') };
}

/** The second confirmation of an authoritative restore when the service runs on other nodes. */
export function stopNodesConfirmation(plan: RestorePlan, t: Translate = untranslated): ConfirmationText {
  const count = plan.nodesToStop.length;
  const first = plan.nodesToStop[0] ?? '';
  return {
    message: count === 1 ? t('Stop the cluster service on {0}?', first) : t('Stop the cluster service on {0} other nodes?', count),
    detail: [
      t('An authoritative restore needs the cluster service stopped on every other node, so that none of them overwrites the restored configuration.'),
      t('Nodes: {0}.', cappedList(plan.nodesToStop, t)),
      t('Their clustered roles go offline until the service starts again: {0} first, then the others.', plan.node),
    ].join('\n'),
    confirm: count === 1 ? t('Stop Cluster Service on {0}', first) : t('Stop Cluster Service on {0} Nodes', count),
  };
}

/** The typed confirmation of an authoritative restore: the user types the cluster's name. */
export interface TypedConfirmation {
  title: string;
  prompt: string;
  placeHolder: string;
  /** The cluster's name as stored. */
  expected: string;
  /** Shown under the input box while what is typed is not the name. */
  mismatch: string;
}

export function typedNameConfirmation(plan: RestorePlan, t: Translate = untranslated): TypedConfirmation {
  const cluster = plan.cluster ?? plan.set.cluster ?? '';
  return {
    title: t('Restore Cluster (Authoritative)'),
    prompt: t('Type the cluster\'s name, {0}, to restore every node of it to the backup of {1}.', cluster, formatZonedTime(plan.set.time)),
    placeHolder: cluster,
    expected: cluster,
    mismatch: t('Type {0} to go ahead, or press Escape to cancel.', cluster),
  };
}

/**
 * Whether `typed` names the cluster: cluster names are compared without regard to case (as
 * Windows does), around white space; a name with characters shown as `<U+XXXX>` may be typed
 * as it is shown.
 */
export function typedNameMatches(typed: string, expected: string): boolean {
  if (expected === '') return false;
  const wanted = typed.trim().toLowerCase();
  return wanted === expected.toLowerCase() || wanted === displayText(expected).toLowerCase();
}
