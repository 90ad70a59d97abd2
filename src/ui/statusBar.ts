/**
 * The status bar item: "CLUSTER1 · 3/4 up · 2 h ago", a warning when the newest intact
 * backup is older than fcbackup.backupWarningDays or the last backup failed; a click
 * opens the Failover Cluster Backup view. It reads what the two trees already hold and
 * follows their change events: it never asks the engine itself (nor makes a tree load),
 * and it shows nothing before the cluster tree was read (activation starts no engine);
 * until the Backups view was shown it says the backups were not read.
 */
import vscode = require('vscode');
import type { BackupsTreeProvider } from './backupsTree';
import type { ClusterTreeProvider } from './clusterTree';
import type { Translate } from './format';
import { SECTION } from './settings';
import { statusView, type BackupFailure, type SetSummary, type StatusView } from './statusSummary';

/** The trees log and notify their own failures; the item just keeps what it showed. */
const ignore = (): void => undefined;

export const STATUS_ITEM_ID = 'fcbackup.status';
/** Opens the extension's view container (VS Code's command for a contributed container). */
export const OPEN_VIEW_COMMAND = 'workbench.view.extension.fcbackup';

export interface StatusBarDeps {
  clusters: ClusterTreeProvider;
  backups: BackupsTreeProvider;
  t: Translate;
}

/** What the test API reports: the item as shown, or undefined while hidden. */
export interface StatusBarSnapshot extends StatusView {
  backgroundColor: string | undefined;
  command: string | undefined;
}

export class ClusterStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscriptions: vscode.Disposable[] = [];
  private lastFailure: BackupFailure | undefined;
  private sets: SetSummary[] | undefined;
  private shown: StatusView | undefined;

  constructor(private readonly deps: StatusBarDeps) {
    this.item = vscode.window.createStatusBarItem(STATUS_ITEM_ID, vscode.StatusBarAlignment.Left, 10);
    this.item.name = deps.t('Failover Cluster Backup');
    this.item.command = OPEN_VIEW_COMMAND;
    this.subscriptions.push(
      deps.clusters.onDidChangeTreeData(() => this.update()),
      deps.backups.onDidChangeTreeData(() => void this.readSets().catch(ignore)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.backupWarningDays`)) this.update();
      }),
    );
  }

  /** A backup command ended: a failure (or a set that failed its check) turns the item to a warning until a newer intact set. */
  recordBackupOutcome(ok: boolean, message: string): void {
    this.lastFailure = ok ? undefined : { at: Date.now(), message };
    this.update();
  }

  snapshot(): StatusBarSnapshot | undefined {
    if (!this.shown) return undefined;
    const bg = this.item.backgroundColor;
    return { ...this.shown, backgroundColor: bg instanceof vscode.ThemeColor ? bg.id : undefined, command: typeof this.item.command === 'string' ? this.item.command : undefined };
  }

  /** The Backups tree changed: take its rows (it was loaded, so this reads memory, not the engine). */
  private async readSets(): Promise<void> {
    if (!this.deps.backups.loaded) return;
    const elements = await this.deps.backups.elements();
    this.sets = elements.map((e) => ({
      cluster: e.set.cluster, node: e.set.node, time: e.set.time,
      intact: (e.verification ? e.verification.ok : e.set.verified) !== false,
    }));
    this.update();
  }

  private update(): void {
    const local = this.deps.clusters.clusters().find((c) => c.source === 'local');
    const warningDays = vscode.workspace.getConfiguration(SECTION).get<number>('backupWarningDays', 7);
    const view = statusView({ status: local?.status, sets: this.sets, lastFailure: this.lastFailure, warningDays, now: Date.now() }, this.deps.t);
    this.shown = view;
    if (!view) {
      this.item.hide();
      return;
    }
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.backgroundColor = view.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
