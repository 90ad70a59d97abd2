/**
 * readHiveFile reads a hive through one 1 MiB buffer and keeps only its allocated cells
 * (src/hive/cellStore.ts). These hives are larger than that buffer, so cells, and runs of
 * cells copied together, cross from one read to the next; the tree must be what hivex
 * reads and what readHive reads from the whole file in memory, and an error must still
 * name the offset in the file where the damage is.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HiveError, readHive, readHiveFile } from '../../src/hive/reader';
import type { RegistryKey } from '../../src/hive/types';
import { buildHive, findCells, type BuildKey } from '../support/hiveBuilder';
import { hivexTree, type HivexKey } from '../support/hivex';

const MiB = 1024 * 1024;

/** A few MiB: keys of values whose data cells are 3–19 KiB, so that some straddle each MiB. */
function largeTree(): BuildKey {
  return {
    name: 'ROOT',
    subkeys: Array.from({ length: 40 }, (_, k) => ({
      name: `Key ${k}`,
      values: Array.from({ length: 12 }, (_, v) => ({
        name: `Value ${v}`,
        type: 3,
        data: Buffer.from(Array.from({ length: 3000 + ((k * 12 + v) * 1531) % 16000 }, (_, i) => (i * 7 + k + v) & 0xff)),
      })),
      subkeys: [{ name: `Sub ${k}`, values: [{ name: 'n', type: 4, data: Buffer.from(Uint32Array.of(k).buffer) }] }],
    })),
  };
}

/** Every cell as [file offset of its size field, size, allocated], walking the bins. */
function cellsOf(hive: Buffer): { at: number; size: number; allocated: boolean }[] {
  const cells = [];
  const end = 4096 + hive.readUInt32LE(40);
  for (let bin = 4096; bin < end; bin += hive.readUInt32LE(bin + 8)) {
    const binEnd = bin + hive.readUInt32LE(bin + 8);
    for (let at = bin + 32; at < binEnd;) {
      const raw = hive.readInt32LE(at);
      cells.push({ at, size: Math.abs(raw), allocated: raw < 0 });
      at += Math.abs(raw);
    }
  }
  return cells;
}

function sameTree(actual: RegistryKey, expected: HivexKey, where = ''): void {
  const here = `${where}\\${expected.name}`;
  assert.equal(actual.name, expected.name, here);
  assert.deepEqual(actual.values.map((v) => [v.name, v.type, Buffer.from(v.data).toString('hex')]), expected.values.map((v) => [v.name, v.type, v.data]), here);
  assert.equal(actual.subkeys.length, expected.subkeys.length, here);
  expected.subkeys.forEach((k, i) => sameTree(actual.subkeys[i], k, here));
}

describe('hive reader: hives larger than its read buffer', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-hive-chunks-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('cells across the 1 MiB reads: the same tree as hivex and as readHive of the whole file', async () => {
    const hive = buildHive(largeTree());
    const cells = cellsOf(hive);
    // What the case is about: the hive spans several reads, allocated cells straddle their ends, and free cells lie between.
    assert.ok(hive.length > 3 * MiB, `${hive.length} bytes`);
    const straddling = cells.filter((c) => c.allocated && Math.floor((c.at - 4096) / MiB) !== Math.floor((c.at - 4096 + c.size - 1) / MiB));
    assert.ok(straddling.length >= 2, `${straddling.length} allocated cells cross a MiB of the bins`);
    assert.ok(cells.some((c) => !c.allocated), 'the hive holds free cells');
    const file = path.join(dir, 'large.hive');
    fs.writeFileSync(file, hive);
    const fromFile = await readHiveFile(file);
    sameTree(fromFile.root, hivexTree(file));
    sameTree(readHive(hive, file).root, hivexTree(file));
  });

  it('an error deep in the file names its file offset (free cells and bin headers before it are not kept)', async () => {
    const hive = buildHive(largeTree());
    const vk = findCells(hive, 'vk').at(-1)!;
    assert.ok(vk > 3 * MiB, `the last vk record is at ${vk}`);
    hive.writeUInt16LE(5000, vk + 2);
    const file = path.join(dir, 'damaged.hive');
    fs.writeFileSync(file, hive);
    const matches = (err: unknown): boolean => err instanceof HiveError && /the value name's length 5000 runs past/.test(err.reason) && err.offset === vk + 2;
    assert.throws(() => readHive(hive, file), matches);
    await assert.rejects(readHiveFile(file), matches);
  });

  it('a file shorter than its bins, read from disk: the truncation is named, whatever its length', async () => {
    const hive = buildHive(largeTree());
    for (const cut of [4096, 100, MiB + 4096]) {
      const file = path.join(dir, `cut-${cut}.hive`);
      fs.writeFileSync(file, hive.subarray(0, hive.length - cut));
      await assert.rejects(readHiveFile(file), (err: unknown) => err instanceof HiveError && /the file is truncated/.test(err.reason) && err.offset === 40);
    }
  });
});
