/**
 * A hive that is not well formed gives one HiveError naming the file, the offset and what
 * is wrong — for each kind of damage the reader checks — and a well-formed one at the
 * edge of a limit still reads. Hives come from the test builder and are then damaged.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HiveError, readHive, readHiveFile, UNEXPECTED } from '../../src/hive/reader';
import { buildHive, findCells, setChecksum, type BuildKey } from '../support/hiveBuilder';

const FILE = 'damaged.hive';
const dword = (n: number): Buffer => Buffer.from(Uint32Array.of(n).buffer);
const utf16z = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf16le');

const sample: BuildKey = {
  name: 'root',
  values: [{ name: 'name', type: 1, data: utf16z('value') }, { name: 'big', type: 3, data: Buffer.alloc(40_000, 7) }],
  subkeys: [
    { name: 'a', values: [{ name: 'n', type: 4, data: dword(1) }], subkeys: [{ name: 'a1' }] },
    { name: 'b' },
    { name: 'c' },
  ],
};

/** Reads `hive` expecting a HiveError whose reason matches `reason`; returns it. */
function expectError(hive: Uint8Array, reason: RegExp): HiveError {
  let caught: unknown;
  try {
    readHive(hive, FILE);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof HiveError, `expected a HiveError, got ${String(caught)}`);
  assert.match(caught.reason, reason);
  assert.ok(!caught.reason.startsWith(UNEXPECTED), caught.reason);
  assert.equal(caught.file, FILE);
  assert.ok(caught.message.startsWith(`${FILE}: `), caught.message);
  assert.ok(!caught.message.includes('\n'));
  return caught;
}

function damaged(change: (hive: Buffer) => void, tree: BuildKey = sample): Buffer {
  const hive = buildHive(tree);
  change(hive);
  return hive;
}

describe('hive reader: damaged hives', () => {
  it('reads the undamaged sample (the cases below each change one thing)', () => {
    const hive = readHive(buildHive(sample), FILE);
    assert.deepEqual(hive.root.subkeys.map((k) => k.name), ['a', 'b', 'c']);
    assert.equal(hive.root.values[1].data.length, 40_000);
  });

  it('reads a hive from bytes at any offset of their buffer (it reads numbers as whole 32-bit words)', () => {
    const hive = buildHive(sample);
    const unaligned = new Uint8Array(hive.length + 3).subarray(3);
    unaligned.set(hive);
    const tree = readHive(unaligned, FILE);
    assert.deepEqual(tree.root.subkeys.map((k) => k.name), ['a', 'b', 'c']);
    assert.equal(Buffer.from(tree.root.values[0].data).toString('utf16le'), 'value\0');
    assert.equal(tree.root.subkeys[0].values[0].type, 4);
    // Read again on every use (the tree keeps nothing it decoded): equal each time, and a view of the kept cells.
    assert.notEqual(tree.root.values, tree.root.values);
    assert.deepEqual(tree.root.values.map((v) => [v.name, v.type, Buffer.from(v.data).toString('hex')]), tree.root.values.map((v) => [v.name, v.type, Buffer.from(v.data).toString('hex')]));
    assert.deepEqual(tree.root.subkeys.map((k) => k.name), tree.root.subkeys.map((k) => k.name));
  });

  it('a file too short for a base block, or without the regf signature', () => {
    expectError(new Uint8Array(100), /shorter than the 4096-byte base block/);
    assert.equal(expectError(damaged((h) => h.write('rexf', 0, 'latin1')), /no "regf" signature/).offset, 0);
  });

  it('a damaged base block (checksum), a transaction log, another major version', () => {
    assert.equal(expectError(damaged((h) => h.writeUInt32LE(99, 36)), /checksum/).offset, 508);
    expectError(damaged((h) => { h.writeUInt32LE(2, 28); setChecksum(h); }), /transaction log.*file type 2/);
    expectError(damaged((h) => { h.writeUInt32LE(2, 20); setChecksum(h); }), /unsupported hive format version 2\.5/);
  });

  it('a truncated file, and hive bins of a size that is not a multiple of 4096', () => {
    const hive = buildHive(sample);
    expectError(hive.subarray(0, hive.length - 4096), /truncated/);
    expectError(damaged((h) => { h.writeUInt32LE(h.readUInt32LE(40) + 8, 40); setChecksum(h); }), /not a positive multiple of 4096/);
  });

  it('a missing hbin header, a bin that records another offset, a cell that does not fit its bin', () => {
    expectError(damaged((h) => h.write('hbim', 4096, 'latin1')), /no hive bin/);
    expectError(damaged((h) => h.writeUInt32LE(4096, 4096 + 4)), /records its offset/);
    const e = expectError(damaged((h) => h.writeInt32LE(0, 4096 + 32)), /does not fit its hive bin/);
    assert.equal(e.offset, 4096 + 32);
  });

  it('an offset that is not an allocated cell, or a cell of the wrong kind', () => {
    expectError(damaged((h) => { h.writeUInt32LE(0x10, 36); setChecksum(h); }), /not an allocated cell/);
    expectError(damaged((h) => { h.writeUInt32LE(0x7fff_0000, 36); setChecksum(h); }), /not an allocated cell/);
    expectError(damaged((h) => { h.writeUInt32LE(findCells(h, 'vk')[0] - 4 - 4096, 36); setChecksum(h); }), /expected the nk record, found "vk"/);
    expectError(damaged((h) => h.write('xx', findCells(h, 'sk')[0], 'latin1')), /expected the sk record/);
  });

  it('a key reached twice (a cycle back to the root, or a shared subkey)', () => {
    const root = (h: Buffer): number => h.readUInt32LE(36);
    // Subkey "a" lists the root as its own subkey.
    expectError(damaged((h) => {
      const a = findCells(h, 'lh').find((l) => h.readUInt16LE(l + 2) === 1)!;
      h.writeUInt32LE(root(h), a + 4);
    }), /reached twice/);
    // The root's list names "b" twice.
    expectError(damaged((h) => {
      const list = findCells(h, 'lh').find((l) => h.readUInt16LE(l + 2) === 3)!;
      h.writeUInt32LE(h.readUInt32LE(list + 4 + 8), list + 4 + 16);
    }), /reached twice/);
  });

  it('keys nested deeper than Windows allows (512 levels below the root); exactly 512 reads', () => {
    const chain = (levels: number): BuildKey => {
      let key: BuildKey = { name: `k${levels}` };
      for (let i = levels - 1; i >= 0; i--) key = { name: `k${i}`, subkeys: [key] };
      return key;
    };
    let depth = 0;
    for (let k = readHive(buildHive(chain(512)), FILE).root; k.subkeys.length; k = k.subkeys[0]) depth++;
    assert.equal(depth, 512);
    expectError(buildHive(chain(513)), /more than 512 levels/);
  });

  it('a subkey count that does not match the lists, and lists that do not fit their cells', () => {
    expectError(damaged((h) => h.writeUInt32LE(4, findCells(h, 'nk').find((n) => h.readUInt32LE(n + 20) === 3)! + 20)), /says it has 4 subkeys, its subkey lists hold 3/);
    expectError(damaged((h) => h.writeUInt16LE(5000, findCells(h, 'lh')[0] + 2)), /the lh list says 5000 entries/);
    expectError(damaged((h) => h.writeUInt32LE(500, findCells(h, 'nk').find((n) => h.readUInt32LE(n + 36) === 2)! + 36)), /the value list holds \d+ entries, the key says 500/);
  });

  it('an index root whose entry is another index root', () => {
    const hive = buildHive({ name: 'r', subkeys: [{ name: 'x' }, { name: 'y' }] }, { list: 'ri', riLeafSize: 1 });
    const ri = findCells(hive, 'ri')[0];
    hive.writeUInt32LE(ri - 4 - 4096, ri + 4);
    expectError(hive, /not an li, lf or lh list/);
  });

  it('value data that does not fit: inline over 4 bytes, a data cell too small, a big data record with the wrong segment count', () => {
    expectError(damaged((h) => h.writeUInt32LE(0x8000_0005, findCells(h, 'vk').find((v) => h.toString('latin1', v + 20, v + 21) === 'n')! + 4)), /inline value data of 5 bytes/);
    expectError(damaged((h) => h.writeUInt32LE(100, findCells(h, 'vk').find((v) => h.toString('latin1', v + 20, v + 24) === 'name')! + 4)), /value data of 100 bytes does not fit its \d+-byte data cell/);
    expectError(damaged((h) => h.writeUInt16LE(2, findCells(h, 'db')[0] + 2)), /big data record has 2 segments; 40000 bytes need 3/);
  });

  it('names: a key name longer than its cell, a UTF-16 name of odd length', () => {
    expectError(damaged((h) => h.writeUInt16LE(900, findCells(h, 'nk')[1] + 72)), /key name's length 900 runs past/);
    expectError(damaged((h) => {
      const nk = findCells(h, 'nk')[1];
      h.writeUInt16LE(h.readUInt16LE(nk + 2) & ~0x20, nk + 2);
      h.writeUInt16LE(1, nk + 72);
    }), /odd length/);
  });

  it('cells shared between values, which would make the tree larger than the file, are refused', () => {
    const values = [{ name: 'big', type: 3, data: Buffer.alloc(100_000, 1) }, ...Array.from({ length: 300 }, (_, i) => ({ name: `v${i}`, type: 4, data: dword(i) }))];
    const hive = buildHive({ name: 'r', values });
    const list = findCells(hive, 'nk').map((n) => hive.readUInt32LE(n + 40))[0] + 4096 + 4;
    const big = hive.readUInt32LE(list);
    for (let i = 1; i < 301; i++) hive.writeUInt32LE(big, list + 4 * i);
    expectError(hive, /refers to more data than it holds/);
  });

  it('a big data record whose last segment cell is exactly as large as its data (hivex reads it 4 bytes short)', () => {
    const data = Buffer.from(Array.from({ length: 16344 * 2 + 3 }, (_, i) => i & 0xff));
    const hive = readHive(buildHive({ name: 'r', values: [{ name: 'v', type: 3, data }] }, { tightBigData: true }), FILE);
    assert.deepEqual(Buffer.from(hive.root.values[0].data), data);
  });

  it('readHiveFile: a missing file, a directory, and a file read from disk', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-hive-file-'));
    try {
      await assert.rejects(readHiveFile(path.join(dir, 'missing.hive')), (err: unknown) => err instanceof HiveError && err.reason === 'no such file' && err.offset === undefined);
      await assert.rejects(readHiveFile(dir), (err: unknown) => err instanceof HiveError && err.reason === 'is not a file');
      fs.writeFileSync(path.join(dir, 'ok.hive'), buildHive(sample));
      const hive = await readHiveFile(path.join(dir, 'ok.hive'));
      assert.equal(hive.file, path.join(dir, 'ok.hive'));
      assert.equal(hive.root.name, 'root');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
