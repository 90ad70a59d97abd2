/**
 * The log level of one traced COM call (the VSS requester sequences trace every call and
 * its HRESULT): a failure is a warning, so that it stands out; a successful call is a
 * debug detail (the steps themselves are logged at info); a successful poll of an
 * asynchronous operation, repeated many times a second, is a trace.
 */
import type { LogLevel } from './model';

export function comCallLogLevel(call: string, hr: number): LogLevel {
  if (hr < 0) return 'warn';
  return call === 'IVssAsync::QueryStatus' ? 'trace' : 'debug';
}
