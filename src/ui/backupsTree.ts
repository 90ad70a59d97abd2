/**
 * The "Backups" tree: the backup sets in the backup folder, newest first, with the
 * result of their last verification in this session. The listing comes from the
 * engine (it reads the manifests); a watcher on the folder refreshes it.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { Requests, type BackupSetSummary, type VerifyResult } from '../protocol';
import { ContextKeys, type ContextKeyStore } from './contextKeys';
import type { EngineHost } from './engineHost';
import { describeError } from './errors';
import type { Translate } from './format';
import type { ExtensionLog } from './log';
import type { Notifier } from './notifier';
import { RefreshScheduler } from './refreshScheduler';
import { readSettings } from './settings';
import { toTreeItem } from './treeItems';
import { backupSetElements, itemModel, messageElement, type BackupSetElement, type ErrorInfo, type TreeElement } from './treeModel';

export interface BackupsTreeDeps {
  engine: EngineHost;
  log: ExtensionLog;
  notifier: Notifier;
  contextKeys: ContextKeyStore;
  t: Translate;
}

export class BackupsTreeProvider implements vscode.TreeDataProvider<TreeElement>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeElement | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly scheduler: RefreshScheduler;
  /** Verification results of this session, by set path. */
  readonly verifications = new Map<string, VerifyResult>();
  private sets: BackupSetSummary[] = [];
  private error: ErrorInfo | undefined;
  private folder: string | undefined;
  private watcher: vscode.FileSystemWatcher | undefined;
  private watchedFolder: string | undefined;
  private everLoaded = false;
  private lastNotifiedError: string | undefined;

  constructor(private readonly deps: BackupsTreeDeps) {
    this.scheduler = new RefreshScheduler(() => this.load(), {
      debounceMs: 300,
      shouldTick: () => this.everLoaded,
      onError: (err) => deps.log.error(`Refreshing the backups tree failed: ${describeError(err).message}`),
    });
    deps.contextKeys.set(ContextKeys.backupsState, 'loading');
  }

  get loaded(): boolean {
    return this.everLoaded;
  }

  refresh(): Promise<void> {
    this.everLoaded = true;
    return this.scheduler.runNow();
  }

  requestRefresh(): void {
    if (this.everLoaded) this.scheduler.request();
  }

  setInterval(seconds: number): void {
    this.scheduler.setInterval(seconds);
  }

  /** The sets, newest first, loading them when the tree was never shown. */
  async elements(): Promise<BackupSetElement[]> {
    if (!this.everLoaded) await this.refresh();
    return backupSetElements(this.sets, this.verifications);
  }

  /** The folder the tree lists (the fcbackup.backupFolder setting). */
  get backupFolder(): string | undefined {
    return this.folder;
  }

  recordVerification(result: VerifyResult): void {
    this.verifications.set(result.path, result);
    this.changed.fire(undefined);
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

  private async load(): Promise<void> {
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
    if (engine.resolveTarget().kind === 'unavailable') {
      this.sets = [];
      contextKeys.set(ContextKeys.backupsState, 'unavailable');
      this.changed.fire(undefined);
      return;
    }
    try {
      this.sets = await engine.request(Requests.listBackups, { folder, verify: false });
      const listed = new Set(this.sets.map((s) => s.path));
      for (const path of [...this.verifications.keys()]) if (!listed.has(path)) this.verifications.delete(path);
      log.debug(`${this.sets.length} backup set(s) in ${folder}.`);
      this.lastNotifiedError = undefined;
      contextKeys.set(ContextKeys.backupsState, this.sets.length > 0 ? 'sets' : 'empty');
    } catch (err) {
      this.sets = [];
      this.error = describeError(err);
      log.error(`Listing the backup sets in ${folder} failed: ${this.error.message}${this.error.apiDetail ? ` [${this.error.apiDetail}]` : ''}`);
      contextKeys.set(ContextKeys.backupsState, 'error');
      // A periodic refresh that keeps failing the same way says so once.
      if (this.lastNotifiedError !== this.error.message) {
        this.lastNotifiedError = this.error.message;
        this.deps.notifier.error(this.deps.t('Listing the backup sets failed: {0}', this.error.message),
          [{ title: this.deps.t('Show Log'), run: () => log.show() }]);
      }
    }
    this.changed.fire(undefined);
  }

  getTreeItem(element: TreeElement): vscode.TreeItem {
    return toTreeItem(element, itemModel(element, this.deps.t));
  }

  async getChildren(element?: TreeElement): Promise<TreeElement[]> {
    if (element) return [];
    if (!this.everLoaded) await this.refresh();
    if (this.error) {
      return [messageElement('backups-error', 'error', this.error.message, {
        tooltip: this.error.apiDetail, command: { id: 'fcbackup.showLog', title: this.deps.t('Show Log') },
      })];
    }
    return backupSetElements(this.sets, this.verifications);
  }

  dispose(): void {
    this.scheduler.dispose();
    this.watcher?.dispose();
    this.changed.dispose();
  }
}
