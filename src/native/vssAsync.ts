/**
 * IVssAsync (docs/windows.md, COM vtable slots): the handle an asynchronous VSS call returns.
 * The engine polls `queryStatus()` on a timer instead of calling the blocking `Wait`,
 * so the event loop stays free and cancellation can reach `cancel()`.
 */
import { ComObject, defineInterface, traceCall, type ComPtr } from './com';
import { HResultError } from './errors';
import { VSS_S_ASYNC_CANCELLED, VSS_S_ASYNC_PENDING } from './vssTypes';

const IVssAsync = defineInterface('IVssAsync', {
  Cancel: [3, ''],
  Wait: [4, 'uint32_t timeoutMs'],
  QueryStatus: [5, '_Out_ int32_t *asyncHr, void *reserved'],
});

export type AsyncState = 'pending' | 'finished' | 'cancelled';

export class VssAsync extends ComObject {
  /** The call that started the operation, e.g. "IVssBackupComponents::DoSnapshotSet". */
  readonly operation: string;

  constructor(ptr: ComPtr, operation: string) {
    super('IVssAsync', ptr);
    this.operation = operation;
  }

  /**
   * Polls the operation once. Returns its state; throws HResultError naming the
   * operation when the operation itself failed, or naming IVssAsync::QueryStatus when
   * the query failed.
   */
  queryStatus(): AsyncState {
    const out = [0];
    const hr = this.callRaw(IVssAsync.QueryStatus, out, null) as number;
    traceCall(IVssAsync.QueryStatus.qualifiedName, hr);
    if (hr < 0) throw new HResultError(IVssAsync.QueryStatus.qualifiedName, hr, `while waiting for ${this.operation}`);
    const asyncHr = out[0] | 0;
    if (asyncHr === VSS_S_ASYNC_PENDING) return 'pending';
    if (asyncHr === VSS_S_ASYNC_CANCELLED) return 'cancelled';
    if (asyncHr < 0) {
      traceCall(`${this.operation} (asynchronous result)`, asyncHr);
      throw new HResultError(this.operation, asyncHr, 'the asynchronous operation failed');
    }
    // VSS_S_ASYNC_FINISHED, or S_OK from providers that report plain success.
    return 'finished';
  }

  /** Asks VSS to cancel the operation. Returns the raw HRESULT (VSS_S_ASYNC_FINISHED when it had already ended). */
  cancel(): number {
    const hr = this.callRaw(IVssAsync.Cancel) as number;
    traceCall(IVssAsync.Cancel.qualifiedName, hr);
    return hr;
  }

  /** Blocks the calling thread up to `timeoutMs`. The engine never calls it (it polls, so the event loop stays free). */
  waitBlocking(timeoutMs: number): number {
    return this.call(IVssAsync.Wait, timeoutMs >>> 0);
  }
}
