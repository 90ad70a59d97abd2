/*
 * IVssAsync: the handle of an asynchronous IVssBackupComponents operation.
 *
 * An operation takes effect when it finishes: after the scenario's asyncPendingPolls
 * QueryStatus calls that answer VSS_S_ASYNC_PENDING, or at once when the requester
 * calls Wait (or releases the IVssAsync without waiting, as the service would finish
 * the work anyway). An operation whose method had a "fail" fault finishes with that
 * code and no effect; one with a "hang" fault stays pending until it is cancelled.
 * Cancel ends a pending operation without effect (VSS_S_ASYNC_CANCELLED from then on).
 */
#define _GNU_SOURCE
#include "vss_internal.h"

#include <stdlib.h>
#include <string.h>

typedef enum { ASYNC_PENDING, ASYNC_FINISHED, ASYNC_CANCELLED, ASYNC_FAILED } async_state;

typedef struct vss_async {
    IVssAsync iface;
    uint32_t refs;
    struct vss_bc *bc;          /* held (not a counted reference) */
    vss_op op;
    async_state state;
    HRESULT result;             /* the failure when ASYNC_FAILED */
    HRESULT fail_hr;            /* an injected failure to report when it finishes */
    uint32_t polls_left;
    int hung;
} vss_async;

static vss_async *async_impl(IVssAsync *p) { return (vss_async *)p; }

/* Finishes a pending operation (lock held). */
static void finish(vss_async *a)
{
    if (a->state != ASYNC_PENDING || a->hung) return;
    HRESULT hr = a->fail_hr;
    if (hr == S_OK) hr = vss_bc_complete(a->bc, a->op);
    if (FAILED(hr)) {
        a->state = ASYNC_FAILED;
        a->result = hr;
    } else {
        a->state = ASYNC_FINISHED;
    }
    vss_bc_operation_ended(a->bc, a);
}

void vss_async_abandon(vss_async *a)
{
    if (a->state != ASYNC_PENDING) return;
    a->state = ASYNC_CANCELLED;
    vss_bc_operation_ended(a->bc, a);
}

static HRESULT STDMETHODCALLTYPE async_QueryInterface(IVssAsync *This, REFIID riid, void **ppv)
{
    static const IID *const iids[] = { &vss_iid_async, NULL };
    return vss_query_interface("IVssAsync::QueryInterface", This, &async_impl(This)->refs, riid, ppv, iids);
}

static ULONG STDMETHODCALLTYPE async_AddRef(IVssAsync *This)
{
    return vss_add_ref(&async_impl(This)->refs);
}

static ULONG STDMETHODCALLTYPE async_Release(IVssAsync *This)
{
    vss_async *a = async_impl(This);
    int last;
    sim_lock();
    ULONG r = vss_release(&a->refs, &last);
    if (last) {
        /* Nobody waits any more: the service still completes the work (a hung
         * operation never does, so it just stops being the object's operation). */
        if (a->state == ASYNC_PENDING) {
            if (a->hung) vss_async_abandon(a);
            else finish(a);
        }
        vss_bc_unhold(a->bc);
        free(a);
    }
    sim_unlock();
    return r;
}

static HRESULT STDMETHODCALLTYPE async_Cancel(IVssAsync *This)
{
    HRESULT hr;
    if (vss_fault("IVssAsync::Cancel", NULL, &hr)) return hr;
    vss_async *a = async_impl(This);
    sim_lock();
    switch (a->state) {
    case ASYNC_PENDING:
        vss_async_abandon(a);
        hr = S_OK;
        break;
    case ASYNC_CANCELLED: hr = VSS_S_ASYNC_CANCELLED; break;
    case ASYNC_FINISHED: hr = VSS_S_ASYNC_FINISHED; break;
    default: hr = a->result; break;
    }
    sim_unlock();
    return hr;
}

static HRESULT STDMETHODCALLTYPE async_Wait(IVssAsync *This, DWORD dwMilliseconds)
{
    HRESULT hr;
    if (vss_fault("IVssAsync::Wait", NULL, &hr)) return hr;
    vss_async *a = async_impl(This);
    uint32_t waited = 0;
    for (;;) {
        sim_lock();
        finish(a);
        async_state state = a->state;
        HRESULT result = a->result;
        sim_unlock();
        if (state == ASYNC_FAILED) return result;
        if (state != ASYNC_PENDING) return S_OK;
        /* Only a hung operation is still pending: wait for a Cancel from another
         * thread or for the timeout, without holding the lock. */
        if ((uint32_t)dwMilliseconds != VSS_INFINITE && waited >= (uint32_t)dwMilliseconds) return S_OK;
        uint32_t step = 10;
        if ((uint32_t)dwMilliseconds != VSS_INFINITE && (uint32_t)dwMilliseconds - waited < step)
            step = (uint32_t)dwMilliseconds - waited;
        sim_sleep_ms(step);
        waited += step;
    }
}

static HRESULT STDMETHODCALLTYPE async_QueryStatus(IVssAsync *This, HRESULT *pHrResult, INT *pReserved)
{
    HRESULT hr;
    if (vss_fault("IVssAsync::QueryStatus", NULL, &hr)) return hr;
    if (!pHrResult) return E_INVALIDARG;
    if (pReserved) *pReserved = 0;
    vss_async *a = async_impl(This);
    sim_lock();
    if (a->state == ASYNC_PENDING && !a->hung) {
        if (a->polls_left > 0) a->polls_left--;
        else finish(a);
    }
    switch (a->state) {
    case ASYNC_PENDING: *pHrResult = VSS_S_ASYNC_PENDING; break;
    case ASYNC_FINISHED: *pHrResult = VSS_S_ASYNC_FINISHED; break;
    case ASYNC_CANCELLED: *pHrResult = VSS_S_ASYNC_CANCELLED; break;
    default: *pHrResult = a->result; break;
    }
    sim_unlock();
    return S_OK;
}

static const IVssAsyncVtbl async_vtbl = {
    .QueryInterface = async_QueryInterface,
    .AddRef = async_AddRef,
    .Release = async_Release,
    .Cancel = async_Cancel,
    .Wait = async_Wait,
    .QueryStatus = async_QueryStatus,
};

HRESULT vss_async_create(struct vss_bc *bc, vss_op op, HRESULT fail_hr, int hang, IVssAsync **out)
{
    vss_async *a = calloc(1, sizeof *a);
    if (!a) return E_OUTOFMEMORY;
    a->iface.lpVtbl = &async_vtbl;
    a->refs = 1;
    a->bc = bc;
    a->op = op;
    a->state = ASYNC_PENDING;
    a->fail_hr = fail_hr;
    a->hung = hang;
    sim_scenario *sc = sim_scenario_get();
    a->polls_left = sc ? sc->async_pending_polls : 0;
    vss_bc_hold(bc);
    vss_com_ref(+1);
    *out = &a->iface;
    return S_OK;
}
