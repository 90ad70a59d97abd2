/**
 * Calling COM interfaces through koffi: an interface pointer points at its vtable
 * pointer, method n sits at byte n*8 of the vtable and takes the interface pointer
 * as its first argument (docs/windows.md, Types and the x64 calling convention). GUIDs are 16-byte structs passed by
 * value where the method takes `GUID` (never a pointer on one side only), 1-byte
 * `bool` parameters are uint8 and LONG/HRESULT are int32.
 *
 * This module knows nothing about VSS; the typed wrappers in vss*.ts declare one
 * prototype per vtable slot they use and call them through `ComObject`.
 */
import koffi from 'koffi';
import type { TypeObject } from 'koffi';
import { callNumber, enterNativeCall, leaveNativeCall } from './callWatch';
import { HResultError, hresultName, formatHresult } from './errors';
import { takeBstrOutputs } from './oleaut32';

/** An interface pointer (koffi 3 represents pointers as BigInt). */
export type ComPtr = bigint;

/** A GUID in its canonical text form, lowercase, without braces: "41e12264-35d8-479b-8e5c-9b23d1dad37e". */
export type Guid = string;

export const GUID_NULL: Guid = '00000000-0000-0000-0000-000000000000';

/** The GUID struct as koffi sees it (§2.2: Data1 u32, Data2 u16, Data3 u16, Data4 u8[8]; 16 bytes, align 4). */
export interface GuidStruct {
  Data1: number;
  Data2: number;
  Data3: number;
  Data4: ArrayLike<number>;
}

const GUID_TYPE_NAME = 'fcb_GUID';

function namedType(name: string, make: () => TypeObject): TypeObject {
  try {
    return koffi.type(name);
  } catch {
    return make();
  }
}

let guidType: TypeObject | undefined;
/** The koffi GUID struct type, registered as `fcb_GUID` for use in prototype strings. */
export function guidStructType(): TypeObject {
  guidType ??= namedType(GUID_TYPE_NAME, () =>
    koffi.struct(GUID_TYPE_NAME, {
      Data1: 'uint32_t',
      Data2: 'uint16_t',
      Data3: 'uint16_t',
      Data4: koffi.array('uint8_t', 8),
    }));
  return guidType;
}

const GUID_PATTERN = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i;

/** Text form → koffi struct value. */
export function guidToStruct(guid: Guid): GuidStruct {
  const m = GUID_PATTERN.exec(guid);
  if (!m) throw new TypeError(`Not a GUID: ${guid}`);
  const tail = m[4] + m[5];
  const data4: number[] = [];
  for (let i = 0; i < 8; i++) data4.push(parseInt(tail.slice(i * 2, i * 2 + 2), 16));
  return { Data1: parseInt(m[1], 16) >>> 0, Data2: parseInt(m[2], 16), Data3: parseInt(m[3], 16), Data4: data4 };
}

/** koffi struct value → canonical text form. */
export function guidFromStruct(value: GuidStruct): Guid {
  const hex = (n: number, width: number): string => (n >>> 0).toString(16).padStart(width, '0');
  const d4 = Array.from(value.Data4, (b) => hex(b, 2)).join('');
  return `${hex(value.Data1, 8)}-${hex(value.Data2, 4)}-${hex(value.Data3, 4)}-${d4.slice(0, 4)}-${d4.slice(4)}`;
}

/** The 16 bytes of a GUID in memory order (§2.2), e.g. for comparing with raw buffers. */
export function guidToBytes(guid: Guid): Buffer {
  const s = guidToStruct(guid);
  const b = Buffer.alloc(16);
  b.writeUInt32LE(s.Data1, 0);
  b.writeUInt16LE(s.Data2, 4);
  b.writeUInt16LE(s.Data3, 6);
  for (let i = 0; i < 8; i++) b[8 + i] = s.Data4[i];
  return b;
}

export function guidFromBytes(bytes: Buffer, offset = 0): Guid {
  const data4: number[] = [];
  for (let i = 0; i < 8; i++) data4.push(bytes[offset + 8 + i]);
  return guidFromStruct({
    Data1: bytes.readUInt32LE(offset),
    Data2: bytes.readUInt16LE(offset + 4),
    Data3: bytes.readUInt16LE(offset + 6),
    Data4: data4,
  });
}

export function sameGuid(a: Guid, b: Guid): boolean {
  return a.replace(/[{}]/g, '').toLowerCase() === b.replace(/[{}]/g, '').toLowerCase();
}

/** Reads the pointer stored at `address + offset`. */
export function readPointer(address: ComPtr, offset = 0): ComPtr | null {
  const value = koffi.decode(address, offset, 'void *') as bigint | null;
  return value === null || value === 0n ? null : value;
}

/** The function pointer in slot `slot` of the vtable that `self` points at. */
export function vtableSlot(self: ComPtr, slot: number): ComPtr {
  const vtable = readPointer(self);
  if (vtable === null) throw new TypeError('COM object has no vtable (null vtable pointer)');
  const fn = readPointer(vtable, slot * 8);
  if (fn === null) throw new TypeError(`COM vtable slot ${slot} is empty`);
  return fn;
}

/**
 * One method of an interface: its name (for errors and traces), its vtable slot and
 * its prototype after `this` in koffi's C-like syntax, e.g. `fcb_GUID writerId, uint8_t flag`.
 * The prototype is declared on first use.
 */
export class ComMethod {
  readonly interfaceName: string;
  readonly name: string;
  readonly slot: number;
  private readonly params: string;
  private readonly result: string;
  private proto: TypeObject | undefined;
  private watchNumber = 0;

  constructor(interfaceName: string, name: string, slot: number, params: string, result = 'int32_t') {
    this.interfaceName = interfaceName;
    this.name = name;
    this.slot = slot;
    this.params = params;
    this.result = result;
  }

  /** "IVssBackupComponents::DoSnapshotSet" — the name used in errors and in the simulator's call log. */
  get qualifiedName(): string {
    return `${this.interfaceName}::${this.name}`;
  }

  /** Calls the method on `self` (the pointer whose vtable holds it) and returns its raw result. */
  invoke(self: ComPtr, ...args: unknown[]): unknown {
    if (!this.proto) {
      guidStructType();
      this.proto = koffi.proto(`${this.result} (void *self${this.params ? ', ' + this.params : ''})`);
      this.watchNumber = callNumber(this.qualifiedName);
    }
    // Published for the engine's watchdog (callWatch.ts), like every lazyBindings() function.
    const previous = enterNativeCall(this.watchNumber);
    try {
      return koffi.call(vtableSlot(self, this.slot), this.proto, self, ...args);
    } finally {
      leaveNativeCall(previous);
    }
  }
}

/** Declares the methods of one interface: `{ Name: [slot, 'params after this', result?] }`. */
export function defineInterface<K extends string>(
  interfaceName: string,
  methods: Record<K, readonly [number, string] | readonly [number, string, string]>,
): Record<K, ComMethod> {
  const table = {} as Record<K, ComMethod>;
  for (const key of Object.keys(methods) as K[]) {
    const [slot, params, result] = methods[key];
    table[key] = new ComMethod(interfaceName, key, slot, params, result);
  }
  return table;
}

/** Called after every COM method with its outcome; the engine routes it to its log. */
export type ComTrace = (call: string, hr: number) => void;

let globalTrace: ComTrace | undefined;

/** Installs (or removes, with undefined) the trace every COM call reports to; returns the previous one. */
export function setComTrace(trace: ComTrace | undefined): ComTrace | undefined {
  const previous = globalTrace;
  globalTrace = trace;
  return previous;
}

export function traceCall(call: string, hr: number): void {
  globalTrace?.(call, hr);
}

export function describeHresult(hr: number): string {
  return `${hresultName(hr)} (${formatHresult(hr)})`;
}

const IUnknown = defineInterface('IUnknown', {
  QueryInterface: [0, 'const fcb_GUID *riid, _Out_ void **out'],
  AddRef: [1, '', 'uint32_t'],
  Release: [2, '', 'uint32_t'],
});

/**
 * Owns one reference to a COM interface. `release()` is idempotent; every wrapper is
 * released in a `finally` by whoever obtained it.
 */
export class ComObject {
  /** The interface name used in error messages, e.g. "IVssBackupComponents". */
  readonly interfaceName: string;
  private pointer: ComPtr | null;
  /** The pointer whose vtable holds IUnknown (differs from `ptr` only for IVssWriterComponentsExt, §2.10). */
  protected readonly unknownOffset: number;

  constructor(interfaceName: string, ptr: ComPtr, unknownOffset = 0) {
    this.interfaceName = interfaceName;
    this.pointer = ptr;
    this.unknownOffset = unknownOffset;
  }

  get ptr(): ComPtr {
    if (this.pointer === null) throw new Error(`${this.interfaceName} was used after it was released`);
    return this.pointer;
  }

  get released(): boolean {
    return this.pointer === null;
  }

  /** Calls a method and returns its raw (non-HRESULT) result. */
  protected callRaw(method: ComMethod, ...args: unknown[]): unknown {
    return method.invoke(this.ptr, ...args);
  }

  /** Calls an HRESULT method; throws HResultError naming `Interface::Method` on failure; returns S_OK/S_FALSE/VSS_S_*. */
  protected call(method: ComMethod, ...args: unknown[]): number {
    const hr = method.invoke(this.ptr, ...args) as number;
    traceCall(method.qualifiedName, hr);
    if ((hr | 0) < 0) throw new HResultError(method.qualifiedName, hr);
    return hr;
  }

  /** Calls a method whose last parameter is `_Out_ void **` and returns that pointer (never NULL). */
  protected callForPointer(method: ComMethod, ...args: unknown[]): ComPtr {
    const out: (bigint | null)[] = [null];
    this.call(method, ...args, out);
    return requirePointer(method.qualifiedName, out);
  }

  /** Calls a method whose last parameter is `_Out_ uint32_t *` and returns that value. */
  protected callForUint32(method: ComMethod, ...args: unknown[]): number {
    const out = [0];
    this.call(method, ...args, out);
    return out[0] >>> 0;
  }

  /** Calls a method whose last parameter is an `_Out_` boolean (uint8_t, or a 32-bit BOOL) and returns it. */
  protected callForFlag(method: ComMethod, ...args: unknown[]): boolean {
    const out = [0];
    this.call(method, ...args, out);
    return out[0] !== 0;
  }

  /** Calls a method whose last parameter is `_Out_ BSTR *` and returns the string (null for a NULL BSTR), freeing the BSTR. */
  protected callForBstr(method: ComMethod, ...args: unknown[]): string | null {
    return takeBstrOutputs(1, (out) => this.call(method, ...args, out))[0];
  }

  /** QueryInterface for `iid`; returns the new pointer (one reference owned by the caller). */
  protected queryInterfacePointer(iid: Guid, iidName: string): ComPtr {
    const out: (bigint | null)[] = [null];
    const unknown = this.ptr + BigInt(this.unknownOffset);
    const hr = IUnknown.QueryInterface.invoke(unknown, guidToStruct(iid), out) as number;
    const api = `${this.interfaceName}::QueryInterface(${iidName})`;
    traceCall(api, hr);
    if ((hr | 0) < 0) throw new HResultError(api, hr);
    if (!out[0]) throw new HResultError(api, 0x80004003 /* E_POINTER */, 'no interface pointer returned');
    return out[0];
  }

  /** Drops this wrapper's reference (IUnknown::Release). Safe to call more than once. */
  release(): void {
    const p = this.pointer;
    if (p === null) return;
    this.pointer = null;
    IUnknown.Release.invoke(p + BigInt(this.unknownOffset));
  }
}

/** Reads an `_Out_ void **` result, throwing when a successful call gave no pointer. */
export function requirePointer(api: string, out: (bigint | null)[]): ComPtr {
  const p = out[0];
  if (!p) throw new HResultError(api, 0x80004003 /* E_POINTER */, 'the call succeeded but returned no interface pointer');
  return p;
}
