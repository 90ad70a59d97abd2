/**
 * One Windows Event Log entry per outcome (issue #15 §2), in the Application log under the
 * source "Failover Cluster Backup", so monitoring (SCOM, Zabbix, Wazuh…) can watch for them.
 * The IDs are stable: README "Event Log" lists them; never renumber one.
 *
 * The source is registered on first use: HKLM\SYSTEM\CurrentControlSet\Services\EventLog\
 * Application\Failover Cluster Backup with EventMessageFile = EVENT_MESSAGE_FILE (a file whose
 * message for each ID 1–1000 is just "%1", so the event's one insertion string is its whole
 * text; docs/windows.md "The Windows Event Log" says which file and what is unverified) and
 * TypesSupported. Writing: RegisterEventSourceW, ReportEventW, DeregisterEventSource.
 *
 * An event that cannot be written never fails the operation: it is logged as a warning.
 */
import type { Logger } from './context';
import { getNativeTarget } from '../native/loader';
import { readMachineRegistryValue, reportEvent, writeMachineRegistryValue, type EventTypeName } from '../native/advapi32';

export const EVENT_SOURCE = 'Failover Cluster Backup';
export const EVENT_SOURCE_KEY = `SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\${EVENT_SOURCE}`;
/** EventCreate.exe's message table has "%1" for every ID from 1 to 1000 (docs/windows.md; marked unverified there). */
export const EVENT_MESSAGE_FILE = '%SystemRoot%\\System32\\EventCreate.exe';
/** EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE (winnt.h). */
const TYPES_SUPPORTED = 0x7;

/** Every event this product writes: its ID (1–1000, see EVENT_MESSAGE_FILE) and type. Stable. */
export const EVENTS = {
  backupSucceeded: { id: 100, type: 'information' },
  backupSucceededWithWarnings: { id: 101, type: 'warning' },
  backupFailed: { id: 102, type: 'error' },
  /** backup --copy-to: the set was made and kept, but copying it to the second folder failed. */
  backupCopyFailed: { id: 103, type: 'error' },
  verifyFailed: { id: 200, type: 'error' },
  restoreStarted: { id: 300, type: 'information' },
  restoreCompleted: { id: 301, type: 'information' },
  restoreRolledBack: { id: 302, type: 'error' },
  restoreRebootRequired: { id: 303, type: 'warning' },
  restoreNotInEffect: { id: 304, type: 'warning' },
  restoreFailed: { id: 305, type: 'error' },
} as const satisfies Record<string, { id: number; type: EventTypeName }>;
export type EventName = keyof typeof EVENTS;

/** Whether this process can write events: on Windows (real or under Wine), or through the simulator. */
export function eventLogAvailable(): boolean {
  return process.platform === 'win32' || getNativeTarget().kind === 'simulator';
}

/** Registered once per engine process (the check itself is a registry read). */
let sourceChecked = false;

/** Test hook: the next event checks the registration again (a fresh machine). */
export function forgetEventSourceCheck(): void {
  sourceChecked = false;
}

function registerSourceOnce(logger: Logger): void {
  if (sourceChecked) return;
  try {
    if (readMachineRegistryValue(EVENT_SOURCE_KEY, 'EventMessageFile') === null) {
      writeMachineRegistryValue(EVENT_SOURCE_KEY, 'EventMessageFile', { expandString: EVENT_MESSAGE_FILE });
      writeMachineRegistryValue(EVENT_SOURCE_KEY, 'TypesSupported', { dword: TYPES_SUPPORTED });
      logger.log('info', `Registered the event source "${EVENT_SOURCE}" in the Application log.`);
    }
    sourceChecked = true;
  } catch (err) {
    // The event is still written (Windows puts it in the Application log); only its text may not render.
    logger.log('warn', `Could not register the event source "${EVENT_SOURCE}" (${err instanceof Error ? err.message : String(err)}); ` +
      'the event is written, but Event Viewer may not show its text. Run as administrator once to register it.');
  }
}

/**
 * Writes one event whose text is `message` (plus the reason, when the operation was given one).
 * Never throws: a failure is logged as a warning. Returns whether the event was written.
 */
export function writeEvent(name: EventName, message: string, logger: Logger, reason?: string): boolean {
  if (!eventLogAvailable()) return false;
  const { id, type } = EVENTS[name];
  const text = reason ? `${message}\r\nReason: ${reason}` : message;
  try {
    registerSourceOnce(logger);
    reportEvent(EVENT_SOURCE, type, id, [text]);
    logger.log('debug', `Event ${id} written to the Application log.`);
    return true;
  } catch (err) {
    logger.log('warn', `Could not write event ${id} to the Application log (${err instanceof Error ? err.message : String(err)}).`);
    return false;
  }
}

/** The reason an operation was given (`--reason`), when its parameters carry one. */
export function reasonOf(params: unknown): string | undefined {
  const reason = (params as { reason?: unknown } | null | undefined)?.reason;
  return typeof reason === 'string' && reason.trim() !== '' ? reason : undefined;
}
