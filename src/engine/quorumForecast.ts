/**
 * Whether this node can form the cluster alone on a set's configuration — asked before an
 * authoritative restore changes anything. The restored node starts first while every other
 * node is stopped (docs/windows.md, "The restored node forms the cluster first"), so it forms
 * the cluster only when its own vote, with the witness's, is a majority of all votes. When it
 * is not, the restore needs consent to force quorum (/fq) up front: once PostRestore has been
 * sent the restore cannot be rolled back, so a missing consent must stop it before any change.
 *
 * The votes are the nodes' `NodeWeight` values in the set's cluster database (1 where a node
 * has none) and one for a witness (`Quorum\Resource` present). Dynamic quorum can lower the
 * votes at run time, so the forecast may ask for consent where Windows would not need it;
 * the consent is then unused (force quorum is used only when the node stays out of quorum).
 */
import { utf16 } from '../hive/json';
import { readHiveFile } from '../hive/reader';
import { RegType, type RegistryKey, type RegistryValue } from '../hive/types';

export interface QuorumForecast {
  /** This node's vote in the set's configuration (0 when the configuration does not list it). */
  nodeVotes: number;
  /** Every node's vote plus the witness's. */
  totalVotes: number;
  witness: boolean;
  /** This node with the witness holds a majority of the votes. */
  formsAlone: boolean;
}

function value(key: RegistryKey, name: string): RegistryValue | undefined {
  return key.values.find((v) => v.name.toLowerCase() === name.toLowerCase());
}

function text(v: RegistryValue | undefined): string | null {
  if (!v || (v.type !== RegType.REG_SZ && v.type !== RegType.REG_EXPAND_SZ)) return null;
  return utf16(v.data).replace(/\0+$/, '');
}

function dword(v: RegistryValue | undefined): number | null {
  if (!v || v.type !== RegType.REG_DWORD || v.data.length < 4) return null;
  return new DataView(v.data.buffer, v.data.byteOffset, 4).getUint32(0, true);
}

function subkey(key: RegistryKey, name: string): RegistryKey | undefined {
  return key.subkeys.find((k) => k.name.toLowerCase() === name.toLowerCase());
}

/** The forecast from a cluster database's root key; null when it lists no nodes (nothing to forecast). */
export function forecastFromDatabase(root: RegistryKey, node: string): QuorumForecast | null {
  const nodes = subkey(root, 'Nodes')?.subkeys ?? [];
  if (nodes.length === 0) return null;
  let total = 0;
  let nodeVotes = 0;
  for (const n of nodes) {
    const votes = dword(value(n, 'NodeWeight')) ?? 1;
    total += votes;
    if ((text(value(n, 'NodeName')) ?? '').toUpperCase() === node.toUpperCase()) nodeVotes = votes;
  }
  const quorum = subkey(root, 'Quorum');
  const witness = quorum !== undefined && (text(value(quorum, 'Resource')) ?? '') !== '';
  const totalVotes = total + (witness ? 1 : 0);
  const alone = nodeVotes + (witness ? 1 : 0);
  return { nodeVotes, totalVotes, witness, formsAlone: alone * 2 > totalVotes };
}

/** The forecast for `node` on the cluster database in `hivePath` (the set's CLUSDB). */
export async function forecastQuorumAlone(hivePath: string, node: string): Promise<QuorumForecast | null> {
  const hive = await readHiveFile(hivePath);
  return forecastFromDatabase(hive.root, node);
}
