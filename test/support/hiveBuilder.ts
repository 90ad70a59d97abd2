/**
 * A small test-only hive writer: builds a regf file from a tree, with the subkey list
 * kind chosen by the test (li, lf, lh, or an ri index root over leaves of a chosen size),
 * big data (db) records for large values, ASCII or UTF-16 names, many bins, and a dirty
 * base block on request. It exists for what the independent writer (hivex) cannot make:
 * hivex writes only lf/lh lists and never an ri index root or an li list, and it cannot
 * create a hive from nothing — so this builder also makes the empty hive that hivex
 * then opens for writing (test/support/hivex.ts). Layout: docs/windows.md,
 * "Registry hive format".
 */
import { baseBlockChecksum } from '../../src/hive/baseBlock';

export interface BuildValue {
  name: string;
  type: number;
  data: Uint8Array;
}

export interface BuildKey {
  name: string;
  values?: BuildValue[];
  subkeys?: BuildKey[];
}

export interface BuildOptions {
  /** The subkey list kind: 'ri' makes an index root over leaves of `riLeaf` kind. Default 'lh'. */
  list?: 'li' | 'lf' | 'lh' | 'ri';
  riLeaf?: 'li' | 'lf' | 'lh';
  /** Entries per leaf under an ri (default 64). */
  riLeafSize?: number;
  /** The two sequence numbers differ. */
  dirty?: boolean;
  /** Big data segment cells exactly as large as their data (see `bigData`). */
  tightBigData?: boolean;
  /** Format minor version (default 5). */
  minor?: number;
}

const BIG_DATA_SEGMENT = 16344;
const NONE = 0xffff_ffff;

class Cells {
  private readonly bins: { start: number; size: number; used: number }[] = [];
  /** Cells by offset (relative to the first bin), filled in until `finish`. */
  private readonly cells = new Map<number, Buffer>();

  /** Allocates a cell for `length` data bytes; returns its offset (relative to the first bin). */
  alloc(length: number): number {
    const size = (length + 4 + 7) & ~7;
    let bin = this.bins[this.bins.length - 1];
    if (!bin || bin.size - bin.used < size) {
      const start = bin ? bin.start + bin.size : 0;
      bin = { start, size: Math.ceil((size + 32) / 4096) * 4096, used: 32 };
      this.bins.push(bin);
    }
    const offset = bin.start + bin.used;
    bin.used += size;
    const cell = Buffer.alloc(size);
    cell.writeInt32LE(-size, 0);
    this.cells.set(offset, cell);
    return offset;
  }

  /** The data of the cell at `offset` (after its size field), to fill in. */
  data(offset: number): Buffer {
    return this.cells.get(offset)!.subarray(4);
  }

  finish(): Buffer {
    const last = this.bins[this.bins.length - 1];
    const out = Buffer.alloc(last.start + last.size);
    for (const bin of this.bins) {
      out.write('hbin', bin.start, 'latin1');
      out.writeUInt32LE(bin.start, bin.start + 4);
      out.writeUInt32LE(bin.size, bin.start + 8);
      // The rest of the bin is one free cell.
      if (bin.used < bin.size) out.writeInt32LE(bin.size - bin.used, bin.start + bin.used);
    }
    for (const [offset, cell] of this.cells) cell.copy(out, offset);
    return out;
  }
}

function encodeName(name: string): { bytes: Buffer; compressed: boolean } {
  const compressed = [...name].every((c) => c.charCodeAt(0) <= 0xff && c.length === 1);
  return { bytes: Buffer.from(name, compressed ? 'latin1' : 'utf16le'), compressed };
}

/** The hash an lh list stores: over the upper-cased name, hash = hash * 37 + code unit. */
function lhHash(name: string): number {
  let hash = 0;
  for (const c of name.toUpperCase()) hash = (Math.imul(hash, 37) + c.charCodeAt(0)) >>> 0;
  return hash;
}

class Writer {
  readonly cells = new Cells();
  readonly sk: number;
  keyCount = 0;

  constructor(private readonly options: BuildOptions) {
    // One security descriptor shared by every key: a self-relative descriptor with nothing in it.
    this.sk = this.cells.alloc(20 + 20);
    const sk = this.cells.data(this.sk);
    sk.write('sk', 0, 'latin1');
    sk.writeUInt32LE(this.sk, 4);
    sk.writeUInt32LE(this.sk, 8);
    sk.writeUInt32LE(20, 16);
    sk.writeUInt8(1, 20);
    sk.writeUInt16LE(0x8000, 22);
  }

  key(key: BuildKey, parent: number, root: boolean): number {
    this.keyCount++;
    const name = encodeName(key.name);
    const nkOffset = this.cells.alloc(76 + name.bytes.length);
    const values = key.values ?? [];
    const subkeys = key.subkeys ?? [];
    const valueList = values.length ? this.valueList(values) : NONE;
    const children = subkeys.map((s) => ({ name: s.name, offset: this.key(s, nkOffset, false) }));
    const subkeyList = children.length ? this.subkeyList(children) : NONE;
    const nk = this.cells.data(nkOffset);
    nk.write('nk', 0, 'latin1');
    nk.writeUInt16LE((name.compressed ? 0x20 : 0) | (root ? 0x0c : 0), 2);
    nk.writeUInt32LE(parent, 16);
    nk.writeUInt32LE(children.length, 20);
    nk.writeUInt32LE(subkeyList, 28);
    nk.writeUInt32LE(NONE, 32);
    nk.writeUInt32LE(values.length, 36);
    nk.writeUInt32LE(valueList, 40);
    nk.writeUInt32LE(this.sk, 44);
    nk.writeUInt32LE(NONE, 48);
    nk.writeUInt32LE(Math.max(0, ...subkeys.map((s) => s.name.length * 2)), 52);
    nk.writeUInt32LE(Math.max(0, ...values.map((v) => v.name.length * 2)), 60);
    nk.writeUInt32LE(Math.max(0, ...values.map((v) => v.data.length)), 64);
    nk.writeUInt16LE(name.bytes.length, 72);
    name.bytes.copy(nk, 76);
    return nkOffset;
  }

  private valueList(values: BuildValue[]): number {
    const offsets = values.map((v) => this.value(v));
    const list = this.cells.alloc(4 * offsets.length);
    offsets.forEach((o, i) => this.cells.data(list).writeUInt32LE(o, 4 * i));
    return list;
  }

  private value(value: BuildValue): number {
    const name = encodeName(value.name);
    const vkOffset = this.cells.alloc(20 + name.bytes.length);
    const vk = this.cells.data(vkOffset);
    vk.write('vk', 0, 'latin1');
    vk.writeUInt16LE(name.bytes.length, 2);
    vk.writeUInt32LE(value.type, 12);
    vk.writeUInt16LE(name.compressed ? 1 : 0, 16);
    name.bytes.copy(vk, 20);
    const data = Buffer.from(value.data);
    if (data.length <= 4) {
      vk.writeUInt32LE((0x8000_0000 | data.length) >>> 0, 4);
      data.copy(vk, 8);
      return vkOffset;
    }
    vk.writeUInt32LE(data.length, 4);
    vk.writeUInt32LE(data.length > BIG_DATA_SEGMENT ? this.bigData(data) : this.blob(data), 8);
    return vkOffset;
  }

  private blob(data: Buffer, slack = 0): number {
    const offset = this.cells.alloc(data.length + slack);
    data.copy(this.cells.data(offset));
    return offset;
  }

  private bigData(data: Buffer): number {
    const segments: number[] = [];
    // Segment cells get 4 spare bytes, as a full 16344-byte segment has from rounding: hivex takes a
    // segment's length as its cell's size less 8 and would cut a tighter last segment short.
    // (test/unit/hive-errors.test.ts reads a tight one.)
    const slack = this.options.tightBigData ? 0 : 4;
    for (let at = 0; at < data.length; at += BIG_DATA_SEGMENT) segments.push(this.blob(data.subarray(at, at + BIG_DATA_SEGMENT), slack));
    const list = this.cells.alloc(4 * segments.length);
    segments.forEach((s, i) => this.cells.data(list).writeUInt32LE(s, 4 * i));
    const db = this.cells.alloc(8);
    this.cells.data(db).write('db', 0, 'latin1');
    this.cells.data(db).writeUInt16LE(segments.length, 2);
    this.cells.data(db).writeUInt32LE(list, 4);
    return db;
  }

  private subkeyList(children: { name: string; offset: number }[]): number {
    const kind = this.options.list ?? 'lh';
    if (kind !== 'ri') return this.leaf(kind, children);
    const size = this.options.riLeafSize ?? 64;
    const leaves: number[] = [];
    for (let i = 0; i < children.length; i += size) leaves.push(this.leaf(this.options.riLeaf ?? 'lh', children.slice(i, i + size)));
    const ri = this.cells.alloc(4 + 4 * leaves.length);
    const data = this.cells.data(ri);
    data.write('ri', 0, 'latin1');
    data.writeUInt16LE(leaves.length, 2);
    leaves.forEach((l, i) => data.writeUInt32LE(l, 4 + 4 * i));
    return ri;
  }

  private leaf(kind: 'li' | 'lf' | 'lh', children: { name: string; offset: number }[]): number {
    const step = kind === 'li' ? 4 : 8;
    const offset = this.cells.alloc(4 + step * children.length);
    const data = this.cells.data(offset);
    data.write(kind, 0, 'latin1');
    data.writeUInt16LE(children.length, 2);
    children.forEach((c, i) => {
      data.writeUInt32LE(c.offset, 4 + step * i);
      if (kind === 'lh') data.writeUInt32LE(lhHash(c.name), 8 + step * i);
      if (kind === 'lf') Buffer.from(c.name.slice(0, 4).padEnd(4, '\0'), 'latin1').copy(data, 8 + step * i);
    });
    return offset;
  }
}

/** A regf hive file holding `root`. */
export function buildHive(root: BuildKey, options: BuildOptions = {}): Buffer {
  const writer = new Writer(options);
  const rootOffset = writer.key(root, NONE, true);
  writer.cells.data(writer.sk).writeUInt32LE(writer.keyCount, 12);
  const bins = writer.cells.finish();
  const base = Buffer.alloc(4096);
  base.write('regf', 0, 'latin1');
  base.writeUInt32LE(7, 4);
  base.writeUInt32LE(options.dirty ? 6 : 7, 8);
  base.writeUInt32LE(1, 20);
  base.writeUInt32LE(options.minor ?? 5, 24);
  base.writeUInt32LE(0, 28);
  base.writeUInt32LE(1, 32);
  base.writeUInt32LE(rootOffset, 36);
  base.writeUInt32LE(bins.length, 40);
  base.writeUInt32LE(1, 44);
  setChecksum(base);
  return Buffer.concat([base, bins]);
}

/** Recomputes the base block checksum after a test changed the base block. */
export function setChecksum(hive: Uint8Array): void {
  const view = new DataView(hive.buffer, hive.byteOffset, hive.byteLength);
  view.setUint32(508, baseBlockChecksum(view), true);
}

/** File offsets of the data of every allocated cell that starts with the two-letter `sig`, in file order. */
export function findCells(hive: Uint8Array, sig: string): number[] {
  const b = Buffer.from(hive.buffer, hive.byteOffset, hive.byteLength);
  const found: number[] = [];
  const end = 4096 + b.readUInt32LE(40);
  for (let bin = 4096; bin < end; bin += b.readUInt32LE(bin + 8)) {
    for (let cell = bin + 32; cell < bin + b.readUInt32LE(bin + 8); cell += Math.abs(b.readInt32LE(cell))) {
      if (b.readInt32LE(cell) < 0 && b.toString('latin1', cell + 4, cell + 6) === sig) found.push(cell + 4);
    }
  }
  return found;
}
