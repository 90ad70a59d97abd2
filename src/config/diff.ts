/**
 * Compares two cluster configurations: objects (nodes, roles, resources, types, networks,
 * interfaces) added and removed, matched by their key (GUID or id, without regard to
 * case), and properties changed, with references shown by name (a resource's role, its
 * dependencies, a role's preferred owners) so that a change reads as an administrator
 * would say it.
 *
 * Each configuration is first flattened into { section: { id: { property: text } } };
 * microdiff (a small, dependency-free deep comparison) finds what differs between the two
 * flat trees, and the changes are then put in a fixed order.
 */
import microdiff from 'microdiff';
import type { ClusterConfiguration, ConfigChange, ConfigDiff, ConfigObjectKind, ConfigProperty } from './model';
import { compareText } from './parse';

type Record_ = Record<string, string>;
type Section = Record<string, Record_>;
type Flat = Record<ConfigObjectKind, Section>;

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

const NAME = 'Name';
/** The role's name of a resource (not a property: used for messages). */
const ROLE_OF = '\u0000role';

function withProperties(base: Record_, properties: readonly ConfigProperty[], prefix = ''): Record_ {
  for (const p of properties) base[`${prefix}${p.name}`] = p.value;
  return base;
}

function numberText(n: number | null): string {
  return n === null ? '' : String(n);
}

/** The configuration as flat, comparable records keyed by folded id. */
export function flattenConfiguration(c: ClusterConfiguration): Flat {
  const nodeName = new Map(c.nodes.map((n) => [n.id.toUpperCase(), n.name]));
  const roleName = new Map(c.roles.map((g) => [g.id.toUpperCase(), g.name]));
  const resourceName = new Map(c.resources.map((r) => [r.id.toUpperCase(), r.name]));
  const networkName = new Map(c.networks.map((n) => [n.id.toUpperCase(), n.name]));
  const named = (map: Map<string, string>, id: string): string => map.get(id.toUpperCase()) ?? id;

  const flat: Flat = { cluster: {}, node: {}, role: {}, resource: {}, resourceType: {}, network: {}, interface: {}, quorum: {} };
  flat.cluster[''] = withProperties({
    [NAME]: c.clusterName ?? '', 'Instance ID': c.instanceId ?? '', PaxosTag: c.paxosTag ?? '',
  }, c.properties);
  for (const n of c.nodes) flat.node[n.id.toUpperCase()] = withProperties({ [NAME]: n.name }, n.properties);
  for (const g of c.roles) {
    flat.role[g.id.toUpperCase()] = withProperties({
      [NAME]: g.name, GroupType: numberText(g.groupType), PersistentState: numberText(g.persistentState),
      'Preferred owners': g.preferredOwners.map((id) => named(nodeName, id)).join(', '),
    }, g.properties);
  }
  for (const r of c.resources) {
    flat.resource[r.id.toUpperCase()] = withProperties(withProperties({
      [NAME]: r.name, Type: r.type, Role: r.roleId === null ? '' : named(roleName, r.roleId),
      'Depends on': r.dependsOn.map((id) => named(resourceName, id)).sort(compareText).join(', '),
      [ROLE_OF]: r.roleId === null ? '' : named(roleName, r.roleId),
    }, r.parameters, 'Parameters\\'), r.properties);
  }
  for (const t of c.resourceTypes) flat.resourceType[t.id.toUpperCase()] = withProperties({ [NAME]: t.name, DllName: t.dllName }, t.properties);
  for (const n of c.networks) {
    flat.network[n.id.toUpperCase()] = withProperties({
      [NAME]: n.name, Role: numberText(n.role), Address: n.address, AddressMask: n.addressMask,
    }, n.properties);
  }
  for (const i of c.interfaces) {
    flat.interface[i.id.toUpperCase()] = withProperties({
      [NAME]: i.name, Node: named(nodeName, i.nodeId), Network: named(networkName, i.networkId),
    }, i.properties);
  }
  flat.quorum[''] = withProperties({}, c.quorum);
  return flat;
}

/** The stored (not folded) id of every object, by section and folded id. */
function idIndex(c: ClusterConfiguration): Map<string, string> {
  const index = new Map<string, string>();
  const add = (object: ConfigObjectKind, list: readonly { id: string }[]): void => {
    for (const x of list) index.set(`${object}\u0000${x.id.toUpperCase()}`, x.id);
  };
  add('node', c.nodes);
  add('role', c.roles);
  add('resource', c.resources);
  add('resourceType', c.resourceTypes);
  add('network', c.networks);
  add('interface', c.interfaces);
  return index;
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
  const beforeIds = idIndex(before);
  const afterIds = idIndex(after);
  const originalId = (ids: Map<string, string>, section: ConfigObjectKind, folded: string): string =>
    ids.get(`${section}\u0000${folded}`) ?? folded;
  const changes: ConfigChange[] = [];
  const changedProperties = new Set<string>();
  for (const d of microdiff(a, b)) {
    const [section, folded, property] = d.path as [ConfigObjectKind, string, string | undefined];
    if (property === undefined) {
      // A whole object (never the cluster or quorum record, which always exist on both sides).
      const record = (d.type === 'CREATE' ? b : a)[section][folded];
      const ids = d.type === 'CREATE' ? afterIds : beforeIds;
      changes.push({
        change: d.type === 'CREATE' ? 'added' : 'removed', object: section, id: originalId(ids, section, folded),
        name: record[NAME] ?? folded, ...(section === 'resource' ? { role: record[ROLE_OF] } : {}),
      });
      continue;
    }
    if (property === ROLE_OF) continue;
    const key = `${section}\u0000${folded}\u0000${property}`;
    if (changedProperties.has(key)) continue;
    changedProperties.add(key);
    const oldRecord = a[section][folded];
    const newRecord = b[section][folded];
    changes.push({
      change: 'changed', object: section, id: section === 'cluster' || section === 'quorum' ? '' : originalId(afterIds, section, folded),
      name: section === 'quorum' ? 'Quorum' : newRecord[NAME] || oldRecord[NAME] || folded,
      ...(section === 'resource' ? { role: newRecord[ROLE_OF] } : {}),
      property, before: oldRecord[property] ?? '', after: newRecord[property] ?? '',
    });
  }
  changes.sort(compareChanges);
  return { equal: changes.length === 0, changes, summary: summarizeChanges(changes) };
}
