/**
 * fcbackup diff A B [--json], fcbackup diff SET --live [--json]: what changed from A to B
 * (from the set to the running cluster with --live) — nodes, roles, resources, resource
 * types, networks, interfaces and properties added, removed and changed. Like diff(1):
 * exit 0 when equal, 1 when different, 2 on error. Between two sets it is file work; --live
 * reads the running cluster through the engine.
 */
import path = require('node:path');
import { compareConfigurations } from '../../config/diff';
import type { ConfigDiff, ConfigurationSource } from '../../config/model';
import { renderDiff } from '../../config/render';
import { readSetConfiguration } from '../../engine/setConfiguration';
import { EngineRequestError } from '../../client/engineClient';
import { Requests } from '../../protocol';
import { printResult } from '../output';
import { ExitCode, type CliCommand, type CliContext } from '../types';

/** The JSON document of `diff --json`. */
export interface DiffDocument {
  from: Omit<ConfigurationSource, 'configuration'>;
  to: Omit<ConfigurationSource, 'configuration'>;
  equal: boolean;
  summary: string;
  changes: ConfigDiff['changes'];
}

function describeSource(source: ConfigurationSource): Omit<ConfigurationSource, 'configuration'> {
  const { configuration: _configuration, ...rest } = source;
  return rest;
}

async function liveConfiguration(ctx: CliContext): Promise<ConfigurationSource> {
  const engine = await ctx.engine();
  return engine.request(Requests.liveConfiguration, {}, ctx.signal);
}

export const command: CliCommand = {
  name: 'diff',
  usage: 'diff A B [--json] | diff SET --live [--json]',
  summary: 'Compare the configurations of two backup sets, or of a set and the live cluster (exit 0 equal, 1 different, 2 error)',
  local: true,
  options: { live: { type: 'boolean' } },
  async run(args, ctx) {
    const live = args.options.live === true;
    const wanted = live ? 1 : 2;
    if (args.positionals.length !== wanted) {
      ctx.io.stderr(`fcbackup: diff needs ${live ? 'one backup set with --live' : 'two backup sets (or one and --live)'}; usage: fcbackup ${this.usage}`);
      return ExitCode.usage;
    }
    let from: ConfigurationSource;
    let to: ConfigurationSource;
    try {
      from = await readSetConfiguration(path.resolve(args.positionals[0]), { signal: ctx.signal });
      to = live ? await liveConfiguration(ctx) : await readSetConfiguration(path.resolve(args.positionals[1]), { signal: ctx.signal });
    } catch (err) {
      const cancelled = (err as { code?: unknown }).code === 'CANCELLED'
        || (err instanceof EngineRequestError && err.data.engineCode === 'CANCELLED');
      ctx.io.stderr(`fcbackup: ${(err instanceof Error ? err.message : String(err)).replace(/\s*[\r\n]+\s*/g, ' ').trim()}`);
      if (cancelled) return ExitCode.cancelled;
      // diff(1): trouble is 2, whatever it was, so that 1 always means "different".
      return ExitCode.usage;
    }
    const diff = compareConfigurations(from.configuration, to.configuration);
    const document: DiffDocument = { from: describeSource(from), to: describeSource(to), equal: diff.equal, summary: diff.summary, changes: diff.changes };
    printResult(ctx, document, () => renderDiff(diff, from.label, to.label).trimEnd());
    return diff.equal ? ExitCode.ok : ExitCode.failed;
  },
};
