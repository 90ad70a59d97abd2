/**
 * What a person can do about a failing Windows call, by the code's symbolic name.
 * The engine process appends it to the error message (src/worker/server.ts), so the
 * extension's notification and the CLI's one-line error both say what to do next.
 * Operation-specific advice (e.g. the backup's "nothing was kept; check the VSS
 * writers") is added where the operation fails; this table covers the codes that
 * mean the same thing wherever they come from.
 */
const ADVICE: ReadonlyArray<[readonly string[], string]> = [
  [['ERROR_ACCESS_DENIED', 'E_ACCESSDENIED', 'ERROR_PRIVILEGE_NOT_HELD', 'ERROR_NOT_ALL_ASSIGNED', 'ERROR_ELEVATION_REQUIRED'],
    'Run VS Code or fcbackup as an administrator (elevated) on the node, with an account that administers the cluster.'],
  [['RPC_S_SERVER_UNAVAILABLE', 'RPC_S_CALL_FAILED', 'RPC_S_CALL_FAILED_DNE', 'RPC_S_SERVER_TOO_BUSY', 'ERROR_CLUSTER_NODE_UNREACHABLE'],
    'Check the name, that the cluster or node answers over the network from here, and that its firewall allows remote management (RPC).'],
  [['EPT_S_NOT_REGISTERED', 'ERROR_CLUSTER_NODE_DOWN', 'ERROR_NODE_NOT_AVAILABLE', 'ERROR_CLUSTER_NODE_NOT_READY', 'ERROR_CLUSTER_NODE_SHUTTING_DOWN'],
    'The Cluster service is not running there: start it (Start-Service ClusSvc) or connect through another node.'],
  [['ERROR_SERVICE_DOES_NOT_EXIST'],
    'The Failover Clustering feature is not installed on that server.'],
  [['ERROR_SERVICE_REQUEST_TIMEOUT', 'ERROR_SERVICE_START_HANG', 'ERROR_SERVICE_CANNOT_ACCEPT_CTRL'],
    'The Cluster service did not answer in time; check the System event log on that node, then try again.'],
  [['ERROR_SERVICE_DISABLED'],
    'The Cluster service is disabled on that node; set its start type to Automatic, then try again.'],
  [['ERROR_CLUSTER_NODE_NOT_FOUND', 'ERROR_CLUSTER_NODE_NOT_MEMBER', 'ERROR_CLUSTER_INVALID_NODE'],
    'That name is not a node of the cluster; check the name.'],
  [['ERROR_MOD_NOT_FOUND', 'ERROR_PROC_NOT_FOUND'],
    'Install the Failover Clustering feature or its management tools (RSAT-Clustering) on this server.'],
  [['VSS_E_SNAPSHOT_SET_IN_PROGRESS', 'VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED'],
    'Another shadow copy is being made or too many exist; wait for it, or delete old shadow copies (vssadmin list shadows), then try again.'],
  [['VSS_E_INSUFFICIENT_STORAGE'],
    'Free space on the volume that holds the cluster database (shadow copies need room), then try again.'],
];

const BY_NAME = new Map<string, string>();
for (const [names, text] of ADVICE) for (const name of names) BY_NAME.set(name, text);

/** Advice for a Win32 or HRESULT symbolic name (HRESULT_FROM_WIN32(X) counts as X), or undefined. */
export function adviceFor(codeName: string): string | undefined {
  const inner = /^HRESULT_FROM_WIN32\((.+)\)$/.exec(codeName);
  return BY_NAME.get(inner ? inner[1] : codeName);
}

/** `message` followed by the advice for `codeName`, unless it already says it. */
export function withAdvice(message: string, codeName: string | undefined): string {
  const advice = codeName ? adviceFor(codeName) : undefined;
  if (!advice || message.includes(advice)) return message;
  return `${message.replace(/[.\s]+$/, '')}. ${advice}`;
}
