/**
 * Which native call the current thread is in, published in shared memory for the
 * engine's watchdog (src/worker/watchdog.ts). A koffi call is synchronous: while a
 * Windows API does not return, the engine's event loop stands still, so nothing on
 * that thread can notice. The watchdog runs on a worker thread, reads this memory and
 * ends the process when one call has not returned for too long, naming the call.
 *
 * Every binding made through lazyBindings() and every COM method call goes through
 * here. A call costs two Atomics stores on the way in and one on the way out; names
 * are written once, when a function is first bound, and calls carry only their number.
 *
 * Layout of the SharedArrayBuffer (Int32 words, then UTF-16 names):
 *   word 0: the number of the call in progress (0: none)
 *   word 1: a counter bumped on every call, so the watchdog tells a new call of the
 *           same function from one that never returned
 *   word 2: how many names are registered
 *   then NAME_SLOTS names of NAME_CHARS UTF-16 code units each (NUL-padded)
 */

export const CALL_WORD = 0;
export const SEQUENCE_WORD = 1;
export const NAME_COUNT_WORD = 2;
const HEADER_WORDS = 4;
export const NAME_SLOTS = 1024;
export const NAME_CHARS = 96;
/** Byte offset of the name table, for readers (the watchdog) that decode names. */
export const NAME_TABLE_OFFSET = HEADER_WORDS * 4;

const shared = new SharedArrayBuffer(NAME_TABLE_OFFSET + NAME_SLOTS * NAME_CHARS * 2);
const words = new Int32Array(shared, 0, HEADER_WORDS);
const names = new Uint16Array(shared, NAME_TABLE_OFFSET);
const numbers = new Map<string, number>();

/** Number 1 stands for any call whose name did not fit in the table. */
const UNNAMED = 1;
writeName(UNNAMED, 'a native call');
Atomics.store(words, NAME_COUNT_WORD, 1);

function writeName(number: number, name: string): void {
  const start = (number - 1) * NAME_CHARS;
  const length = Math.min(name.length, NAME_CHARS);
  for (let i = 0; i < NAME_CHARS; i++) names[start + i] = i < length ? name.charCodeAt(i) : 0;
}

/** The shared memory the watchdog reads (the same object every time). */
export function callWatchBuffer(): SharedArrayBuffer {
  return shared;
}

/** The number under which calls of `name` are published (registered on first use). */
export function callNumber(name: string): number {
  const known = numbers.get(name);
  if (known !== undefined) return known;
  const count = Atomics.load(words, NAME_COUNT_WORD);
  if (count >= NAME_SLOTS) return UNNAMED;
  const number = count + 1;
  writeName(number, name);
  Atomics.store(words, NAME_COUNT_WORD, number);
  numbers.set(name, number);
  return number;
}

/** Marks the start of call `number`; returns what to pass to leaveNativeCall (the call it interrupted, if any). */
export function enterNativeCall(number: number): number {
  const previous = Atomics.exchange(words, CALL_WORD, number);
  Atomics.add(words, SEQUENCE_WORD, 1);
  return previous;
}

export function leaveNativeCall(previous: number): void {
  Atomics.store(words, CALL_WORD, previous);
}

/** `fn`, published under `name` whenever it runs. Keeps the function's own properties out: callers only call it. */
export function watchedFunction<A extends unknown[], R>(name: string, fn: (...args: A) => R): (...args: A) => R {
  const number = callNumber(name);
  return (...args: A): R => {
    const previous = enterNativeCall(number);
    try {
      return fn(...args);
    } finally {
      leaveNativeCall(previous);
    }
  };
}

/**
 * The bindings object a lazyBindings() binder returned, with each function in it watched
 * under the export's name (koffi functions carry it as `name`; the key is the fall-back).
 * Other values are kept as they are.
 */
export function watchBindings<T>(bindings: T): T {
  if (typeof bindings !== 'object' || bindings === null) return bindings;
  const watched: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(bindings)) {
    watched[key] = typeof value === 'function'
      ? watchedFunction(value.name || key, value as (...args: unknown[]) => unknown)
      : value;
  }
  return watched as T;
}

/** The name of the call in progress on the watched thread, or null (for tests and the watchdog's message). */
export function currentNativeCall(buffer: SharedArrayBuffer = shared): string | null {
  const number = Atomics.load(new Int32Array(buffer, 0, HEADER_WORDS), CALL_WORD);
  return number === 0 ? null : readCallName(buffer, number);
}

export function readCallName(buffer: SharedArrayBuffer, number: number): string {
  const table = new Uint16Array(buffer, NAME_TABLE_OFFSET);
  const start = (number - 1) * NAME_CHARS;
  let text = '';
  for (let i = 0; i < NAME_CHARS && table[start + i] !== 0; i++) text += String.fromCharCode(table[start + i]);
  return text;
}
