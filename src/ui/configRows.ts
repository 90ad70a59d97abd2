/**
 * The rows a backup set expands into in the Backups view: the cluster (with its PaxosTag
 * and how it stands to the live cluster's), Roles → resources (type, dependencies),
 * Nodes and Networks, with the properties in descriptions and tooltips. Pure: no
 * vscode, so the unit tests read exactly what the tree shows.
 */
import type {
  ClusterConfiguration, ConfigNetwork, ConfigNode, ConfigProperty, ConfigResource, ConfigRole, ConfigurationSource,
} from '../config/model';
import { paxosRelation } from '../config/paxos';
import { untranslated, type Translate } from './format';
import type { TreeItemModel } from './treeModel';

/** A heading under a set: Roles, Nodes or Networks. */
export interface ConfigSectionElement {
  kind: 'configSection';
  id: string;
  section: 'roles' | 'nodes' | 'networks';
  source: ConfigurationSource;
}

/** One object of a set's configuration; `object` says which list `key` is an id in. */
export interface ConfigObjectElement {
  kind: 'configObject';
  id: string;
  object: 'cluster' | 'role' | 'resource' | 'node' | 'network';
  /** The object's id ("" for the cluster). */
  key: string;
  source: ConfigurationSource;
}

export type ConfigElement = ConfigSectionElement | ConfigObjectElement;

/** Tooltips list at most this many properties (a resource can have hundreds of parameters). */
const TOOLTIP_PROPERTIES = 40;

function idOf(setElementId: string, ...parts: string[]): string {
  return [setElementId, 'config', ...parts].join('/');
}

function find<T extends { id: string }>(list: readonly T[], id: string): T | undefined {
  const folded = id.toUpperCase();
  return list.find((x) => x.id.toUpperCase() === folded);
}

function propertyLines(properties: readonly ConfigProperty[], prefix = ''): string[] {
  const lines = properties.slice(0, TOOLTIP_PROPERTIES).map((p) => `${prefix}${p.name}: ${p.value}`);
  if (properties.length > TOOLTIP_PROPERTIES) lines.push(`… ${properties.length - TOOLTIP_PROPERTIES} more`);
  return lines;
}

function nodeNames(c: ClusterConfiguration, ids: readonly string[]): string {
  return ids.map((id) => find(c.nodes, id)?.name ?? id).join(', ');
}

/** The rows directly under a set whose configuration was read. */
export function configurationRoots(setElementId: string, source: ConfigurationSource): ConfigElement[] {
  return [
    { kind: 'configObject', id: idOf(setElementId, 'cluster'), object: 'cluster', key: '', source },
    { kind: 'configSection', id: idOf(setElementId, 'roles'), section: 'roles', source },
    { kind: 'configSection', id: idOf(setElementId, 'nodes'), section: 'nodes', source },
    { kind: 'configSection', id: idOf(setElementId, 'networks'), section: 'networks', source },
  ];
}

/** The children of a configuration row. */
export function configurationChildren(element: ConfigElement): ConfigElement[] {
  const { source } = element;
  const c = source.configuration;
  const base = element.id.slice(0, element.id.lastIndexOf('/config/'));
  const row = (object: ConfigObjectElement['object'], key: string): ConfigObjectElement =>
    ({ kind: 'configObject', id: idOf(base, object, key), object, key, source });
  if (element.kind === 'configSection') {
    switch (element.section) {
      case 'roles': return c.roles.map((g) => row('role', g.id));
      case 'nodes': return c.nodes.map((n) => row('node', n.id));
      case 'networks': return c.networks.map((n) => row('network', n.id));
    }
  }
  if (element.object === 'role') return (find(c.roles, element.key)?.resourceIds ?? []).map((id) => row('resource', id));
  return [];
}

/** "PaxosTag 1:1:20 · older than the live cluster's (1:1:27)". */
export function paxosDescription(tag: string | null, liveTag: string | null | undefined, t: Translate = untranslated): string {
  if (tag === null) return t('no PaxosTag');
  if (liveTag === undefined) return t('PaxosTag {0}', tag);
  switch (paxosRelation(tag, liveTag)) {
    case 'older': return t('PaxosTag {0} · older than the live cluster\'s ({1})', tag, liveTag ?? '');
    case 'newer': return t('PaxosTag {0} · newer than the live cluster\'s ({1})', tag, liveTag ?? '');
    case 'same': return t('PaxosTag {0} · same as the live cluster', tag);
    case 'unknown': return t('PaxosTag {0}', tag);
  }
}

function clusterModel(source: ConfigurationSource, liveTag: string | null | undefined, t: Translate): TreeItemModel {
  const c = source.configuration;
  const tooltip = [
    t('Cluster {0}', c.clusterName ?? '?'),
    t('Instance ID: {0}', c.instanceId ?? '?'),
    t('PaxosTag: {0}', c.paxosTag ?? '?'),
    ...(liveTag !== undefined ? [t('Live cluster\'s PaxosTag: {0}', liveTag ?? '?')] : []),
    ...propertyLines(c.properties),
    ...(c.quorum.length > 0 ? ['', t('Quorum'), ...propertyLines(c.quorum, '  ')] : []),
    ...(source.dirty ? ['', t('The hive was not flushed cleanly when it was copied; this is what its base file holds.')] : []),
    ...(c.problems.length > 0 ? ['', t('{0} problem(s) reading the configuration:', c.problems.length), ...c.problems.slice(0, 20).map((p) => `⚠ ${p}`)] : []),
  ];
  return {
    label: t('Cluster {0}', c.clusterName ?? '?'),
    description: paxosDescription(c.paxosTag, liveTag, t) + (c.problems.length > 0 ? ` · ${t('{0} problem(s)', c.problems.length)}` : ''),
    tooltip: tooltip.join('\n'),
    contextValue: 'config-cluster',
    icon: c.problems.length > 0 || source.dirty ? { id: 'warning', color: 'editorWarning.foreground' } : { id: 'server-environment' },
    collapsible: 'none',
  };
}

function roleModel(c: ClusterConfiguration, role: ConfigRole, t: Translate): TreeItemModel {
  const owners = nodeNames(c, role.preferredOwners);
  const parts = [t('{0} resource(s)', role.resourceIds.length)];
  if (owners) parts.push(t('preferred {0}', owners));
  return {
    label: role.name,
    description: parts.join(' · '),
    tooltip: [
      t('Role {0}', role.name), t('Id: {0}', role.id),
      t('GroupType: {0}', role.groupType ?? '?'), t('PersistentState: {0}', role.persistentState ?? '?'),
      t('Preferred owners: {0}', owners || t('any node')), ...propertyLines(role.properties),
    ].join('\n'),
    contextValue: 'config-role',
    icon: { id: 'layers' },
    collapsible: role.resourceIds.length > 0 ? 'collapsed' : 'none',
  };
}

function resourceModel(c: ClusterConfiguration, resource: ConfigResource, t: Translate): TreeItemModel {
  const deps = resource.dependsOn.map((id) => find(c.resources, id)?.name ?? id);
  const description = deps.length > 0 ? t('{0} · depends on {1}', resource.type || '?', deps.join(', ')) : resource.type || '?';
  return {
    label: resource.name,
    description,
    tooltip: [
      t('Resource {0}', resource.name), t('Id: {0}', resource.id), t('Type: {0}', resource.type || '?'),
      t('Depends on: {0}', deps.length > 0 ? deps.join(', ') : t('nothing')),
      ...propertyLines(resource.parameters, 'Parameters\\'), ...propertyLines(resource.properties),
    ].join('\n'),
    contextValue: 'config-resource',
    icon: { id: 'symbol-property' },
    collapsible: 'none',
  };
}

function nodeModel(node: ConfigNode, t: Translate): TreeItemModel {
  return {
    label: node.name,
    description: t('id {0}', node.id),
    tooltip: [t('Node {0}', node.name), t('Id: {0}', node.id), ...propertyLines(node.properties)].join('\n'),
    contextValue: 'config-node',
    icon: { id: 'server' },
    collapsible: 'none',
  };
}

function networkModel(c: ClusterConfiguration, network: ConfigNetwork, t: Translate): TreeItemModel {
  const address = network.address && network.addressMask ? `${network.address}/${network.addressMask}` : network.address || network.addressMask;
  const interfaces = c.interfaces.filter((i) => i.networkId.toUpperCase() === network.id.toUpperCase());
  return {
    label: network.name,
    description: [address, network.role === null ? '' : t('role {0}', network.role)].filter((p) => p !== '').join(' · '),
    tooltip: [
      t('Network {0}', network.name), t('Id: {0}', network.id), t('Address: {0}', address || '?'), t('Role: {0}', network.role ?? '?'),
      ...propertyLines(network.properties),
      ...(interfaces.length > 0 ? [t('Interfaces:'), ...interfaces.map((i) => `  ${i.name} (${find(c.nodes, i.nodeId)?.name ?? i.nodeId})`)] : []),
    ].join('\n'),
    contextValue: 'config-network',
    icon: { id: 'globe' },
    collapsible: 'none',
  };
}

const SECTION_LABEL = { roles: 'Roles', nodes: 'Nodes', networks: 'Networks' } as const;
const SECTION_ICON = { roles: 'layers', nodes: 'server', networks: 'globe' } as const;

/** How a configuration row looks; `liveTag` is the live cluster's PaxosTag (undefined: not known here). */
export function configItem(element: ConfigElement, liveTag: string | null | undefined, t: Translate = untranslated): TreeItemModel {
  const c = element.source.configuration;
  if (element.kind === 'configSection') {
    const count = element.section === 'roles' ? c.roles.length : element.section === 'nodes' ? c.nodes.length : c.networks.length;
    return {
      label: t(SECTION_LABEL[element.section]),
      description: String(count),
      contextValue: `configSection-${element.section}`,
      icon: { id: SECTION_ICON[element.section] },
      collapsible: count > 0 ? 'collapsed' : 'none',
    };
  }
  const missing = (): TreeItemModel => ({ label: element.key, contextValue: 'config-missing', icon: { id: 'question' }, collapsible: 'none' });
  switch (element.object) {
    case 'cluster': return clusterModel(element.source, liveTag, t);
    case 'role': {
      const role = find(c.roles, element.key);
      return role ? roleModel(c, role, t) : missing();
    }
    case 'resource': {
      const resource = find(c.resources, element.key);
      return resource ? resourceModel(c, resource, t) : missing();
    }
    case 'node': {
      const node = find(c.nodes, element.key);
      return node ? nodeModel(node, t) : missing();
    }
    case 'network': {
      const network = find(c.networks, element.key);
      return network ? networkModel(c, network, t) : missing();
    }
  }
}
