/**
 * Key and value names as stored: "compressed" names hold one byte per character
 * (Latin-1: each byte is the low byte of a UTF-16 code unit whose high byte is zero),
 * the others are UTF-16LE.
 */
import type { HiveCells } from './cells';

/** Compressed names up to this long are looked up among the names decoded before (see `decodeName`). */
const SHORT_NAME = 32;

/** Checks a name that `decodeName` will read and charges it against the output budget. */
export function chargeName(cells: HiveCells, at: number, length: number, compressed: boolean): void {
  cells.charge(length, at);
  if (!compressed && length % 2 !== 0) cells.fail(at, `a UTF-16 name has an odd length (${length} bytes)`);
}

/**
 * The name `chargeName` checked. Value names repeat across keys ("Name", "Type" in every
 * resource of a cluster database): a short compressed name equal to the one last decoded in
 * its slot of the hive's name cache is that same string, not a new one (fewer strings to
 * allocate and collect in a tree of hundreds of thousands of values).
 */
export function decodeName(cells: HiveCells, at: number, length: number, compressed: boolean): string {
  if (!compressed) return cells.text.ucs2Slice(at, at + length);
  if (length > SHORT_NAME) return cells.text.latin1Slice(at, at + length);
  const bytes = cells.bytes;
  let hash = length;
  for (let i = 0; i < length; i++) hash = Math.imul(hash ^ bytes[at + i], 0x0100_0193);
  const cache = cells.nameCache;
  const slot = (hash ^ (hash >>> 15)) & (cache.length - 1);
  const cached = cache[slot];
  if (cached !== undefined && cached.length === length) {
    let same = true;
    for (let i = 0; i < length && same; i++) same = cached.charCodeAt(i) === bytes[at + i];
    if (same) return cached;
  }
  const name = cells.text.latin1Slice(at, at + length);
  cache[slot] = name;
  return name;
}
