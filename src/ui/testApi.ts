/**
 * What activate() returns outside production (extension tests and development):
 * a window onto the extension's state that the integration tests assert on, and
 * the one seam they need to answer modal confirmations.
 */
import type { BackupsTreeProvider } from './backupsTree';
import type { ClusterTreeProvider } from './clusterTree';
import type { Dialogs } from './dialogs';
import type { NotificationRecord } from './notifier';
import type { LeakReport } from '../testProtocol';
import type { StatusBarSnapshot } from './statusBar';

export interface FailoverClusterBackupTestApi {
  /** Whether any engine process was started (activation alone must not start one). */
  engineStarted(): boolean;
  /** How many engine processes were started so far. */
  engineStarts(): number;
  /** The running engine process, if any. */
  engineProcessId(): number | undefined;
  clusterTree: ClusterTreeProvider;
  backupsTree: BackupsTreeProvider;
  /** The last value set for each context key the welcome views and menus use. */
  contextKeys(): Record<string, unknown>;
  /** The newest log channel lines, "[level] message". */
  logLines(): string[];
  /** How many log lines were ever written: a mark for logLinesSince (logLines().length stops growing once the buffer is full). */
  logLineCount(): number;
  /** The log lines written after the mark. */
  logLinesSince(count: number): string[];
  /** The newest notifications shown (message and action titles). */
  notifications(): Array<NotificationRecord>;
  /** Titles of the long operations running under a progress notification. */
  runningOperations(): string[];
  /** Press Cancel on every running progress notification; returns how many there were. */
  cancelOperations(): number;
  /**
   * The running engine process's simulator leak report (open handles, COM references,
   * unfreed strings); undefined when no engine process runs.
   */
  engineLeakReport(): Promise<LeakReport | undefined>;
  /** Answer modal dialogs with these instead of asking the user (undefined: ask the user again). */
  useDialogs(dialogs: Dialogs | undefined): void;
  /** The status bar item as shown (text, tooltip, warning, background color id), or undefined while hidden. */
  statusBar(): StatusBarSnapshot | undefined;
}
