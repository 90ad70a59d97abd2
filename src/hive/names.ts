/**
 * Key and value names as stored: "compressed" names hold one byte per character
 * (Latin-1: each byte is the low byte of a UTF-16 code unit whose high byte is zero),
 * the others are UTF-16LE.
 */
import type { HiveCells } from './cells';

export function readName(cells: HiveCells, at: number, length: number, compressed: boolean): string {
  cells.charge(length, at);
  if (compressed) return cells.text.latin1Slice(at, at + length);
  if (length % 2 !== 0) cells.fail(at, `a UTF-16 name has an odd length (${length} bytes)`);
  return cells.text.ucs2Slice(at, at + length);
}
