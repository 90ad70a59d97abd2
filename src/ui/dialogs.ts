/**
 * Modal questions and quick picks the commands ask. Behind an interface so the
 * integration tests can answer them (and read what was asked) through the test API;
 * everything else in the UI calls these, never showWarningMessage({ modal: true }) or
 * showQuickPick directly.
 */
import vscode = require('vscode');
import { displayLines, displayText } from '../text/displayText';
import { confirmationButtons, type ConfirmationText } from './restoreDialogText';

/** An input box that must be answered with one exact text (e.g. the cluster's name before an authoritative restore). */
export interface TypedConfirmationRequest {
  title: string;
  prompt: string;
  placeHolder: string;
  /** Whether what was typed is the expected text. */
  matches(typed: string): boolean;
  /** Shown while what is typed does not match. */
  mismatch: string;
}

/** An input box for free text (e.g. why a backup is taken). */
export interface TextInputRequest {
  title: string;
  prompt: string;
  placeHolder: string;
  /** Why the text cannot be accepted (shown under the box; Enter does nothing then); undefined when it can. */
  validate(value: string): string | undefined;
}

export interface Dialogs {
  /** A modal yes/no: true when the user chose `text.confirm`. */
  confirm(text: ConfirmationText): Promise<boolean>;
  /** A modal explanation; resolves to the chosen action, or undefined for Cancel/close. */
  explain(message: string, detail: string, actions: string[]): Promise<string | undefined>;
  /** A quick pick; resolves to the chosen item, or undefined when dismissed. */
  pick<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions): Promise<T | undefined>;
  /** An input box: true only when the user typed the expected text and pressed Enter. */
  typeToConfirm(request: TypedConfirmationRequest): Promise<boolean>;
  /** A folder picker starting in `start`; the chosen folder, or undefined when dismissed. */
  chooseFolder(options: { title: string; start: string; openLabel: string }): Promise<string | undefined>;
  /** An input box: the text entered with Enter (only text `validate` accepts), or undefined for Escape. */
  askText(request: TextInputRequest): Promise<string | undefined>;
}

export const modalDialogs: Dialogs = {
  // What is shown quotes names from outside (sets, nodes, files): escaped for display.
  async confirm(text) {
    // The buttons that only show more come first: VS Code makes the first button the default (Enter).
    const extras = [...(text.more ? [text.more] : []), ...(text.extras ?? [])];
    for (;;) {
      const choice = await vscode.window.showWarningMessage(displayLines(text.message), { modal: true, detail: displayLines(text.detail) }, ...confirmationButtons(text));
      const extra = extras.find((e) => e.title === choice);
      if (extra) {
        await extra.run();
        continue;
      }
      return choice === text.confirm;
    }
  },
  async typeToConfirm(request) {
    const typed = await vscode.window.showInputBox({
      title: request.title,
      prompt: displayText(request.prompt),
      placeHolder: displayText(request.placeHolder),
      ignoreFocusOut: true,
      validateInput: (value) => (value === '' || request.matches(value) ? undefined : request.mismatch),
    });
    return typed !== undefined && request.matches(typed);
  },
  async askText(request) {
    const value = await vscode.window.showInputBox({
      title: request.title,
      prompt: displayText(request.prompt),
      placeHolder: displayText(request.placeHolder),
      ignoreFocusOut: true,
      validateInput: (text) => request.validate(text),
    });
    // validateInput keeps Enter from accepting refused text; checked again for any other way in.
    return value === undefined || request.validate(value) !== undefined ? undefined : value;
  },
  async chooseFolder(options) {
    const uris = await vscode.window.showOpenDialog({
      canSelectFiles: false, canSelectFolders: true, canSelectMany: false,
      title: options.title, openLabel: options.openLabel, defaultUri: vscode.Uri.file(options.start),
    });
    return uris?.[0]?.fsPath;
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

  typeToConfirm(request: TypedConfirmationRequest): Promise<boolean> {
    return this.current.typeToConfirm(request);
  }

  chooseFolder(options: { title: string; start: string; openLabel: string }): Promise<string | undefined> {
    return this.current.chooseFolder(options);
  }

  askText(request: TextInputRequest): Promise<string | undefined> {
    return this.current.askText(request);
  }
}
