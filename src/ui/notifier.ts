/**
 * Non-modal notifications with actions. They are never awaited by a command (a
 * command finishes when its work does, not when the toast is dismissed); the
 * action runs when the user clicks it. The recent ones are kept for the tests.
 */
import vscode = require('vscode');
import { displayLines } from '../text/displayText';
import { RingBuffer } from './ringBuffer';

export type NotificationSeverity = 'info' | 'warning' | 'error';

export interface NotificationRecord {
  severity: NotificationSeverity;
  message: string;
  actions: string[];
}

export interface NotificationAction {
  title: string;
  run(): unknown;
}

export class Notifier {
  private readonly recent = new RingBuffer<NotificationRecord>(100);

  show(severity: NotificationSeverity, text: string, actions: NotificationAction[] = []): void {
    // Messages quote names from outside (files, nodes, sets): shown escaped.
    const message = displayLines(text);
    this.recent.push({ severity, message, actions: actions.map((a) => a.title) });
    const titles = actions.map((a) => a.title);
    const shown = severity === 'error'
      ? vscode.window.showErrorMessage(message, ...titles)
      : severity === 'warning' ? vscode.window.showWarningMessage(message, ...titles) : vscode.window.showInformationMessage(message, ...titles);
    void Promise.resolve(shown).then((choice) => actions.find((a) => a.title === choice)?.run());
  }

  info(message: string, actions?: NotificationAction[]): void { this.show('info', message, actions); }
  warning(message: string, actions?: NotificationAction[]): void { this.show('warning', message, actions); }
  error(message: string, actions?: NotificationAction[]): void { this.show('error', message, actions); }

  records(): NotificationRecord[] {
    return this.recent.toArray();
  }
}
