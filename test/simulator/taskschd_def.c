/*
 * The task definition as the simulator's Task Scheduler reads it (taskschd.c): a small
 * XML reader, the checks of the Task Scheduler Schema it models (README.md "Task
 * Scheduler"), and the next run of daily and weekly calendar triggers in local time.
 */
#define _GNU_SOURCE
#define __USE_MINGW_ANSI_STDIO 1
#include <stdlib.h>
#include <string.h>

#include "taskschd_sim.h"

/* ------------------------------------------------------- a small XML reader */

/* Elements, attributes, text (entities and CDATA decoded), comments and processing
 * instructions skipped; the default namespace (xmlns) is inherited. Enough for the
 * task definition schema, which uses no prefixes. */
typedef struct tx_node {
    char *name, *ns, *text;
    size_t child_count;
    struct tx_node **children;
} tx_node;

typedef struct tx_reader { const char *p; } tx_reader;

static char *tx_strndup(const char *s, size_t n) {
    char *out = malloc(n + 1);
    if (out) {
        memcpy(out, s, n);
        out[n] = 0;
    }
    return out;
}

static void tx_free(tx_node *n) {
    if (!n) return;
    for (size_t i = 0; i < n->child_count; i++) tx_free(n->children[i]);
    free(n->children);
    free(n->name);
    free(n->ns);
    free(n->text);
    free(n);
}

static int tx_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static int tx_name_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == ':' || c == '-' || c == '.';
}

static int tx_skip_misc(tx_reader *r) {
    for (;;) {
        while (tx_space(*r->p)) r->p++;
        if (strncmp(r->p, "<!--", 4) == 0) {
            const char *end = strstr(r->p + 4, "-->");
            if (!end) return 0;
            r->p = end + 3;
        } else if (strncmp(r->p, "<?", 2) == 0) {
            const char *end = strstr(r->p + 2, "?>");
            if (!end) return 0;
            r->p = end + 2;
        } else {
            return 1;
        }
    }
}

static char *tx_name(tx_reader *r) {
    const char *s = r->p;
    while (tx_name_char(*r->p)) r->p++;
    if (r->p == s) return NULL;
    return tx_strndup(s, (size_t)(r->p - s));
}

static void tx_put_utf8(char **out, unsigned long cp) {
    char *o = *out;
    if (cp < 0x80) *o++ = (char)cp;
    else if (cp < 0x800) { *o++ = (char)(0xC0 | (cp >> 6)); *o++ = (char)(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) { *o++ = (char)(0xE0 | (cp >> 12)); *o++ = (char)(0x80 | ((cp >> 6) & 0x3F)); *o++ = (char)(0x80 | (cp & 0x3F)); }
    else { *o++ = (char)(0xF0 | (cp >> 18)); *o++ = (char)(0x80 | ((cp >> 12) & 0x3F)); *o++ = (char)(0x80 | ((cp >> 6) & 0x3F)); *o++ = (char)(0x80 | (cp & 0x3F)); }
    *out = o;
}

/* Appends the decoded text of [s, end) to *buf; 0 when an entity is malformed. */
static int tx_decode(const char *s, const char *end, char **buf, size_t *len) {
    char *grown = realloc(*buf, *len + (size_t)(end - s) + 1);
    if (!grown) return 0;
    *buf = grown;
    char *o = grown + *len;
    while (s < end) {
        if (*s == '<') return 0;
        if (*s != '&') { *o++ = *s++; continue; }
        const char *semi = memchr(s, ';', (size_t)(end - s));
        if (!semi) return 0;
        size_t n = (size_t)(semi - s - 1);
        const char *e = s + 1;
        if (n == 3 && !strncmp(e, "amp", 3)) *o++ = '&';
        else if (n == 2 && !strncmp(e, "lt", 2)) *o++ = '<';
        else if (n == 2 && !strncmp(e, "gt", 2)) *o++ = '>';
        else if (n == 4 && !strncmp(e, "quot", 4)) *o++ = '"';
        else if (n == 4 && !strncmp(e, "apos", 4)) *o++ = '\'';
        else if (n >= 2 && e[0] == '#') {
            int hex = e[1] == 'x';
            char *stop;
            unsigned long cp = strtoul(e + (hex ? 2 : 1), &stop, hex ? 16 : 10);
            if (stop != semi || cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || n > 10) return 0;
            tx_put_utf8(&o, cp);
        } else {
            return 0;
        }
        s = semi + 1;
    }
    *len = (size_t)(o - *buf);
    (*buf)[*len] = 0;
    return 1;
}

static tx_node *tx_element(tx_reader *r, const char *inherited_ns, int depth) {
    if (depth > 32 || *r->p != '<') return NULL;
    r->p++;
    tx_node *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    n->name = tx_name(r);
    if (!n->name) goto bad;
    for (;;) {
        while (tx_space(*r->p)) r->p++;
        if (*r->p == '/' || *r->p == '>') break;
        char *an = tx_name(r);
        if (!an) goto bad;
        while (tx_space(*r->p)) r->p++;
        char q = r->p[1];
        if (*r->p != '=' || (q != '"' && q != '\'')) { free(an); goto bad; }
        const char *vs = r->p + 2, *ve = strchr(vs, q);
        if (!ve) { free(an); goto bad; }
        char *value = NULL;
        size_t vlen = 0;
        int ok = tx_decode(vs, ve, &value, &vlen);
        if (ok && strcmp(an, "xmlns") == 0) { free(n->ns); n->ns = value; value = NULL; }
        free(value);
        free(an);
        if (!ok) goto bad;
        r->p = ve + 1;
    }
    if (!n->ns) n->ns = strdup(inherited_ns ? inherited_ns : "");
    if (!n->ns) goto bad;
    size_t text_len = 0;
    n->text = calloc(1, 1);
    if (!n->text) goto bad;
    if (*r->p == '/') {
        if (r->p[1] != '>') goto bad;
        r->p += 2;
        return n;
    }
    r->p++;
    for (;;) {
        const char *lt = strchr(r->p, '<');
        if (!lt) goto bad;
        if (!tx_decode(r->p, lt, &n->text, &text_len)) goto bad;
        r->p = lt;
        if (strncmp(r->p, "</", 2) == 0) {
            r->p += 2;
            char *close = tx_name(r);
            int same = close && strcmp(close, n->name) == 0;
            free(close);
            while (tx_space(*r->p)) r->p++;
            if (!same || *r->p != '>') goto bad;
            r->p++;
            return n;
        }
        if (strncmp(r->p, "<![CDATA[", 9) == 0) {
            const char *end = strstr(r->p + 9, "]]>");
            if (!end) goto bad;
            char *grown = realloc(n->text, text_len + (size_t)(end - r->p - 9) + 1);
            if (!grown) goto bad;
            n->text = grown;
            memcpy(n->text + text_len, r->p + 9, (size_t)(end - r->p - 9));
            text_len += (size_t)(end - r->p - 9);
            n->text[text_len] = 0;
            r->p = end + 3;
            continue;
        }
        if (strncmp(r->p, "<!--", 4) == 0 || strncmp(r->p, "<?", 2) == 0) {
            if (!tx_skip_misc(r)) goto bad;
            continue;
        }
        if (r->p[1] == '!') goto bad;
        tx_node *child = tx_element(r, n->ns, depth + 1);
        if (!child) goto bad;
        tx_node **kids = realloc(n->children, (n->child_count + 1) * sizeof *kids);
        if (!kids) { tx_free(child); goto bad; }
        n->children = kids;
        n->children[n->child_count++] = child;
    }
bad:
    tx_free(n);
    return NULL;
}

static tx_node *tx_parse(const char *text) {
    tx_reader r = { text };
    if (!tx_skip_misc(&r)) return NULL;
    tx_node *root = tx_element(&r, "", 0);
    if (!root) return NULL;
    if (!tx_skip_misc(&r) || *r.p != 0) {
        tx_free(root);
        return NULL;
    }
    return root;
}

static const tx_node *tx_child(const tx_node *n, const char *name) {
    for (size_t i = 0; n && i < n->child_count; i++)
        if (strcmp(n->children[i]->name, name) == 0) return n->children[i];
    return NULL;
}

/* The element's text without surrounding whitespace, in buf. */
static const char *tx_value(const tx_node *n, char *buf, size_t cap) {
    if (!n) return NULL;
    const char *s = n->text;
    while (tx_space(*s)) s++;
    size_t len = strlen(s);
    while (len > 0 && tx_space(s[len - 1])) len--;
    if (len >= cap) len = cap - 1;
    memcpy(buf, s, len);
    buf[len] = 0;
    return buf;
}

/* ------------------------------------------------------------ dates (DATE) */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Local wall-clock fields → DATE. */
static tsim_date date_from_tm(const struct tm *t) {
    int64_t days = days_from_civil(t->tm_year + 1900, (unsigned)t->tm_mon + 1, (unsigned)t->tm_mday) - days_from_civil(1899, 12, 30);
    return (double)days + (t->tm_hour * 3600 + t->tm_min * 60 + t->tm_sec) / 86400.0;
}

static void local_tm(time_t t, struct tm *out) {
#ifdef _WIN32
    localtime_s(out, &t);
#else
    localtime_r(&t, out);
#endif
}

/* An xs:dateTime StartBoundary "YYYY-MM-DDTHH:MM:SS" (local time when it has no zone;
 * a "Z" or "+HH:MM" zone is converted to local time). 0 when it is not one. */
static int parse_boundary(const char *s, time_t *out) {
    int y, mo, d, h, mi, sec, used = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) != 6 || used != 19) return 0;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 || y < 1900) return 0;
    const char *zone = s + 19;
    if (*zone == '.') { zone++; while (*zone >= '0' && *zone <= '9') zone++; }
    struct tm t;
    memset(&t, 0, sizeof t);
    t.tm_year = y - 1900;
    t.tm_mon = mo - 1;
    t.tm_mday = d;
    t.tm_hour = h;
    t.tm_min = mi;
    t.tm_sec = sec;
    t.tm_isdst = -1;
    if (*zone == 0) {
        *out = mktime(&t);
        return *out != (time_t)-1;
    }
    int64_t offset = 0;
    if (strcmp(zone, "Z") == 0) offset = 0;
    else {
        int zh, zm;
        if ((zone[0] != '+' && zone[0] != '-') || sscanf(zone + 1, "%2d:%2d%n", &zh, &zm, &used) != 2 || used != 5) return 0;
        offset = (zone[0] == '-' ? -1 : 1) * (int64_t)(zh * 3600 + zm * 60);
    }
    int64_t utc = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec - offset;
    *out = (time_t)utc;
    return 1;
}

/* ------------------------------------------------------ the task definition */

static const char *const DAY_NAMES[7] = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday" };

static int parse_interval(const tx_node *n, uint32_t *out) {
    char buf[32];
    if (!n) { *out = 1; return 1; }
    char *end;
    unsigned long v = strtoul(tx_value(n, buf, sizeof buf), &end, 10);
    if (*end || v < 1 || v > 365) return 0;
    *out = (uint32_t)v;
    return 1;
}

static int is_true(const tx_node *n, int fallback) {
    char buf[16];
    if (!n) return fallback;
    return strcmp(tx_value(n, buf, sizeof buf), "true") == 0;
}

/* Checks the parts of the Task Scheduler schema the simulator models and reads what
 * NextRunTime and State need. SIM_S_OK, or the SCHED_E_* code Windows gives for the fault. */
HRESULT_T tsim_check_definition(const char *xml, tsim_task_info *info) {
    memset(info, 0, sizeof *info);
    tx_node *root = tx_parse(xml);
    if (!root) return TSIM_SCHED_E_MALFORMEDXML;
    HRESULT_T hr = SIM_S_OK;
    char buf[256];
    if (strcmp(root->name, "Task") != 0 || strcmp(root->ns, TASK_NAMESPACE) != 0) { hr = TSIM_SCHED_E_MALFORMEDXML; goto out; }
    const tx_node *actions = tx_child(root, "Actions");
    const tx_node *exec = tx_child(actions, "Exec");
    if (!actions || actions->child_count == 0) { hr = TSIM_SCHED_E_MISSINGNODE; goto out; }
    if (exec && (!tx_child(exec, "Command") || !*tx_value(tx_child(exec, "Command"), buf, sizeof buf))) { hr = TSIM_SCHED_E_MISSINGNODE; goto out; }
    const tx_node *principal = tx_child(tx_child(root, "Principals"), "Principal");
    const tx_node *level = tx_child(principal, "RunLevel");
    if (level && strcmp(tx_value(level, buf, sizeof buf), "HighestAvailable") != 0 && strcmp(buf, "LeastPrivilege") != 0) {
        hr = TSIM_SCHED_E_INVALIDVALUE;
        goto out;
    }
    info->enabled = is_true(tx_child(tx_child(root, "Settings"), "Enabled"), 1);
    const tx_node *triggers = tx_child(root, "Triggers");
    for (size_t i = 0; triggers && i < triggers->child_count; i++) {
        const tx_node *t = triggers->children[i];
        if (strcmp(t->name, "CalendarTrigger") != 0) continue;   /* other trigger kinds have no calendar */
        if (info->trigger_count == MAX_TRIGGERS) break;
        tsim_trigger_info *ti = &info->triggers[info->trigger_count];
        const tx_node *start = tx_child(t, "StartBoundary");
        if (!start) { hr = TSIM_SCHED_E_MISSINGNODE; goto out; }
        if (!parse_boundary(tx_value(start, buf, sizeof buf), &ti->start)) { hr = TSIM_SCHED_E_INVALIDVALUE; goto out; }
        ti->enabled = is_true(tx_child(t, "Enabled"), 1);
        const tx_node *by_day = tx_child(t, "ScheduleByDay"), *by_week = tx_child(t, "ScheduleByWeek");
        if (by_day) {
            if (!parse_interval(tx_child(by_day, "DaysInterval"), &ti->interval)) { hr = TSIM_SCHED_E_INVALIDVALUE; goto out; }
        } else if (by_week) {
            ti->weekly = 1;
            if (!parse_interval(tx_child(by_week, "WeeksInterval"), &ti->interval)) { hr = TSIM_SCHED_E_INVALIDVALUE; goto out; }
            const tx_node *days = tx_child(by_week, "DaysOfWeek");
            if (!days || days->child_count == 0) { hr = TSIM_SCHED_E_MISSINGNODE; goto out; }
            for (size_t k = 0; k < days->child_count; k++) {
                int found = 0;
                for (int w = 0; w < 7; w++)
                    if (strcmp(days->children[k]->name, DAY_NAMES[w]) == 0) { ti->days_mask |= 1u << w; found = 1; }
                if (!found) { hr = TSIM_SCHED_E_MALFORMEDXML; goto out; }
            }
        } else {
            /* Monthly schedules are valid but the simulator does not compute their runs. */
            continue;
        }
        info->trigger_count++;
    }
out:
    tx_free(root);
    return hr;
}

/* The first run of the trigger strictly after now (local time), or 0 when none. */
static time_t trigger_next(const tsim_trigger_info *t, time_t now) {
    struct tm st, nt;
    local_tm(t->start, &st);
    local_tm(now, &nt);
    int64_t today = days_from_civil(nt.tm_year + 1900, (unsigned)nt.tm_mon + 1, (unsigned)nt.tm_mday) -
                    days_from_civil(st.tm_year + 1900, (unsigned)st.tm_mon + 1, (unsigned)st.tm_mday);
    /* Begin a whole period before today, on a period boundary, so the pattern is kept. */
    int64_t period = t->weekly ? 7 * (int64_t)t->interval : (int64_t)t->interval;
    int64_t first = today > period ? (today / period - 1) * period : 0;
    for (int64_t day = first; day <= first + 3 * period + 2 || day <= today + 3 * period + 2; day++) {
        struct tm c = st;
        c.tm_mday += (int)day;
        c.tm_isdst = -1;
        time_t when = mktime(&c);
        if (when == (time_t)-1) return 0;
        int due;
        if (t->weekly) {
            /* Weeks counted from the start's week (Sunday first); every interval-th week. */
            int64_t week = (day + st.tm_wday) / 7;
            due = (week % t->interval) == 0 && (t->days_mask & (1u << c.tm_wday));
        } else {
            due = day % t->interval == 0;
        }
        if (due && when > now) return when;
    }
    return 0;
}

tsim_date tsim_next_run(const tsim_task_info *info) {
    if (!info->enabled) return 0;
    time_t now = time(NULL), best = 0;
    for (uint32_t i = 0; i < info->trigger_count; i++) {
        if (!info->triggers[i].enabled) continue;
        time_t t = trigger_next(&info->triggers[i], now);
        if (t && (!best || t < best)) best = t;
    }
    if (!best) return 0;
    struct tm tm;
    local_tm(best, &tm);
    return date_from_tm(&tm);
}

