/**
 * Text renderings: a configuration as a stable, readable document (what `fcbackup show`
 * prints and what each side of VS Code's diff editor shows: the same configuration always
 * gives the same text, objects sorted by name with their key, one property a line), and
 * the changes of a comparison as sentences.
 */
import { OBJECT_LABEL } from './diff';
import type { ClusterConfiguration, ConfigChange, ConfigDiff, ConfigProperty } from './model';

const INDENT = '  ';

/** A name in double quotes as stored, without escaping (`"File Server (\\FS1)"` reads as the administrator wrote it). */
export function quoted(name: string): string {
  return `"${name}"`;
}

function propertyLines(lines: string[], depth: number, properties: readonly ConfigProperty[], prefix = ''): void {
  for (const p of properties) lines.push(`${INDENT.repeat(depth)}${prefix}${p.name}: ${p.value}`);
}

function field(lines: string[], depth: number, name: string, value: string | number | null): void {
  if (value === null || value === '') return;
  lines.push(`${INDENT.repeat(depth)}${name}: ${value}`);
}

/** The configuration as text; `header` lines (e.g. where it came from) go first. */
export function renderConfiguration(c: ClusterConfiguration, header: readonly string[] = []): string {
  const nodeName = new Map(c.nodes.map((n) => [n.id.toUpperCase(), n.name]));
  const resourceById = new Map(c.resources.map((r) => [r.id.toUpperCase(), r]));
  const networkName = new Map(c.networks.map((n) => [n.id.toUpperCase(), n.name]));
  const named = (map: Map<string, string>, id: string): string => map.get(id.toUpperCase()) ?? id;
  const lines: string[] = [...header];
  if (header.length > 0) lines.push('');

  lines.push(`Cluster ${c.clusterName ?? '(no ClusterName)'}`);
  field(lines, 1, 'Instance ID', c.instanceId);
  field(lines, 1, 'PaxosTag', c.paxosTag);
  propertyLines(lines, 1, c.properties);

  lines.push('', `Nodes (${c.nodes.length})`);
  for (const n of c.nodes) {
    lines.push(`${INDENT}Node ${n.id} ${quoted(n.name)}`);
    propertyLines(lines, 2, n.properties);
  }

  const renderResource = (id: string, depth: number): void => {
    const r = resourceById.get(id.toUpperCase());
    if (!r) return;
    lines.push(`${INDENT.repeat(depth)}Resource ${quoted(r.name)} {${r.id}}`);
    field(lines, depth + 1, 'Type', r.type);
    field(lines, depth + 1, 'Depends on', r.dependsOn.map((d) => quoted(resourceById.get(d.toUpperCase())?.name ?? d)).join(', '));
    propertyLines(lines, depth + 1, r.parameters, 'Parameters\\');
    propertyLines(lines, depth + 1, r.properties);
  };

  lines.push('', `Roles (${c.roles.length})`);
  const inRole = new Set<string>();
  for (const g of c.roles) {
    lines.push(`${INDENT}Role ${quoted(g.name)} {${g.id}}`);
    field(lines, 2, 'GroupType', g.groupType);
    field(lines, 2, 'PersistentState', g.persistentState);
    field(lines, 2, 'Preferred owners', g.preferredOwners.map((id) => named(nodeName, id)).join(', '));
    propertyLines(lines, 2, g.properties);
    for (const id of g.resourceIds) {
      inRole.add(id.toUpperCase());
      renderResource(id, 2);
    }
  }
  const loose = c.resources.filter((r) => !inRole.has(r.id.toUpperCase()));
  if (loose.length > 0) {
    lines.push('', `Resources in no role (${loose.length})`);
    for (const r of loose) renderResource(r.id, 1);
  }

  lines.push('', `Resource types (${c.resourceTypes.length})`);
  for (const t of c.resourceTypes) {
    lines.push(`${INDENT}Resource type ${quoted(t.name)}`);
    field(lines, 2, 'DllName', t.dllName);
    propertyLines(lines, 2, t.properties);
  }

  lines.push('', `Networks (${c.networks.length})`);
  for (const n of c.networks) {
    lines.push(`${INDENT}Network ${quoted(n.name)} {${n.id}}`);
    field(lines, 2, 'Role', n.role);
    field(lines, 2, 'Address', n.address && n.addressMask ? `${n.address} / ${n.addressMask}` : n.address || n.addressMask);
    propertyLines(lines, 2, n.properties);
  }

  lines.push('', `Network interfaces (${c.interfaces.length})`);
  for (const i of c.interfaces) {
    lines.push(`${INDENT}Interface ${quoted(i.name)} {${i.id}}`);
    field(lines, 2, 'Node', named(nodeName, i.nodeId));
    field(lines, 2, 'Network', named(networkName, i.networkId));
    propertyLines(lines, 2, i.properties);
  }

  if (c.quorum.length > 0) {
    lines.push('', 'Quorum');
    propertyLines(lines, 1, c.quorum);
  }
  if (c.problems.length > 0) {
    lines.push('', `Problems read (${c.problems.length})`);
    for (const p of c.problems) lines.push(`${INDENT}${p}`);
  }
  return lines.join('\n') + '\n';
}

/** `role "SQL2"`, `resource "Disk 2" (role "Available Storage")`, `the cluster`. */
export function describeObject(change: ConfigChange): string {
  if (change.object === 'cluster') return 'the cluster';
  if (change.object === 'quorum') return 'the quorum';
  const role = change.object === 'resource' && change.role ? ` (role ${quoted(change.role)})` : '';
  return `${OBJECT_LABEL[change.object].one} ${quoted(change.name)}${role}`;
}

function shown(value: string | undefined): string {
  return value === undefined || value === '' ? '(none)' : quoted(value);
}

/** One change as a sentence, from the first configuration's view to the second's. */
export function describeChange(change: ConfigChange): string {
  if (change.change !== 'changed') return `${describeObject(change)} ${change.change}`;
  return `${describeObject(change)}: ${change.property} changed from ${shown(change.before)} to ${shown(change.after)}`;
}

/** The comparison for a person: the summary, then one change a line. */
export function renderDiff(diff: ConfigDiff, before: string, after: string): string {
  const lines = [`Comparing ${before} with ${after}: ${diff.summary}`];
  for (const change of diff.changes) lines.push(`  ${describeChange(change)}`);
  return lines.join('\n') + '\n';
}
