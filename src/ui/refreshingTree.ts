/**
 * What the two trees have in common: the change event VS Code listens to, one
 * refresh at a time through a RefreshScheduler (debounced requests, and a timer
 * that never runs before the tree was first shown, so it never starts the engine on
 * its own), tree items from the pure tree model, and failures that are notified once
 * while a periodic refresh keeps failing the same way.
 */
import vscode = require('vscode');
import { describeError } from './errors';
import type { Translate } from './format';
import type { ExtensionLog } from './log';
import type { Notifier } from './notifier';
import { RefreshScheduler } from './refreshScheduler';
import { toTreeItem } from './treeItems';
import { itemModel, type ErrorInfo, type TreeElement } from './treeModel';

export interface RefreshingTreeDeps {
  log: ExtensionLog;
  notifier: Notifier;
  t: Translate;
}

export abstract class RefreshingTreeProvider<Deps extends RefreshingTreeDeps>
implements vscode.TreeDataProvider<TreeElement>, vscode.Disposable {
  protected readonly changed = new vscode.EventEmitter<TreeElement | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly scheduler: RefreshScheduler;
  protected everLoaded = false;
  private lastNotifiedError: string | undefined;

  /** `name` says which tree in the log ("the cluster tree"). */
  constructor(protected readonly deps: Deps, name: string, debounceMs: number) {
    this.scheduler = new RefreshScheduler(() => this.load(), {
      debounceMs,
      shouldTick: () => this.everLoaded,
      onError: (err) => deps.log.error(`Refreshing ${name} failed: ${describeError(err).message}`),
    });
  }

  /** Reads what the tree shows and fires `changed`. */
  protected abstract load(): Promise<void>;

  abstract getChildren(element?: TreeElement): Promise<TreeElement[]>;

  /** Whether the tree was shown (or refreshed) at least once. */
  get loaded(): boolean {
    return this.everLoaded;
  }

  /** Refresh now; resolves when the tree holds current data. */
  refresh(): Promise<void> {
    this.everLoaded = true;
    return this.scheduler.runNow();
  }

  /** Refresh soon (several requests in a row give one refresh); nothing before the tree was first shown. */
  requestRefresh(): void {
    if (this.everLoaded) this.scheduler.request();
  }

  setInterval(seconds: number): void {
    this.scheduler.setInterval(seconds);
  }

  /** Loads the tree when it was never shown (the first show is what starts the engine; activation does not). */
  protected async ensureLoaded(): Promise<void> {
    if (!this.everLoaded) await this.refresh();
  }

  protected logFailure(what: string, error: ErrorInfo): void {
    this.deps.log.error(`${what} failed: ${error.message}${error.apiDetail ? ` [${error.apiDetail}]` : ''}`);
  }

  /** Shows `text` with a Show Log action, unless the last failure shown had the same message. */
  protected notifyFailure(error: ErrorInfo, text: string): void {
    if (this.lastNotifiedError === error.message) return;
    this.lastNotifiedError = error.message;
    const { log, notifier, t } = this.deps;
    notifier.error(text, [{ title: t('Show Log'), run: () => log.show() }]);
  }

  /** The last load succeeded: the next failure is notified again. */
  protected clearNotifiedFailure(): void {
    this.lastNotifiedError = undefined;
  }

  getTreeItem(element: TreeElement): vscode.TreeItem {
    return toTreeItem(element, itemModel(element, this.deps.t));
  }

  dispose(): void {
    this.scheduler.dispose();
    this.changed.dispose();
  }
}
