/**
 * Pure policy functions of discovery: which errors mean a node cannot be reached, how
 * computer names compare, what a user-typed cluster name may look like.
 */
import { EngineError } from './errors';

/**
 * Codes that mean "that node (or the RPC endpoint on it) cannot be reached right now",
 * as opposed to a refusal or a bug: RPC transport failures and the cluster's own
 * node-down/unreachable/not-ready answers.
 */
const UNREACHABLE_CODES: ReadonlySet<number> = new Set([
  1722, // RPC_S_SERVER_UNAVAILABLE
  1723, // RPC_S_SERVER_TOO_BUSY
  1726, // RPC_S_CALL_FAILED
  1727, // RPC_S_CALL_FAILED_DNE
  1753, // EPT_S_NOT_REGISTERED
  5036, // ERROR_NODE_NOT_AVAILABLE
  5050, // ERROR_CLUSTER_NODE_DOWN
  5051, // ERROR_CLUSTER_NODE_UNREACHABLE
  5072, // ERROR_CLUSTER_NODE_NOT_READY
  5073, // ERROR_CLUSTER_NODE_SHUTTING_DOWN
]);

export function isUnreachableError(code: number): boolean {
  return UNREACHABLE_CODES.has(code >>> 0);
}

/** Longest cluster name the engine accepts from any client (a DNS name is at most 253 characters; IPv6 literals fit too). */
export const MAX_CLUSTER_NAME_LENGTH = 255;

/** Windows computer names compare without regard to case. */
export function sameComputerName(a: string, b: string): boolean {
  return a.toUpperCase() === b.toUpperCase();
}

/** Checks a user-typed cluster name: non-empty, no control characters, not absurdly long. */
export function validateClusterName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw new EngineError('BAD_ARGUMENT', 'Enter the name of a cluster or one of its nodes.');
  const trimmed = name.trim();
  if (trimmed.length > MAX_CLUSTER_NAME_LENGTH) {
    throw new EngineError('BAD_ARGUMENT', `The cluster name is ${trimmed.length} characters long; at most ${MAX_CLUSTER_NAME_LENGTH} are allowed.`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw new EngineError('BAD_ARGUMENT', 'The cluster name contains control characters.');
  return trimmed;
}

