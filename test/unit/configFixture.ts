/**
 * Builds cluster database trees (RegistryKey) directly, for the configuration model's
 * tests and benchmarks: no hive file, no reader.
 */
import { RegType, type RegistryKey, type RegistryValue } from '../../src/hive/types';

function utf16(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(`${text}\0`, 'utf16le'));
}

export const sz = (name: string, text: string): RegistryValue => ({ name, type: RegType.REG_SZ, data: utf16(text) });
export const multi = (name: string, items: string[]): RegistryValue => ({
  name, type: RegType.REG_MULTI_SZ, data: new Uint8Array(Buffer.from(items.map((i) => `${i}\0`).join('') + '\0', 'utf16le')),
});
export function dword(name: string, n: number): RegistryValue {
  const data = new Uint8Array(4);
  new DataView(data.buffer).setUint32(0, n, true);
  return { name, type: RegType.REG_DWORD, data };
}
export const binary = (name: string, bytes: number[]): RegistryValue => ({ name, type: RegType.REG_BINARY, data: new Uint8Array(bytes) });
export const key = (name: string, values: readonly RegistryValue[] = [], subkeys: readonly RegistryKey[] = []): RegistryKey => ({ name, values, subkeys });

export interface ResourceSpec { id: string; name: string; type: string; group: string; dependsOn?: string[]; parameters?: RegistryValue[] }
export interface GroupSpec { id: string; name: string; groupType?: number; persistentState?: number; preferredOwners?: string[] }

export interface ClusterSpec {
  name?: string;
  instanceId?: string;
  paxosTag?: string;
  nodes?: string[];
  groups?: GroupSpec[];
  resources?: ResourceSpec[];
  networks?: { id: string; name: string; role: number; address: string; mask: string }[];
}

export const GROUP_CORE = '11111111-0000-0000-0000-000000000001';
export const GROUP_STORAGE = '11111111-0000-0000-0000-000000000002';
export const GROUP_SQL = '11111111-0000-0000-0000-000000000003';
export const RES_NAME = '22222222-0000-0000-0000-000000000001';
export const RES_IP = '22222222-0000-0000-0000-000000000002';
export const RES_DISK1 = '22222222-0000-0000-0000-000000000003';
export const RES_SQL_IP = '22222222-0000-0000-0000-000000000004';
export const RES_SQL = '22222222-0000-0000-0000-000000000005';

/** A small cluster that looks like a real one: core group, storage, a SQL Server role with dependencies. */
export function sampleSpec(): Required<ClusterSpec> {
  return {
    name: 'CLUSTER1',
    instanceId: '0a1b2c3d-0000-4000-8000-000000000001',
    paxosTag: '1:1:20',
    nodes: ['NODE1', 'NODE2'],
    groups: [
      { id: GROUP_CORE, name: 'Cluster Group', groupType: 1, persistentState: 1, preferredOwners: [] },
      { id: GROUP_STORAGE, name: 'Available Storage', groupType: 2, persistentState: 1 },
      { id: GROUP_SQL, name: 'SQL1', groupType: 100, persistentState: 1, preferredOwners: ['1', '2'] },
    ],
    resources: [
      { id: RES_IP, name: 'Cluster IP Address', type: 'IP Address', group: GROUP_CORE, parameters: [sz('Address', '10.0.0.10'), sz('SubnetMask', '255.255.255.0')] },
      { id: RES_NAME, name: 'Cluster Name', type: 'Network Name', group: GROUP_CORE, dependsOn: [RES_IP], parameters: [sz('Name', 'CLUSTER1')] },
      { id: RES_DISK1, name: 'Cluster Disk 1', type: 'Physical Disk', group: GROUP_STORAGE },
      { id: RES_SQL_IP, name: 'SQL IP Address', type: 'IP Address', group: GROUP_SQL, parameters: [sz('Address', '10.0.0.20')] },
      { id: RES_SQL, name: 'SQL Server', type: 'SQL Server', group: GROUP_SQL, dependsOn: [RES_SQL_IP] },
    ],
    networks: [{ id: '33333333-0000-0000-0000-000000000001', name: 'Cluster Network 1', role: 3, address: '10.0.0.0', mask: '255.255.255.0' }],
  };
}

/** The cluster database root key for `spec` (missing parts use `sampleSpec()`'s). */
export function clusterTree(partial: ClusterSpec = {}): RegistryKey {
  const spec = { ...sampleSpec(), ...partial };
  const contains = (groupId: string): string[] => spec.resources.filter((r) => r.group === groupId).map((r) => r.id);
  return key('', [sz('ClusterName', spec.name), sz('ClusterInstanceID', spec.instanceId), sz('PaxosTag', spec.paxosTag)], [
    key('Nodes', [], spec.nodes.map((n, i) => key(String(i + 1), [sz('NodeName', n), dword('NodeHighestVersion', 0x000b0000)]))),
    key('Groups', [], spec.groups.map((g) => key(g.id, [
      sz('Name', g.name), dword('GroupType', g.groupType ?? 9999), dword('PersistentState', g.persistentState ?? 0),
      multi('Contains', contains(g.id)), multi('PreferredOwners', g.preferredOwners ?? []),
    ]))),
    key('Resources', [], spec.resources.map((r) => key(r.id, [
      sz('Name', r.name), sz('Type', r.type), sz('Group', r.group), multi('DependsOn', r.dependsOn ?? []),
    ], [key('Parameters', r.parameters ?? [])]))),
    key('ResourceTypes', [], [...new Set(spec.resources.map((r) => r.type))].sort().map((t) => key(t, [sz('Name', t), sz('DllName', 'clusres.dll')]))),
    key('Networks', [], spec.networks.map((n) => key(n.id, [sz('Name', n.name), dword('Role', n.role), sz('Address', n.address), sz('AddressMask', n.mask)]))),
    key('NetworkInterfaces', [], spec.nodes.flatMap((node, i) => spec.networks.map((n, j) => key(`44444444-0000-0000-0000-${String(i * 100 + j).padStart(12, '0')}`, [
      sz('Name', `${node} - Ethernet`), sz('Node', String(i + 1)), sz('Network', n.id),
    ])))),
    key('Quorum', [sz('Resource', ''), dword('QuorumArbitrationTimeMax', 20)]),
  ]);
}

/** A large cluster: `resources` resources in `resources / 10` roles, for the benchmarks. */
export function largeSpec(resources: number, nodes = 8): Required<ClusterSpec> {
  const groups: GroupSpec[] = [];
  const list: ResourceSpec[] = [];
  const hex = (prefix: number, n: number): string => `${prefix.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
  for (let g = 0; g < Math.ceil(resources / 10); g++) {
    groups.push({ id: hex(0x1000, g), name: `Role ${g}`, groupType: 100, persistentState: 1, preferredOwners: ['1', '2'] });
  }
  for (let r = 0; r < resources; r++) {
    const group = groups[Math.floor(r / 10)].id;
    list.push({
      id: hex(0x2000, r), name: `Resource ${r}`, type: r % 10 === 0 ? 'IP Address' : 'Generic Service', group,
      dependsOn: r % 10 === 0 ? [] : [hex(0x2000, r - (r % 10))], parameters: [sz('ServiceName', `svc${r}`), dword('RestartDelay', 500)],
    });
  }
  return {
    ...sampleSpec(),
    nodes: Array.from({ length: nodes }, (_, i) => `NODE${i + 1}`),
    groups,
    resources: list,
  };
}
