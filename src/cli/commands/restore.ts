/**
 * fcbackup restore SET [--authoritative] [--stop-other-nodes] [--force-quorum] [--allow-other-cluster] [--yes]:
 * restores the cluster configuration from a backup set on this node (a node restore),
 * or rolls the whole cluster back (--authoritative).
 *
 * The engine's plan — the typed steps the restore will run, or a typed refusal — is printed
 * first and a person on a terminal confirms it; stopping the cluster service on other nodes
 * is confirmed separately (or allowed with --stop-other-nodes). Without a terminal nothing
 * happens unless --yes is given, so a script never restores by accident. --force-quorum lets an
 * authoritative restore start this node with /fq when it cannot reach quorum alone.
 *
 * With --json one document says how it ended (wire/restore.ts RestoreReport): `outcome` is
 * completed | rebootRequired | rolledBack | notInEffect | refused (or cancelled), with the details.
 *
 * Exit codes (scripts depend on them): 0 completed (observed in effect); 1 refused, failed (rolled
 * back) or not in effect; 3 reboot required (the files are replaced at the next restart; the next
 * run after it finishes the restore); 130 not confirmed or cancelled before any change.
 */
import path = require('node:path');
import type { NodeInfo } from '../../wire/model';
import type { RestoreParams, RestorePlan, RestoreReport, RestoreResult } from '../../wire/restore';
import { describeMembership, describeRefusal, describeRollback, describeStep } from '../../wire/restoreWords';
import { EngineRequestError } from '../../client/engineClient';
import { Requests } from '../../protocol';
import { onlyArgument, printJson, printResult } from '../output';
import { ExitCode, type CliCommand, type CliContext } from '../types';

export function formatPlan(plan: RestorePlan): string[] {
  const kind = plan.authoritative ? 'Authoritative restore (the whole cluster goes back to this configuration)' : 'Node restore (this node only)';
  const lines = [
    `${kind} of ${plan.set.name} on ${plan.node}${plan.cluster ? `, cluster ${plan.cluster}` : ''}:`,
    ...plan.steps.map((step, i) => `  ${i + 1}. ${describeStep(step)}`),
  ];
  const membership = describeMembership(plan.membership);
  if (membership) lines.push(`  ${membership}`);
  if (plan.refusal === null) lines.push(`  ${describeRollback()}`);
  return lines;
}

function formatNodes(nodes: NodeInfo[]): string[] {
  return nodes.map((n) => `  ${n.name}${n.isLocal ? ' (this node)' : ''}: ${n.state}${n.error ? ` (${n.error.message})` : ''}`);
}

function formatResult(result: RestoreResult): string[] {
  const lines: string[] = [];
  if (result.recovered) {
    lines.push(`An interrupted earlier restore was found and ${result.recovered === 'completed' ? 'completed' : 'rolled back'} first.`);
  }
  const what = result.authoritative ? 'Authoritative restore' : 'Node restore';
  if (result.outcome === 'rebootRequired') {
    lines.push(`${what} of ${path.basename(result.set)}: reboot required. ${(result.atReboot ?? []).map((f) => path.basename(f)).join(', ')} ` +
      'could not be replaced while in use; the replacement is scheduled for the next restart of this machine (MoveFileExW, MOVEFILE_DELAY_UNTIL_REBOOT).');
    lines.push('Restart the machine when convenient (this tool never does). The first run of fcbackup (or VS Code) after the restart checks the files ' +
      'and finishes the restore; `fcbackup recover` before the restart rolls it back instead.');
    return lines;
  }
  lines.push(result.outcome === 'completed'
    ? `${what} of ${path.basename(result.set)} complete: observed in effect.`
    : `${what} of ${path.basename(result.set)}: the files are restored, but the restore is not in effect:`);
  for (const problem of result.problems) lines.push(`  ${problem}`);
  lines.push(`Node state${result.nodes.length === 1 ? '' : 's'} as the cluster reports ${result.nodes.length === 1 ? 'it' : 'them'}:`);
  lines.push(...formatNodes(result.nodes));
  return lines;
}

/** With --json, the one document on stdout. */
function report(ctx: CliContext, doc: RestoreReport): void {
  if (ctx.json) printJson(ctx, doc);
}

/** Where text for a person goes: stdout, or stderr when stdout carries the JSON result. */
function say(ctx: CliContext, text: string): void {
  if (ctx.json) ctx.io.stderr(text);
  else ctx.io.stdout(text);
}

export const command: CliCommand = {
  name: 'restore',
  usage: 'restore SET [--authoritative] [--stop-other-nodes] [--force-quorum] [--allow-other-cluster] [--yes] [--json]',
  summary: 'Restore the cluster configuration from a backup set: this node, or the whole cluster with --authoritative',
  options: {
    authoritative: { type: 'boolean' },
    'stop-other-nodes': { type: 'boolean' },
    'force-quorum': { type: 'boolean' },
    'allow-other-cluster': { type: 'boolean' },
    yes: { type: 'boolean' },
  },
  async run(args, ctx) {
    const setArgument = onlyArgument(this, args, ctx, 'backup set folder');
    if (setArgument === undefined) return ExitCode.usage;
    const authoritative = args.options.authoritative === true;
    const yes = args.options.yes === true;
    if (args.options['stop-other-nodes'] === true && !authoritative) {
      ctx.io.stderr('fcbackup: --stop-other-nodes applies only to an authoritative restore (--authoritative); a node restore leaves the other nodes running.');
      return ExitCode.usage;
    }
    if (args.options['force-quorum'] === true && !authoritative) {
      ctx.io.stderr('fcbackup: --force-quorum applies only to an authoritative restore (--authoritative); a node restore joins the running cluster.');
      return ExitCode.usage;
    }
    if (!yes && !ctx.io.isTTY) {
      ctx.io.stderr('fcbackup: a restore replaces the cluster configuration and must be confirmed: run it on a terminal to answer the question, ' +
        'or add --yes to confirm it in a script. Nothing was changed.');
      return ExitCode.usage;
    }
    const params: RestoreParams = {
      set: path.resolve(setArgument),
      authoritative,
      stopOtherNodes: args.options['stop-other-nodes'] === true,
      allowOtherCluster: args.options['allow-other-cluster'] === true,
      forceQuorum: args.options['force-quorum'] === true,
    };

    const engine = await ctx.engine();
    const plan = await engine.request(Requests.planRestore, params, ctx.signal);
    for (const line of formatPlan(plan)) say(ctx, line);
    params.verificationToken = plan.verification.token;

    const refusal = plan.refusal;
    // Running nodes are the one refusal a person can lift here: by allowing them to be stopped.
    const askToStop = refusal?.code === 'nodesRunning' && !yes;
    if (refusal && !askToStop) {
      report(ctx, { outcome: 'refused', set: params.set, refusal, message: describeRefusal(refusal), code: null });
      ctx.io.stderr(`fcbackup: ${describeRefusal(refusal)}`);
      return ExitCode.failed;
    }
    const notConfirmed = (message: string): number => {
      report(ctx, { outcome: 'cancelled', set: params.set, message });
      ctx.io.stderr(`fcbackup: ${message}`);
      return ExitCode.cancelled;
    };
    if (!yes) {
      if (askToStop) {
        if (!(await ctx.io.confirm(`The cluster service runs on ${plan.nodesToStop.join(', ')}. Stop it there for the authoritative restore?`))) {
          return notConfirmed('the other nodes keep running, so the authoritative restore cannot go ahead. Nothing was changed.');
        }
        params.stopOtherNodes = true;
      }
      const question = authoritative ? `Roll the whole cluster back to ${plan.set.name}?` : `Restore ${plan.set.name} on ${plan.node}?`;
      if (!(await ctx.io.confirm(question))) {
        return notConfirmed('restore not confirmed. Nothing was changed.');
      }
    }

    let result: RestoreResult;
    try {
      result = await engine.request(Requests.restore, params, ctx.signal);
    } catch (err) {
      if (!(err instanceof EngineRequestError)) throw err;
      const { data } = err;
      const code = data.engineCode ?? data.codeName ?? null;
      if (data.restore?.changed) {
        report(ctx, { outcome: 'rolledBack', set: params.set, message: data.message, code, rollback: data.restore });
      } else if (data.engineCode === 'CANCELLED') {
        report(ctx, { outcome: 'cancelled', set: params.set, message: data.message });
      } else {
        // Failed before any change: nothing to roll back, so it counts as refused.
        report(ctx, { outcome: 'refused', set: params.set, refusal: null, message: data.message, code });
      }
      throw err;
    }
    printResult(ctx, result, (r) => formatResult(r).join('\n'));
    if (result.outcome === 'rebootRequired') return ExitCode.rebootRequired;
    if (result.outcome !== 'completed') {
      ctx.io.stderr(`fcbackup: the restore is not in effect: ${result.problems.join('; ')}`);
      return ExitCode.failed;
    }
    return ExitCode.ok;
  },
};
