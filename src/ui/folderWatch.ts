/**
 * A watcher on one folder's entries that follows the folder a setting names: pointing it at another folder
 * replaces the watcher, pointing it nowhere removes it. Backup sets appear by the rename of a finished temporary
 * folder and disappear by retention or deletion, so creations and deletions of direct entries are what matter.
 * On a network share a watcher may stay silent; Refresh and the refresh interval cover that.
 */
import vscode = require('vscode');

export class FolderWatch implements vscode.Disposable {
  private watcher: vscode.FileSystemWatcher | undefined;
  private folder: string | undefined;

  constructor(private readonly onChange: () => void) {}

  /** Watches `folder` (nothing when undefined); the same folder again keeps the current watcher. */
  follow(folder: string | undefined): void {
    if (folder === this.folder) return;
    this.watcher?.dispose();
    this.watcher = undefined;
    this.folder = folder;
    if (!folder) return;
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(folder), '*'));
    this.watcher.onDidCreate(() => this.onChange());
    this.watcher.onDidDelete(() => this.onChange());
  }

  dispose(): void {
    this.watcher?.dispose();
    this.watcher = undefined;
    this.folder = undefined;
  }
}
