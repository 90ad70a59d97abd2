/**
 * fcbackup status: what this machine is (cluster feature not installed, not
 * configured, service not running, running) and, when a cluster is there, its name,
 * version, quorum resource and nodes with their state and id. `--cluster NAME` asks
 * a cluster by name instead of the local one.
 */
import type { ClusterStatus, NodeInfo } from '../../wire/model';
import { describePendingRestore } from '../../wire/restoreWords';
import { Requests } from '../../protocol';
import { noArguments, printResult } from '../output';
import { ExitCode, type CliCommand } from '../types';

function describeLocalState(status: ClusterStatus): string {
  const machine = status.machine || 'This machine';
  switch (status.state) {
    case 'notInstalled':
      return `${machine}: the Failover Clustering feature is not installed.`;
    case 'notConfigured':
      return `${machine}: the Failover Clustering feature is installed, but this machine is not a cluster node.`;
    case 'notRunning':
      return `${machine}: a cluster node whose cluster service is not running; it is treated as a stand-alone server. ` +
        'Start the cluster service (ClusSvc) to see the cluster, or use --cluster NAME to ask another node.';
    case 'running':
      return `${machine}: cluster node, cluster service running.`;
  }
}

function formatFunctionalLevel(version: number): string {
  return `${version >>> 16}.${version & 0xffff}`;
}

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}

function formatNodes(nodes: NodeInfo[]): string[] {
  const nameWidth = Math.min(40, Math.max(4, ...nodes.map((n) => [...n.name].length)));
  const idWidth = Math.max(2, ...nodes.map((n) => (n.id ?? '?').length));
  const stateWidth = Math.max(...nodes.map((n) => n.state.length));
  return nodes.map((n) => {
    const notes: string[] = [];
    if (n.isLocal) notes.push('this machine');
    if (n.error) notes.push(n.error.message);
    return `  ${pad(n.name, nameWidth)}  id ${pad(n.id ?? '?', idWidth)}  ${pad(n.state, stateWidth)}${notes.length ? `  (${notes.join('; ')})` : ''}`.trimEnd();
  });
}

/** The status as lines for a person. */
export function formatStatus(status: ClusterStatus): string {
  const lines: string[] = [];
  if (status.connectedName === undefined || status.state !== 'running') lines.push(describeLocalState(status));
  const cluster = status.cluster;
  if (cluster) {
    const v = cluster.versionInfo;
    lines.push(`Cluster ${cluster.name}${status.connectedName && status.connectedName !== cluster.name ? ` (connected through ${status.connectedName})` : ''}`);
    lines.push(`  Version:  ${cluster.version}${v.vendor ? ` (${v.vendor}${v.csdVersion ? `, ${v.csdVersion}` : ''})` : ''}, ` +
      `functional level ${formatFunctionalLevel(v.highestVersion)}${v.mixedMode ? ', mixed mode' : ''}`);
    lines.push(`  Quorum:   ${cluster.quorum ? `${cluster.quorum.resource}${cluster.quorum.device ? ` (${cluster.quorum.device})` : ''}` : 'none reported'}`);
    lines.push(`  Nodes:    ${status.nodes.length}`);
    lines.push(...formatNodes(status.nodes));
  }
  if (status.pendingRestore) lines.push(describePendingRestore(status.pendingRestore));
  return lines.join('\n');
}

export const command: CliCommand = {
  name: 'status',
  usage: 'status [--cluster NAME] [--json]',
  summary: 'Show whether this machine is a cluster node, and the cluster with its nodes',
  options: { cluster: { type: 'string' } },
  async run(args, ctx) {
    if (!noArguments(this, args, ctx, 'use --cluster NAME to ask a cluster by name.')) return ExitCode.usage;
    const engine = await ctx.engine();
    const clusterName = args.options.cluster;
    const status = typeof clusterName === 'string'
      ? await engine.request(Requests.connect, { name: clusterName }, ctx.signal)
      : await engine.request(Requests.status, {}, ctx.signal);
    printResult(ctx, status, formatStatus);
    return ExitCode.ok;
  },
};
