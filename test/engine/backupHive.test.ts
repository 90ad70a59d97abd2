/**
 * Reading ClusterName from a ClusDb registry hive (the offline-hive backup's cluster
 * name): a hive built here byte by byte in the regf layout, Latin-1 and UTF-16 value
 * names, inline and cell data, and every kind of damage giving null, never a throw.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readClusterNameFromHive } from '../../src/engine/backupHive';
import { assertNoLeaks } from '../support/sim';

interface Value {
  name: string;
  type: number;
  data: Buffer;
  asciiName?: boolean;
}

/** A minimal hive: base block, one hbin, the root nk, its value list, vk cells and data cells. */
function buildHive(values: Value[]): Buffer {
  const cells: Buffer[] = [];
  let next = 0x20; // first cell after the 32-byte hbin header
  const addCell = (data: Buffer): number => {
    const size = (4 + data.length + 7) & ~7;
    const cell = Buffer.alloc(size);
    cell.writeInt32LE(-size, 0);
    data.copy(cell, 4);
    const offset = next;
    cells.push(cell);
    next += size;
    return offset;
  };
  const vkOffsets: number[] = [];
  // Reserve the root key first so its offset is known: fill it in afterwards.
  const nk = Buffer.alloc(0x4c + 4);
  const nkOffset = addCell(nk);
  for (const v of values) {
    const name = v.asciiName === false ? Buffer.from(v.name, 'utf16le') : Buffer.from(v.name, 'latin1');
    const vk = Buffer.alloc(0x14 + name.length);
    vk.write('vk', 0, 'latin1');
    vk.writeUInt16LE(name.length, 0x02);
    if (v.data.length <= 4) {
      vk.writeUInt32LE((0x80000000 | v.data.length) >>> 0, 0x04);
      v.data.copy(vk, 0x08);
    } else {
      vk.writeUInt32LE(v.data.length, 0x04);
      vk.writeUInt32LE(addCell(v.data), 0x08);
    }
    vk.writeUInt32LE(v.type, 0x0c);
    vk.writeUInt16LE(v.asciiName === false ? 0 : 1, 0x10);
    name.copy(vk, 0x14);
    vkOffsets.push(addCell(vk));
  }
  const list = Buffer.alloc(vkOffsets.length * 4);
  vkOffsets.forEach((o, i) => list.writeUInt32LE(o, i * 4));
  const listOffset = addCell(list);
  nk.write('nk', 0, 'latin1');
  nk.writeUInt16LE(0x2c, 0x02);
  nk.writeUInt32LE(values.length, 0x24);
  nk.writeUInt32LE(listOffset, 0x28);
  nk.writeUInt16LE(4, 0x48);
  nk.write('ROOT', 0x4c, 'latin1');
  nk.copy(cells[0], 4);

  const bins = Buffer.concat(cells);
  const hbinSize = (0x20 + bins.length + 4095) & ~4095;
  const hbin = Buffer.alloc(hbinSize);
  hbin.write('hbin', 0, 'latin1');
  hbin.writeUInt32LE(hbinSize, 8);
  bins.copy(hbin, 0x20);
  const base = Buffer.alloc(4096);
  base.write('regf', 0, 'latin1');
  base.writeUInt32LE(1, 0x14);
  base.writeUInt32LE(5, 0x18);
  base.writeUInt32LE(1, 0x20);
  base.writeUInt32LE(nkOffset, 0x24);
  base.writeUInt32LE(hbinSize, 0x28);
  return Buffer.concat([base, hbin]);
}

const sz = (text: string): Buffer => Buffer.from(`${text}\0`, 'utf16le');

describe('ClusterName from a ClusDb hive', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-hive-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    assertNoLeaks();
  });

  async function nameOf(bytes: Buffer): Promise<string | null> {
    const file = path.join(dir, `CLUSDB-${Math.random().toString(16).slice(2)}`);
    fs.writeFileSync(file, bytes);
    return readClusterNameFromHive(file);
  }

  it('reads the root key\'s ClusterName among other values', async () => {
    const hive = buildHive([
      { name: 'ClusterInstanceID', type: 1, data: sz('3b8c2f0e-0000-0000-0000-000000000000') },
      { name: 'ClusterName', type: 1, data: sz('CLUSTER1') },
      { name: 'Flags', type: 4, data: Buffer.from([1, 0, 0, 0]) },
    ]);
    assert.equal(await nameOf(hive), 'CLUSTER1');
  });

  it('keeps Unicode names and accepts UTF-16 value names, any case', async () => {
    assert.equal(await nameOf(buildHive([{ name: 'clustername', type: 1, data: sz('КЛАСТЕР-東京') }])), 'КЛАСТЕР-東京');
    assert.equal(await nameOf(buildHive([{ name: 'ClusterName', type: 1, data: sz('C'), asciiName: false }])), 'C');
    assert.equal(await nameOf(buildHive([{ name: 'ClusterName', type: 1, data: Buffer.from('X\0', 'utf16le') }])), 'X', 'inline data');
  });

  it('gives null for a file that is not a hive, a damaged hive, or no ClusterName', async () => {
    assert.equal(await nameOf(Buffer.from('CLUSSIM-CLUSDB 1 {"cluster":"CLUSTER1"}\n')), null);
    assert.equal(await nameOf(Buffer.alloc(0)), null);
    assert.equal(await nameOf(buildHive([{ name: 'Other', type: 1, data: sz('x') }])), null);
    assert.equal(await nameOf(buildHive([{ name: 'ClusterName', type: 4, data: Buffer.from([1, 0, 0, 0, 0]) }])), null, 'not a string');
    const good = buildHive([{ name: 'ClusterName', type: 1, data: sz('CLUSTER1') }]);
    assert.equal(await nameOf(good.subarray(0, 4200)), null, 'truncated');
    const badRoot = Buffer.from(good);
    badRoot.writeUInt32LE(0x7ffffff0, 0x24);
    assert.equal(await nameOf(badRoot), null, 'root offset outside the file');
    const freeCell = Buffer.from(good);
    freeCell.writeInt32LE(Math.abs(freeCell.readInt32LE(4096 + 0x20)), 4096 + 0x20);
    assert.equal(await nameOf(freeCell), null, 'root cell not allocated');
    const hugeCount = Buffer.from(good);
    hugeCount.writeUInt32LE(0xffffffff, 4096 + 0x20 + 4 + 0x24);
    assert.equal(await nameOf(hugeCount), null, 'absurd value count');
    assert.equal(await readClusterNameFromHive(path.join(dir, 'missing')), null);
  });
});
