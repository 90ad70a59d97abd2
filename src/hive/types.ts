/**
 * The shape of a registry tree, whoever read it: the hive reader (a ClusDb file in a
 * backup set or on disk) and the engine's cluster registry walk (the live cluster
 * database through ClusterReg*) both produce it, so that one configuration model and
 * one comparison serve both. Plain data: no vscode, no koffi.
 */

/** Registry value types (winnt.h REG_*). */
export const RegType = {
  REG_NONE: 0,
  REG_SZ: 1,
  REG_EXPAND_SZ: 2,
  REG_BINARY: 3,
  REG_DWORD: 4,
  REG_DWORD_BIG_ENDIAN: 5,
  REG_LINK: 6,
  REG_MULTI_SZ: 7,
  REG_RESOURCE_LIST: 8,
  REG_FULL_RESOURCE_DESCRIPTOR: 9,
  REG_RESOURCE_REQUIREMENTS_LIST: 10,
  REG_QWORD: 11,
} as const;

export interface RegistryValue {
  /** The value's name; the default value's name is "". */
  readonly name: string;
  /** The raw REG_* number (not limited to the known ones). */
  readonly type: number;
  /** The value's bytes as stored. */
  readonly data: Uint8Array;
}

/**
 * A key of the tree. The hive reader's keys and values are views of the hive's checked cells:
 * every read of `values`, `subkeys`, a name or a value's data makes them anew (equal each time,
 * not the same object). Read each once (`const subkeys = key.subkeys`), not in a loop's condition.
 */
export interface RegistryKey {
  readonly name: string;
  /** In the order stored. */
  readonly values: readonly RegistryValue[];
  /** In the order stored. */
  readonly subkeys: readonly RegistryKey[];
}

/** A hive file as the reader returns it (src/hive/reader.ts: readHive(bytes, file) and readHiveFile(path)). */
export interface HiveFile {
  readonly file: string;
  /**
   * The base block's two sequence numbers differ: the hive was not flushed cleanly and its transaction logs
   * (.LOG1/.LOG2) were not applied. The tree is what the base file holds.
   */
  readonly dirty: boolean;
  readonly root: RegistryKey;
}
