/**
 * fcbackup show SET [--json]: the cluster configuration inside a backup set — cluster name,
 * instance id, PaxosTag, nodes, roles with their resources (types, dependencies, preferred
 * owners), resource types, networks and interfaces. The set is verified first. File work:
 * no cluster, no engine process, no native code.
 */
import path = require('node:path');
import type { ConfigurationSource } from '../../config/model';
import { renderConfiguration } from '../../config/render';
import { readSetConfiguration } from '../../engine/setConfiguration';
import { onlyArgument, printResult } from '../output';
import { ExitCode, type CliCommand } from '../types';

/** The lines above the configuration: where it came from, and whether the hive was flushed cleanly. */
export function sourceHeader(source: ConfigurationSource): string[] {
  const lines = [`${source.label}${source.setPath ? ` (${source.setPath})` : ''}`];
  if (source.reason !== undefined) lines.push(`Reason: ${source.reason}`);
  if (source.sha256) lines.push(`CLUSDB SHA-256 ${source.sha256}`);
  if (source.dirty) lines.push('The hive was not flushed cleanly when it was copied (its transaction logs were not applied): this is what the base file holds.');
  return lines;
}

export const command: CliCommand = {
  name: 'show',
  usage: 'show SET [--json]',
  summary: 'Show the cluster configuration in a backup set: nodes, roles, resources, networks, PaxosTag',
  local: true,
  options: {},
  async run(args, ctx) {
    const setArgument = onlyArgument(this, args, ctx, 'backup set folder');
    if (setArgument === undefined) return ExitCode.usage;
    const source = await readSetConfiguration(path.resolve(setArgument), { signal: ctx.signal });
    printResult(ctx, source, (s) => renderConfiguration(s.configuration, sourceHeader(s)).trimEnd());
    return ExitCode.ok;
  },
};
