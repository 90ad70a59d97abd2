/**
 * Key and value names as stored: "compressed" names hold one byte per character
 * (Latin-1: each byte is the low byte of a UTF-16 code unit whose high byte is zero),
 * the others are UTF-16LE.
 */
import type { HiveCells } from './cells';

/** Checks a name that `decodeName` will read and charges it against the output budget. */
export function chargeName(cells: HiveCells, at: number, length: number, compressed: boolean): void {
  cells.charge(length, at);
  if (!compressed && length % 2 !== 0) cells.fail(at, `a UTF-16 name has an odd length (${length} bytes)`);
}

/** The name `chargeName` checked, as a new string (the tree keeps no names: see values.ts). */
export function decodeName(cells: HiveCells, at: number, length: number, compressed: boolean): string {
  return compressed ? cells.text.latin1Slice(at, at + length) : cells.text.ucs2Slice(at, at + length);
}
