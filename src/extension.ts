/**
 * Wiring of the extension: the log channel, the engine host (the engine process
 * starts when a tree is first shown or a command needs it, never here), the two
 * trees, the commands and the settings. Everything created here is disposed with
 * the extension.
 */
import vscode = require('vscode');
import { resolveNativeTarget, type TargetResolution } from './client/nativeTarget';
import { BackupsTreeProvider } from './ui/backupsTree';
import { ClusterTreeProvider } from './ui/clusterTree';
import { registerCommands } from './ui/commands';
import { ContextKeyStore } from './ui/contextKeys';
import { DialogHost } from './ui/dialogs';
import { EngineHost } from './ui/engineHost';
import type { Translate } from './ui/format';
import { ExtensionLog } from './ui/log';
import { Notifier } from './ui/notifier';
import { ProgressRouter } from './ui/progress';
import type { BackupOutcome } from './ui/commands/backup';
import type { Services } from './ui/services';
import { SECTION, readSettings } from './ui/settings';
import { ClusterStatusBar } from './ui/statusBar';
import type { FailoverClusterBackupTestApi } from './ui/testApi';

export type { FailoverClusterBackupTestApi } from './ui/testApi';

const t: Translate = (message, ...args) => vscode.l10n.t(message, ...args);

function resolveTarget(extensionRoot: string): TargetResolution {
  const settings = readSettings();
  const target = resolveNativeTarget({ setting: settings.simulatorScenario, root: extensionRoot });
  if (target.kind === 'simulator' && settings.simulatorLibrary) return { ...target, library: settings.simulatorLibrary };
  if (target.kind === 'unavailable') {
    return {
      kind: 'unavailable',
      reason: t('Failover clustering needs Windows Server (this machine runs {0}). To try the extension, set fcbackup.simulator.scenario to a simulator scenario file.', process.platform),
    };
  }
  return target;
}

export function activate(context: vscode.ExtensionContext): FailoverClusterBackupTestApi | undefined {
  const log = new ExtensionLog();
  context.subscriptions.push(log);
  log.info(`Failover Cluster Backup ${String(context.extension.packageJSON.version)} activated (${vscode.env.remoteName ?? 'local'} extension host, ${process.platform}).`);

  const contextKeys = new ContextKeyStore();
  const notifier = new Notifier();
  const progress = new ProgressRouter();
  const dialogs = new DialogHost();

  const engine = new EngineHost({
    resolveTarget: () => resolveTarget(context.extensionPath),
    logLevel: () => log.engineLogLevel(),
    onLog: (p) => log.log(p.level, p.message),
    onProgress: (p) => {
      log.debug(`${p.operation}: ${p.step}${p.fraction !== undefined ? ` (${Math.round(p.fraction * 100)}%)` : ''}`);
      progress.dispatch(p);
    },
    // Called long after activation, when the cluster tree exists.
    onUnexpectedExit: (message) => clusters.engineExited(message),
  });
  context.subscriptions.push(engine);

  const clusters = new ClusterTreeProvider({
    engine, log, notifier, contextKeys, state: context.workspaceState, t, hostPlace: vscode.env.remoteName ? 'remote' : 'local',
  });
  const backups = new BackupsTreeProvider({ engine, log, notifier, contextKeys, t });
  context.subscriptions.push(clusters, backups);
  const backupsView = vscode.window.createTreeView('fcbackup.backups', { treeDataProvider: backups });
  context.subscriptions.push(
    vscode.window.createTreeView('fcbackup.clusters', { treeDataProvider: clusters, showCollapseAll: true }),
    backupsView,
    // The view's description names the folder it lists (and says when the last backup failed).
    backups.onDidChangeTreeData(() => { backupsView.description = backups.viewDescription(); }),
  );
  backupsView.description = backups.viewDescription();

  const statusBar = new ClusterStatusBar({ clusters, backups, t });
  context.subscriptions.push(statusBar);

  const services: Services = {
    log, engine, clusters, backups, dialogs, notifier, progress, t, extensionContext: context,
    onCommandOutcome: (id, outcome) => {
      if (id !== 'fcbackup.backup') return;
      // A backup whose new set failed its check is a failed backup too.
      const verification = outcome.ok ? (outcome.result as BackupOutcome | undefined)?.verification : undefined;
      const retentionProblems = outcome.ok ? (outcome.result as BackupOutcome | undefined)?.result.retentionProblems ?? [] : [];
      if (!outcome.ok) statusBar.recordBackupOutcome(false, outcome.message);
      else if (verification && !verification.ok) statusBar.recordBackupOutcome(false, verification.problems.join('; '));
      else statusBar.recordBackupOutcome(true, '');
      // The Backups view shows a failed backup too (a message row), not only the toast and the log.
      const failure = !outcome.ok ? outcome.message : verification && !verification.ok ? verification.problems.join('; ') : undefined;
      backups.recordBackupOutcome(failure, retentionProblems);
    },
  };
  context.subscriptions.push(...registerCommands(services));

  const applyInterval = (): void => {
    const seconds = readSettings().refreshIntervalSeconds;
    clusters.setInterval(seconds);
    backups.setInterval(seconds);
  };
  applyInterval();
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      if (e.affectsConfiguration(`${SECTION}.simulator`)) {
        // A different scenario or library is a different native target: a new engine process.
        log.info('Simulator settings changed; the engine restarts on the next refresh.');
        engine.stop();
        clusters.requestRefresh();
        backups.requestRefresh();
      }
      if (e.affectsConfiguration(`${SECTION}.backupFolder`)) backups.requestRefresh();
      if (e.affectsConfiguration(`${SECTION}.copyFolder`)) backups.requestRefresh();
      if (e.affectsConfiguration(`${SECTION}.refreshIntervalSeconds`)) applyInterval();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      clusters.requestRefresh();
      backups.requestRefresh();
    }),
  );

  if (context.extensionMode === vscode.ExtensionMode.Production) return undefined;
  return {
    engineStarted: () => engine.everStarted,
    engineStarts: () => engine.starts,
    engineProcessId: () => engine.pid,
    clusterTree: clusters,
    backupsTree: backups,
    contextKeys: () => contextKeys.snapshot(),
    logLines: () => log.lines(),
    logLineCount: () => log.lineCount(),
    logLinesSince: (count) => log.linesSince(count),
    notifications: () => notifier.records(),
    runningOperations: () => progress.titles(),
    cancelOperations: () => progress.cancelAll(),
    useDialogs: (d) => dialogs.use(d),
    statusBar: () => statusBar.snapshot(),
    // An engine without a native target (file work only, no cluster here) loaded no simulator: nothing to leak.
    // A production bundle defines FCBACKUP_BUILD: the test-only request is dropped with this branch.
    engineLeakReport: process.env.FCBACKUP_BUILD !== 'production'
      ? async () => {
        if (!engine.running || engine.resolveTarget().kind === 'unavailable') return undefined;
        const { TestRequests } = await import('./testProtocol');
        return engine.testRequest(TestRequests.leakReport, {});
      }
      : async () => undefined,
  };
}

export function deactivate(): void {
  // Everything is in context.subscriptions and disposed by VS Code.
}
