import vscode = require('vscode');
import type { ClusterStatus } from '../../protocol';
import { UserCancelled } from '../errors';
import type { Translate } from '../format';
import type { CommandDefinition } from './types';

/** Longest name accepted: a DNS name. */
const MAX_NAME_LENGTH = 253;

function nameProblem(name: string, t: Translate): string | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return t('Enter the name of a cluster (or of one of its nodes).');
  if (trimmed.length > MAX_NAME_LENGTH) return t('A cluster name has at most {0} characters.', MAX_NAME_LENGTH);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\s\\/]/.test(trimmed)) return t('A cluster name has no spaces, slashes or control characters.');
  return undefined;
}

/** Connect to Cluster…: adds a cluster by name (argument, or an input box). */
export const connectCommand: CommandDefinition = {
  id: 'fcbackup.connect',
  title: (s) => s.t('Connect to Cluster'),
  async run(s, arg): Promise<ClusterStatus> {
    let name = typeof arg === 'string' ? arg : undefined;
    if (name === undefined) {
      name = await vscode.window.showInputBox({
        title: s.t('Connect to Cluster'),
        prompt: s.t('The name of a failover cluster, or of one of its nodes.'),
        placeHolder: 'CLUSTER1',
        validateInput: (value) => nameProblem(value, s.t),
      });
      if (name === undefined) throw new UserCancelled();
    }
    const problem = nameProblem(name, s.t);
    if (problem) throw new Error(problem);
    name = name.trim();
    const status = await vscode.window.withProgress(
      { location: { viewId: 'fcbackup.clusters' }, title: s.t('Connecting to {0}', name) },
      () => s.clusters.connect(name!),
    );
    s.log.info(`Connected to ${status.cluster?.name ?? name}: ${status.nodes.map((n) => `${n.name} ${n.state}`).join(', ')}.`);
    return status;
  },
};
