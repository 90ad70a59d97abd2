/*
 * ole32.dll / oleaut32.dll stand-ins: COM initialisation per thread, process-wide
 * COM security (once), CoTaskMemFree, and BSTRs. Every BSTR and CoTaskMem block the
 * simulator hands out or the caller allocates is counted until it is freed.
 */
#define __USE_MINGW_ANSI_STDIO 1
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define COINIT_APARTMENTTHREADED 0x2u
#define COINIT_KNOWN_FLAGS 0xEu   /* APARTMENTTHREADED | DISABLE_OLE1DDE | SPEED_OVER_MEMORY */

static int g_security_initialized;

SIMAPI HRESULT_T SIMCALL CoInitializeEx(void *pvReserved, DWORD_T dwCoInit) {
    uint32_t code;
    if (sim_fault("CoInitializeEx", &code)) return (HRESULT_T)code;
    if (pvReserved || (dwCoInit & ~COINIT_KNOWN_FLAGS)) return SIM_E_INVALIDARG;
    sim_thread_state *t = sim_thread();
    uint32_t mode = dwCoInit & COINIT_APARTMENTTHREADED;
    if (t->com_init_count > 0) {
        if (t->com_mode != mode) return SIM_RPC_E_CHANGED_MODE;
        t->com_init_count++;
        return SIM_S_FALSE;
    }
    t->com_mode = mode;
    t->com_init_count = 1;
    return SIM_S_OK;
}

SIMAPI HRESULT_T SIMCALL CoInitializeSecurity(void *pSecDesc, LONG_T cAuthSvc, void *asAuthSvc, void *pReserved1, DWORD_T dwAuthnLevel,
                                              DWORD_T dwImpLevel, void *pAuthList, DWORD_T dwCapabilities, void *pReserved3) {
    (void)pSecDesc;
    (void)asAuthSvc;
    (void)pAuthList;
    (void)dwAuthnLevel;
    (void)dwImpLevel;
    (void)dwCapabilities;
    uint32_t code;
    if (sim_fault("CoInitializeSecurity", &code)) return (HRESULT_T)code;
    if (pReserved1 || pReserved3 || cAuthSvc < -1) return SIM_E_INVALIDARG;
    /* It needs COM on the calling thread, and it can be called once per process. */
    if (sim_thread()->com_init_count == 0) return SIM_CO_E_NOTINITIALIZED;
    HRESULT_T hr;
    sim_lock();
    if (g_security_initialized) {
        hr = SIM_RPC_E_TOO_LATE;
    } else {
        g_security_initialized = 1;
        hr = SIM_S_OK;
    }
    sim_unlock();
    return hr;
}

int sim_com_security_initialized(void) {
    sim_lock();
    int set = g_security_initialized;
    sim_unlock();
    return set;
}

SIMAPI void SIMCALL CoUninitialize(void) {
    uint32_t code;
    sim_fault("CoUninitialize", &code);  /* returns nothing: a "fail" fault only shows in the log */
    sim_thread_state *t = sim_thread();
    if (t->com_init_count > 0) t->com_init_count--;
}

SIMAPI void SIMCALL CoTaskMemFree(void *pv) {
    uint32_t code;
    sim_fault("CoTaskMemFree", &code);
    if (!pv) return;
    if (!sim_cotaskmem_free(pv)) {
        /* Windows would corrupt its heap here; the simulator refuses and says so. */
        fprintf(stderr, "clussim: CoTaskMemFree of a pointer that is not a live CoTaskMem block (%p) was ignored\n", pv);
        sim_log_call("CoTaskMemFree:invalid");
    }
}

SIMAPI BSTR_T SIMCALL SysAllocString(const WCHAR_T *psz) {
    uint32_t code;
    if (sim_fault("SysAllocString", &code)) return NULL;
    return sim_bstr_alloc(psz);
}

SIMAPI BSTR_T SIMCALL SysAllocStringLen(const WCHAR_T *strIn, uint32_t ui) {
    uint32_t code;
    if (sim_fault("SysAllocStringLen", &code)) return NULL;
    return sim_bstr_alloc_len(strIn, ui);
}

SIMAPI void SIMCALL SysFreeString(BSTR_T bstrString) {
    uint32_t code;
    sim_fault("SysFreeString", &code);
    sim_bstr_free(bstrString);
}

SIMAPI uint32_t SIMCALL SysStringLen(BSTR_T pbstr) {
    uint32_t code;
    if (sim_fault("SysStringLen", &code)) return 0;
    if (!pbstr) return 0;
    if (!sim_bstr_is_live(pbstr)) {
        fprintf(stderr, "clussim: SysStringLen of a pointer that is not a live BSTR (%p)\n", (void *)pbstr);
        return 0;
    }
    uint32_t bytes;
    memcpy(&bytes, (const unsigned char *)(const void *)pbstr - 4, 4);
    return bytes / 2;
}
