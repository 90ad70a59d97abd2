/*
 * The COM runtime's GlobalOptions class (CLSID_GlobalOptions, IGlobalOptions), created by
 * CoCreateInstance (taskschd.c hands this CLSID over). Only COMGLB_EXCEPTION_HANDLING is
 * modelled (README.md, "COM global options"): IGlobalOptions::Set stores the value for the
 * process and logs "IGlobalOptions::Set:<property>=<value>", Query reads it back. As
 * Microsoft documents for Windows 7 and later, only the value COMGLB_EXCEPTION_HANDLE needs
 * CoInitializeSecurity first (E_FAIL otherwise).
 */
#define __USE_MINGW_ANSI_STDIO 1
#include <stdio.h>
#include <stdlib.h>

#include "sim.h"

/* objidlbase.h */
#define COMGLB_EXCEPTION_HANDLING 1u
#define COMGLB_UNMARSHALING_POLICY 5u
#define COMGLB_EXCEPTION_HANDLE 0u
#define COMGLB_EXCEPTION_DONOT_HANDLE_ANY 2u
#define SIM_E_FAIL ((HRESULT_T)0x80004005u)
#define CLASS_E_NOAGGREGATION ((HRESULT_T)0x80040110u)
#define REGDB_E_CLASSNOTREG ((HRESULT_T)0x80040154u)
#define CLSCTX_INPROC_SERVER 0x1u

/* {0000034B-0000-0000-C000-000000000046}, {0000015B-0000-0000-C000-000000000046} */
const sim_guid sim_CLSID_GlobalOptions = { 0x0000034B, 0x0000, 0x0000, { 0xc0, 0, 0, 0, 0, 0, 0, 0x46 } };
static const sim_guid IID_IGlobalOptions_ = { 0x0000015B, 0x0000, 0x0000, { 0xc0, 0, 0, 0, 0, 0, 0, 0x46 } };
static const sim_guid IID_IUnknown_ = { 0x00000000, 0x0000, 0x0000, { 0xc0, 0, 0, 0, 0, 0, 0, 0x46 } };

typedef struct global_options global_options;
typedef struct {
    HRESULT_T(SIMCALL *QueryInterface)(global_options *This, const sim_guid *riid, void **ppv);
    uint32_t(SIMCALL *AddRef)(global_options *This);
    uint32_t(SIMCALL *Release)(global_options *This);
    HRESULT_T(SIMCALL *Set)(global_options *This, uint32_t dwProperty, uintptr_t dwValue);
    HRESULT_T(SIMCALL *Query)(global_options *This, uint32_t dwProperty, uintptr_t *pdwValue);
} global_options_vtbl;

struct global_options {
    const global_options_vtbl *vtbl;
    uint32_t refs;
};

/* The process's COMGLB_EXCEPTION_HANDLING (COMGLB_EXCEPTION_HANDLE until set). */
static uintptr_t g_exception_handling = COMGLB_EXCEPTION_HANDLE;

static uint32_t SIMCALL go_AddRef(global_options *This) {
    sim_lock();
    uint32_t r = ++This->refs;
    sim_leak_add(SIM_LEAK_COM_REFS, +1);
    sim_unlock();
    return r;
}

static uint32_t SIMCALL go_Release(global_options *This) {
    sim_lock();
    uint32_t left = This->refs ? --This->refs : 0;
    sim_leak_add(SIM_LEAK_COM_REFS, -1);
    sim_unlock();
    if (left == 0) free(This);
    return left;
}

static HRESULT_T SIMCALL go_QueryInterface(global_options *This, const sim_guid *riid, void **ppv) {
    if (!ppv) return SIM_E_POINTER;
    *ppv = NULL;
    if (!riid) return SIM_E_INVALIDARG;
    if (!sim_guid_eq(riid, &IID_IUnknown_) && !sim_guid_eq(riid, &IID_IGlobalOptions_)) return SIM_E_NOINTERFACE;
    go_AddRef(This);
    *ppv = This;
    return SIM_S_OK;
}

static HRESULT_T SIMCALL go_Set(global_options *This, uint32_t dwProperty, uintptr_t dwValue) {
    (void)This;
    char detail[48];
    snprintf(detail, sizeof detail, "%lu=%llu", (unsigned long)dwProperty, (unsigned long long)dwValue);
    uint32_t code;
    if (sim_fault_ex("IGlobalOptions::Set", detail, &code)) return (HRESULT_T)code;
    if (dwProperty < COMGLB_EXCEPTION_HANDLING || dwProperty > COMGLB_UNMARSHALING_POLICY) return SIM_E_INVALIDARG;
    if (dwProperty != COMGLB_EXCEPTION_HANDLING) return SIM_E_NOTIMPL;   /* not modelled */
    if (dwValue > COMGLB_EXCEPTION_DONOT_HANDLE_ANY) return SIM_E_INVALIDARG;
    if (dwValue == COMGLB_EXCEPTION_HANDLE && !sim_com_security_initialized()) return SIM_E_FAIL;
    sim_lock();
    g_exception_handling = dwValue;
    sim_unlock();
    return SIM_S_OK;
}

static HRESULT_T SIMCALL go_Query(global_options *This, uint32_t dwProperty, uintptr_t *pdwValue) {
    (void)This;
    uint32_t code;
    if (sim_fault("IGlobalOptions::Query", &code)) return (HRESULT_T)code;
    if (!pdwValue) return SIM_E_POINTER;
    if (dwProperty < COMGLB_EXCEPTION_HANDLING || dwProperty > COMGLB_UNMARSHALING_POLICY) return SIM_E_INVALIDARG;
    if (dwProperty != COMGLB_EXCEPTION_HANDLING) return SIM_E_NOTIMPL;
    sim_lock();
    *pdwValue = g_exception_handling;
    sim_unlock();
    return SIM_S_OK;
}

static const global_options_vtbl vtbl = {
    .QueryInterface = go_QueryInterface, .AddRef = go_AddRef, .Release = go_Release, .Set = go_Set, .Query = go_Query,
};

HRESULT_T sim_global_options_create(void *pUnkOuter, DWORD_T dwClsContext, const sim_guid *riid, void **ppv) {
    if (pUnkOuter) return CLASS_E_NOAGGREGATION;
    if (!(dwClsContext & CLSCTX_INPROC_SERVER)) return REGDB_E_CLASSNOTREG;   /* an in-process class of the COM runtime */
    if (!sim_guid_eq(riid, &IID_IGlobalOptions_) && !sim_guid_eq(riid, &IID_IUnknown_)) return SIM_E_NOINTERFACE;
    global_options *o = calloc(1, sizeof *o);
    if (!o) return SIM_E_OUTOFMEMORY;
    o->vtbl = &vtbl;
    go_AddRef(o);
    *ppv = o;
    return SIM_S_OK;
}
