/**
 * Fuzzing the hive reader: valid hives (one from the test builder with every list kind
 * and big data, one written by hivex) are damaged thousands of times with a fixed seed —
 * bytes flipped, offsets and sizes overwritten with values that matter, parts copied over
 * others, the file cut short — with the base block checksum recomputed half of the time
 * so that damage past the header is reached. Every run must end in a tree or a HiveError
 * from a check the reader makes on purpose; anything else (another exception, a check the
 * reader did not foresee) fails. A hang fails by mocha's timeout. Every tree is then read
 * whole (every name, type and data, as `fcbackup hive --json` and the text form do): the
 * tree reads those when asked, from records the reader checked when it read the hive, so
 * using a tree of a damaged hive must not throw either.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hiveToJson } from '../../src/hive/json';
import { HiveError, readHive, UNEXPECTED } from '../../src/hive/reader';
import { hiveText } from '../../src/hive/text';
import { buildHive, findCells, setChecksum, type BuildKey } from '../support/hiveBuilder';
import { hivexHive, regHexValue } from '../support/hivex';

const RUNS_PER_HIVE = 2500;

/** mulberry32: a small deterministic generator, so a failure can be replayed. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function builderHive(): Buffer {
  const leaf = (i: number): BuildKey => ({
    name: i % 3 === 0 ? `ключ ${i}` : `key ${i}`,
    values: [
      { name: '', type: 1, data: Buffer.from(`value ${i}\0`, 'utf16le') },
      { name: 'n', type: 4, data: Buffer.from(Uint32Array.of(i).buffer) },
      { name: 'bin', type: 3, data: Buffer.alloc(i % 40, i) },
    ],
  });
  return buildHive({
    name: 'root',
    values: [{ name: 'big', type: 3, data: Buffer.alloc(40_000, 3) }, { name: 'multi', type: 7, data: Buffer.from('a\0b\0\0', 'utf16le') }],
    subkeys: [
      { name: 'Many', subkeys: Array.from({ length: 40 }, (_, i) => leaf(i)) },
      { name: 'Nested', subkeys: [{ name: 'x', subkeys: [{ name: 'y', subkeys: [leaf(99)] }] }] },
    ],
  }, { list: 'ri', riLeaf: 'lf', riLeafSize: 7 });
}

/** Values worth writing over an offset or a size; `cells` are the cell offsets of the undamaged hive. */
function interesting(hive: Buffer, cells: number[], random: () => number): number {
  const choices = [0, 1, 4, 0xffff_ffff, 0x8000_0000, 0x8000_0004, 0x7fff_ffff, 0xffff, 16344, 16345, hive.length,
    cells[Math.floor(random() * cells.length)], Math.floor(random() * 0x1_0000_0000)];
  return choices[Math.floor(random() * choices.length)] >>> 0;
}

function mutate(original: Buffer, cells: number[], random: () => number): Buffer {
  let hive = Buffer.from(original);
  const edits = 1 + Math.floor(random() * 4);
  for (let e = 0; e < edits; e++) {
    const kind = random();
    // Most damage goes to the records (value data and free space fill most of the file); some anywhere, some to the base block.
    const where = random();
    const at = where < 0.1 ? Math.floor(random() * 4096)
      : where < 0.7 ? Math.min(hive.length - 1, cells[Math.floor(random() * cells.length)] + 4096 + Math.floor(random() * 80))
        : 4096 + Math.floor(random() * (hive.length - 4096));
    if (kind < 0.35) {
      hive[at] ^= 1 << Math.floor(random() * 8);
    } else if (kind < 0.75) {
      const aligned = at & ~3;
      if (aligned + 4 <= hive.length) hive.writeUInt32LE(interesting(hive, cells, random), aligned);
    } else if (kind < 0.85) {
      if (at + 2 <= hive.length) hive.writeUInt16LE(Math.floor(random() * 0x10000), at);
    } else if (kind < 0.95) {
      const length = 1 + Math.floor(random() * 64);
      const from = Math.floor(random() * (hive.length - length));
      hive.copy(hive, Math.min(at, hive.length - length), from, from + length);
    } else {
      hive = hive.subarray(0, Math.floor(random() * hive.length));
    }
  }
  if (random() < 0.5 && hive.length >= 4096) setChecksum(hive);
  return hive;
}

describe('hive reader: fuzzing', function () {
  this.timeout(600_000);
  const bases: [string, () => Buffer][] = [
    ['a builder hive (ri over lf lists, big data, UTF-16 names)', builderHive],
    ['a hive written by hivex', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-hive-fuzz-'));
      try {
        const keys = Array.from({ length: 30 }, (_, i) => `[\\K${i % 5}${i >= 5 ? `\\Sub${i}` : ''}]\n"s"="text ${i}"\n"d"=dword:${i.toString(16).padStart(8, '0')}\n${regHexValue('b', 3, Buffer.alloc(i * 7, i))}\n`);
        return hivexHive(path.join(dir, 'fuzz.hive'), keys.join('\n'));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }],
  ];
  bases.forEach(([label, make], index) => {
    it(`${RUNS_PER_HIVE} damaged copies of ${label} each end in a tree or a HiveError`, () => {
      const original = make();
      readHive(original, 'original');
      const cells = ['nk', 'vk', 'lf', 'lh', 'ri', 'db', 'sk'].flatMap((sig) => findCells(original, sig)).map((at) => at - 4 - 4096);
      const random = generator(0x5eed + index);
      let trees = 0;
      let errors = 0;
      for (let run = 0; run < RUNS_PER_HIVE; run++) {
        const hive = mutate(original, cells, random);
        let tree;
        try {
          tree = readHive(hive, `run ${run}`);
          trees++;
        } catch (err) {
          if (!(err instanceof HiveError)) throw new Error(`run ${run} (seed ${0x5eed + index}): not a HiveError: ${err instanceof Error ? err.stack : String(err)}`);
          assert.ok(!err.reason.startsWith(UNEXPECTED), `run ${run}: ${err.message}`);
          assert.equal(err.file, `run ${run}`);
          errors++;
          continue;
        }
        try {
          JSON.stringify(hiveToJson(tree));
          hiveText(tree);
        } catch (err) {
          throw new Error(`run ${run} (seed ${0x5eed + index}): the tree of a hive that was read throws when used: ${err instanceof Error ? err.stack : String(err)}`);
        }
      }
      // Both outcomes happen, so the damage is neither always harmless nor always caught at the door.
      assert.ok(trees > RUNS_PER_HIVE / 50 && errors > RUNS_PER_HIVE / 3, `${trees} trees, ${errors} errors`);
    });
  });
});
