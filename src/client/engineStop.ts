/**
 * The reason the engine's watchdog gives when it ends the engine process (a native call
 * that did not return; src/worker/watchdog.ts): one stderr line that starts with a fixed
 * prefix. The client reports that reason as the engine's end instead of "exited (signal …)".
 */

/** Must equal STOP_LINE_PREFIX in src/worker/watchdog.ts (the client does not load the engine's modules). */
export const ENGINE_STOP_PREFIX = 'fcbackup-engine-stopped: ';

/** The reason on a watchdog line, or undefined for any other line. */
export function engineStopReason(line: string): string | undefined {
  if (!line.startsWith(ENGINE_STOP_PREFIX)) return undefined;
  const reason = line.slice(ENGINE_STOP_PREFIX.length).trim();
  return reason === '' ? undefined : reason;
}

/** The one message for a request the watchdog's stop ended. */
export function engineStoppedMessage(method: string, reason: string): string {
  return `The engine stopped during ${method.replace(/^fcb\//, '')}: ${reason}`;
}
