/**
 * The "Backups" tree: the backup sets in the backup folder, newest first, with the
 * result of their last verification in this session. The listing comes from the
 * engine (it reads the manifests); a watcher on the folder refreshes it. A set expands
 * into the cluster configuration it holds (configRows.ts). Listing, verifying and
 * reading sets is file work: it works on a machine without a cluster too.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { BackupSetSummary, VerifyResult } from '../protocol';
import { ContextKeys, type ContextKeyStore } from './contextKeys';
import type { EngineHost } from './engineHost';
import { describeError } from './errors';
import { RefreshingTreeProvider, type RefreshingTreeDeps } from './refreshingTree';
import { readSettings } from './settings';
import { configItem, configurationChildren, configurationRoots, paxosDescription } from './configRows';
import { ConfigurationStore } from './configStore';
import { toTreeItem } from './treeItems';
import { backupsViewDescription, failedBackupElement, setsDamagedByRetention, type FailedBackup } from './backupRows';
import {
  backupSetElements, itemModel, messageElement, type BackupSetElement, type ErrorInfo, type TreeElement,
} from './treeModel';

export interface BackupsTreeDeps extends RefreshingTreeDeps {
  engine: EngineHost;
  contextKeys: ContextKeyStore;
}

export class BackupsTreeProvider extends RefreshingTreeProvider<BackupsTreeDeps> {
  /** Verification results of this session, by set path. */
  readonly verifications = new Map<string, VerifyResult>();
  private sets: BackupSetSummary[] = [];
  private error: ErrorInfo | undefined;
  private folder: string | undefined;
  private watcher: vscode.FileSystemWatcher | undefined;
  private watchedFolder: string | undefined;
  /** The configurations inside the sets (and the live one), read when a set is expanded or compared. */
  readonly configurations: ConfigurationStore;

  constructor(deps: BackupsTreeDeps) {
    super(deps, 'the backups tree', 300);
    this.configurations = new ConfigurationStore(deps.engine);
    deps.contextKeys.set(ContextKeys.backupsState, 'loading');
  }

  /** The sets, newest first, loading them when the tree was never shown. */
  async elements(): Promise<BackupSetElement[]> {
    await this.ensureLoaded();
    return backupSetElements(this.sets, this.verifications);
  }

  /** The folder the tree lists (the fcbackup.backupFolder setting). */
  get backupFolder(): string | undefined {
    return this.folder;
  }

  /** The last backup of this session that failed, shown above the sets until a backup succeeds. */
  private failedBackup: FailedBackup | undefined;

  recordVerification(result: VerifyResult): void {
    this.verifications.set(result.path, result);
    this.changed.fire(undefined);
  }

  /**
   * A check found the set damaged (a restore plan refused it, a restore's verification failed):
   * the row is marked at once and its restore actions go.
   */
  markDamaged(setPath: string, problems: string[]): void {
    const listed = this.sets.find((s) => s.path === setPath);
    const summary = listed ?? { path: setPath, name: setPath, cluster: null, node: null, time: null, kind: null, size: 0, verified: false, problems };
    this.recordVerification({ path: setPath, ok: false, problems, summary });
  }

  /** How the last backup ended: a failure shows as a message row (and in the view's description) until one succeeds. */
  recordBackupOutcome(failure: string | undefined, retentionProblems: readonly string[] = []): void {
    this.failedBackup = failure === undefined ? undefined : { at: Date.now(), message: failure };
    // Retention verified the other sets: the ones it found damaged are marked now, not at the next check.
    const damaged = setsDamagedByRetention(retentionProblems, this.sets.map((s) => s.path));
    for (const [setPath, problem] of damaged) this.markDamaged(setPath, [problem]);
    this.changed.fire(undefined);
  }

  /** What the view's description says: "last backup failed" when it did, and the folder. */
  viewDescription(): string | undefined {
    return backupsViewDescription(this.folder ?? readSettings().backupFolder, this.failedBackup, this.deps.t);
  }

  private watch(folder: string | undefined): void {
    if (folder === this.watchedFolder) return;
    this.watcher?.dispose();
    this.watcher = undefined;
    this.watchedFolder = folder;
    if (!folder) return;
    // Sets appear by rename of a finished temporary folder and disappear by retention.
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(folder), '*'));
    const onChange = (): void => this.requestRefresh();
    this.watcher.onDidCreate(onChange);
    this.watcher.onDidDelete(onChange);
  }

  protected async load(): Promise<void> {
    const { engine, log, contextKeys } = this.deps;
    const folder = readSettings().backupFolder;
    this.folder = folder;
    this.watch(folder);
    this.error = undefined;
    if (!folder) {
      this.sets = [];
      contextKeys.set(ContextKeys.backupsState, 'noFolder');
      this.changed.fire(undefined);
      return;
    }
    if (!fs.existsSync(folder)) {
      this.sets = [];
      contextKeys.set(ContextKeys.backupsState, 'empty');
      this.changed.fire(undefined);
      return;
    }
    try {
      this.sets = await engine.request('listBackups', { folder, verify: false });
      this.configurations.forgetSets();
      // The live cluster's PaxosTag, to say whether each set is older or newer (only while the cluster runs here).
      if (contextKeys.get(ContextKeys.clusterState) === 'none') await this.configurations.refreshLiveTag();
      else this.configurations.forgetLiveTag();
      const listed = new Set(this.sets.map((s) => s.path));
      for (const path of [...this.verifications.keys()]) if (!listed.has(path)) this.verifications.delete(path);
      log.debug(`${this.sets.length} backup set(s) in ${folder}.`);
      this.clearNotifiedFailure();
      contextKeys.set(ContextKeys.backupsState, this.sets.length > 0 ? 'sets' : 'empty');
    } catch (err) {
      this.sets = [];
      const error = describeError(err);
      this.error = error;
      this.logFailure(`Listing the backup sets in ${folder}`, error);
      contextKeys.set(ContextKeys.backupsState, 'error');
      this.notifyFailure(error, this.deps.t('Listing the backup sets failed: {0}', error.message));
    }
    this.changed.fire(undefined);
  }

  async getChildren(element?: TreeElement): Promise<TreeElement[]> {
    if (element) return this.childrenOf(element);
    await this.ensureLoaded();
    if (this.error) {
      return [messageElement('backups-error', 'error', this.error.message, {
        tooltip: this.error.apiDetail, command: { id: 'fcbackup.showLog', title: this.deps.t('Show Log') },
      })];
    }
    const failed = this.failedBackup ? [failedBackupElement(this.failedBackup, Date.now(), this.deps.t)] : [];
    return [...failed, ...backupSetElements(this.sets, this.verifications)];
  }

  /** A set's configuration rows, or one message row saying why it cannot be read. */
  private async childrenOf(element: TreeElement): Promise<TreeElement[]> {
    if (element.kind === 'configSection' || element.kind === 'configObject') return configurationChildren(element);
    if (element.kind !== 'backupSet') return [];
    try {
      const known = this.configurations.peek(element.set.path) !== undefined;
      const source = await this.configurations.forSet(element.set.path);
      if (!known) this.changed.fire(element); // its tooltip now has the PaxosTag
      return configurationRoots(element.id, source);
    } catch (err) {
      const error = describeError(err);
      this.logFailure(`Reading the configuration in ${element.set.path}`, error);
      return [messageElement(`${element.id}/config-error`, 'error', this.deps.t('Cannot read the configuration: {0}', error.message), {
        tooltip: error.apiDetail ? `${error.message}\n${error.apiDetail}` : error.message,
        command: { id: 'fcbackup.showLog', title: this.deps.t('Show Log') },
      })];
    }
  }

  override getTreeItem(element: TreeElement): vscode.TreeItem {
    const { t } = this.deps;
    if (element.kind === 'configSection' || element.kind === 'configObject') {
      return toTreeItem(element, configItem(element, this.configurations.liveTag, t));
    }
    const item = toTreeItem(element, itemModel(element, t));
    if (element.kind === 'backupSet') {
      // A set expands into its configuration; once read, its tooltip says its PaxosTag too.
      item.collapsibleState = vscode.TreeItemCollapsibleState.Collapsed;
      const source = this.configurations.peek(element.set.path);
      if (source) item.tooltip = `${String(item.tooltip ?? '')}\n${paxosDescription(source.configuration.paxosTag, this.configurations.liveTag, t)}`;
    }
    return item;
  }

  override dispose(): void {
    this.watcher?.dispose();
    super.dispose();
  }
}
