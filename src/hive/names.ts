/**
 * Key and value names as stored: "compressed" names hold one byte per character
 * (Latin-1: each byte is the low byte of a UTF-16 code unit whose high byte is zero),
 * the others are UTF-16LE.
 */
import type { HiveCells } from './cells';

export function readName(cells: HiveCells, at: number, length: number, compressed: boolean): string {
  cells.charge(length, at);
  const bytes = cells.bytes;
  if (compressed) {
    // Short names dominate; building them directly is faster than a decoder call.
    let name = '';
    for (let i = 0; i < length; i++) name += String.fromCharCode(bytes[at + i]);
    return name;
  }
  if (length % 2 !== 0) cells.fail(at, `a UTF-16 name has an odd length (${length} bytes)`);
  let name = '';
  for (let i = 0; i < length; i += 2) name += String.fromCharCode(bytes[at + i] | (bytes[at + i + 1] << 8));
  return name;
}
