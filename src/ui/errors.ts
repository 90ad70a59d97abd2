/**
 * Turns whatever a command or a refresh threw into what the user is told: the
 * message, and the failing Windows API with its code when there is one. No vscode.
 */
import type { EngineErrorData } from '../protocol';
import { untranslated, type Translate } from './format';
import type { ErrorInfo } from './treeModel';

/** Thrown by the UI when the user backs out of a picker or dialog: nothing to report. */
export class UserCancelled extends Error {
  constructor() {
    super('Cancelled by the user.');
    this.name = 'UserCancelled';
  }
}

function engineData(err: unknown): EngineErrorData | undefined {
  if (typeof err !== 'object' || err === null || !('data' in err)) return undefined;
  const data = (err as { data: unknown }).data;
  if (typeof data !== 'object' || data === null) return undefined;
  const candidate = data as Partial<EngineErrorData>;
  return typeof candidate.message === 'string' && typeof candidate.name === 'string' ? (candidate as EngineErrorData) : undefined;
}

/** Cancellation by the user (picker dismissed, Cancel pressed, progress cancelled): stay silent. */
export function isCancellation(err: unknown): boolean {
  if (err instanceof UserCancelled) return true;
  if (engineData(err)?.engineCode === 'CANCELLED') return true;
  // vscode.CancellationError, without importing vscode here.
  return err instanceof Error && err.name === 'Canceled';
}

/** The engine process died under the request (not a shutdown the extension asked for). */
export function isEngineDeath(err: unknown): boolean {
  const data = engineData(err);
  return data?.engineCode === 'ENGINE_EXITED' && data.name === 'EngineExited';
}

/** "OpenCluster: RPC_S_SERVER_UNAVAILABLE (1722)", when a Windows call failed. */
export function apiDetail(data: EngineErrorData): string | undefined {
  if (!data.api) return undefined;
  const code = data.code === undefined
    ? ''
    : data.code < 0 || data.code > 0xffff
      ? `0x${(data.code >>> 0).toString(16).toUpperCase().padStart(8, '0')}`
      : String(data.code);
  if (data.codeName && code) return `${data.api}: ${data.codeName} (${code})`;
  if (data.codeName || code) return `${data.api}: ${data.codeName ?? code}`;
  return data.api;
}

export function describeError(err: unknown): ErrorInfo & { engineCode?: string } {
  const data = engineData(err);
  if (data) return { message: data.message, apiDetail: apiDetail(data), engineCode: data.engineCode };
  if (err instanceof Error) return { message: err.message };
  return { message: String(err) };
}

/**
 * Whether `message` already names the failing code: the engine's messages say
 * "OpenCluster failed: RPC_S_SERVER_UNAVAILABLE (1722). …", which the API detail would only repeat.
 */
function namesCode(message: string, data: EngineErrorData | undefined, detail: string): boolean {
  if (message.includes(detail)) return true;
  return data?.codeName !== undefined && data.codeName !== '' && message.includes(data.codeName);
}

/**
 * Text quoted with backticks (`vssadmin list writers`) as a notification shows it: a
 * notification is plain text, so a command to run is put in quotes instead.
 */
export function plainQuotes(text: string): string {
  return text.replace(/`([^`\n]+)`/g, '"$1"');
}

/** The notification text: "<what> failed: <message> [API: NAME (code)]", the code said once. */
export function errorNotificationText(what: string, err: unknown, t: Translate = untranslated): string {
  const info = describeError(err);
  const message = plainQuotes(info.message);
  const base = t('{0} failed: {1}', what, message);
  return info.apiDetail && !namesCode(message, engineData(err), info.apiDetail) ? `${base} [${info.apiDetail}]` : base;
}
