/**
 * kernel32 bindings: the calling thread's last error, the computer name, the
 * system Windows directory, the current-process pseudo handle with CloseHandle
 * (for the token calls in advapi32.ts), and the volume of a path (mount point and
 * volume GUID path, for VSS). Typed wrappers only; failures become Win32Error.
 */
import { Win32Error } from './errors';
import { lazyBindings } from './loader';

const ERROR_INSUFFICIENT_BUFFER = 122;
const ERROR_MORE_DATA = 234;
const ERROR_BUFFER_OVERFLOW = 111;
/** MAX_COMPUTERNAME_LENGTH + 1: enough for any NetBIOS name; longer names grow the buffer. */
const COMPUTER_NAME_FIRST_CCH = 16;
/** MAX_PATH */
const WINDOWS_DIRECTORY_FIRST_CCH = 260;
/** Longest string these calls may hand back (the UNICODE_STRING limit, in WCHARs). */
export const MAX_WIDE_STRING_CCH = 32767;

const api = lazyBindings('kernel32', (lib) => ({
  GetLastError: lib.func('uint32_t GetLastError()'),
  GetComputerNameW: lib.func('int32_t GetComputerNameW(uint16_t *buffer, _Inout_ uint32_t *size)'),
  MoveFileExW: lib.func('int32_t MoveFileExW(const char16_t *existingFileName, const char16_t *newFileName, uint32_t flags)'),
  GetSystemWindowsDirectoryW: lib.func('uint32_t GetSystemWindowsDirectoryW(uint16_t *buffer, uint32_t size)'),
  GetCurrentProcess: lib.func('void *GetCurrentProcess()'),
  CloseHandle: lib.func('int32_t CloseHandle(void *handle)'),
  LocalFree: lib.func('void *LocalFree(void *mem)'),
  GetVolumePathNameW: lib.func('int32_t GetVolumePathNameW(const char16_t *fileName, uint16_t *volumePathName, uint32_t cch)'),
  GetVolumeNameForVolumeMountPointW: lib.func(
    'int32_t GetVolumeNameForVolumeMountPointW(const char16_t *volumeMountPoint, uint16_t *volumeName, uint32_t cch)'),
}));

/**
 * The last error of this thread. Read it right after the failing call: koffi keeps
 * the value across its own work between calls, but any other Win32 call resets it.
 */
export function getLastError(): number {
  return (api().GetLastError() as number) >>> 0;
}

/** GetCurrentProcess: the pseudo handle of this process (it needs no closing). */
export function getCurrentProcess(): bigint {
  return api().GetCurrentProcess() as bigint;
}

/** CloseHandle; throws Win32Error when the handle was not open. */
export function closeHandle(handle: bigint): void {
  if ((api().CloseHandle(handle) as number) === 0) throw new Win32Error('CloseHandle', getLastError());
}

/**
 * LocalFree: releases memory a Windows API allocated for its caller (security descriptors
 * and strings from advapi32). NULL is allowed and does nothing. A failure (not a LocalAlloc
 * block) is reported, never ignored.
 */
export function localFree(mem: bigint | null): void {
  if (mem === null || mem === 0n) return;
  if (api().LocalFree(mem) !== null) throw new Win32Error('LocalFree', getLastError());
}

/** A UTF-16LE buffer of `cch` WCHARs decoded up to `length` characters or the first NUL. */
export function decodeWide(buffer: Buffer, length?: number): string {
  const maxChars = Math.floor(buffer.length / 2);
  const chars = length === undefined ? maxChars : Math.min(Math.max(length, 0), maxChars);
  const text = buffer.toString('utf16le', 0, chars * 2);
  const nul = text.indexOf('\0');
  return nul < 0 ? text : text.slice(0, nul);
}

/** The NetBIOS name of this computer (GetComputerNameW). */
export function getComputerName(): string {
  const { GetComputerNameW } = api();
  let cch = COMPUTER_NAME_FIRST_CCH;
  for (;;) {
    const buffer = Buffer.alloc(cch * 2);
    const size = [cch];
    const ok = (GetComputerNameW(buffer, size) as number) !== 0;
    if (ok) return decodeWide(buffer, size[0]);
    const code = getLastError();
    if (code !== ERROR_BUFFER_OVERFLOW && code !== ERROR_MORE_DATA && code !== ERROR_INSUFFICIENT_BUFFER) {
      throw new Win32Error('GetComputerNameW', code);
    }
    // On overflow the API reports the size it needs, NUL included.
    const next = Math.max(size[0] ?? 0, cch * 2);
    if (next > MAX_WIDE_STRING_CCH + 1) throw new Win32Error('GetComputerNameW', code, `the name is longer than ${MAX_WIDE_STRING_CCH} characters`);
    cch = next;
  }
}

/** The Windows directory shared by all users, e.g. C:\Windows (GetSystemWindowsDirectoryW). */
export function getSystemWindowsDirectory(): string {
  const { GetSystemWindowsDirectoryW } = api();
  let cch = WINDOWS_DIRECTORY_FIRST_CCH;
  for (;;) {
    const buffer = Buffer.alloc(cch * 2);
    const result = (GetSystemWindowsDirectoryW(buffer, cch) as number) >>> 0;
    if (result === 0) throw new Win32Error('GetSystemWindowsDirectoryW', getLastError());
    // Success returns the length without the NUL; a too-small buffer returns the size needed with it.
    if (result < cch) return decodeWide(buffer, result);
    if (result > MAX_WIDE_STRING_CCH + 1) {
      throw new Win32Error('GetSystemWindowsDirectoryW', ERROR_INSUFFICIENT_BUFFER, `the path is longer than ${MAX_WIDE_STRING_CCH} characters`);
    }
    cch = Math.max(result, cch + 1);
  }
}

/** MoveFileExW flags (winbase.h). */
export const MOVEFILE_REPLACE_EXISTING = 0x1;
export const MOVEFILE_COPY_ALLOWED = 0x2;
export const MOVEFILE_DELAY_UNTIL_REBOOT = 0x4;
export const MOVEFILE_WRITE_THROUGH = 0x8;
export const ERROR_SHARING_VIOLATION = 32;

/**
 * MoveFileExW: renames `from` to `to` now, or with MOVEFILE_DELAY_UNTIL_REBOOT schedules it
 * for the next start of the system (`to` null: delete `from` then). Throws Win32Error
 * (e.g. ERROR_SHARING_VIOLATION 32 for a file in use, ERROR_ALREADY_EXISTS 183 without
 * MOVEFILE_REPLACE_EXISTING).
 */
export function moveFileEx(from: string, to: string | null, flags: number): void {
  if ((api().MoveFileExW(from, to, flags >>> 0) as number) === 0) {
    throw new Win32Error('MoveFileExW', getLastError(), `${from} → ${to ?? '(delete)'}`);
  }
}

/** MAX_PATH + 1: the volume path buffer the GetVolumePathNameW documentation's examples use. */
const VOLUME_PATH_FIRST_CCH = 261;
/** "A reasonable size for the buffer to accommodate the largest possible volume GUID path is 50 characters." */
const VOLUME_GUID_PATH_CCH = 50;

/**
 * GetVolumePathNameW: the mount point of the volume `path` lies on, with its trailing
 * separator — the deepest mounted folder above the path (`C:\ClusterData\`), else the
 * drive root (`C:\`). The result is never longer than the path itself plus that separator,
 * so a path longer than MAX_PATH gets a buffer to match. Throws Win32Error (an empty path
 * fails with the last error ERROR_SUCCESS, as documented).
 */
export function getVolumePathName(path: string): string {
  const cch = Math.max(VOLUME_PATH_FIRST_CCH, path.length + 2);
  const buffer = Buffer.alloc(cch * 2);
  if ((api().GetVolumePathNameW(path, buffer, cch) as number) === 0) {
    throw new Win32Error('GetVolumePathNameW', getLastError(), path);
  }
  return decodeWide(buffer);
}

/**
 * GetVolumeNameForVolumeMountPointW: the volume GUID path (`\\?\Volume{GUID}\`) of the
 * volume mounted at `mountPoint`, a drive root or mounted folder that must end with its
 * separator (as GetVolumePathNameW returns it). Throws Win32Error.
 */
export function getVolumeNameForVolumeMountPoint(mountPoint: string): string {
  const buffer = Buffer.alloc(VOLUME_GUID_PATH_CCH * 2);
  if ((api().GetVolumeNameForVolumeMountPointW(mountPoint, buffer, VOLUME_GUID_PATH_CCH) as number) === 0) {
    throw new Win32Error('GetVolumeNameForVolumeMountPointW', getLastError(), mountPoint);
  }
  return decodeWide(buffer);
}
