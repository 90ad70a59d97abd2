/**
 * Keys: nk records and the subkey lists that lead from a key to its subkeys — an index
 * leaf ("li": offsets), a fast leaf ("lf": offset and name hint), a hash leaf ("lh":
 * offset and name hash), or an index root ("ri": offsets of li/lf/lh lists). The walk
 * refuses a key reached twice (a cycle or a shared subtree) and a tree deeper than
 * Windows allows (docs/windows.md, "Registry hive format").
 */
import { NO_CELL, signatureOf, type CellRange, type HiveCells } from './cells';
import { readName } from './names';
import type { RegistryKey } from './types';
import { readValues } from './values';

const NK_HEADER = 76;
/** An sk record: signature, reserved, two list links, reference count, descriptor size. */
const SK_HEADER = 20;
const KEY_COMP_NAME = 0x0020;
/**
 * Windows limits a registry tree to 512 levels ("Registry Element Size Limits",
 * learn.microsoft.com/windows/win32/sysinfo/registry-element-size-limits); the root is level 0.
 */
export const MAX_KEY_DEPTH = 512;

const LI = signatureOf('li');
const LF = signatureOf('lf');
const LH = signatureOf('lh');
const RI = signatureOf('ri');

export function readKeyTree(cells: HiveCells, rootOffset: number): RegistryKey {
  return new KeyWalk(cells).key(rootOffset, 0, 36);
}

class KeyWalk {
  private readonly visited = new Set<number>();

  constructor(private readonly cells: HiveCells) {}

  key(offset: number, depth: number, referencedAt: number): RegistryKey {
    const cells = this.cells;
    if (depth > MAX_KEY_DEPTH) cells.fail(referencedAt, `keys nested more than ${MAX_KEY_DEPTH} levels deep (Windows allows ${MAX_KEY_DEPTH})`);
    if (this.visited.has(offset)) cells.fail(referencedAt, `the key at cell offset 0x${offset.toString(16)} is reached twice: the key tree has a cycle or a shared subtree`);
    this.visited.add(offset);
    const nk = cells.record(offset, 'nk', NK_HEADER, referencedAt);
    const at = nk.start;
    const nameLength = cells.u16(at + 72);
    if (nameLength > nk.length - NK_HEADER) cells.fail(at + 72, `the key name's length ${nameLength} runs past its nk record (${nk.length} bytes)`);
    const name = readName(cells, at + NK_HEADER, nameLength, (cells.u16(at + 2) & KEY_COMP_NAME) !== 0);
    this.checkSecurity(cells.u32(at + 44), at + 44);
    const values = readValues(cells, cells.u32(at + 36), cells.u32(at + 40), at);
    const subkeyOffsets = this.subkeyOffsets(cells.u32(at + 20), cells.u32(at + 28), at);
    const subkeys: RegistryKey[] = new Array(subkeyOffsets.length / 2);
    for (let i = 0; i < subkeyOffsets.length; i += 2) subkeys[i / 2] = this.key(subkeyOffsets[i], depth + 1, subkeyOffsets[i + 1]);
    return { name, values, subkeys };
  }

  /** A key's security descriptor is not part of the tree, but a key that names one must name a whole sk record. */
  private checkSecurity(offset: number, referencedAt: number): void {
    if (offset === NO_CELL) return;
    const sk = this.cells.record(offset, 'sk', SK_HEADER, referencedAt);
    const descriptorSize = this.cells.u32(sk.start + 16);
    if (descriptorSize > sk.length - SK_HEADER) this.cells.fail(sk.start + 16, `the security descriptor of ${descriptorSize} bytes runs past its sk record (${sk.length} bytes)`);
  }

  /** The subkeys' cell offsets, each followed by the file offset of the list entry that names it. */
  private subkeyOffsets(count: number, listOffset: number, keyAt: number): number[] {
    const cells = this.cells;
    if (count === 0) return [];
    const out: number[] = [];
    const list = cells.cell(listOffset, 'the subkey list', keyAt + 28);
    const sig = list.length >= 4 ? cells.signature(list.start) : 0;
    if (sig === RI) {
      const [entries, step] = this.entries(list, 'ri', 4);
      for (let i = 0; i < entries; i++) {
        const entryAt = list.start + 4 + step * i;
        const leaf = cells.cell(cells.u32(entryAt), 'a subkey list of the index root', entryAt);
        const leafSig = leaf.length >= 4 ? cells.signature(leaf.start) : 0;
        if (leafSig !== LI && leafSig !== LF && leafSig !== LH) cells.fail(leaf.start, 'an index root ("ri") entry is not an li, lf or lh list');
        this.leaf(leaf, leafSig, out);
      }
    } else if (sig === LI || sig === LF || sig === LH) {
      this.leaf(list, sig, out);
    } else {
      cells.fail(list.start, 'the subkey list is not an li, lf, lh or ri list');
    }
    if (out.length / 2 !== count) cells.fail(keyAt + 20, `the key says it has ${count} subkeys, its subkey lists hold ${out.length / 2}`);
    return out;
  }

  private leaf(list: CellRange, sig: number, out: number[]): void {
    const [entries, step] = this.entries(list, sig === LI ? 'li' : sig === LF ? 'lf' : 'lh', sig === LI ? 4 : 8);
    for (let i = 0; i < entries; i++) {
      const entryAt = list.start + 4 + step * i;
      out.push(this.cells.u32(entryAt), entryAt);
    }
  }

  /** The entry count of a list cell, checked against the cell's size and charged; and the entry size. */
  private entries(list: CellRange, sig: string, step: number): [number, number] {
    const count = this.cells.u16(list.start + 2);
    if (4 + step * count > list.length) this.cells.fail(list.start + 2, `the ${sig} list says ${count} entries, its cell holds ${Math.floor((list.length - 4) / step)}`);
    this.cells.charge(step * count, list.start);
    return [count, step];
  }
}
