/**
 * Keys: nk records and the subkey lists that lead from a key to its subkeys — an index
 * leaf ("li": offsets), a fast leaf ("lf": offset and name hint), a hash leaf ("lh":
 * offset and name hash), or an index root ("ri": offsets of li/lf/lh lists). The walk
 * refuses a key reached twice (a cycle or a shared subtree) and a tree deeper than
 * Windows allows (docs/windows.md, "Registry hive format"). Every key, list and value is
 * checked by one walk when the hive is read; the tree a caller gets reads names, values and
 * subkeys from the checked cells when asked for them (see values.ts for why).
 */
import { NO_CELL, recordKind, signatureOf, type HiveCells } from './cells';
import { chargeName, decodeName } from './names';
import type { RegistryKey, RegistryValue } from './types';
import { checkValues, NO_VALUES, valuesOf } from './values';

const NK_HEADER = 76;
/** An sk record: signature, reserved, two list links, reference count, descriptor size. */
const SK_HEADER = 20;
const KEY_COMP_NAME = 0x0020;
const NK_RECORD = recordKind('nk', NK_HEADER);
const SK_RECORD = recordKind('sk', SK_HEADER);
/**
 * Windows limits a registry tree to 512 levels ("Registry Element Size Limits",
 * learn.microsoft.com/windows/win32/sysinfo/registry-element-size-limits); the root is level 0.
 */
export const MAX_KEY_DEPTH = 512;

const LI = signatureOf('li');
const LF = signatureOf('lf');
const LH = signatureOf('lh');
const RI = signatureOf('ri');

/** The subkeys of a key with none: one frozen array shared by every leaf key. */
const NO_SUBKEYS: readonly RegistryKey[] = Object.freeze([]);

/** Checks the whole tree under the root key (every key, list and value; see `checkKey`) and returns the root. */
export function readKeyTree(cells: HiveCells, rootOffset: number): RegistryKey {
  const root = checkKey(cells, rootOffset, 0, 36);
  return new HiveKey(cells, root);
}

/**
 * One key of the tree, a view of its checked nk record: its name, its values and its subkeys are
 * read from the kept cells each time they are asked for, and not kept. A caller that walks the
 * tree once (a configuration model, the JSON listing) leaves nothing behind but what it keeps
 * itself; keeping every key, value and byte view of a large hive would cost more than reading it.
 */
class HiveKey implements RegistryKey {
  constructor(
    private readonly cells: HiveCells,
    /** The store position of the nk record's data. */
    private readonly nk: number,
  ) {}

  get name(): string {
    const { cells, nk } = this;
    return decodeName(cells, nk + NK_HEADER, cells.u16(nk + 72), (cells.u16(nk + 2) & KEY_COMP_NAME) !== 0);
  }

  get values(): readonly RegistryValue[] {
    const { cells, nk } = this;
    const count = cells.u32(nk + 36);
    return count === 0 ? NO_VALUES : valuesOf(cells, count, cells.cellStart(cells.u32(nk + 40)));
  }

  get subkeys(): readonly RegistryKey[] {
    const { cells, nk } = this;
    const count = cells.u32(nk + 20);
    if (count === 0) return NO_SUBKEYS;
    // checkKey checked the lists: each entry names an nk record, and together they hold `count`.
    const subkeys: RegistryKey[] = new Array(count);
    const list = cells.cellStart(cells.u32(nk + 28));
    if (cells.signature(list) !== RI) {
      subkeysOf(cells, list, subkeys, 0);
      return subkeys;
    }
    for (let i = 0, filled = 0, entries = cells.u16(list + 2); i < entries; i++) {
      filled = subkeysOf(cells, cells.cellStart(cells.u32(list + 4 + 4 * i)), subkeys, filled);
    }
    return subkeys;
  }
}

/** The keys a checked li, lf or lh list names, into `subkeys` from `filled` on; returns the new fill. */
function subkeysOf(cells: HiveCells, leaf: number, subkeys: RegistryKey[], filled: number): number {
  const step = cells.signature(leaf) === LI ? 4 : 8;
  for (let i = 0, entries = cells.u16(leaf + 2); i < entries; i++) {
    subkeys[filled++] = new HiveKey(cells, cells.cellStart(cells.u32(leaf + 4 + step * i)));
  }
  return filled;
}

/**
 * Checks the key at `offset` and everything under it: its nk record, name, security record,
 * values, subkey lists and subkeys. Returns the store position of its nk record.
 */
function checkKey(cells: HiveCells, offset: number, depth: number, referencedAt: number): number {
  if (depth > MAX_KEY_DEPTH) cells.fail(referencedAt, `keys nested more than ${MAX_KEY_DEPTH} levels deep (Windows allows ${MAX_KEY_DEPTH})`);
  const at = cells.record(offset, NK_RECORD, referencedAt);
  if (!cells.firstVisit(offset)) cells.fail(referencedAt, `the key at cell offset 0x${offset.toString(16)} is reached twice: the key tree has a cycle or a shared subtree`);
  const nameLength = cells.u16(at + 72);
  const nkLength = cells.length(at);
  if (nameLength > nkLength - NK_HEADER) cells.fail(at + 72, `the key name's length ${nameLength} runs past its nk record (${nkLength} bytes)`);
  chargeName(cells, at + NK_HEADER, nameLength, (cells.u16(at + 2) & KEY_COMP_NAME) !== 0);
  checkSecurity(cells, cells.u32(at + 44), at + 44);
  checkValues(cells, cells.u32(at + 36), cells.u32(at + 40), at);
  const count = cells.u32(at + 20);
  if (count === 0) return at;
  // The lists are checked and counted whole before any subkey is checked, then walked again for the subkeys.
  const listOffset = cells.u32(at + 28);
  const list = cells.cell(listOffset, 'the subkey list', at + 28);
  const listSig = cells.length(list) >= 4 ? cells.signature(list) : 0;
  let found = 0;
  if (listSig === RI) {
    const entries = checkedEntries(cells, list, 'ri', 4);
    for (let i = 0; i < entries; i++) {
      const entryAt = list + 4 + 4 * i;
      const leaf = cells.cell(cells.u32(entryAt), 'a subkey list of the index root', entryAt);
      const leafSig = cells.length(leaf) >= 4 ? cells.signature(leaf) : 0;
      if (leafSig !== LI && leafSig !== LF && leafSig !== LH) cells.fail(leaf, 'an index root ("ri") entry is not an li, lf or lh list');
      found += checkedEntries(cells, leaf, leafSig === LI ? 'li' : leafSig === LF ? 'lf' : 'lh', leafSig === LI ? 4 : 8);
    }
  } else if (listSig === LI || listSig === LF || listSig === LH) {
    found = checkedEntries(cells, list, listSig === LI ? 'li' : listSig === LF ? 'lf' : 'lh', listSig === LI ? 4 : 8);
  } else {
    cells.fail(list, 'the subkey list is not an li, lf, lh or ri list');
  }
  if (found !== count) cells.fail(at + 20, `the key says it has ${count} subkeys, its subkey lists hold ${found}`);
  if (listSig === RI) {
    for (let i = 0, entries = cells.u16(list + 2); i < entries; i++) {
      checkLeafKeys(cells, cells.cellStart(cells.u32(list + 4 + 4 * i)), depth);
    }
  } else {
    checkLeafKeys(cells, list, depth);
  }
  return at;
}

/** Checks the keys a checked li, lf or lh list names. */
function checkLeafKeys(cells: HiveCells, leaf: number, depth: number): void {
  const step = cells.signature(leaf) === LI ? 4 : 8;
  for (let i = 0, entries = cells.u16(leaf + 2); i < entries; i++) {
    const entryAt = leaf + 4 + step * i;
    checkKey(cells, cells.u32(entryAt), depth + 1, entryAt);
  }
}

/** A key's security descriptor is not part of the tree, but a key that names one must name a whole sk record. */
function checkSecurity(cells: HiveCells, offset: number, referencedAt: number): void {
  if (offset === NO_CELL) return;
  const sk = cells.record(offset, SK_RECORD, referencedAt);
  const descriptorSize = cells.u32(sk + 16);
  const skLength = cells.length(sk);
  if (descriptorSize > skLength - SK_HEADER) cells.fail(sk + 16, `the security descriptor of ${descriptorSize} bytes runs past its sk record (${skLength} bytes)`);
}

/** The entry count of the list cell whose data starts at `list`, checked against the cell's size and charged. */
function checkedEntries(cells: HiveCells, list: number, sig: string, step: number): number {
  const count = cells.u16(list + 2);
  const length = cells.length(list);
  if (4 + step * count > length) cells.fail(list + 2, `the ${sig} list says ${count} entries, its cell holds ${Math.floor((length - 4) / step)}`);
  cells.charge(step * count, list);
  return count;
}
