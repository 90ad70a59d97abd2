/** The `fcbackup hive --json` rendering of values, keys and the document (issue 13 §4). */
import * as assert from 'node:assert/strict';
import { hiveToJson, valueData, valueTypeName } from '../../src/hive/json';
import { readHive } from '../../src/hive/reader';
import { buildHive } from '../support/hiveBuilder';

const v = (type: number, data: number[] | Buffer): { name: string; type: number; data: Uint8Array } => ({ name: 'v', type, data: Uint8Array.from(data) });
const utf16 = (s: string): Buffer => Buffer.from(s, 'utf16le');

describe('hive JSON rendering', () => {
  it('names the twelve REG_ types and gives others as 0x and lowercase hex', () => {
    const names = ['REG_NONE', 'REG_SZ', 'REG_EXPAND_SZ', 'REG_BINARY', 'REG_DWORD', 'REG_DWORD_BIG_ENDIAN', 'REG_LINK', 'REG_MULTI_SZ',
      'REG_RESOURCE_LIST', 'REG_FULL_RESOURCE_DESCRIPTOR', 'REG_RESOURCE_REQUIREMENTS_LIST', 'REG_QWORD'];
    names.forEach((name, i) => assert.equal(valueTypeName(i), name));
    assert.equal(valueTypeName(12), '0xc');
    assert.equal(valueTypeName(0xffff_ffff), '0xffffffff');
    assert.equal(valueTypeName(0x7fff_0000), '0x7fff0000');
  });

  it('strings end at the first NUL; a missing NUL and an odd last byte are handled', () => {
    assert.equal(valueData(v(1, utf16('abc\0junk\0'))), 'abc');
    assert.equal(valueData(v(2, utf16('%PATH%'))), '%PATH%');
    assert.equal(valueData(v(1, [...utf16('ab'), 0x41])), 'ab');
    assert.equal(valueData(v(1, [])), '');
    assert.equal(valueData(v(1, utf16('Ключ 😀\0'))), 'Ключ 😀');
  });

  it('REG_MULTI_SZ: the strings without the trailing empty ones, inner empty ones kept', () => {
    assert.deepEqual(valueData(v(7, utf16('a\0b\0\0'))), ['a', 'b']);
    assert.deepEqual(valueData(v(7, utf16('a\0\0b\0\0\0\0'))), ['a', '', 'b']);
    assert.deepEqual(valueData(v(7, utf16('only'))), ['only']);
    assert.deepEqual(valueData(v(7, utf16('\0'))), []);
    assert.deepEqual(valueData(v(7, [])), []);
  });

  it('DWORD little and big endian as numbers, QWORD as a decimal string, wrong lengths as hex', () => {
    assert.equal(valueData(v(4, [0x78, 0x56, 0x34, 0x12])), 0x12345678);
    assert.equal(valueData(v(4, [0xff, 0xff, 0xff, 0xff])), 4294967295);
    assert.equal(valueData(v(5, [0x12, 0x34, 0x56, 0x78])), 0x12345678);
    assert.equal(valueData(v(11, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])), '18446744073709551615');
    assert.equal(valueData(v(11, [1, 0, 0, 0, 0, 0, 0x20, 0])), '9007199254740993');
    assert.equal(valueData(v(4, [1, 2])), '0102');
    assert.equal(valueData(v(11, [1, 2, 3, 4])), '01020304');
  });

  it('everything else as lowercase hex', () => {
    for (const type of [0, 3, 6, 8, 9, 10, 0x20]) assert.equal(valueData(v(type, [0xab, 0x01, 0xff])), 'ab01ff');
    assert.equal(valueData(v(3, [])), '');
  });

  it('the document: file, dirty, the root with values and subkeys in stored order, the default value named ""', () => {
    const hive = buildHive({
      name: 'ROOT',
      values: [{ name: 'z', type: 4, data: Buffer.from([1, 0, 0, 0]) }, { name: '', type: 1, data: utf16('d\0') }],
      subkeys: [{ name: 'b' }, { name: 'a', values: [{ name: 'x', type: 0x99, data: Buffer.from([0]) }] }],
    }, { dirty: true });
    assert.deepEqual(JSON.parse(JSON.stringify(hiveToJson(readHive(hive, 'f.hive')))), {
      file: 'f.hive',
      dirty: true,
      root: {
        name: 'ROOT',
        values: [{ name: 'z', type: 'REG_DWORD', data: 1 }, { name: '', type: 'REG_SZ', data: 'd' }],
        subkeys: [
          { name: 'b', values: [], subkeys: [] },
          { name: 'a', values: [{ name: 'x', type: '0x99', data: '00' }], subkeys: [] },
        ],
      },
    });
  });
});
