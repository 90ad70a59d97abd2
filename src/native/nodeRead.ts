/**
 * One node's state and id, read through an open cluster handle: OpenClusterNode,
 * GetClusterNodeState, GetClusterNodeId, CloseClusterNode. Windows failures are kept in
 * the result (the caller decides what a node that cannot be asked means); anything else
 * throws. Plain data in and out, so that a node query thread (nodeQueryThread.ts) can
 * run it and post the result back.
 */
import * as clusapi from './clusapi';
import { NativeError, Win32Error } from './errors';

/** A failed call as plain data: the API, the Win32 code and what was asked. */
export interface NodeCallFailure {
  api: string;
  code: number;
  detail: string;
}

export interface RawNodeRead {
  name: string;
  /** OpenClusterNode failed: nothing else was asked. */
  openError?: NodeCallFailure;
  /** The raw CLUSTER_NODE_STATE when GetClusterNodeState answered. */
  state?: number;
  stateError?: NodeCallFailure;
  id?: string;
  idError?: NodeCallFailure;
  closeError?: NodeCallFailure;
}

function failure(err: unknown, name: string): NodeCallFailure {
  if (!(err instanceof NativeError)) throw err;
  return { api: err.api, code: err.code, detail: `node ${name}` };
}

/** The NativeError a failure stands for (the same message as the call's own error). */
export function failureError(failed: NodeCallFailure): NativeError {
  return new Win32Error(failed.api, failed.code, failed.detail);
}

export function readNodeRaw(cluster: clusapi.ClusterHandle, name: string): RawNodeRead {
  let node: clusapi.NodeHandle;
  try {
    node = clusapi.openClusterNode(cluster, name);
  } catch (err) {
    return { name, openError: failure(err, name) };
  }
  const read: RawNodeRead = { name };
  try {
    try {
      read.state = clusapi.getClusterNodeState(node);
    } catch (err) {
      read.stateError = failure(err, name);
    }
    try {
      read.id = clusapi.getClusterNodeId(node);
    } catch (err) {
      read.idError = failure(err, name);
    }
  } finally {
    try {
      node.close();
    } catch (err) {
      // A failure to close is reported; it does not hide the answers already read.
      read.closeError = failure(err, name);
    }
  }
  return read;
}
