/**
 * The cluster configuration model from the root key of a cluster database: root values
 * ClusterName, ClusterInstanceID, PaxosTag; subkeys Nodes, Groups, Resources,
 * ResourceTypes, Networks, NetworkInterfaces and Quorum (the layout docs/windows.md
 * describes). Anything missing or odd is reported in `problems` and read as far as it
 * goes; nothing here throws for a strange tree.
 */
import type { RegistryKey } from '../hive/types';
import type {
  ClusterConfiguration, ConfigNetwork, ConfigNetworkInterface, ConfigNode, ConfigProperty, ConfigResource,
  ConfigResourceType, ConfigRole,
} from './model';
import { KeyReader, flattenKey } from './values';

const KNOWN_ROOT_KEYS = ['Nodes', 'Groups', 'Resources', 'ResourceTypes', 'Networks', 'NetworkInterfaces', 'Quorum'];

function subkey(root: RegistryKey, name: string): RegistryKey | undefined {
  const folded = name.toUpperCase();
  return root.subkeys.find((k) => k.name.toUpperCase() === folded);
}

function children(root: RegistryKey, name: string): readonly RegistryKey[] {
  return subkey(root, name)?.subkeys ?? [];
}

function sortProperties(list: ConfigProperty[]): ConfigProperty[] {
  return list.sort((a, b) => compareText(a.name, b.name));
}

/** Ordinal comparison, case-insensitive first so that the order reads naturally, then exact (deterministic). */
export function compareText(a: string, b: string): number {
  const fa = a.toUpperCase();
  const fb = b.toUpperCase();
  if (fa !== fb) return fa < fb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function byNameThenId<T extends { name: string; id: string }>(a: T, b: T): number {
  return compareText(a.name, b.name) || compareText(a.id, b.id);
}

function byNumericId<T extends { id: string }>(a: T, b: T): number {
  const na = Number(a.id);
  const nb = Number(b.id);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return compareText(a.id, b.id);
}

function readNodes(root: RegistryKey, problems: string[]): ConfigNode[] {
  return children(root, 'Nodes').map((key) => {
    const r = new KeyReader(key, `Nodes\\${key.name}`, problems);
    const name = r.text('NodeName', { required: true }) ?? key.name;
    return { id: key.name, name, properties: sortProperties(r.rest()) };
  }).sort(byNumericId);
}

function readResources(root: RegistryKey, problems: string[]): ConfigResource[] {
  return children(root, 'Resources').map((key) => {
    const where = `Resources\\${key.name}`;
    const r = new KeyReader(key, where, problems);
    const name = r.text('Name', { required: true }) ?? key.name;
    const type = r.text('Type', { required: true }) ?? '';
    const roleId = r.text('Group');
    const dependsOn = r.list('DependsOn');
    const params = subkey(key, 'Parameters');
    const parameters: ConfigProperty[] = [];
    if (params) {
      for (const p of new KeyReader(params, `${where}\\Parameters`, problems).rest()) parameters.push(p);
    }
    return {
      id: key.name, name, type, roleId: roleId === '' ? null : roleId, dependsOn,
      parameters: sortProperties(parameters), properties: sortProperties(r.rest(['Parameters'])),
    };
  }).sort(byNameThenId);
}

function readRoles(root: RegistryKey, resources: ConfigResource[], problems: string[]): ConfigRole[] {
  const byId = new Map(resources.map((res) => [res.id.toUpperCase(), res]));
  const resourceIds = new Set(byId.keys());
  const byRole = new Map<string, string[]>();
  for (const res of resources) {
    if (res.roleId === null) continue;
    const folded = res.roleId.toUpperCase();
    const list = byRole.get(folded);
    if (list) list.push(res.id);
    else byRole.set(folded, [res.id]);
  }
  const order = new Map(resources.map((res, i) => [res.id, i]));
  const roles = children(root, 'Groups').map((key) => {
    const where = `Groups\\${key.name}`;
    const r = new KeyReader(key, where, problems);
    const name = r.text('Name', { required: true }) ?? key.name;
    const groupType = r.number('GroupType');
    const persistentState = r.number('PersistentState');
    const contains = r.list('Contains');
    const preferredOwners = r.list('PreferredOwners');
    for (const id of contains) {
      if (!resourceIds.has(id.toUpperCase())) problems.push(`${where}: Contains ${id}, which is not under Resources`);
    }
    const own = key.name.toUpperCase();
    const members = [...(byRole.get(own) ?? [])];
    const seen = new Set(members.map((m) => m.toUpperCase()));
    for (const id of contains) {
      const folded = id.toUpperCase();
      if (seen.has(folded) || !resourceIds.has(folded)) continue;
      const res = byId.get(folded);
      if (res?.roleId) continue; // it names another role; reported below
      problems.push(`${where}: Contains ${id}, whose Group value does not name this role`);
      members.push(res?.id ?? id);
      seen.add(folded);
    }
    members.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    return { id: key.name, name, groupType, persistentState, preferredOwners, resourceIds: members, properties: sortProperties(r.rest()) };
  }).sort(byNameThenId);
  const roleIds = new Set(roles.map((g) => g.id.toUpperCase()));
  for (const res of resources) {
    if (res.roleId === null) problems.push(`Resources\\${res.id}: no Group value (the resource is in no role)`);
    else if (!roleIds.has(res.roleId.toUpperCase())) problems.push(`Resources\\${res.id}: Group ${res.roleId} is not under Groups`);
    for (const dep of res.dependsOn) {
      if (!resourceIds.has(dep.toUpperCase())) problems.push(`Resources\\${res.id}: DependsOn ${dep}, which is not under Resources`);
    }
  }
  return roles;
}

function readResourceTypes(root: RegistryKey, problems: string[]): ConfigResourceType[] {
  return children(root, 'ResourceTypes').map((key) => {
    const r = new KeyReader(key, `ResourceTypes\\${key.name}`, problems);
    const name = r.text('Name') ?? key.name;
    const dllName = r.text('DllName') ?? '';
    return { id: key.name, name, dllName, properties: sortProperties(r.rest()) };
  }).sort(byNameThenId);
}

function readNetworks(root: RegistryKey, problems: string[]): ConfigNetwork[] {
  return children(root, 'Networks').map((key) => {
    const r = new KeyReader(key, `Networks\\${key.name}`, problems);
    const name = r.text('Name', { required: true }) ?? key.name;
    const role = r.number('Role');
    const address = r.text('Address') ?? '';
    const addressMask = r.text('AddressMask') ?? '';
    return { id: key.name, name, role, address, addressMask, properties: sortProperties(r.rest()) };
  }).sort(byNameThenId);
}

function readInterfaces(root: RegistryKey, problems: string[]): ConfigNetworkInterface[] {
  return children(root, 'NetworkInterfaces').map((key) => {
    const r = new KeyReader(key, `NetworkInterfaces\\${key.name}`, problems);
    const name = r.text('Name', { required: true }) ?? key.name;
    const nodeId = r.text('Node') ?? '';
    const networkId = r.text('Network') ?? '';
    return { id: key.name, name, nodeId, networkId, properties: sortProperties(r.rest()) };
  }).sort(byNameThenId);
}

/** The configuration held by a cluster database whose root key is `root`. */
export function configurationFromRegistry(root: RegistryKey): ClusterConfiguration {
  const problems: string[] = [];
  const r = new KeyReader(root, 'the root key', problems);
  const clusterName = r.text('ClusterName', { required: true });
  const instanceId = r.text('ClusterInstanceID', { required: true });
  // Stored as text ("next epoch:epoch:sequence") or as a number, depending on the writer: both are read.
  const paxosTag = r.textOrNumber('PaxosTag', { required: true });
  const resources = readResources(root, problems);
  const roles = readRoles(root, resources, problems);
  const quorumKey = subkey(root, 'Quorum');
  const quorum: ConfigProperty[] = [];
  if (quorumKey) flattenKey(quorumKey, '', quorum, 0);
  return {
    clusterName,
    instanceId,
    paxosTag,
    nodes: readNodes(root, problems),
    roles,
    resources,
    resourceTypes: readResourceTypes(root, problems),
    networks: readNetworks(root, problems),
    interfaces: readInterfaces(root, problems),
    quorum: sortProperties(quorum.map((p) => ({ name: p.name.replace(/^\\/, ''), value: p.value }))),
    properties: sortProperties(r.rest(KNOWN_ROOT_KEYS)),
    problems,
  };
}
