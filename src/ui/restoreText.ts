/**
 * The words of the restore confirmations and results, built from the engine's typed
 * RestorePlan/RestoreResult (the steps and refusals in words come from src/wire/restoreWords.ts,
 * shared with the CLI). No vscode: the unit tests read exactly what the modal dialogs will say.
 */
import type { BackupResult, RecoverResult, RestorePlan, RestoreResult, VerifyResult } from '../protocol';
import { describeRefusal } from '../wire/restoreWords';
import { backupKindLabel, cappedList, formatSize, nodeStateLabel, untranslated, type Translate } from './format';

export { restoreConfirmation, stopNodesConfirmation, type ConfirmationText } from './restoreDialogText';

/** The question of an authoritative restore about force quorum: the safe answer comes first (the default button). */
export interface ForceQuorumQuestion {
  message: string;
  detail: string;
  /** Roll the restore back when this node cannot reach quorum alone. */
  safe: string;
  /** Start this node with /fq then: its copy becomes authoritative and is replicated to every node. */
  force: string;
}

export function forceQuorumQuestion(plan: RestorePlan, t: Translate = untranslated): ForceQuorumQuestion {
  const needed = plan.refusal?.code === 'needsForceQuorum';
  return {
    message: t('If {0} cannot reach quorum alone after the restore, may it be started with force quorum?', plan.node),
    detail: [
      t('After the restore, {0} must be Up in a cluster formed on the restored configuration before the other nodes start. With the other nodes stopped it may not hold enough votes to form the cluster alone. Force quorum starts its cluster service with /fq: the copy of the cluster configuration on {0} becomes the authoritative copy and is replicated to every node, replacing theirs.', plan.node),
      needed
        ? t('By the backup\'s configuration {0} cannot form the cluster alone: without force quorum the restore does not start, and nothing is changed.', plan.node)
        : t('By the backup\'s configuration {0} can form the cluster alone, so force quorum should not be needed; it is used only if the node stays out of quorum.', plan.node),
    ].join('\n\n'),
    safe: t('Do Not Force Quorum'),
    force: t('Force Quorum If Needed'),
  };
}

/**
 * Why the restore will not go ahead, from the plan's typed refusal — or undefined. Running
 * nodes are not a reason here: the user is asked whether they may be stopped.
 */
export function refusalText(plan: RestorePlan, t: Translate = untranslated): string | undefined {
  // Running nodes and force quorum are not reasons here: the user is asked about each.
  if (!plan.refusal || plan.refusal.code === 'nodesRunning' || plan.refusal.code === 'needsForceQuorum') return undefined;
  return describeRefusal(plan.refusal, t);
}

/**
 * "NODE1 up, NODE2 down" for a few nodes; for many, by state with the names capped:
 * "62 up (NODE1, NODE2, NODE3, … and 59 more), 2 down (NODE7, NODE9)".
 */
export function nodesNowText(nodes: RestoreResult['nodes'], t: Translate = untranslated): string {
  if (nodes.length <= 4) return nodes.map((n) => `${n.name} ${nodeStateLabel(n.state, t)}`).join(', ');
  const byState = new Map<string, string[]>();
  for (const n of nodes) byState.set(n.state, [...(byState.get(n.state) ?? []), n.name]);
  return [...byState].map(([state, names]) => `${names.length} ${nodeStateLabel(state as RestoreResult['nodes'][number]['state'], t)} (${cappedList(names, t)})`).join(', ');
}

const baseName = (p: string): string => p.split(/[\\/]/).pop() ?? p;

/** This node's name in the result (the local node), or a neutral phrase. */
function localNodeOf(result: RestoreResult, t: Translate): string {
  return result.nodes.find((n) => n.isLocal)?.name ?? t('this node');
}

/** What was observed to differ from the restored state, in words (empty when nothing specific was read). */
export function differencesText(result: RestoreResult, t: Translate = untranslated): string[] {
  const o = result.observed;
  if (!o) return [];
  const out: string[] = [];
  if (o.configurationMatches === false) {
    out.push(t("the live configuration is not the backup's (PaxosTag {0} in the backup, {1} live)", String(o.setPaxosTag ?? '?'), String(o.livePaxosTag ?? '?')));
    const set = o.setMembers?.join(', ');
    const live = o.liveMembers?.join(', ');
    if (set !== undefined && live !== undefined && set !== live) out.push(t('the backup lists the nodes {0}, the live cluster {1}', set, live));
  }
  if (o.localNodeState !== null && o.localNodeState !== 'up' && o.localNodeState !== 'paused') out.push(t('{0} is {1} in the cluster, not Up', localNodeOf(result, t), o.localNodeState));
  if (o.notRunning.length > 0) out.push(t('the cluster service does not run again on {0}', o.notRunning.join(', ')));
  return out;
}

/**
 * The toast after a restore, one wording per outcome: completed (observed in effect), rebootRequired
 * (what the user must do: restart this node; the restore finishes at the next engine start) and
 * notInEffect (what differs, what to do). A restore that was rolled back fails instead (its error says
 * what the roll-back did); an interrupted earlier restore finished first is added either way.
 */
export function restoreResultText(result: RestoreResult, t: Translate = untranslated): string {
  const nodes = nodesNowText(result.nodes, t);
  const node = localNodeOf(result, t);
  const recovered = result.recovered === 'completed'
    ? ' ' + t('An interrupted earlier restore was completed first.')
    : result.recovered === 'rolledBack' ? ' ' + t('An interrupted earlier restore was rolled back first.') : '';
  if (result.outcome === 'rebootRequired') {
    const files = (result.atReboot ?? []).map(baseName).join(', ');
    return t('Restart {0} to finish the restore. The restored files ({1}) are in use by the cluster service, so Windows replaces them when {0} restarts; ' +
      'until then the previous configuration stays in effect{2}. This tool never restarts a machine by itself. After the restart the restore finishes ' +
      'the next time the engine starts (opening VS Code, or any fcbackup command): it checks the files and starts the cluster service on the other nodes.',
    node, files || t('the cluster database'), result.authoritative ? t(' and the other nodes stay stopped') : '') + recovered;
  }
  if (result.outcome === 'notInEffect') {
    const differs = differencesText(result, t);
    const what = differs.length > 0 ? t('What differs: {0}.', differs.join('; ')) : '';
    const todo = result.problems.length > 0 ? t('What to do: {0}', result.problems.join(' ')) : '';
    return [t("The backup's files were restored, but the restore is not in effect."), what, todo].filter((x) => x !== '').join(' ') + recovered +
      (nodes ? ` ${t('Nodes now: {0}.', nodes)}` : '');
  }
  const head = result.authoritative
    ? t('The cluster configuration was restored authoritatively and is in effect.')
    : t('The cluster configuration of this node was restored; the node is Up in the cluster.');
  return nodes ? `${head}${recovered} ${t('Nodes now: {0}.', nodes)}` : `${head}${recovered}`;
}

/**
 * How loud the toast after a restore is: a completed restore is news, one waiting for a restart is a task for the
 * user (nothing failed), one not in effect is a failure the user must act on.
 */
export function restoreResultSeverity(result: Pick<RestoreResult, 'outcome'>): 'info' | 'warning' | 'error' {
  if (result.outcome === 'completed') return 'info';
  if (result.outcome === 'rebootRequired') return 'warning';
  return 'error';
}

/** What Finish Interrupted Restore (fcbackup recover) did: completed, completed but not in effect, or rolled back. */
export function recoverResultText(result: RecoverResult, t: Translate = untranslated): string {
  if (result.outcome === null || result.restore === null) return t('There was no interrupted restore to finish.');
  const set = baseName(result.restore.set);
  const problems = result.problems.length > 0 ? ` ${t('Not as it should be: {0}', result.problems.join('; '))}` : '';
  if (result.outcome === 'notInEffect') {
    return t('The interrupted restore of {0} was completed (it had gone past the point where it can be undone), but it is not in effect.', set) +
      ` ${t('What differs and what to do: {0}', result.problems.join(' '))}`;
  }
  const head = result.outcome === 'completed'
    ? t('The interrupted restore of {0} was completed and is in effect: the restored files stay and the services it had stopped were started.', set)
    : t('The interrupted restore of {0} was rolled back: the files from before it are back and the services are as they were.', set);
  return head + problems;
}

/** "Backed up CLUSTER1 on NODE1 (VSS snapshot, 2 files, 68.0 KB) — verified." */
export function backupResultText(result: BackupResult, verification: VerifyResult | undefined, t: Translate = untranslated): string {
  const size = result.files.reduce((sum, f) => sum + f.size, 0);
  const what = t('Backed up {0} on {1} ({2}, {3} files, {4}) to {5}.',
    result.cluster, result.node, backupKindLabel(result.kind, t), result.files.length, formatSize(size), result.path);
  const verified = verification === undefined
    ? ''
    : verification.ok ? ' ' + t('The set verified.') : ' ' + t('The set did not verify: {0}', verification.problems.join('; '));
  const removed = result.removedByRetention.length > 0
    ? ' ' + t('Removed {0} older set(s) to keep the configured number.', result.removedByRetention.length)
    : '';
  return `${what}${verified}${removed}`;
}

export function verifyResultText(result: VerifyResult, t: Translate = untranslated): string {
  return result.ok
    ? t('{0} is intact: every file matches its recorded size and SHA-256.', result.summary.name)
    : t('{0} failed verification: {1}', result.summary.name, result.problems.join('; '));
}
