/**
 * The words of the restore confirmations and results, built from the engine's typed
 * RestorePlan/RestoreResult (the steps and refusals in words come from src/wire/restoreWords.ts,
 * shared with the CLI). No vscode: the unit tests read exactly what the modal dialogs will say.
 */
import type { BackupResult, RecoverResult, RestorePlan, RestoreResult, VerifyResult } from '../protocol';
import { describeMembership, describeRefusal, describeRollback, describeStep } from '../wire/restoreWords';
import { backupKindLabel, formatLocalTime, formatSize, nodeStateLabel, untranslated, type Translate } from './format';

export interface ConfirmationText {
  /** The dialog's main line. */
  message: string;
  /** The dialog's detail: what will happen, step by step. */
  detail: string;
  /** The button that goes ahead (the dialog also has Cancel). */
  confirm: string;
  /** A second button that shows more without answering (e.g. "Show Full Difference"); the question is asked again after it. */
  more?: { title: string; run(): Promise<void> };
}

function listNames(names: string[]): string {
  return names.join(', ');
}

/** The first confirmation: which node, which backup, the steps that will run (the engine's plan, in words). */
export function restoreConfirmation(plan: RestorePlan, t: Translate = untranslated): ConfirmationText {
  const when = formatLocalTime(plan.set.time);
  const cluster = plan.cluster ?? plan.set.cluster ?? t('the cluster');
  const lines: string[] = [];
  if (plan.authoritative) {
    lines.push(t('This is an authoritative restore: every node of {0} is rolled back to the configuration of {1}. Changes made to the cluster since then (groups, resources, settings) are lost on all nodes.', cluster, when));
  } else {
    lines.push(t('Only {0} is restored. When its cluster service starts again it rejoins {1} and takes the current configuration from the running nodes.', plan.node, cluster));
  }
  lines.push(t('Backup: {0} ({1}, {2}, made on {3} at {4}).',
    plan.set.name, backupKindLabel(plan.set.kind, t), formatSize(plan.set.size), plan.set.node ?? '?', when));
  const membership = describeMembership(plan.membership, t);
  if (membership) lines.push('', membership);
  if (plan.steps.length > 0) {
    lines.push('', t('Steps:'));
    plan.steps.forEach((step, i) => lines.push(`${i + 1}. ${describeStep(step, t)}`));
    lines.push(describeRollback(t));
  }
  if (plan.nodesToStop.length > 0) {
    lines.push('', t('The cluster service still runs on {0}; you will be asked before it is stopped there.', listNames(plan.nodesToStop)));
  }
  return plan.authoritative
    ? {
      message: t('Restore {0} authoritatively on {1} from the backup of {2}?', cluster, plan.node, when),
      detail: lines.join('\n'),
      confirm: t('Restore Cluster'),
    }
    : {
      message: t('Restore the cluster configuration of {0} from the backup of {1}?', plan.node, when),
      detail: lines.join('\n'),
      confirm: t('Restore This Node'),
    };
}

/** The second confirmation of an authoritative restore when the service runs on other nodes. */
export function stopNodesConfirmation(plan: RestorePlan, t: Translate = untranslated): ConfirmationText {
  const names = listNames(plan.nodesToStop);
  const count = plan.nodesToStop.length;
  return {
    message: count === 1
      ? t('Stop the cluster service on {0}?', names)
      : t('Stop the cluster service on {0} nodes: {1}?', count, names),
    detail: t('An authoritative restore needs the cluster service stopped on every other node, so that none of them overwrites the restored configuration. The cluster service (ClusSvc) will be stopped on: {0}. Clustered roles on those nodes go offline until the service is started again; {1} is started first after the restore, then the other nodes.', names, plan.node),
    confirm: count === 1 ? t('Stop Cluster Service on {0}', names) : t('Stop Cluster Service on {0} Nodes', count),
  };
}

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
  return {
    message: t('If {0} cannot reach quorum alone after the restore, may it be started with force quorum?', plan.node),
    detail: t('After the restore, {0} must be Up in a cluster formed on the restored configuration before the other nodes start. With the other nodes stopped it may not hold enough votes to form the cluster alone. Force quorum starts its cluster service with /fq: the copy of the cluster configuration on {0} becomes the authoritative copy and is replicated to every node, replacing theirs. Without it, the restore is rolled back in that case and nothing stays changed.', plan.node),
    safe: t('Roll Back If Quorum Is Not Reached'),
    force: t('Force Quorum If Needed'),
  };
}

/**
 * Why the restore will not go ahead, from the plan's typed refusal — or undefined. Running
 * nodes are not a reason here: the user is asked whether they may be stopped.
 */
export function refusalText(plan: RestorePlan, t: Translate = untranslated): string | undefined {
  if (!plan.refusal || plan.refusal.code === 'nodesRunning') return undefined;
  return describeRefusal(plan.refusal, t);
}

/** "Restored … Nodes now: NODE1 up, NODE2 down." (or what keeps it from being in effect). */
export function restoreResultText(result: RestoreResult, t: Translate = untranslated): string {
  const nodes = result.nodes.map((n) => `${n.name} ${nodeStateLabel(n.state, t)}`).join(', ');
  const head = result.outcome !== 'completed'
    ? t('The cluster configuration files were restored, but the restore is not in effect yet: {0}', result.problems.join('; '))
    : result.authoritative
      ? t('The cluster configuration was restored authoritatively.')
      : t('The cluster configuration of this node was restored.');
  const recovered = result.recovered === 'completed'
    ? ' ' + t('An interrupted earlier restore was completed first.')
    : result.recovered === 'rolledBack' ? ' ' + t('An interrupted earlier restore was rolled back first.') : '';
  return nodes ? `${head}${recovered} ${t('Nodes now: {0}.', nodes)}` : `${head}${recovered}`;
}

/** What Finish Interrupted Restore did. */
export function recoverResultText(result: RecoverResult, t: Translate = untranslated): string {
  if (result.outcome === null || result.restore === null) return t('There was no interrupted restore to finish.');
  const set = result.restore.set.split(/[\\/]/).pop() ?? result.restore.set;
  const head = result.outcome === 'completed'
    ? t('The interrupted restore of {0} was completed: the restored files stay and the services it had stopped were started.', set)
    : t('The interrupted restore of {0} was rolled back: the files from before it are back and the services are as they were.', set);
  return result.problems.length > 0 ? `${head} ${t('Not as it should be: {0}', result.problems.join('; '))}` : head;
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
