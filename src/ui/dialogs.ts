/**
 * Modal questions and quick picks the commands ask. Behind an interface so the
 * integration tests can answer them (and read what was asked) through the test API;
 * everything else in the UI calls these, never showWarningMessage({ modal: true }) or
 * showQuickPick directly.
 */
import * as vscode from 'vscode';
import { displayLines, displayText } from '../text/displayText';
import type { ConfirmationText } from './restoreText';

export interface Dialogs {
  /** A modal yes/no: true when the user chose `text.confirm`. */
  confirm(text: ConfirmationText): Promise<boolean>;
  /** A modal explanation; resolves to the chosen action, or undefined for Cancel/close. */
  explain(message: string, detail: string, actions: string[]): Promise<string | undefined>;
  /** A quick pick; resolves to the chosen item, or undefined when dismissed. */
  pick<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions): Promise<T | undefined>;
}

export const modalDialogs: Dialogs = {
  // What is shown quotes names from outside (sets, nodes, files): escaped for display.
  async confirm(text) {
    for (;;) {
      const actions = text.more ? [text.confirm, text.more.title] : [text.confirm];
      const choice = await vscode.window.showWarningMessage(displayLines(text.message), { modal: true, detail: displayLines(text.detail) }, ...actions);
      if (text.more && choice === text.more.title) {
        await text.more.run();
        continue;
      }
      return choice === text.confirm;
    }
  },
  explain(message, detail, actions) {
    return Promise.resolve(vscode.window.showInformationMessage(displayLines(message), { modal: true, detail: displayLines(detail) }, ...actions));
  },
  async pick(items, options) {
    const shown = items.map((item) => ({
      ...item,
      label: displayText(item.label),
      description: item.description === undefined ? undefined : displayText(item.description),
      detail: item.detail === undefined ? undefined : displayText(item.detail),
    }));
    const chosen = await vscode.window.showQuickPick(shown, options);
    return chosen === undefined ? undefined : items[shown.indexOf(chosen)];
  },
};

/** The dialogs in use; tests swap in their own answers. */
export class DialogHost implements Dialogs {
  private current: Dialogs = modalDialogs;

  use(dialogs: Dialogs | undefined): void {
    this.current = dialogs ?? modalDialogs;
  }

  confirm(text: ConfirmationText): Promise<boolean> {
    return this.current.confirm(text);
  }

  explain(message: string, detail: string, actions: string[]): Promise<string | undefined> {
    return this.current.explain(message, detail, actions);
  }

  pick<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions): Promise<T | undefined> {
    return this.current.pick(items, options);
  }
}
