/**
 * fcbackup restore SET [--authoritative] [--stop-other-nodes] [--allow-other-cluster] [--yes]:
 * restores the cluster configuration from a backup set on this node (a node restore),
 * or rolls the whole cluster back (--authoritative).
 *
 * The engine's plan is printed first and a person on a terminal confirms it; stopping
 * the cluster service on other nodes is confirmed separately (or allowed with
 * --stop-other-nodes). Without a terminal nothing happens unless --yes is given, so a
 * script never restores by accident.
 */
import * as path from 'node:path';
import type { NodeInfo } from '../../engine/model';
import { Requests, type RestoreParams, type RestorePlan, type RestoreResult } from '../../protocol';
import { onlyArgument, printResult } from '../output';
import { ExitCode, type CliCommand, type CliContext } from '../types';

function formatPlan(plan: RestorePlan): string[] {
  const kind = plan.authoritative ? 'Authoritative restore (the whole cluster goes back to this configuration)' : 'Node restore (this node only)';
  return [
    `${kind} of ${plan.set.name} on ${plan.node}${plan.cluster ? `, cluster ${plan.cluster}` : ''}:`,
    ...plan.steps.map((step, i) => `  ${i + 1}. ${step}`),
  ];
}

function formatNodes(nodes: NodeInfo[]): string[] {
  return nodes.map((n) => `  ${n.name}${n.isLocal ? ' (this node)' : ''}: ${n.state}${n.error ? ` (${n.error.message})` : ''}`);
}

function formatResult(result: RestoreResult): string[] {
  const lines: string[] = [];
  if (result.recovered) {
    lines.push(`An interrupted earlier restore was found and ${result.recovered === 'completed' ? 'completed' : 'rolled back'} first.`);
  }
  lines.push(`${result.authoritative ? 'Authoritative restore' : 'Node restore'} of ${path.basename(result.set)} complete. Node state${result.nodes.length === 1 ? '' : 's'} as the cluster reports ${result.nodes.length === 1 ? 'it' : 'them'}:`);
  lines.push(...formatNodes(result.nodes));
  for (const warning of result.warnings ?? []) lines.push(`Warning: ${warning}`);
  return lines;
}

/** Where text for a person goes: stdout, or stderr when stdout carries the JSON result. */
function say(ctx: CliContext, text: string): void {
  if (ctx.json) ctx.io.stderr(text);
  else ctx.io.stdout(text);
}

export const command: CliCommand = {
  name: 'restore',
  usage: 'restore SET [--authoritative] [--stop-other-nodes] [--allow-other-cluster] [--yes] [--json]',
  summary: 'Restore the cluster configuration from a backup set: this node, or the whole cluster with --authoritative',
  options: {
    authoritative: { type: 'boolean' },
    'stop-other-nodes': { type: 'boolean' },
    'allow-other-cluster': { type: 'boolean' },
    yes: { type: 'boolean' },
  },
  async run(args, ctx) {
    const setArgument = onlyArgument(this, args, ctx, 'backup set folder');
    if (setArgument === undefined) return ExitCode.usage;
    const authoritative = args.options.authoritative === true;
    let stopOtherNodes = args.options['stop-other-nodes'] === true;
    const yes = args.options.yes === true;
    if (stopOtherNodes && !authoritative) {
      ctx.io.stderr('fcbackup: --stop-other-nodes applies only to an authoritative restore (--authoritative); a node restore leaves the other nodes running.');
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
      stopOtherNodes,
      allowOtherCluster: args.options['allow-other-cluster'] === true,
    };

    const engine = await ctx.engine();
    const plan = await engine.request(Requests.planRestore, params, ctx.signal);
    for (const line of formatPlan(plan)) say(ctx, line);

    if (!yes) {
      // Do not ask a person to confirm what the engine will refuse anyway.
      const refusal = plan.steps.find((step) => step.startsWith('Refused: '));
      if (refusal) {
        ctx.io.stderr(`fcbackup: ${refusal.slice('Refused: '.length)} Nothing was changed.`);
        return ExitCode.failed;
      }
      if (authoritative && plan.runningOtherNodes.length > 0 && !stopOtherNodes && plan.unqueryableNodes.length === 0) {
        stopOtherNodes = await ctx.io.confirm(
          `The cluster service runs on ${plan.runningOtherNodes.join(', ')}. Stop it there for the authoritative restore?`);
        if (!stopOtherNodes) {
          ctx.io.stderr('fcbackup: the other nodes keep running, so the authoritative restore cannot go ahead. Nothing was changed.');
          return ExitCode.cancelled;
        }
        params.stopOtherNodes = true;
      }
      const question = authoritative
        ? `Roll the whole cluster back to ${plan.set.name}?`
        : `Restore ${plan.set.name} on ${plan.node}?`;
      if (!(await ctx.io.confirm(question))) {
        ctx.io.stderr('fcbackup: restore not confirmed. Nothing was changed.');
        return ExitCode.cancelled;
      }
    }

    const result = await engine.request(Requests.restore, params, ctx.signal);
    printResult(ctx, result, (r) => formatResult(r).join('\n'));
    return ExitCode.ok;
  },
};
