/**
 * Reads the cluster's name out of ClusDb when the cluster service is not running and
 * the cluster cannot be asked. ClusDb is a registry hive (the "regf" format) whose
 * root key — HKLM\Cluster while the service runs — holds the value `ClusterName`
 * (REG_SZ). Only what that needs is read: the base block, the root key, its value
 * list and one value, each with bounds checks, since the file is not trusted to be
 * well formed. Anything unexpected gives null ("name unknown"), never an exception
 * about the file's format.
 */
import fsp = require('node:fs/promises');

const BASE_BLOCK_SIZE = 4096;
const REG_SZ = 1;
const REG_EXPAND_SZ = 2;
/** VALUE_COMP_NAME: the value name is stored in Latin-1, not UTF-16. */
const VALUE_COMP_NAME = 0x0001;
/** A registry value name longer than this is not one we look for. */
const MAX_NAME_BYTES = 16383 * 2;
/** ClusterName is a short string; refuse absurd sizes rather than read them. */
const MAX_STRING_BYTES = 64 * 1024;
const MAX_VALUES = 100_000;

interface HiveReader {
  size: number;
  read(offset: number, length: number): Promise<Buffer | null>;
}

/** The cell at `cellOffset` (relative to the hive bins): its data, without the size field. */
async function readCell(hive: HiveReader, cellOffset: number, maxBytes: number): Promise<Buffer | null> {
  if (!Number.isSafeInteger(cellOffset) || cellOffset < 0 || cellOffset === 0xffffffff) return null;
  const at = BASE_BLOCK_SIZE + cellOffset;
  const header = await hive.read(at, 4);
  if (!header) return null;
  const size = header.readInt32LE(0);
  // An allocated cell has a negative size that includes the size field itself.
  if (size >= 0) return null;
  const length = -size - 4;
  if (length <= 0 || length > maxBytes) return null;
  return hive.read(at + 4, length);
}

function valueName(vk: Buffer): string | null {
  const nameLength = vk.readUInt16LE(0x02);
  const flags = vk.readUInt16LE(0x10);
  if (0x14 + nameLength > vk.length || nameLength > MAX_NAME_BYTES) return null;
  const raw = vk.subarray(0x14, 0x14 + nameLength);
  return flags & VALUE_COMP_NAME ? raw.toString('latin1') : raw.toString('utf16le');
}

function utf16String(data: Buffer): string {
  const text = data.subarray(0, data.length - (data.length % 2)).toString('utf16le');
  const nul = text.indexOf('\0');
  return nul < 0 ? text : text.slice(0, nul);
}

/** The REG_SZ value `name` of the hive's root key, or null. */
export async function readRootStringValue(hive: HiveReader, name: string): Promise<string | null> {
  const base = await hive.read(0, BASE_BLOCK_SIZE);
  if (!base || base.toString('latin1', 0, 4) !== 'regf') return null;
  const nk = await readCell(hive, base.readUInt32LE(0x24), 64 * 1024);
  if (!nk || nk.length < 0x4c || nk.toString('latin1', 0, 2) !== 'nk') return null;
  const valueCount = nk.readUInt32LE(0x24);
  if (valueCount === 0 || valueCount > MAX_VALUES) return null;
  const list = await readCell(hive, nk.readUInt32LE(0x28), valueCount * 4 + 8);
  if (!list || list.length < valueCount * 4) return null;
  for (let i = 0; i < valueCount; i++) {
    const vk = await readCell(hive, list.readUInt32LE(i * 4), 0x14 + MAX_NAME_BYTES + 8);
    if (!vk || vk.length < 0x14 || vk.toString('latin1', 0, 2) !== 'vk') continue;
    if (valueName(vk)?.toUpperCase() !== name.toUpperCase()) continue;
    const type = vk.readUInt32LE(0x0c);
    if (type !== REG_SZ && type !== REG_EXPAND_SZ) return null;
    const rawSize = vk.readUInt32LE(0x04);
    const inline = (rawSize & 0x80000000) !== 0;
    const dataSize = rawSize & 0x7fffffff;
    if (inline) {
      if (dataSize > 4) return null;
      return utf16String(vk.subarray(0x08, 0x08 + dataSize));
    }
    if (dataSize > MAX_STRING_BYTES) return null;
    const data = await readCell(hive, vk.readUInt32LE(0x08), MAX_STRING_BYTES);
    if (!data || data.length < dataSize) return null;
    const text = utf16String(data.subarray(0, dataSize));
    return text === '' ? null : text;
  }
  return null;
}

/** The cluster name recorded in the ClusDb hive `file`, or null when it cannot be read. */
export async function readClusterNameFromHive(file: string): Promise<string | null> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, 'r');
  } catch {
    return null;
  }
  try {
    const { size } = await handle.stat();
    const reader: HiveReader = {
      size,
      async read(offset, length) {
        if (offset < 0 || length < 0 || offset + length > size) return null;
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, offset);
        return bytesRead === length ? buffer : null;
      },
    };
    return await readRootStringValue(reader, 'ClusterName');
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}
