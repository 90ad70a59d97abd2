/** The `fcbackup hive FILE` rendering for a person: layout, data per type, and escaped control characters. */
import * as assert from 'node:assert/strict';
import { hiveText } from '../../src/hive/text';

const utf16 = (s: string): Uint8Array => Buffer.from(s, 'utf16le');

describe('hive text rendering', () => {
  it('keys indented by level, values with their type and data', () => {
    const text = hiveText({
      file: 'c.hive',
      dirty: false,
      root: {
        name: 'R',
        values: [
          { name: '', type: 1, data: utf16('default\0') },
          { name: 'multi', type: 7, data: utf16('a\0b\0\0') },
          { name: 'dw', type: 4, data: Uint8Array.of(0x2a, 0, 0, 0) },
          { name: 'qw', type: 11, data: Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 1) },
          { name: 'empty', type: 3, data: new Uint8Array(0) },
          { name: 'long', type: 3, data: new Uint8Array(100).fill(0xab) },
          { name: 'odd', type: 0x20, data: Uint8Array.of(1) },
        ],
        subkeys: [{ name: 'S', values: [], subkeys: [{ name: 'T', values: [], subkeys: [] }] }],
      },
    });
    assert.deepEqual(text.split('\n'), [
      'c.hive',
      '[R]',
      '  (default) = REG_SZ "default"',
      '  multi = REG_MULTI_SZ ["a", "b"]',
      '  dw = REG_DWORD 42 (0x0000002a)',
      '  qw = REG_QWORD 72057594037927937 (0x0100000000000001)',
      '  empty = REG_BINARY (no data)',
      `  long = REG_BINARY ${'ab'.repeat(64)}… (100 bytes)`,
      '  odd = 0x20 01',
      '  [S]',
      '    [T]',
    ]);
  });

  it('control and text-reordering characters in names and strings are shown escaped', () => {
    const text = hiveText({
      file: 'evil\x1b[2J.hive',
      dirty: true,
      root: {
        name: 'a\x1b]0;title\x07b',
        values: [{ name: 'x\u202ey', type: 1, data: utf16('line1\nline2\t"q" \\ \u2066\0') }],
        subkeys: [],
      },
    });
    const lines = text.split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0], /^evil\\x1b\[2J\.hive \(dirty: /);
    assert.equal(lines[1], '[a\\x1b]0;title\\x07b]');
    assert.equal(lines[2], '  x\\u202ey = REG_SZ "line1\\nline2\\t\\"q\\" \\\\ \\u2066"');
    assert.ok(![...text].some((c) => (c < ' ' && c !== '\n') || c === '\u202e' || c === '\u2066'), 'no raw control characters remain');
  });
});
