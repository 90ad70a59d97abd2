/*
 * kernel32.dll stand-in: the thread's last error, the computer name, the system
 * Windows directory (inside the scenario's folder), the current-process pseudo
 * handle, CloseHandle for token handles, and MoveFileExW/DeleteFileW with this
 * machine's ClusDb files in use while the cluster service holds them (machine.c).
 */
#define __USE_MINGW_ANSI_STDIO 1
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define PSEUDO_PROCESS_HANDLE ((void *)(intptr_t)-1)

#include "k32_export.h"

K32_EXPORT(GetLastError)
K32_EXPORT(SetLastError)
K32_EXPORT(GetComputerNameW)
K32_EXPORT(GetSystemWindowsDirectoryW)
K32_EXPORT(GetCurrentProcess)
K32_EXPORT(CloseHandle)
K32_EXPORT(MoveFileExW)
K32_EXPORT(DeleteFileW)

K32_API DWORD_T SIMCALL K32_FUNC(GetLastError)(void) {
    uint32_t code;
    /* The fault check must not disturb the value it is about to return. */
    DWORD_T saved = sim_get_last_error();
    if (sim_fault("GetLastError", &code)) return code;
    return saved;
}

K32_API void SIMCALL K32_FUNC(SetLastError)(DWORD_T dwErrCode) {
    uint32_t code;
    sim_fault("SetLastError", &code);  /* nothing to fail: a "fail" fault only shows in the log */
    sim_set_last_error(dwErrCode);
}

/* A string field of the scenario (at `offset` in sim_scenario) in UTF-16, malloc'd, with
 * its length in *n; NULL with the last error set when no scenario is open or memory
 * runs out. */
static WCHAR_T *scenario_string_w(size_t offset, size_t *n) {
    sim_lock();
    sim_scenario *sc = sim_scenario_get();
    WCHAR_T *w = sc ? sim_utf8_to_w_len((const char *)sc + offset, n) : NULL;
    sim_unlock();
    if (!w) sim_set_last_error(sc ? SIM_ERROR_NOT_ENOUGH_MEMORY : SIM_ERROR_NOT_READY);
    return w;
}

K32_API BOOL_T SIMCALL K32_FUNC(GetComputerNameW)(WCHAR_T *lpBuffer, DWORD_T *nSize) {
    if (sim_fault_last_error("GetComputerNameW", NULL)) return 0;
    if (!nSize) {
        sim_set_last_error(SIM_ERROR_INVALID_PARAMETER);
        return 0;
    }
    size_t n = 0;
    WCHAR_T *w = scenario_string_w(offsetof(sim_scenario, machine), &n);
    if (!w) return 0;
    if (!lpBuffer || *nSize < n + 1) {
        *nSize = (DWORD_T)(n + 1);  /* what it needs, NUL included */
        free(w);
        sim_set_last_error(SIM_ERROR_BUFFER_OVERFLOW);
        return 0;
    }
    memcpy(lpBuffer, w, (n + 1) * sizeof(WCHAR_T));
    *nSize = (DWORD_T)n;            /* what it wrote, NUL excluded */
    free(w);
    return 1;
}

K32_API uint32_t SIMCALL K32_FUNC(GetSystemWindowsDirectoryW)(WCHAR_T *lpBuffer, uint32_t uSize) {
    if (sim_fault_last_error("GetSystemWindowsDirectoryW", NULL)) return 0;
    size_t n = 0;
    WCHAR_T *w = scenario_string_w(offsetof(sim_scenario, system_root), &n);
    if (!w) return 0;
    if (!lpBuffer || uSize < n + 1) {
        free(w);
        return (uint32_t)(n + 1);   /* the size needed, NUL included */
    }
    memcpy(lpBuffer, w, (n + 1) * sizeof(WCHAR_T));
    free(w);
    return (uint32_t)n;             /* the length, NUL excluded */
}

K32_API void *SIMCALL K32_FUNC(GetCurrentProcess)(void) {
    uint32_t code;
    sim_fault("GetCurrentProcess", &code);  /* cannot fail on Windows: a "fail" fault only shows in the log */
    return PSEUDO_PROCESS_HANDLE;
}

K32_API BOOL_T SIMCALL K32_FUNC(CloseHandle)(void *hObject) {
    if (sim_fault_last_error("CloseHandle", NULL)) return 0;
    if (hObject == PSEUDO_PROCESS_HANDLE) return 1;  /* closing the pseudo handle does nothing */
    /* Cluster, SCM and service handles have their own close functions. */
    return sim_bool_result(sim_handle_close(hObject, SIM_LEAK_TOKEN) ? 0 : SIM_ERROR_INVALID_HANDLE);
}

#define MOVEFILE_REPLACE_EXISTING 0x1u
#define MOVEFILE_COPY_ALLOWED 0x2u
#define MOVEFILE_DELAY_UNTIL_REBOOT 0x4u
#define MOVEFILE_WRITE_THROUGH 0x8u
#define MOVEFILE_KNOWN 0x3Fu   /* … | CREATE_HARDLINK 0x10 | FAIL_IF_NOT_TRACKABLE 0x20 */

/* The last path component, for the call log ("MoveFileExW:CLUSDB"). */
static const char *base_name(const char *path) {
    const char *b = path;
    for (const char *p = path; *p; p++)
        if (*p == '/' || *p == '\\') b = p + 1;
    return b;
}

/* MoveFileExW: a rename now, or (MOVEFILE_DELAY_UNTIL_REBOOT) recorded for ClusSimReboot. */
K32_API BOOL_T SIMCALL K32_FUNC(MoveFileExW)(const WCHAR_T *lpExistingFileName, const WCHAR_T *lpNewFileName, DWORD_T dwFlags) {
    char *from = lpExistingFileName ? sim_w_to_utf8(lpExistingFileName) : NULL;
    char *to = lpNewFileName ? sim_w_to_utf8(lpNewFileName) : NULL;
    DWORD_T err = 0;
    if (sim_fault_last_error("MoveFileExW", to ? base_name(to) : (from ? base_name(from) : NULL))) {
        free(from);
        free(to);
        return 0;
    }
    int delay = (dwFlags & MOVEFILE_DELAY_UNTIL_REBOOT) != 0;
    sim_lock();
    sim_scenario *sc = sim_scenario_get();
    if (!from || !*from || (dwFlags & ~MOVEFILE_KNOWN) || (!to && !delay) || (delay && (dwFlags & MOVEFILE_COPY_ALLOWED))) {
        err = SIM_ERROR_INVALID_PARAMETER;
    } else if (delay) {
        /* Recorded in the registry for the session manager; only an administrator may. */
        err = !sc ? SIM_ERROR_NOT_READY : !sc->elevated ? SIM_ERROR_ACCESS_DENIED : sim_add_pending_rename(from, to, dwFlags);
    } else if (sim_clusdb_file_locked(from) || sim_clusdb_file_locked(to)) {
        err = SIM_ERROR_SHARING_VIOLATION;
    } else if (!sim_file_exists(from)) {
        err = SIM_ERROR_FILE_NOT_FOUND;
    } else if (sim_file_exists(to) && !(dwFlags & MOVEFILE_REPLACE_EXISTING)) {
        err = SIM_ERROR_ALREADY_EXISTS;
    } else if (sim_rename_replace(from, to) != 0) {
        err = SIM_ERROR_ACCESS_DENIED;
    }
    sim_unlock();
    free(from);
    free(to);
    return sim_bool_result(err);
}

K32_API BOOL_T SIMCALL K32_FUNC(DeleteFileW)(const WCHAR_T *lpFileName) {
    char *path = lpFileName ? sim_w_to_utf8(lpFileName) : NULL;
    if (sim_fault_last_error("DeleteFileW", path ? base_name(path) : NULL)) {
        free(path);
        return 0;
    }
    DWORD_T err = 0;
    sim_lock();
    if (!path || !*path) err = SIM_ERROR_INVALID_PARAMETER;
    else if (sim_clusdb_file_locked(path)) err = SIM_ERROR_SHARING_VIOLATION;
    else if (!sim_file_exists(path)) err = SIM_ERROR_FILE_NOT_FOUND;
    else if (sim_remove_file(path) != 0) err = SIM_ERROR_ACCESS_DENIED;
    sim_unlock();
    free(path);
    return sim_bool_result(err);
}
