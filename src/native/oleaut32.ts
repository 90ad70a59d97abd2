/**
 * oleaut32.dll: BSTR allocation. A BSTR points at its first WCHAR, with the byte
 * length at pointer−4 and a terminating NUL (docs/windows.md, COM runtime). The caller frees
 * every BSTR it receives from a `BSTR*` output and every BSTR it allocates for an input.
 */
import koffi from 'koffi';
import { lazyBindings } from './loader';

const api = lazyBindings('oleaut32', (lib) => ({
  SysAllocString: lib.func('void *SysAllocString(const char16_t *text)'),
  SysFreeString: lib.func('void SysFreeString(void *bstr)'),
  SysStringLen: lib.func('uint32_t SysStringLen(void *bstr)'),
}));

/** A BSTR pointer (BigInt), or null for a NULL BSTR. */
export type Bstr = bigint;

/** Allocates a BSTR holding `text`. Free it with `sysFreeString`. */
export function sysAllocString(text: string): Bstr {
  const bstr = api().SysAllocString(text) as bigint | null;
  if (!bstr) throw new Error('SysAllocString failed: out of memory');
  return bstr;
}

export function sysFreeString(bstr: Bstr | null | undefined): void {
  if (bstr) api().SysFreeString(bstr);
}

/** The text of a BSTR (its counted length, so embedded NULs survive). */
export function readBstr(bstr: Bstr): string {
  const length = api().SysStringLen(bstr) as number;
  if (length === 0) return '';
  return koffi.decode(bstr, 'char16_t', length) as string;
}

/** Reads and frees a BSTR received from a `BSTR*` output; NULL gives null. */
export function takeBstr(bstr: Bstr | null | undefined): string | null {
  if (!bstr) return null;
  try {
    return readBstr(bstr);
  } finally {
    api().SysFreeString(bstr);
  }
}

/**
 * Calls `call` with `count` `BSTR*` output cells and returns their strings (null for a
 * NULL BSTR). Every BSTR is freed, also when the call fails after filling some of them.
 */
export function takeBstrOutputs(count: number, call: (...cells: (Bstr | null)[][]) => void): (string | null)[] {
  const cells = Array.from({ length: count }, (): (Bstr | null)[] => [null]);
  try {
    call(...cells);
    return cells.map((cell) => {
      const text = takeBstr(cell[0]);
      cell[0] = null;
      return text;
    });
  } finally {
    // A callee that failed half-way may still have filled an output: never leave a BSTR behind.
    for (const cell of cells) takeBstr(cell[0]);
  }
}

/** Runs `use` with a temporary BSTR holding `text` (or NULL for null) and frees it afterwards. */
export function withBstr<R>(text: string | null, use: (bstr: Bstr | null) => R): R {
  if (text === null) return use(null);
  const bstr = sysAllocString(text);
  try {
    return use(bstr);
  } finally {
    api().SysFreeString(bstr);
  }
}
