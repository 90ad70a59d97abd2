/**
 * The "Backups" tree: the backup sets in the backup folder, newest first, with the
 * result of their last verification in this session. When a copy folder is set
 * (fcbackup.copyFolder, where Back Up and `backup --copy-to` copy each set), the view has
 * two groups, the backup folder's sets and the copy folder's, listed the same way. The
 * listing comes from the engine (it reads the manifests); a watcher on the folder refreshes it. A set expands
 * into the cluster configuration it holds (configRows.ts). Listing, verifying and
 * reading sets is file work: it works on a machine without a cluster too.
 */
import fs = require('node:fs');
import fsp = require('node:fs/promises');
import vscode = require('vscode');
import type { BackupCopyResult, BackupSetSummary, VerifyResult } from '../protocol';
import { ContextKeys, type ContextKeyStore } from './contextKeys';
import type { EngineHost } from './engineHost';
import { describeError } from './errors';
import { FolderWatch } from './folderWatch';
import { RefreshingTreeProvider, type RefreshingTreeDeps } from './refreshingTree';
import { readSettings } from './settings';
import { configItem, configurationChildren, configurationRoots, paxosDescription } from './configRows';
import { ConfigurationStore } from './configStore';
import { toTreeItem } from './treeItems';
import {
  backupFolderElement, backupsViewDescription, failedBackupElement, failedCopyElement, setsDamagedByRetention, type FailedBackup, type FailedCopy,
} from './backupRows';
import { sameFolder } from '../wire/folders';
import {
  backupSetElements, itemModel, messageElement, type BackupSetElement, type ErrorInfo, type TreeElement,
} from './treeModel';

/** Whether the folder does not exist (ENOENT); any other answer is left to the listing, which reports it. */
async function isMissing(folder: string): Promise<boolean> {
  try {
    await fsp.stat(folder);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

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
  private readonly folderWatch = new FolderWatch(() => this.requestRefresh());
  /** The copy folder's listing, when fcbackup.copyFolder is set (and is not the backup folder). */
  private copy: { folder: string; sets: BackupSetSummary[]; error?: ErrorInfo; missing: boolean } | undefined;
  private readonly copyFolderWatch = new FolderWatch(() => this.requestRefresh());
  /** The last copy of this session that failed, shown in the copy folder's group until one succeeds. */
  private failedCopy: FailedCopy | undefined;
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

  /** The copy folder the tree lists in its second group (the fcbackup.copyFolder setting), when set. */
  get copyFolder(): string | undefined {
    return this.copy?.folder;
  }

  /** The folder a listed set is in: the backup folder's or the copy folder's; undefined for a set the tree does not list. */
  folderOf(setPath: string): string | undefined {
    if (this.sets.some((s) => s.path === setPath)) return this.folder;
    if (this.copy?.sets.some((s) => s.path === setPath)) return this.copy.folder;
    return undefined;
  }

  /**
   * How the last backup's copy ended (undefined: no copy was asked for): a failed copy shows as a
   * warning row in the copy folder's group until a copy succeeds; the sets its retention found
   * damaged there are marked at once.
   */
  recordCopyOutcome(copy: BackupCopyResult | undefined, setPath: string): void {
    if (copy === undefined) return;
    this.failedCopy = copy.error === null ? undefined : { at: Date.now(), setPath, destination: copy.destination, error: copy.error };
    const damaged = setsDamagedByRetention(copy.retentionProblems, (this.copy?.sets ?? []).map((s) => s.path));
    for (const [path, problem] of damaged) this.markDamaged(path, [problem]);
    this.changed.fire(undefined);
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
    const listed = this.sets.find((s) => s.path === setPath) ?? this.copy?.sets.find((s) => s.path === setPath);
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

  /** Lists the copy folder; a failure is the copy group's own error row and never hides the backup folder's sets. */
  private async loadCopyFolder(backupFolder: string | undefined): Promise<void> {
    const setting = readSettings().copyFolder;
    const folder = setting !== undefined && !(backupFolder !== undefined && sameFolder(setting, backupFolder)) ? setting : undefined;
    this.copyFolderWatch.follow(folder);
    if (folder === undefined) {
      this.copy = undefined;
      return;
    }
    // Asynchronously: the copy folder is often a share, and a share that does not answer must not block the window.
    if (await isMissing(folder)) {
      this.copy = { folder, sets: [], missing: true };
      return;
    }
    try {
      const sets = await this.deps.engine.request('listBackups', { folder, verify: false });
      this.copy = { folder, sets, missing: false };
      this.deps.log.debug(`${sets.length} backup set(s) in the copy folder ${folder}.`);
    } catch (err) {
      const error = describeError(err);
      this.copy = { folder, sets: [], error, missing: false };
      this.logFailure(`Listing the backup sets in the copy folder ${folder}`, error);
    }
  }

  protected async load(): Promise<void> {
    const { engine, log, contextKeys } = this.deps;
    const folder = readSettings().backupFolder;
    this.folder = folder;
    this.folderWatch.follow(folder);
    this.error = undefined;
    await this.loadCopyFolder(folder);
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
      const listed = new Set([...this.sets, ...(this.copy?.sets ?? [])].map((s) => s.path));
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
    const failed = this.failedBackup ? [failedBackupElement(this.failedBackup, Date.now(), this.deps.t)] : [];
    if (this.copy === undefined) return [...failed, ...this.backupFolderRows()];
    // Two groups: the backup folder's sets (when one is set) and the copy folder's.
    const groups: TreeElement[] = [];
    if (this.folder) groups.push(backupFolderElement('backup', this.folder, backupSetElements(this.sets, this.verifications)));
    groups.push(backupFolderElement('copy', this.copy.folder, backupSetElements(this.copy.sets, this.verifications)));
    return [...failed, ...groups];
  }

  /** The backup folder's rows: its sets, or the message why they cannot be listed. */
  private backupFolderRows(): TreeElement[] {
    if (this.error) {
      return [messageElement('backups-error', 'error', this.error.message, {
        tooltip: this.error.apiDetail, command: { id: 'fcbackup.showLog', title: this.deps.t('Show Log') },
      })];
    }
    return backupSetElements(this.sets, this.verifications);
  }

  /** The copy folder's rows: the last failed copy, then its sets, or a message (cannot be listed, not made yet, empty). */
  private copyFolderRows(): TreeElement[] {
    const copy = this.copy;
    if (copy === undefined) return [];
    const { t } = this.deps;
    const failed = this.failedCopy ? [failedCopyElement(this.failedCopy, Date.now(), t)] : [];
    if (copy.error) {
      return [...failed, messageElement('copy-folder-error', 'error', t('Listing the copy folder failed: {0}', copy.error.message), {
        tooltip: copy.error.apiDetail, command: { id: 'fcbackup.showLog', title: t('Show Log') },
      })];
    }
    if (copy.sets.length === 0) {
      return [...failed, messageElement('copy-folder-empty', 'info', copy.missing
        ? t('The copy folder does not exist yet: the next backup makes it.')
        : t('No backup sets here yet: the next backup copies its set here.'))];
    }
    return [...failed, ...backupSetElements(copy.sets, this.verifications)];
  }

  /** A set's configuration rows, or one message row saying why it cannot be read. */
  private async childrenOf(element: TreeElement): Promise<TreeElement[]> {
    if (element.kind === 'configSection' || element.kind === 'configObject') return configurationChildren(element);
    if (element.kind === 'backupFolder') return element.role === 'backup' ? this.backupFolderRows() : this.copyFolderRows();
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
    this.folderWatch.dispose();
    this.copyFolderWatch.dispose();
    super.dispose();
  }
}
