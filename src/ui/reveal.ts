/**
 * "Reveal" for a folder on the machine the extension runs on. In a local desktop
 * window that is the OS file manager; in a Remote or web window the folder lives
 * on the server, so it is shown in the Explorer when it is in the workspace, or
 * offered to open in a new window.
 */
import vscode = require('vscode');
import type { Services } from './services';

export async function revealFolder(s: Services, folder: string): Promise<void> {
  const uri = vscode.Uri.file(folder);
  if (vscode.env.remoteName === undefined && vscode.env.uiKind === vscode.UIKind.Desktop) {
    await vscode.commands.executeCommand('revealFileInOS', uri);
    return;
  }
  if (vscode.workspace.getWorkspaceFolder(uri)) {
    await vscode.commands.executeCommand('revealInExplorer', uri);
    return;
  }
  s.log.info(`${folder} is outside the workspace; offering to open it.`);
  s.notifier.info(s.t('{0} is on this server, outside the open folder.', folder), [
    { title: s.t('Open in New Window'), run: () => vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: true }) },
    { title: s.t('Copy Path'), run: () => vscode.env.clipboard.writeText(folder) },
  ]);
}
