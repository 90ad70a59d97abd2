/**
 * The cluster configuration read from a cluster database (a ClusDb hive in a backup set,
 * or the live database through the cluster registry API), and the comparison of two of
 * them. This module owns these shapes: the engine process, the CLI and the UI all import
 * them from here (plain JSON data: no vscode, no koffi).
 */

/** A value shown as text: strings as stored, numbers in decimal, lists joined, binary as hex. */
export interface ConfigProperty {
  readonly name: string;
  readonly value: string;
}

export interface ConfigNode {
  /** The node id: the name of its subkey under Nodes. */
  readonly id: string;
  readonly name: string;
  /** Every other value of the node's key (and of its subkeys, as `Subkey\Value`). */
  readonly properties: readonly ConfigProperty[];
}

export interface ConfigResource {
  /** The resource's GUID: the name of its subkey under Resources. */
  readonly id: string;
  readonly name: string;
  /** The resource type's name (`Type`), e.g. "IP Address"; "" when missing. */
  readonly type: string;
  /** The id of the role (group) it belongs to, or null when it names none. */
  readonly roleId: string | null;
  /** The ids of the resources it depends on (`DependsOn`), as stored. */
  readonly dependsOn: readonly string[];
  /** The `Parameters` subkey's values. */
  readonly parameters: readonly ConfigProperty[];
  readonly properties: readonly ConfigProperty[];
}

export interface ConfigRole {
  /** The group's GUID: the name of its subkey under Groups. */
  readonly id: string;
  readonly name: string;
  readonly groupType: number | null;
  readonly persistentState: number | null;
  /** Node ids in preference order (`PreferredOwners`). */
  readonly preferredOwners: readonly string[];
  /** Ids of its resources: those whose `Group` names it, then any listed only in `Contains`; sorted by name. */
  readonly resourceIds: readonly string[];
  readonly properties: readonly ConfigProperty[];
}

export interface ConfigResourceType {
  /** The subkey's name under ResourceTypes. */
  readonly id: string;
  readonly name: string;
  readonly dllName: string;
  readonly properties: readonly ConfigProperty[];
}

export interface ConfigNetwork {
  readonly id: string;
  readonly name: string;
  readonly role: number | null;
  readonly address: string;
  readonly addressMask: string;
  readonly properties: readonly ConfigProperty[];
}

export interface ConfigNetworkInterface {
  readonly id: string;
  readonly name: string;
  /** The node id (`Node`). */
  readonly nodeId: string;
  /** The network id (`Network`). */
  readonly networkId: string;
  readonly properties: readonly ConfigProperty[];
}

export interface ClusterConfiguration {
  readonly clusterName: string | null;
  readonly instanceId: string | null;
  /** As stored, e.g. "2:2:145" (next epoch : epoch : sequence); null when missing. */
  readonly paxosTag: string | null;
  /** Sorted by id (numerically when the ids are numbers). */
  readonly nodes: readonly ConfigNode[];
  /** Sorted by name, then id. */
  readonly roles: readonly ConfigRole[];
  /** Sorted by name, then id. */
  readonly resources: readonly ConfigResource[];
  readonly resourceTypes: readonly ConfigResourceType[];
  readonly networks: readonly ConfigNetwork[];
  readonly interfaces: readonly ConfigNetworkInterface[];
  /** The Quorum key's values. */
  readonly quorum: readonly ConfigProperty[];
  /** The root's other values, and the values of root subkeys this model does not know. */
  readonly properties: readonly ConfigProperty[];
  /** Missing or odd values, one line each (the configuration is still read). */
  readonly problems: readonly string[];
}

/** What a comparison talks about. */
export type ConfigObjectKind = 'cluster' | 'node' | 'role' | 'resource' | 'resourceType' | 'network' | 'interface' | 'quorum';

export interface ConfigChange {
  readonly change: 'added' | 'removed' | 'changed';
  readonly object: ConfigObjectKind;
  /** The object's key (GUID, node id, type name; "" for the cluster and the quorum). */
  readonly id: string;
  /** The object's name (the newer side's, or the removed object's). */
  readonly name: string;
  /** For a resource: the name of its role. */
  readonly role?: string;
  /** For `changed`: the property, e.g. "PersistentState", "Parameters\Address", "Depends on". */
  readonly property?: string;
  /** For `changed`: the value on each side ("" when absent there). */
  readonly before?: string;
  readonly after?: string;
}

export interface ConfigDiff {
  readonly equal: boolean;
  /** From the first configuration to the second; in rendering order (kind, then name, then property). */
  readonly changes: readonly ConfigChange[];
  /** One line: "3 changes: 1 role added, 2 properties changed" or "No differences". */
  readonly summary: string;
}

/** A configuration with where it came from, as requests carry it. */
export interface ConfigurationSource {
  /** e.g. "backup CLUSTER1_NODE1_20261206T120000Z" or "live cluster CLUSTER1". */
  readonly label: string;
  readonly configuration: ClusterConfiguration;
  /** For a backup set: its folder, and the SHA-256 of its ClusDb file (what caches key on). */
  readonly setPath?: string;
  readonly sha256?: string;
  /** The hive's base block said it was not flushed cleanly (its logs were not applied). */
  readonly dirty?: boolean;
  /** For a backup set: why it was taken (its manifest's `reason`), when it records one. */
  readonly reason?: string;
}
