/*
 * Security descriptors of files and folders (advapi32 stand-in) and LocalFree (kernel32):
 * ConvertStringSecurityDescriptorToSecurityDescriptorW, GetSecurityDescriptorDacl,
 * SetNamedSecurityInfoW, GetNamedSecurityInfoW and
 * ConvertSecurityDescriptorToStringSecurityDescriptorW, on real binary descriptors:
 * a self-relative SECURITY_DESCRIPTOR_RELATIVE holding an ACL of ACCESS_ALLOWED/DENIED
 * ACEs with their SIDs (winnt.h layouts; [MS-DTYP] 2.4.6, 2.4.5, 2.4.4, 2.4.2), so the
 * bridge's pointers and out-parameters meet the Windows shapes.
 *
 * What the simulator keeps: the DACL applied to each path (by its path, as given) and
 * the list of applications in order (ClusSimSecurityLog). A path never given a DACL
 * reads back as one inherited from its folder that lets Users read (what a new folder
 * under C:\ has), so a check for "wider than administrators only" sees it as wider.
 * Supported SDDL: the DACL part only ("D:" with P/AI/AR, ACE types A and D, flags
 * OI CI NP IO ID, rights FA FR FW FX GA GR GW GX or a hex mask, SIDs by the tokens
 * below or S-1-… text); anything else is ERROR_INVALID_PARAMETER. LocalAlloc'd blocks
 * are counted in the leak report with the CoTaskMem blocks.
 */
#define __USE_MINGW_ANSI_STDIO 1
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sim.h"

#define SDDL_REVISION_1 1u
#define SE_FILE_OBJECT 1u
#define OWNER_SECURITY_INFORMATION 0x1u
#define GROUP_SECURITY_INFORMATION 0x2u
#define DACL_SECURITY_INFORMATION 0x4u
#define SACL_SECURITY_INFORMATION 0x8u
#define PROTECTED_DACL_SECURITY_INFORMATION 0x80000000u
#define UNPROTECTED_DACL_SECURITY_INFORMATION 0x20000000u
#define SE_DACL_PRESENT 0x0004u
#define SE_DACL_AUTO_INHERIT_REQ 0x0100u
#define SE_DACL_AUTO_INHERITED 0x0400u
#define SE_DACL_PROTECTED 0x1000u
#define SE_SELF_RELATIVE 0x8000u
#define ACL_REVISION 2u
#define ERROR_UNKNOWN_REVISION 1305u
#define ERROR_INVALID_ACL 1336u
#define ERROR_INVALID_SECURITY_DESCR 1338u
#define ERROR_PATH_NOT_FOUND 3u

/* The DACL a path never given one reads back with (see the top of this file). */
#define INHERITED_DEFAULT_SDDL "D:AI(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;OICIID;0x1200a9;;;BU)"

typedef struct sid_token { const char *token; uint8_t authority; uint8_t count; uint32_t sub[2]; } sid_token;
/* Well-known SIDs ([MS-DTYP] 2.4.2.4) by their SDDL tokens ([MS-DTYP] 2.5.1.1). */
static const sid_token SIDS[] = {
    { "SY", 5, 1, { 18, 0 } },  { "BA", 5, 2, { 32, 544 } }, { "BO", 5, 2, { 32, 551 } },
    { "BU", 5, 2, { 32, 545 } }, { "AU", 5, 1, { 11, 0 } },   { "WD", 1, 1, { 0, 0 } },
    { "CO", 3, 1, { 0, 0 } },    { "BG", 5, 2, { 32, 546 } }, { "PU", 5, 2, { 32, 547 } },
    { "SO", 5, 2, { 32, 549 } }, { "NS", 5, 1, { 20, 0 } },   { "LS", 5, 1, { 19, 0 } },
};
#define SID_COUNT (sizeof SIDS / sizeof SIDS[0])

typedef struct right_token { const char *token; uint32_t mask; } right_token;
static const right_token RIGHTS[] = {
    { "FA", 0x1F01FFu }, { "FR", 0x120089u }, { "FW", 0x120116u }, { "FX", 0x1200A0u },
    { "GA", 0x10000000u }, { "GR", 0x80000000u }, { "GW", 0x40000000u }, { "GX", 0x20000000u },
};
#define RIGHT_COUNT (sizeof RIGHTS / sizeof RIGHTS[0])

typedef struct flag_token { const char *token; uint8_t bit; } flag_token;
static const flag_token ACE_FLAGS[] = { { "OI", 0x1 }, { "CI", 0x2 }, { "NP", 0x4 }, { "IO", 0x8 }, { "ID", 0x10 } };

/* ---- a growing byte buffer ---- */
typedef struct bytes { uint8_t *p; size_t len, cap; } bytes;
static void put(bytes *b, const void *data, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n) cap *= 2;
        b->p = (uint8_t *)realloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}
static void put8(bytes *b, uint8_t v) { put(b, &v, 1); }
static void put16(bytes *b, uint16_t v) { uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) }; put(b, x, 2); }
static void put32(bytes *b, uint32_t v) { uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) }; put(b, x, 4); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24); }

/* ---- SDDL text -> binary ---- */

/* A SID (token or "S-1-a-s1-…") appended to out; 0, or ERROR_INVALID_PARAMETER. */
static DWORD_T put_sid(bytes *out, const char *text) {
    for (size_t i = 0; i < SID_COUNT; i++) {
        if (strcmp(text, SIDS[i].token) == 0) {
            put8(out, 1);
            put8(out, SIDS[i].count);
            uint8_t auth[6] = { 0, 0, 0, 0, 0, SIDS[i].authority };
            put(out, auth, 6);
            for (uint8_t k = 0; k < SIDS[i].count; k++) put32(out, SIDS[i].sub[k]);
            return 0;
        }
    }
    if (strncmp(text, "S-1-", 4) != 0) return SIM_ERROR_INVALID_PARAMETER;
    const char *p = text + 4;
    char *end;
    unsigned long authority = strtoul(p, &end, 10);
    if (end == p || authority > 255) return SIM_ERROR_INVALID_PARAMETER;
    uint32_t sub[15];
    uint8_t count = 0;
    p = end;
    while (*p == '-') {
        if (count == 15) return SIM_ERROR_INVALID_PARAMETER;
        sub[count++] = (uint32_t)strtoul(p + 1, &end, 10);
        if (end == p + 1) return SIM_ERROR_INVALID_PARAMETER;
        p = end;
    }
    if (*p || count == 0) return SIM_ERROR_INVALID_PARAMETER;
    put8(out, 1);
    put8(out, count);
    uint8_t auth[6] = { 0, 0, 0, 0, 0, (uint8_t)authority };
    put(out, auth, 6);
    for (uint8_t k = 0; k < count; k++) put32(out, sub[k]);
    return 0;
}

/* One "(type;flags;rights;;;sid)" body (without the parentheses) appended as an ACE. */
static DWORD_T put_ace(bytes *acl, char *body) {
    char *field[6];
    int n = 0;
    char *s = body;
    field[n++] = s;
    for (; *s; s++) {
        if (*s == ';') {
            *s = '\0';
            if (n == 6) return SIM_ERROR_INVALID_PARAMETER;
            field[n++] = s + 1;
        }
    }
    if (n != 6 || field[3][0] || field[4][0]) return SIM_ERROR_INVALID_PARAMETER;  /* object ACEs are not supported */
    uint8_t type;
    if (strcmp(field[0], "A") == 0) type = 0;
    else if (strcmp(field[0], "D") == 0) type = 1;
    else return SIM_ERROR_INVALID_PARAMETER;
    uint8_t flags = 0;
    for (const char *f = field[1]; *f; f += 2) {
        size_t k = 0;
        while (k < sizeof ACE_FLAGS / sizeof ACE_FLAGS[0] && strncmp(f, ACE_FLAGS[k].token, 2) != 0) k++;
        if (k == sizeof ACE_FLAGS / sizeof ACE_FLAGS[0] || !f[1]) return SIM_ERROR_INVALID_PARAMETER;
        flags |= ACE_FLAGS[k].bit;
    }
    uint32_t mask = 0;
    if (strncmp(field[2], "0x", 2) == 0 || strncmp(field[2], "0X", 2) == 0) {
        char *end;
        mask = (uint32_t)strtoul(field[2] + 2, &end, 16);
        if (*end || end == field[2] + 2) return SIM_ERROR_INVALID_PARAMETER;
    } else {
        for (const char *r = field[2]; *r; r += 2) {
            size_t k = 0;
            while (k < RIGHT_COUNT && strncmp(r, RIGHTS[k].token, 2) != 0) k++;
            if (k == RIGHT_COUNT || !r[1]) return SIM_ERROR_INVALID_PARAMETER;
            mask |= RIGHTS[k].mask;
        }
    }
    bytes sid = { 0 };
    DWORD_T err = put_sid(&sid, field[5]);
    if (!err) {
        put8(acl, type);
        put8(acl, flags);
        put16(acl, (uint16_t)(8 + sid.len));
        put32(acl, mask);
        put(acl, sid.p, sid.len);
    }
    free(sid.p);
    return err;
}

/* SDDL (DACL part only) -> a self-relative security descriptor in out. */
static DWORD_T sddl_to_sd(const char *sddl, bytes *out) {
    if (strncmp(sddl, "D:", 2) != 0) return SIM_ERROR_INVALID_PARAMETER;
    const char *p = sddl + 2;
    uint16_t control = SE_SELF_RELATIVE | SE_DACL_PRESENT;
    for (;;) {
        if (*p == 'P') { control |= SE_DACL_PROTECTED; p++; }
        else if (strncmp(p, "AI", 2) == 0) { control |= SE_DACL_AUTO_INHERITED; p += 2; }
        else if (strncmp(p, "AR", 2) == 0) { control |= SE_DACL_AUTO_INHERIT_REQ; p += 2; }
        else break;
    }
    bytes aces = { 0 };
    uint16_t count = 0;
    DWORD_T err = 0;
    while (*p && !err) {
        const char *close = *p == '(' ? strchr(p, ')') : NULL;
        if (!close) { err = SIM_ERROR_INVALID_PARAMETER; break; }
        size_t n = (size_t)(close - p - 1);
        char *body = (char *)malloc(n + 1);
        memcpy(body, p + 1, n);
        body[n] = '\0';
        err = put_ace(&aces, body);
        free(body);
        count++;
        p = close + 1;
    }
    if (!err) {
        put8(out, 1);                      /* Revision */
        put8(out, 0);                      /* Sbz1 */
        put16(out, control);
        put32(out, 0);                     /* OffsetOwner */
        put32(out, 0);                     /* OffsetGroup */
        put32(out, 0);                     /* OffsetSacl */
        put32(out, 20);                    /* OffsetDacl: right after the header */
        put8(out, ACL_REVISION);
        put8(out, 0);
        put16(out, (uint16_t)(8 + aces.len));
        put16(out, count);
        put16(out, 0);
        if (aces.len) put(out, aces.p, aces.len);
    }
    free(aces.p);
    return err;
}

/* ---- binary -> SDDL text ---- */

static void append(char **s, size_t *len, const char *text) {
    size_t n = strlen(text);
    *s = (char *)realloc(*s, *len + n + 1);
    memcpy(*s + *len, text, n + 1);
    *len += n;
}

/* The ACEs of an ACL as SDDL "(…)(…)"; 0, or ERROR_INVALID_ACL. */
static DWORD_T acl_to_text(const uint8_t *acl, char **s, size_t *len) {
    if (acl[0] != ACL_REVISION && acl[0] != 4) return ERROR_INVALID_ACL;
    uint16_t size = get16(acl + 2), count = get16(acl + 4);
    size_t off = 8;
    for (uint16_t i = 0; i < count; i++) {
        if (off + 8 > size) return ERROR_INVALID_ACL;
        const uint8_t *ace = acl + off;
        uint8_t type = ace[0], flags = ace[1];
        uint16_t ace_size = get16(ace + 2);
        if ((type != 0 && type != 1) || ace_size < 16 || off + ace_size > size) return ERROR_INVALID_ACL;
        uint32_t mask = get32(ace + 4);
        const uint8_t *sid = ace + 8;
        if (sid[0] != 1 || 8u + 8u + 4u * sid[1] > ace_size) return ERROR_INVALID_ACL;
        char part[256];
        append(s, len, type == 0 ? "(A;" : "(D;");
        for (size_t k = 0; k < sizeof ACE_FLAGS / sizeof ACE_FLAGS[0]; k++)
            if (flags & ACE_FLAGS[k].bit) append(s, len, ACE_FLAGS[k].token);
        append(s, len, ";");
        const char *right = NULL;
        for (size_t k = 0; k < RIGHT_COUNT; k++) if (RIGHTS[k].mask == mask) right = RIGHTS[k].token;
        if (right) append(s, len, right);
        else { snprintf(part, sizeof part, "0x%x", mask); append(s, len, part); }
        append(s, len, ";;;");
        const char *token = NULL;
        for (size_t k = 0; k < SID_COUNT && !token; k++) {
            if (SIDS[k].count != sid[1] || sid[7] != SIDS[k].authority) continue;
            int same = 1;
            for (uint8_t j = 0; j < sid[1]; j++) if (get32(sid + 8 + 4 * j) != SIDS[k].sub[j]) same = 0;
            if (same) token = SIDS[k].token;
        }
        if (token) append(s, len, token);
        else {
            snprintf(part, sizeof part, "S-1-%u", sid[7]);
            append(s, len, part);
            for (uint8_t j = 0; j < sid[1]; j++) { snprintf(part, sizeof part, "-%u", get32(sid + 8 + 4 * j)); append(s, len, part); }
        }
        append(s, len, ")");
        off += ace_size;
    }
    return 0;
}

/* "D:" + flags from the control word + the ACEs; malloc'd into *out. */
static DWORD_T dacl_to_sddl(uint16_t control, const uint8_t *acl, char **out) {
    size_t len = 0;
    char *s = NULL;
    append(&s, &len, "D:");
    if (control & SE_DACL_PROTECTED) append(&s, &len, "P");
    if (control & SE_DACL_AUTO_INHERIT_REQ) append(&s, &len, "AR");
    if (control & SE_DACL_AUTO_INHERITED) append(&s, &len, "AI");
    DWORD_T err = acl ? acl_to_text(acl, &s, &len) : 0;
    if (err) { free(s); return err; }
    *out = s;
    return 0;
}

/* The DACL of a self-relative descriptor; NULL when it has none. */
static const uint8_t *sd_dacl(const uint8_t *sd, uint16_t *control) {
    *control = get16(sd + 2);
    uint32_t off = get32(sd + 16);
    return (*control & SE_DACL_PRESENT) && off ? sd + off : NULL;
}

/* ---- the descriptors applied per path ---- */

typedef struct applied { char *path; char *sddl; } applied;
static applied *g_current;   /* one entry per path: what it has now */
static size_t g_current_len;
static applied *g_history;   /* every application in order */
static size_t g_history_len;

static int same_path(const char *a, const char *b) {
#ifdef _WIN32
    for (; *a && *b; a++, b++) {
        char x = (char)tolower((unsigned char)(*a == '/' ? '\\' : *a)), y = (char)tolower((unsigned char)(*b == '/' ? '\\' : *b));
        if (x != y) return 0;
    }
    return *a == *b;
#else
    return strcmp(a, b) == 0;
#endif
}

static void record(const char *path, const char *sddl) {
    size_t i = 0;
    while (i < g_current_len && !same_path(g_current[i].path, path)) i++;
    if (i == g_current_len) {
        g_current = (applied *)realloc(g_current, (g_current_len + 1) * sizeof *g_current);
        g_current[g_current_len].path = strdup(path);
        g_current[g_current_len].sddl = NULL;
        g_current_len++;
    }
    free(g_current[i].sddl);
    g_current[i].sddl = strdup(sddl);
    g_history = (applied *)realloc(g_history, (g_history_len + 1) * sizeof *g_history);
    g_history[g_history_len].path = strdup(path);
    g_history[g_history_len].sddl = strdup(sddl);
    g_history_len++;
}

static const char *applied_to(const char *path) {
    for (size_t i = 0; i < g_current_len; i++) if (same_path(g_current[i].path, path)) return g_current[i].sddl;
    return NULL;
}

/* A counted copy of a descriptor for the caller (freed with LocalFree). */
static void *hand_out(const bytes *b) {
    void *p = sim_cotaskmem_alloc(b->len);
    if (p) memcpy(p, b->p, b->len);
    return p;
}

/* ---- exports ---- */

SIMAPI BOOL_T SIMCALL ConvertStringSecurityDescriptorToSecurityDescriptorW(const WCHAR_T *StringSecurityDescriptor, DWORD_T StringSDRevision,
                                                                           void **SecurityDescriptor, DWORD_T *SecurityDescriptorSize) {
    if (sim_fault_last_error("ConvertStringSecurityDescriptorToSecurityDescriptorW", NULL)) return 0;
    if (!StringSecurityDescriptor || !SecurityDescriptor) return sim_bool_result(SIM_ERROR_INVALID_PARAMETER);
    if (StringSDRevision != SDDL_REVISION_1) return sim_bool_result(ERROR_UNKNOWN_REVISION);
    char *text = sim_w_to_utf8(StringSecurityDescriptor);
    bytes sd = { 0 };
    DWORD_T err = text ? sddl_to_sd(text, &sd) : SIM_ERROR_NOT_ENOUGH_MEMORY;
    free(text);
    if (!err) {
        sim_lock();
        void *p = hand_out(&sd);
        sim_unlock();
        if (!p) err = SIM_ERROR_NOT_ENOUGH_MEMORY;
        else {
            *SecurityDescriptor = p;
            if (SecurityDescriptorSize) *SecurityDescriptorSize = (DWORD_T)sd.len;
        }
    }
    free(sd.p);
    return sim_bool_result(err);
}

SIMAPI BOOL_T SIMCALL GetSecurityDescriptorDacl(const void *pSecurityDescriptor, BOOL_T *lpbDaclPresent, void **pDacl, BOOL_T *lpbDaclDefaulted) {
    if (sim_fault_last_error("GetSecurityDescriptorDacl", NULL)) return 0;
    if (!pSecurityDescriptor || !lpbDaclPresent || !pDacl || !lpbDaclDefaulted) return sim_bool_result(SIM_ERROR_INVALID_PARAMETER);
    const uint8_t *sd = (const uint8_t *)pSecurityDescriptor;
    if (sd[0] != 1 || !(get16(sd + 2) & SE_SELF_RELATIVE)) return sim_bool_result(SIM_ERROR_INVALID_PARAMETER);
    uint16_t control;
    const uint8_t *dacl = sd_dacl(sd, &control);
    *lpbDaclPresent = (control & SE_DACL_PRESENT) ? 1 : 0;
    *pDacl = (void *)dacl;
    *lpbDaclDefaulted = 0;
    return 1;
}

/* 0 when a file or folder exists at the (UTF-16) path; else the Win32 error; *utf8 malloc'd. */
static DWORD_T existing_path(const WCHAR_T *name, char **utf8) {
    if (!name || !name[0]) return SIM_ERROR_INVALID_PARAMETER;
    *utf8 = sim_w_to_utf8(name);
    if (!*utf8) return SIM_ERROR_NOT_ENOUGH_MEMORY;
    if (sim_file_exists(*utf8) || sim_dir_exists(*utf8)) return 0;
    free(*utf8);
    *utf8 = NULL;
    return SIM_ERROR_FILE_NOT_FOUND;
}

/* Returns the error code (not the last error), like the Windows function. */
SIMAPI DWORD_T SIMCALL SetNamedSecurityInfoW(const WCHAR_T *pObjectName, uint32_t ObjectType, DWORD_T SecurityInfo,
                                             void *psidOwner, void *psidGroup, const void *pDacl, const void *pSacl) {
    uint32_t code;
    if (sim_fault("SetNamedSecurityInfoW", &code)) return code;
    if (ObjectType != SE_FILE_OBJECT) return SIM_ERROR_INVALID_PARAMETER;
    /* Only the DACL is supported here (the product sets nothing else). */
    if (SecurityInfo & (OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION) || psidOwner || psidGroup || pSacl)
        return SIM_ERROR_CALL_NOT_IMPLEMENTED;
    if (!(SecurityInfo & DACL_SECURITY_INFORMATION) || !pDacl) return SIM_ERROR_INVALID_PARAMETER;
    char *path = NULL;
    DWORD_T err = existing_path(pObjectName, &path);
    if (err) return err;
    char *sddl = NULL;
    /* PROTECTED_DACL_SECURITY_INFORMATION is what protects it; the rest of the ACL is taken as given. */
    uint16_t control = (SecurityInfo & PROTECTED_DACL_SECURITY_INFORMATION) ? SE_DACL_PROTECTED : 0;
    err = dacl_to_sddl(control, (const uint8_t *)pDacl, &sddl);
    if (!err) {
        sim_lock();
        record(path, sddl);
        sim_unlock();
        sim_log_call("SetNamedSecurityInfoW:%s", sddl);
    }
    free(sddl);
    free(path);
    return err;
}

SIMAPI DWORD_T SIMCALL GetNamedSecurityInfoW(const WCHAR_T *pObjectName, uint32_t ObjectType, DWORD_T SecurityInfo, void **ppsidOwner,
                                             void **ppsidGroup, void **ppDacl, void **ppSacl, void **ppSecurityDescriptor) {
    uint32_t code;
    if (sim_fault("GetNamedSecurityInfoW", &code)) return code;
    if (ObjectType != SE_FILE_OBJECT || !ppSecurityDescriptor) return SIM_ERROR_INVALID_PARAMETER;
    if (SecurityInfo & (OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION) || ppsidOwner || ppsidGroup || ppSacl)
        return SIM_ERROR_CALL_NOT_IMPLEMENTED;
    char *path = NULL;
    DWORD_T err = existing_path(pObjectName, &path);
    if (err) return err;
    sim_lock();
    const char *sddl = applied_to(path);
    bytes sd = { 0 };
    err = sddl_to_sd(sddl ? sddl : INHERITED_DEFAULT_SDDL, &sd);
    void *p = err ? NULL : hand_out(&sd);
    sim_unlock();
    free(path);
    free(sd.p);
    if (err) return err;
    if (!p) return SIM_ERROR_NOT_ENOUGH_MEMORY;
    uint16_t control;
    *ppSecurityDescriptor = p;
    if (ppDacl) *ppDacl = (void *)sd_dacl((const uint8_t *)p, &control);
    return 0;
}

SIMAPI BOOL_T SIMCALL ConvertSecurityDescriptorToStringSecurityDescriptorW(const void *SecurityDescriptor, DWORD_T RequestedStringSDRevision,
                                                                           DWORD_T SecurityInformation, WCHAR_T **StringSecurityDescriptor,
                                                                           DWORD_T *StringSecurityDescriptorLen) {
    if (sim_fault_last_error("ConvertSecurityDescriptorToStringSecurityDescriptorW", NULL)) return 0;
    if (!SecurityDescriptor || !StringSecurityDescriptor) return sim_bool_result(SIM_ERROR_INVALID_PARAMETER);
    if (RequestedStringSDRevision != SDDL_REVISION_1) return sim_bool_result(ERROR_UNKNOWN_REVISION);
    const uint8_t *sd = (const uint8_t *)SecurityDescriptor;
    if (sd[0] != 1 || !(get16(sd + 2) & SE_SELF_RELATIVE)) return sim_bool_result(ERROR_INVALID_SECURITY_DESCR);
    char *text = NULL;
    DWORD_T err;
    if (SecurityInformation & DACL_SECURITY_INFORMATION) {
        uint16_t control;
        const uint8_t *dacl = sd_dacl(sd, &control);
        err = dacl_to_sddl(control, dacl, &text);
    } else {
        text = strdup("");
        err = 0;
    }
    if (err) return sim_bool_result(err);
    size_t cch = 0;
    WCHAR_T *w = sim_utf8_to_w_len(text, &cch);
    free(text);
    sim_lock();
    WCHAR_T *out = w ? (WCHAR_T *)sim_cotaskmem_alloc((cch + 1) * sizeof(WCHAR_T)) : NULL;
    sim_unlock();
    if (!out) { free(w); return sim_bool_result(SIM_ERROR_NOT_ENOUGH_MEMORY); }
    memcpy(out, w, (cch + 1) * sizeof(WCHAR_T));
    free(w);
    *StringSecurityDescriptor = out;
    if (StringSecurityDescriptorLen) *StringSecurityDescriptorLen = (DWORD_T)cch;
    return 1;
}

/* kernel32 LocalFree: NULL on success; the block itself, with ERROR_INVALID_HANDLE, when it is not a live allocation. */
SIMAPI void *SIMCALL LocalFree(void *hMem) {
    uint32_t code;
    if (sim_fault("LocalFree", &code)) { sim_set_last_error(code); return hMem; }
    if (!hMem) return NULL;
    sim_lock();
    int freed = sim_cotaskmem_free(hMem);
    sim_unlock();
    if (!freed) {
        sim_set_last_error(SIM_ERROR_INVALID_HANDLE);
        return hMem;
    }
    return NULL;
}

/* ---- control exports ---- */

static uint32_t emit_json(json_buf *b, uint8_t *buf, uint32_t cb) {
    uint32_t needed = (uint32_t)b->len + 1;
    if (buf && cb >= needed) memcpy(buf, b->data ? b->data : "", needed);
    else if (buf && cb > 0) buf[0] = 0;
    json_buf_free(b);
    return needed;
}

/* Every DACL applied, in order: [{"path":…,"sddl":"D:P(…)"}]; same size rule as ClusSimCallLog. */
SIMAPI uint32_t SIMCALL ClusSimSecurityLog(uint8_t *buf, uint32_t cb) {
    json_buf b;
    memset(&b, 0, sizeof b);
    sim_lock();
    json_buf_puts(&b, "[");
    for (size_t i = 0; i < g_history_len; i++) {
        json_buf_puts(&b, i ? ",{\"path\":" : "{\"path\":");
        json_buf_string(&b, g_history[i].path);
        json_buf_puts(&b, ",\"sddl\":");
        json_buf_string(&b, g_history[i].sddl);
        json_buf_puts(&b, "}");
    }
    json_buf_puts(&b, "]");
    sim_unlock();
    return emit_json(&b, buf, cb);
}

/* Forgets every DACL applied (paths read back as inherited again). */
SIMAPI void SIMCALL ClusSimClearSecurity(void) {
    sim_lock();
    for (size_t i = 0; i < g_current_len; i++) { free(g_current[i].path); free(g_current[i].sddl); }
    for (size_t i = 0; i < g_history_len; i++) { free(g_history[i].path); free(g_history[i].sddl); }
    free(g_current);
    free(g_history);
    g_current = g_history = NULL;
    g_current_len = g_history_len = 0;
    sim_unlock();
}
