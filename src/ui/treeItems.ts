/** TreeItemModel (pure) → vscode.TreeItem. */
import vscode = require('vscode');
import { displayLines, displayText } from '../text/displayText';
import type { TreeElement, TreeItemModel } from './treeModel';

const collapsibleStates = {
  none: vscode.TreeItemCollapsibleState.None,
  collapsed: vscode.TreeItemCollapsibleState.Collapsed,
  expanded: vscode.TreeItemCollapsibleState.Expanded,
} as const;

export function toTreeItem(element: TreeElement, model: TreeItemModel): vscode.TreeItem {
  // Labels show names from outside (clusters, nodes, backup sets): escaped, so none can hide or reorder text.
  const item = new vscode.TreeItem(displayText(model.label), collapsibleStates[model.collapsible]);
  item.id = element.id;
  item.description = model.description === undefined ? undefined : displayText(model.description);
  item.tooltip = model.tooltip === undefined ? undefined : displayLines(model.tooltip);
  item.contextValue = model.contextValue;
  item.iconPath = model.icon.color
    ? new vscode.ThemeIcon(model.icon.id, new vscode.ThemeColor(model.icon.color))
    : new vscode.ThemeIcon(model.icon.id);
  if (model.command) item.command = { command: model.command.id, title: model.command.title };
  return item;
}
