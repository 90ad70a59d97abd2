/**
 * The hive reader against hivex (an independent implementation) on every hive these tests
 * make: hives written by hivex itself (hivexregedit --merge of .reg files: every value type,
 * big values, thousands of subkeys, Unicode names) and hives from the test builder for what
 * hivex never writes (li lists, ri index roots, big data db records, a dirty base block).
 * The trees must agree field by field: names, value types, value bytes, and order.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readHive } from '../../src/hive/reader';
import type { RegistryKey } from '../../src/hive/types';
import { buildHive, type BuildKey, type BuildOptions } from '../support/hiveBuilder';
import { cellKinds, hivexHive, hivexTree, regHexValue, type HivexKey } from '../support/hivex';

/** Compares field by field, naming the key path of the first difference. */
function assertSameTree(actual: RegistryKey, expected: HivexKey, where = ''): void {
  const here = `${where}\\${expected.name}`;
  assert.equal(actual.name, expected.name, `key name at ${here}`);
  assert.equal(actual.values.length, expected.values.length, `value count of ${here}`);
  expected.values.forEach((ev, i) => {
    const av = actual.values[i];
    assert.equal(av.name, ev.name, `name of value ${i} of ${here}`);
    assert.equal(av.type, ev.type, `type of value "${ev.name}" of ${here}`);
    const hex = Buffer.from(av.data).toString('hex');
    if (hex !== ev.data) {
      let at = 0;
      while (at < hex.length && hex[at] === ev.data[at]) at++;
      assert.fail(`data of value "${ev.name}" of ${here}: ${av.data.length} bytes read, hivex reads ${ev.data.length / 2}; they differ from byte ${at >> 1}`);
    }
  });
  assert.equal(actual.subkeys.length, expected.subkeys.length, `subkey count of ${here}`);
  expected.subkeys.forEach((ek, i) => assertSameTree(actual.subkeys[i], ek, here));
}

function countKeys(key: RegistryKey): number {
  return 1 + key.subkeys.reduce((n, k) => n + countKeys(k), 0);
}

const utf16z = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf16le');
const bytes = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff));

describe('hive reader against hivex', function () {
  this.timeout(300_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-hive-oracle-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Reads `hive` (written to `name`) with both readers and compares; returns the reader's tree. */
  function check(name: string, hive: Uint8Array): RegistryKey {
    const file = path.join(dir, name);
    fs.writeFileSync(file, hive);
    const ours = readHive(hive, file);
    assertSameTree(ours.root, hivexTree(file));
    return ours.root;
  }

  describe('hives written by hivex (hivexregedit --merge)', () => {
    it('every value type, the default value, inline and empty data, and types without a name', () => {
      const lines = [
        '[\\Types]',
        '@="the default value"',
        '"sz"="text with \\"quotes\\" and a backslash \\\\"',
        regHexValue('none', 0, Buffer.alloc(0)),
        regHexValue('none-data', 0, Buffer.from([1, 2, 3])),
        regHexValue('expand', 2, utf16z('%SystemRoot%\\system32')),
        regHexValue('binary', 3, bytes(40, 1)),
        regHexValue('binary-empty', 3, Buffer.alloc(0)),
        '"dword"=dword:fedcba98',
        regHexValue('dword-be', 5, Buffer.from([0x12, 0x34, 0x56, 0x78])),
        regHexValue('link', 6, Buffer.from('\\Registry\\Machine\\Software', 'utf16le')),
        regHexValue('multi', 7, Buffer.concat([utf16z('one'), utf16z(''), utf16z('three'), utf16z('')])),
        regHexValue('resource-list', 8, bytes(24, 2)),
        regHexValue('full-descriptor', 9, bytes(36, 3)),
        regHexValue('requirements', 10, bytes(48, 4)),
        regHexValue('qword', 11, Buffer.from([0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88])),
        regHexValue('type-0x1f', 0x1f, bytes(3, 5)),
        regHexValue('type-big', 0x7fff0000, bytes(9, 6)),
        regHexValue('one-byte', 3, Buffer.from([0x42])),
        regHexValue('four-bytes', 3, Buffer.from([1, 2, 3, 4])),
        regHexValue('five-bytes', 3, Buffer.from([1, 2, 3, 4, 5])),
        '',
      ];
      const root = check('types.hive', hivexHive(path.join(dir, 'types-src.hive'), lines.join('\n')));
      const types = root.subkeys[0];
      assert.equal(types.values.length, 20);
      assert.deepEqual(types.values.map((v) => v.type).slice(0, 4), [1, 1, 0, 0]);
      assert.equal(types.values[0].name, '');
    });

    it('big values (16 KiB and more, up to 900 kB)', () => {
      // hivex refuses to write a value over about 1 MB.
      const sizes = [16344, 16345, 20_000, 100_000, 900_000];
      const text = `[\\Big]\n${sizes.map((n, i) => regHexValue(`v${n}`, 3, bytes(n, i))).join('\n')}\n`;
      const root = check('big.hive', hivexHive(path.join(dir, 'big-src.hive'), text));
      assert.deepEqual(root.subkeys[0].values.map((v) => v.data.length), sizes);
    });

    it('thousands of subkeys under one key, and a deep path', () => {
      let text = '[\\Many]\n\n';
      for (let i = 0; i < 2500; i++) text += `[\\Many\\key ${String(i).padStart(4, '0')}]\n"i"=dword:${i.toString(16).padStart(8, '0')}\n\n`;
      const levels = Array.from({ length: 40 }, (_, i) => `level${i}`);
      levels.forEach((_, i) => {
        text += `[\\${levels.slice(0, i + 1).join('\\')}]\n${i === levels.length - 1 ? '"deep"="bottom"\n' : ''}\n`;
      });
      const hive = hivexHive(path.join(dir, 'many-src.hive'), text);
      // What hivex writes: hash leaves only (so ri and li coverage comes from the builder below).
      const kinds = cellKinds(hive);
      assert.ok((kinds.lh ?? 0) > 0 && !kinds.ri && !kinds.li, `hivex wrote ${JSON.stringify(kinds)}`);
      const root = check('many.hive', hive);
      assert.equal(root.subkeys.find((k) => k.name === 'Many')?.subkeys.length, 2500);
      assert.equal(countKeys(root), 1 + 1 + 2500 + 40);
    });

    it('Unicode key and value names (Latin-1 names stored compressed, others as UTF-16)', () => {
      const names = ['Bär', 'Ключ', '名前', 'Ελληνικά', 'emoji 😀', 'tab\there', 'ÿ'];
      const text = names.map((n) => `[\\${n}]\n"${n}"="${n}"\n${regHexValue(`${n} bin`, 3, Buffer.from(n))}\n`).join('\n');
      const hive = hivexHive(path.join(dir, 'unicode-src.hive'), text);
      assert.ok((cellKinds(hive)['nk-utf16'] ?? 0) >= 4, 'hivex stored the non-Latin-1 names as UTF-16');
      const root = check('unicode.hive', hive);
      assert.deepEqual(root.subkeys.map((k) => k.name).sort(), [...names].sort());
    });
  });

  describe('hives from the test builder (what hivex does not write)', () => {
    const children = (n: number, prefix: string): BuildKey[] => Array.from({ length: n }, (_, i) => ({
      name: `${prefix}${i}`,
      values: [{ name: 'n', type: 4, data: Buffer.from(Uint32Array.of(i).buffer) }],
    }));

    for (const [label, options] of [
      ['li lists', { list: 'li' }],
      ['lf lists', { list: 'lf' }],
      ['lh lists', { list: 'lh' }],
      ['ri index roots over li leaves', { list: 'ri', riLeaf: 'li', riLeafSize: 100 }],
      ['ri index roots over lh leaves', { list: 'ri', riLeaf: 'lh', riLeafSize: 511 }],
      ['ri index roots over lf leaves, one entry per leaf', { list: 'ri', riLeaf: 'lf', riLeafSize: 1 }],
    ] as [string, BuildOptions][]) {
      it(label, () => {
        const tree: BuildKey = { name: 'root', subkeys: [{ name: 'Big', subkeys: children(1500, 'k') }, { name: 'Small', subkeys: children(3, 's') }] };
        const hive = buildHive(tree, options);
        const kinds = cellKinds(hive);
        assert.ok((kinds[options.list!] ?? 0) > 0, `the builder wrote ${options.list} lists: ${JSON.stringify(kinds)}`);
        const root = check(`lists-${label.replace(/\W+/g, '-')}.hive`, hive);
        assert.equal(root.subkeys[0].subkeys.length, 1500);
        assert.equal(root.subkeys[0].subkeys[1499].name, 'k1499');
      });
    }

    it('big data records (db) of one, two and many segments, UTF-16 names, a dirty hive of format 1.3', () => {
      const sizes = [16345, 2 * 16344, 2 * 16344 + 1, 200_000, 1 << 20];
      const tree: BuildKey = {
        name: 'Корень',
        values: sizes.map((n, i) => ({ name: `значение ${n}`, type: 3, data: bytes(n, i) })),
        subkeys: [{ name: 'Δ', values: [{ name: '', type: 1, data: utf16z('x') }] }],
      };
      const hive = buildHive(tree, { dirty: true, minor: 3 });
      assert.equal(cellKinds(hive).db, sizes.length);
      const root = check('bigdata.hive', hive);
      assert.deepEqual(root.values.map((v) => v.data.length), sizes);
      assert.equal(readHive(hive, 'bigdata.hive').dirty, true);
      assert.equal(readHive(buildHive(tree), 'clean.hive').dirty, false);
    });
  });
});
