/** What every command handler gets: the pieces created in activate(). */
import type * as vscode from 'vscode';
import type { BackupsTreeProvider } from './backupsTree';
import type { ClusterTreeProvider } from './clusterTree';
import type { Dialogs } from './dialogs';
import type { EngineHost } from './engineHost';
import type { Translate } from './format';
import type { ExtensionLog } from './log';
import type { Notifier } from './notifier';
import type { ProgressRouter } from './progress';

export interface Services {
  log: ExtensionLog;
  engine: EngineHost;
  clusters: ClusterTreeProvider;
  backups: BackupsTreeProvider;
  dialogs: Dialogs;
  notifier: Notifier;
  progress: ProgressRouter;
  t: Translate;
  extensionContext: vscode.ExtensionContext;
  /** Told how each command ended (the status bar follows the backup command); cancellations are not reported. */
  onCommandOutcome?: (id: string, outcome: CommandOutcome) => void;
}

export type CommandOutcome = { ok: true; result: unknown } | { ok: false; message: string };
