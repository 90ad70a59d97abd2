/**
 * Compares two cluster configurations: objects (nodes, roles, resources, types, networks,
 * interfaces) added and removed, matched by their key (GUID or id, without regard to
 * case), and properties changed, with references shown by name (a resource's role, its
 * dependencies, a role's preferred owners) so that a change reads as an administrator
 * would say it.
 *
 * Each configuration is first flattened into one entry per object (its properties as text,
 * and a signature of them). Objects are matched by key; where the signatures differ, microdiff
 * (a small, dependency-free deep comparison) says which properties changed. Comparing only
 * the objects that differ keeps a comparison of 10,000 resources fast. The changes are then
 * put in a fixed order.
 */
import microdiff from 'microdiff';
import type { ClusterConfiguration, ConfigChange, ConfigDiff, ConfigObjectKind, ConfigProperty } from './model';
import { compareText } from './parse';

/** One object flattened: its properties as text, in a fixed order, and their signature for a quick equality test. */
interface Entry {
  readonly id: string;
  readonly name: string;
  /** For a resource: its role's name. */
  readonly role?: string;
  /** Property names and values, alternating. */
  readonly fields: readonly string[];
  readonly signature: string;
}
type Flat = Record<ConfigObjectKind, Map<string, Entry>>;

/** Sections in the order changes are listed and rendered. */
export const OBJECT_ORDER: readonly ConfigObjectKind[] = ['cluster', 'node', 'role', 'resource', 'resourceType', 'network', 'interface', 'quorum'];

export const OBJECT_LABEL: Record<ConfigObjectKind, { one: string; many: string }> = {
  cluster: { one: 'cluster', many: 'cluster' },
  node: { one: 'node', many: 'nodes' },
  role: { one: 'role', many: 'roles' },
  resource: { one: 'resource', many: 'resources' },
  resourceType: { one: 'resource type', many: 'resource types' },
  network: { one: 'network', many: 'networks' },
  interface: { one: 'network interface', many: 'network interfaces' },
  quorum: { one: 'quorum', many: 'quorum' },
};

function numberText(n: number | null): string {
  return n === null ? '' : String(n);
}

function entry(id: string, name: string, fields: string[], properties: readonly ConfigProperty[], role?: string): Entry {
  for (const p of properties) fields.push(p.name, p.value);
  return { id, name, fields, signature: fields.join('\u0000'), ...(role === undefined ? {} : { role }) };
}

/** The configuration as flat, comparable entries keyed by folded id (the cluster and the quorum under ""). */
export function flattenConfiguration(c: ClusterConfiguration): Flat {
  const nodeName = new Map(c.nodes.map((n) => [n.id.toUpperCase(), n.name]));
  const roleName = new Map(c.roles.map((g) => [g.id.toUpperCase(), g.name]));
  const resourceName = new Map(c.resources.map((r) => [r.id.toUpperCase(), r.name]));
  const networkName = new Map(c.networks.map((n) => [n.id.toUpperCase(), n.name]));
  const named = (map: Map<string, string>, id: string): string => map.get(id.toUpperCase()) ?? id;
  const section = <T extends { id: string }>(list: readonly T[], make: (x: T) => Entry): Map<string, Entry> =>
    new Map(list.map((x) => [x.id.toUpperCase(), make(x)]));

  return {
    cluster: new Map([['', entry('', c.clusterName ?? '', [
      'Name', c.clusterName ?? '', 'Instance ID', c.instanceId ?? '', 'PaxosTag', c.paxosTag ?? '',
    ], c.properties)]]),
    node: section(c.nodes, (n) => entry(n.id, n.name, ['Name', n.name], n.properties)),
    role: section(c.roles, (g) => entry(g.id, g.name, [
      'Name', g.name, 'GroupType', numberText(g.groupType), 'PersistentState', numberText(g.persistentState),
      'Preferred owners', g.preferredOwners.map((id) => named(nodeName, id)).join(', '),
    ], g.properties)),
    resource: section(c.resources, (r) => {
      const role = r.roleId === null ? '' : named(roleName, r.roleId);
      const deps = r.dependsOn.length === 0 ? '' : r.dependsOn.map((id) => named(resourceName, id)).sort(compareText).join(', ');
      const fields = ['Name', r.name, 'Type', r.type, 'Role', role, 'Depends on', deps];
      for (const p of r.parameters) fields.push(`Parameters\\${p.name}`, p.value);
      return entry(r.id, r.name, fields, r.properties, role);
    }),
    resourceType: section(c.resourceTypes, (t) => entry(t.id, t.name, ['Name', t.name, 'DllName', t.dllName], t.properties)),
    network: section(c.networks, (n) => entry(n.id, n.name, [
      'Name', n.name, 'Role', numberText(n.role), 'Address', n.address, 'AddressMask', n.addressMask,
    ], n.properties)),
    interface: section(c.interfaces, (i) => entry(i.id, i.name, [
      'Name', i.name, 'Node', named(nodeName, i.nodeId), 'Network', named(networkName, i.networkId),
    ], i.properties)),
    quorum: new Map([['', entry('', 'Quorum', [], c.quorum)]]),
  };
}

function record(e: Entry): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < e.fields.length; i += 2) out[e.fields[i]] = e.fields[i + 1];
  return out;
}

const CHANGE_ORDER = { removed: 0, added: 1, changed: 2 } as const;

function compareChanges(a: ConfigChange, b: ConfigChange): number {
  return OBJECT_ORDER.indexOf(a.object) - OBJECT_ORDER.indexOf(b.object)
    || compareText(a.role ?? '', b.role ?? '')
    || compareText(a.name, b.name)
    || compareText(a.id, b.id)
    || CHANGE_ORDER[a.change] - CHANGE_ORDER[b.change]
    || compareText(a.property ?? '', b.property ?? '');
}

/** "3 changes: 1 role added, 1 resource removed, 1 property changed" or "No differences". */
export function summarizeChanges(changes: readonly ConfigChange[]): string {
  if (changes.length === 0) return 'No differences';
  const parts: string[] = [];
  for (const object of OBJECT_ORDER) {
    for (const change of ['added', 'removed'] as const) {
      const n = changes.filter((c) => c.object === object && c.change === change).length;
      if (n > 0) parts.push(`${n} ${n === 1 ? OBJECT_LABEL[object].one : OBJECT_LABEL[object].many} ${change}`);
    }
  }
  const changed = changes.filter((c) => c.change === 'changed').length;
  if (changed > 0) parts.push(`${changed} ${changed === 1 ? 'property' : 'properties'} changed`);
  return `${changes.length} ${changes.length === 1 ? 'change' : 'changes'}: ${parts.join(', ')}`;
}

/** What changed from `before` to `after`. */
export function compareConfigurations(before: ClusterConfiguration, after: ClusterConfiguration): ConfigDiff {
  const a = flattenConfiguration(before);
  const b = flattenConfiguration(after);
  const changes: ConfigChange[] = [];
  const whole = (change: 'added' | 'removed', object: ConfigObjectKind, e: Entry): void => {
    changes.push({ change, object, id: e.id, name: e.name, ...(e.role === undefined ? {} : { role: e.role }) });
  };
  for (const object of OBJECT_ORDER) {
    const older = a[object];
    const newer = b[object];
    for (const [key, old] of older) {
      const now = newer.get(key);
      if (!now) {
        whole('removed', object, old);
        continue;
      }
      if (old.signature === now.signature) continue;
      // The same object on both sides with different properties: microdiff says which.
      const oldRecord = record(old);
      const newRecord = record(now);
      const properties = new Set(microdiff(oldRecord, newRecord).map((d) => String(d.path[0])));
      for (const property of properties) {
        changes.push({
          change: 'changed', object, id: now.id, name: now.name || old.name || key, ...(now.role === undefined ? {} : { role: now.role }),
          property, before: oldRecord[property] ?? '', after: newRecord[property] ?? '',
        });
      }
    }
    for (const [key, now] of newer) if (!older.has(key)) whole('added', object, now);
  }
  changes.sort(compareChanges);
  return { equal: changes.length === 0, changes, summary: summarizeChanges(changes) };
}
