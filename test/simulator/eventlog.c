/*
 * The Windows Event Log (advapi32 stand-in): RegisterEventSourceW, ReportEventW and
 * DeregisterEventSource, and the two registry calls that register an event source
 * under HKLM\SYSTEM\CurrentControlSet\Services\EventLog\<log>\<source>: RegGetValueW
 * and RegSetKeyValueW (winreg.h; RegSetKeyValueW creates a missing subkey). Values live
 * in memory only (a process starts with none, like a machine where the source was never
 * registered); writing under HKLM needs an elevated token (ERROR_ACCESS_DENIED otherwise).
 *
 * Every event is recorded — source, type, ID, insertion strings, and whether the source
 * had an EventMessageFile registered when it was written (without one, Event Viewer
 * cannot render the text) — and read back with ClusSimEventLog. Event source handles
 * are counted in the leak report with the registry keys ("key").
 * RegisterEventSourceW succeeds for a source that is not registered (Microsoft: the
 * Application log is used then); only this computer (NULL or "") is reachable.
 * An EXPAND_SZ value read without RRF_NOEXPAND is not expanded here: ERROR_CALL_NOT_IMPLEMENTED.
 */
#define __USE_MINGW_ANSI_STDIO 1
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sim.h"

#define HKEY_LOCAL_MACHINE_VALUE ((intptr_t)(int32_t)0x80000002u)
#define REG_SZ 1u
#define REG_EXPAND_SZ 2u
#define REG_DWORD 4u
#define RRF_RT_REG_SZ 0x2u
#define RRF_RT_REG_EXPAND_SZ 0x4u
#define RRF_RT_REG_DWORD 0x10u
#define RRF_RT_ANY 0xffffu
#define RRF_NOEXPAND 0x10000000u
#define ERROR_UNSUPPORTED_TYPE 1630u
#define RPC_S_SERVER_UNAVAILABLE 1722u
#define EVENT_SOURCE_KEY_PREFIX "SYSTEM\\CurrentControlSet\\Services\\EventLog\\"

static const WCHAR_T EMPTY_W[1] = { 0 };

typedef struct reg_value { char *key; char *name; uint32_t type; uint8_t *data; uint32_t cb; } reg_value;
static reg_value *g_values;
static size_t g_value_count;

typedef struct event_record { char *source; uint16_t type; uint32_t id; int registered; uint16_t nstrings; char **strings; } event_record;
static event_record *g_events;
static size_t g_event_count;

typedef struct event_source_handle { sim_handle_hdr hdr; char source[256]; } event_source_handle;

static int eq_ci(const char *a, const char *b) {
    return sim_utf8_eq_name(a, b);
}

static reg_value *find_value(const char *key, const char *name) {
    for (size_t i = 0; i < g_value_count; i++)
        if (eq_ci(g_values[i].key, key) && eq_ci(g_values[i].name, name)) return &g_values[i];
    return NULL;
}

/* Whether source has an EventMessageFile in any log's key. Lock held. */
static int source_registered(const char *source) {
    size_t prefix = strlen(EVENT_SOURCE_KEY_PREFIX);
    for (size_t i = 0; i < g_value_count; i++) {
        const char *k = g_values[i].key;
        if (strlen(k) <= prefix || !sim_utf8_eq_name(g_values[i].name, "EventMessageFile")) continue;
        int under = 1;
        for (size_t c = 0; c < prefix && under; c++) under = tolower((unsigned char)k[c]) == tolower((unsigned char)EVENT_SOURCE_KEY_PREFIX[c]);
        const char *rest = strchr(k + prefix, '\\');
        if (under && rest && eq_ci(rest + 1, source)) return 1;
    }
    return 0;
}

SIMAPI LONG_T SIMCALL RegGetValueW(intptr_t hkey, const WCHAR_T *lpSubKey, const WCHAR_T *lpValue, DWORD_T dwFlags, DWORD_T *pdwType,
                                   void *pvData, DWORD_T *pcbData) {
    uint32_t code;
    if (sim_fault("RegGetValueW", &code)) return (LONG_T)code;
    if (hkey != HKEY_LOCAL_MACHINE_VALUE) return SIM_ERROR_INVALID_HANDLE;
    if (!(dwFlags & RRF_RT_ANY) || (pvData && !pcbData)) return SIM_ERROR_INVALID_PARAMETER;
    /* Documented: RRF_RT_REG_EXPAND_SZ alone (without RRF_NOEXPAND) is invalid. */
    if ((dwFlags & RRF_RT_ANY) == RRF_RT_REG_EXPAND_SZ && !(dwFlags & RRF_NOEXPAND)) return SIM_ERROR_INVALID_PARAMETER;
    char *key = sim_w_to_utf8(lpSubKey ? lpSubKey : EMPTY_W);
    char *name = sim_w_to_utf8(lpValue ? lpValue : EMPTY_W);
    LONG_T rc = 0;
    sim_lock();
    reg_value *v = find_value(key, name);
    if (!v) rc = SIM_ERROR_FILE_NOT_FOUND;
    else if (v->type == REG_EXPAND_SZ && !(dwFlags & RRF_NOEXPAND)) rc = SIM_ERROR_CALL_NOT_IMPLEMENTED;
    else {
        uint32_t allowed = dwFlags & RRF_RT_ANY;
        uint32_t bit = v->type == REG_SZ ? RRF_RT_REG_SZ : v->type == REG_EXPAND_SZ ? RRF_RT_REG_EXPAND_SZ : v->type == REG_DWORD ? RRF_RT_REG_DWORD : 0;
        if (allowed != RRF_RT_ANY && !(allowed & bit)) rc = ERROR_UNSUPPORTED_TYPE;
        else {
            if (pdwType) *pdwType = v->type;
            if (pvData && *pcbData < v->cb) rc = SIM_ERROR_MORE_DATA;
            else if (pvData) memcpy(pvData, v->data, v->cb);
            if (pcbData) *pcbData = v->cb;
        }
    }
    sim_unlock();
    free(key);
    free(name);
    return rc;
}

SIMAPI LONG_T SIMCALL RegSetKeyValueW(intptr_t hkey, const WCHAR_T *lpSubKey, const WCHAR_T *lpValueName, DWORD_T dwType, const void *lpData,
                                      DWORD_T cbData) {
    uint32_t code;
    if (sim_fault("RegSetKeyValueW", &code)) return (LONG_T)code;
    if (hkey != HKEY_LOCAL_MACHINE_VALUE) return SIM_ERROR_INVALID_HANDLE;
    if (dwType != REG_SZ && dwType != REG_EXPAND_SZ && dwType != REG_DWORD) return SIM_ERROR_CALL_NOT_IMPLEMENTED;
    if ((cbData && !lpData) || (dwType == REG_DWORD && cbData != 4)) return SIM_ERROR_INVALID_PARAMETER;
    sim_scenario *sc = sim_scenario_get();
    if (!sc) return SIM_ERROR_NOT_READY;
    if (!sc->elevated) return SIM_ERROR_ACCESS_DENIED;
    char *key = sim_w_to_utf8(lpSubKey ? lpSubKey : EMPTY_W);
    char *name = sim_w_to_utf8(lpValueName ? lpValueName : EMPTY_W);
    sim_lock();
    reg_value *v = find_value(key, name);
    if (!v) {
        g_values = (reg_value *)realloc(g_values, (g_value_count + 1) * sizeof *g_values);
        v = &g_values[g_value_count++];
        v->key = key;
        v->name = name;
        v->data = NULL;
    } else {
        free(key);
        free(name);
    }
    free(v->data);
    v->type = dwType;
    v->cb = cbData;
    v->data = (uint8_t *)malloc(cbData ? cbData : 1);
    if (cbData) memcpy(v->data, lpData, cbData);
    sim_log_call("RegSetKeyValueW:%s\\%s", v->key, v->name);
    sim_unlock();
    return 0;
}

SIMAPI void *SIMCALL RegisterEventSourceW(const WCHAR_T *lpUNCServerName, const WCHAR_T *lpSourceName) {
    if (sim_fault_last_error("RegisterEventSourceW", NULL)) return NULL;
    char *server = lpUNCServerName ? sim_w_to_utf8(lpUNCServerName) : NULL;
    int local = !server || sim_is_local_name(server);
    free(server);
    if (!local) {
        sim_set_last_error(RPC_S_SERVER_UNAVAILABLE);
        return NULL;
    }
    if (!lpSourceName || !lpSourceName[0]) {
        sim_set_last_error(SIM_ERROR_INVALID_PARAMETER);
        return NULL;
    }
    char *source = sim_w_to_utf8(lpSourceName);
    event_source_handle *h = (event_source_handle *)sim_handle_open(strlen(source) < sizeof h->source ? 0 : SIM_ERROR_INVALID_PARAMETER,
                                                                    SIM_LEAK_KEY, sizeof(event_source_handle));
    if (h) strcpy(h->source, source);
    free(source);
    return h;
}

SIMAPI BOOL_T SIMCALL ReportEventW(void *hEventLog, uint16_t wType, uint16_t wCategory, DWORD_T dwEventID, void *lpUserSid, uint16_t wNumStrings,
                                   DWORD_T dwDataSize, const WCHAR_T **lpStrings, void *lpRawData) {
    (void)wCategory;
    (void)lpUserSid;
    if (sim_fault_last_error("ReportEventW", NULL)) return 0;
    event_source_handle *h = (event_source_handle *)sim_handle_get(hEventLog, SIM_LEAK_KEY);
    if (!h) return sim_bool_result(SIM_ERROR_INVALID_HANDLE);
    /* EVENTLOG_SUCCESS 0, ERROR 1, WARNING 2, INFORMATION 4, AUDIT_SUCCESS 8, AUDIT_FAILURE 16 (winnt.h). */
    if (wType != 0 && wType != 1 && wType != 2 && wType != 4 && wType != 8 && wType != 16) return sim_bool_result(SIM_ERROR_INVALID_PARAMETER);
    if ((wNumStrings && !lpStrings) || (dwDataSize && !lpRawData)) return sim_bool_result(SIM_ERROR_INVALID_PARAMETER);
    for (uint16_t i = 0; i < wNumStrings; i++) if (!lpStrings[i]) return sim_bool_result(SIM_ERROR_INVALID_PARAMETER);
    sim_lock();
    g_events = (event_record *)realloc(g_events, (g_event_count + 1) * sizeof *g_events);
    event_record *e = &g_events[g_event_count++];
    e->source = strdup(h->source);
    e->type = wType;
    e->id = dwEventID;
    e->registered = source_registered(h->source);
    e->nstrings = wNumStrings;
    e->strings = (char **)calloc(wNumStrings ? wNumStrings : 1, sizeof(char *));
    for (uint16_t i = 0; i < wNumStrings; i++) e->strings[i] = sim_w_to_utf8(lpStrings[i]);
    sim_log_call("ReportEventW:%u", dwEventID);
    sim_unlock();
    return 1;
}

SIMAPI BOOL_T SIMCALL DeregisterEventSource(void *hEventLog) {
    if (sim_fault_last_error("DeregisterEventSource", NULL)) return 0;
    return sim_bool_result(sim_handle_close(hEventLog, SIM_LEAK_KEY) ? 0 : SIM_ERROR_INVALID_HANDLE);
}

/* Every event written, in order: [{"source","type","id","registered","strings":[…]}]; same size rule as ClusSimCallLog. */
SIMAPI uint32_t SIMCALL ClusSimEventLog(uint8_t *buf, uint32_t cb) {
    json_buf b;
    memset(&b, 0, sizeof b);
    sim_lock();
    json_buf_puts(&b, "[");
    for (size_t i = 0; i < g_event_count; i++) {
        event_record *e = &g_events[i];
        json_buf_puts(&b, i ? ",{\"source\":" : "{\"source\":");
        json_buf_string(&b, e->source);
        json_buf_printf(&b, ",\"type\":%u,\"id\":%u,\"registered\":%s,\"strings\":[", e->type, e->id, e->registered ? "true" : "false");
        for (uint16_t k = 0; k < e->nstrings; k++) {
            if (k) json_buf_puts(&b, ",");
            json_buf_string(&b, e->strings[k] ? e->strings[k] : "");
        }
        json_buf_puts(&b, "]}");
    }
    json_buf_puts(&b, "]");
    sim_unlock();
    uint32_t needed = (uint32_t)b.len + 1;
    if (buf && cb >= needed) memcpy(buf, b.data ? b.data : "", needed);
    else if (buf && cb > 0) buf[0] = 0;
    json_buf_free(&b);
    return needed;
}

/* Forgets the events written and the registry values set (a machine where the source was never registered). */
SIMAPI void SIMCALL ClusSimClearEventLog(void) {
    sim_lock();
    for (size_t i = 0; i < g_event_count; i++) {
        for (uint16_t k = 0; k < g_events[i].nstrings; k++) free(g_events[i].strings[k]);
        free(g_events[i].strings);
        free(g_events[i].source);
    }
    free(g_events);
    g_events = NULL;
    g_event_count = 0;
    for (size_t i = 0; i < g_value_count; i++) { free(g_values[i].key); free(g_values[i].name); free(g_values[i].data); }
    free(g_values);
    g_values = NULL;
    g_value_count = 0;
    sim_unlock();
}
