/*
 * The simulator's XML documents: a strict reader for the small XML subset it writes
 * (elements and attributes only), and the two documents VSS requesters keep:
 *  - the Writer Metadata Document (IVssExamineWriterMetadata::SaveAsXML,
 *    CreateVssExamineWriterMetadataInternal), root element WRITER_METADATA;
 *  - the Backup Components Document (IVssBackupComponents::SaveAsXML,
 *    InitializeForRestore), root element BACKUP_COMPONENTS.
 * Both are the simulator's own formats; anything else is rejected as invalid.
 */
#define _GNU_SOURCE
#include "vss_internal.h"

#include <stdlib.h>
#include <string.h>

#define XML_MAX_DEPTH 16
#define XML_MAX_ATTRS 32

/* ============================================================== the reader */

typedef struct xml_reader {
    const char *p;
    int failed;
} xml_reader;

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static int is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':'; }
static int is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

static void skip_space(xml_reader *r)
{
    while (is_space(*r->p)) r->p++;
}

/* Skips whitespace, comments and processing instructions; 0 on a malformed one. */
static int skip_misc(xml_reader *r)
{
    for (;;) {
        skip_space(r);
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

static char *read_name(xml_reader *r)
{
    const char *start = r->p;
    if (!is_name_start(*r->p)) return NULL;
    while (is_name_char(*r->p)) r->p++;
    size_t n = (size_t)(r->p - start);
    char *s = malloc(n + 1);
    if (!s) return NULL;
    memcpy(s, start, n);
    s[n] = 0;
    return s;
}

static int put_utf8(char *out, unsigned long cp)
{
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) { out[0] = (char)(0xC0 | (cp >> 6)); out[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12)); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18)); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A quoted attribute value with its entities decoded. */
static char *read_value(xml_reader *r)
{
    char quote = *r->p;
    if (quote != '"' && quote != '\'') return NULL;
    r->p++;
    const char *end = strchr(r->p, quote);
    if (!end) return NULL;
    char *out = malloc((size_t)(end - r->p) + 1);
    if (!out) return NULL;
    size_t k = 0;
    while (r->p < end) {
        char c = *r->p;
        if (c == '<') goto bad;
        if (c != '&') {
            out[k++] = c;
            r->p++;
            continue;
        }
        const char *semi = memchr(r->p, ';', (size_t)(end - r->p));
        if (!semi) goto bad;
        size_t len = (size_t)(semi - r->p - 1);
        const char *ent = r->p + 1;
        if (len == 3 && strncmp(ent, "amp", 3) == 0) out[k++] = '&';
        else if (len == 2 && strncmp(ent, "lt", 2) == 0) out[k++] = '<';
        else if (len == 2 && strncmp(ent, "gt", 2) == 0) out[k++] = '>';
        else if (len == 4 && strncmp(ent, "quot", 4) == 0) out[k++] = '"';
        else if (len == 4 && strncmp(ent, "apos", 4) == 0) out[k++] = '\'';
        else if (len >= 2 && ent[0] == '#') {
            unsigned long cp = 0;
            int hex = ent[1] == 'x';
            const char *d = ent + (hex ? 2 : 1);
            if (d >= semi) goto bad;
            for (; d < semi; d++) {
                int v;
                if (*d >= '0' && *d <= '9') v = *d - '0';
                else if (hex && *d >= 'a' && *d <= 'f') v = *d - 'a' + 10;
                else if (hex && *d >= 'A' && *d <= 'F') v = *d - 'A' + 10;
                else goto bad;
                cp = cp * (hex ? 16u : 10u) + (unsigned long)v;
                if (cp > 0x10FFFF) goto bad;
            }
            if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) goto bad;
            /* A character reference never needs more bytes than its own text. */
            int need = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if ((size_t)need > len + 2) goto bad;
            k += (size_t)put_utf8(out + k, cp);
        } else {
            goto bad;
        }
        r->p = semi + 1;
    }
    out[k] = 0;
    r->p = end + 1;
    return out;
bad:
    free(out);
    return NULL;
}

void vss_xml_free(vss_xml_node *n)
{
    if (!n) return;
    free(n->name);
    for (size_t i = 0; i < n->attr_count; i++) {
        free(n->attr_names[i]);
        free(n->attr_values[i]);
    }
    free(n->attr_names);
    free(n->attr_values);
    for (size_t i = 0; i < n->child_count; i++) vss_xml_free(n->children[i]);
    free(n->children);
    free(n);
}

static vss_xml_node *read_element(xml_reader *r, int depth)
{
    if (depth > XML_MAX_DEPTH || *r->p != '<') return NULL;
    r->p++;
    vss_xml_node *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    n->name = read_name(r);
    if (!n->name) goto bad;
    n->attr_names = calloc(XML_MAX_ATTRS, sizeof(char *));
    n->attr_values = calloc(XML_MAX_ATTRS, sizeof(char *));
    if (!n->attr_names || !n->attr_values) goto bad;
    for (;;) {
        int had_space = is_space(*r->p);
        skip_space(r);
        if (*r->p == '/' || *r->p == '>') break;
        if (!had_space || n->attr_count == XML_MAX_ATTRS) goto bad;
        char *name = read_name(r);
        if (!name) goto bad;
        if (vss_xml_attr(n, name)) { free(name); goto bad; }   /* duplicate attribute */
        n->attr_names[n->attr_count] = name;
        skip_space(r);
        if (*r->p != '=') { n->attr_count++; goto bad; }
        r->p++;
        skip_space(r);
        char *value = read_value(r);
        n->attr_values[n->attr_count++] = value;
        if (!value) goto bad;
    }
    if (*r->p == '/') {
        if (r->p[1] != '>') goto bad;
        r->p += 2;
        return n;
    }
    r->p++;   /* '>' */
    for (;;) {
        if (!skip_misc(r)) goto bad;
        if (r->p[0] == '<' && r->p[1] == '/') {
            r->p += 2;
            size_t len = strlen(n->name);
            if (strncmp(r->p, n->name, len) != 0 || is_name_char(r->p[len])) goto bad;
            r->p += len;
            skip_space(r);
            if (*r->p != '>') goto bad;
            r->p++;
            return n;
        }
        if (*r->p != '<') goto bad;   /* text content is not part of these documents */
        vss_xml_node *child = read_element(r, depth + 1);
        if (!child) goto bad;
        vss_xml_node **grown = realloc(n->children, (n->child_count + 1) * sizeof *grown);
        if (!grown) { vss_xml_free(child); goto bad; }
        n->children = grown;
        n->children[n->child_count++] = child;
    }
bad:
    vss_xml_free(n);
    return NULL;
}

vss_xml_node *vss_xml_parse(const char *text)
{
    if (!text) return NULL;
    xml_reader r = { text, 0 };
    if (strncmp(r.p, "\xEF\xBB\xBF", 3) == 0) r.p += 3;
    if (!skip_misc(&r)) return NULL;
    vss_xml_node *root = read_element(&r, 0);
    if (!root) return NULL;
    if (!skip_misc(&r) || *r.p != 0) {
        vss_xml_free(root);
        return NULL;
    }
    return root;
}

const char *vss_xml_attr(const vss_xml_node *n, const char *name)
{
    for (size_t i = 0; i < n->attr_count; i++)
        if (n->attr_names[i] && strcmp(n->attr_names[i], name) == 0) return n->attr_values[i];
    return NULL;
}

/* ------------------------------------------------------------ attribute types */

static int attr_u32(const vss_xml_node *n, const char *name, uint32_t *out)
{
    const char *s = vss_xml_attr(n, name);
    if (!s || !*s || strlen(s) > 10) return 0;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return 0;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (v > 0xFFFFFFFFu) return 0;
    *out = (uint32_t)v;
    return 1;
}

static int attr_bool(const vss_xml_node *n, const char *name, int *out)
{
    const char *s = vss_xml_attr(n, name);
    if (!s) return 0;
    if (strcmp(s, "1") == 0) *out = 1;
    else if (strcmp(s, "0") == 0) *out = 0;
    else return 0;
    return 1;
}

static int attr_guid(const vss_xml_node *n, const char *name, VSS_ID *out)
{
    return vss_guid_parse(vss_xml_attr(n, name), out);
}

static int attr_string(const vss_xml_node *n, const char *name, char **out)
{
    const char *s = vss_xml_attr(n, name);
    if (!s) return 0;
    *out = vss_strdup(s);
    return *out != NULL;
}

static int valid_component_type(uint32_t t)
{
    return t == VSS_CT_DATABASE || t == VSS_CT_FILEGROUP;
}

/* ================================================================ file sets */

void vss_fileset_free(vss_fileset *files, uint32_t count)
{
    if (!files) return;
    for (uint32_t i = 0; i < count; i++) {
        free(files[i].path);
        free(files[i].filespec);
    }
    free(files);
}

vss_fileset *vss_fileset_copy(const vss_fileset *files, uint32_t count)
{
    if (count == 0) return NULL;
    vss_fileset *c = calloc(count, sizeof *c);
    if (!c) return NULL;
    for (uint32_t i = 0; i < count; i++) {
        c[i].path = vss_strdup(files[i].path);
        c[i].filespec = vss_strdup(files[i].filespec);
        c[i].recursive = files[i].recursive;
        if (!c[i].path || !c[i].filespec) {
            vss_fileset_free(c, count);
            return NULL;
        }
    }
    return c;
}

static void write_files(vss_sb *b, const vss_fileset *files, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        vss_sb_puts(b, "<FILE");
        vss_sb_xml_attr(b, "path", files[i].path);
        vss_sb_xml_attr(b, "filespec", files[i].filespec);
        vss_sb_printf(b, " recursive=\"%d\"/>\n", files[i].recursive ? 1 : 0);
    }
}

/* Reads the FILE children of n (other children are not allowed). */
static int read_files(const vss_xml_node *n, vss_fileset **files, uint32_t *count)
{
    *files = NULL;
    *count = 0;
    if (n->child_count == 0) return 1;
    vss_fileset *f = calloc(n->child_count, sizeof *f);
    if (!f) return 0;
    for (size_t i = 0; i < n->child_count; i++) {
        const vss_xml_node *c = n->children[i];
        if (strcmp(c->name, "FILE") != 0 || !attr_string(c, "path", &f[i].path) ||
            !attr_string(c, "filespec", &f[i].filespec) || !attr_bool(c, "recursive", &f[i].recursive) ||
            !*f[i].path || !*f[i].filespec) {
            vss_fileset_free(f, (uint32_t)n->child_count);
            return 0;
        }
    }
    *files = f;
    *count = (uint32_t)n->child_count;
    return 1;
}

/* ================================================== Writer Metadata Document */

#define WMD_NAMESPACE "x-clussim:writer-metadata"
#define BCD_NAMESPACE "x-clussim:backup-components"

char *vss_metadata_to_xml(const vss_metadata *md)
{
    vss_sb b = { 0 };
    char writer[39], instance[39];
    vss_guid_format(&md->writer_id, writer);
    vss_guid_format(&md->instance_id, instance);
    vss_sb_puts(&b, "<?xml version=\"1.0\"?>\n<WRITER_METADATA");
    vss_sb_xml_attr(&b, "xmlns", WMD_NAMESPACE);
    vss_sb_puts(&b, " version=\"1\"");
    vss_sb_xml_attr(&b, "writerId", writer);
    vss_sb_xml_attr(&b, "instanceId", instance);
    vss_sb_xml_attr(&b, "friendlyName", md->writer_name);
    vss_sb_xml_attr(&b, "instanceName", md->instance_name);
    vss_sb_printf(&b, " usage=\"%u\" dataSource=\"%u\" backupSchema=\"%u\">\n",
                  (unsigned)md->usage, (unsigned)md->source, (unsigned)md->backup_schema);
    vss_sb_printf(&b, "<RESTORE_METHOD method=\"%u\"", (unsigned)md->restore_method);
    vss_sb_xml_attr(&b, "service", md->service);
    vss_sb_xml_attr(&b, "userProcedure", md->user_procedure);
    vss_sb_printf(&b, " writerRestore=\"%u\" rebootRequired=\"%d\"/>\n",
                  (unsigned)md->writer_restore, md->reboot_required ? 1 : 0);
    for (uint32_t i = 0; i < md->component_count; i++) {
        const vss_md_component *c = &md->components[i];
        vss_sb_puts(&b, "<COMPONENT");
        vss_sb_xml_attr(&b, "logicalPath", c->logical_path);
        vss_sb_xml_attr(&b, "componentName", c->name);
        vss_sb_xml_attr(&b, "caption", c->caption);
        vss_sb_printf(&b, " componentType=\"%u\" selectable=\"%d\">\n", (unsigned)c->type, c->selectable ? 1 : 0);
        write_files(&b, c->files, c->file_count);
        vss_sb_puts(&b, "</COMPONENT>\n");
    }
    vss_sb_puts(&b, "</WRITER_METADATA>\n");
    return vss_sb_take(&b);
}

static void md_free(vss_metadata *md)
{
    if (!md) return;
    free(md->writer_name);
    free(md->instance_name);
    free(md->service);
    free(md->user_procedure);
    for (uint32_t i = 0; i < md->component_count; i++) {
        vss_md_component *c = &md->components[i];
        free(c->logical_path);
        free(c->name);
        free(c->caption);
        vss_fileset_free(c->files, c->file_count);
    }
    free(md->components);
    free(md);
}

void vss_metadata_retain(vss_metadata *md)
{
    if (md) md->refs++;
}

void vss_metadata_release(vss_metadata *md)
{
    if (md && --md->refs == 0) md_free(md);
}

vss_metadata *vss_metadata_from_xml(const char *xml)
{
    vss_xml_node *root = vss_xml_parse(xml);
    if (!root) return NULL;
    vss_metadata *md = calloc(1, sizeof *md);
    const vss_xml_node *method = NULL;
    if (!md) goto bad;
    md->refs = 1;
    if (strcmp(root->name, "WRITER_METADATA") != 0 || !vss_str_eq(vss_xml_attr(root, "xmlns"), WMD_NAMESPACE) ||
        !vss_str_eq(vss_xml_attr(root, "version"), "1") ||
        !attr_guid(root, "writerId", &md->writer_id) || !attr_guid(root, "instanceId", &md->instance_id) ||
        !attr_string(root, "friendlyName", &md->writer_name) || !attr_string(root, "instanceName", &md->instance_name) ||
        !attr_u32(root, "usage", &md->usage) || !attr_u32(root, "dataSource", &md->source) ||
        !attr_u32(root, "backupSchema", &md->backup_schema) || !*md->writer_name)
        goto bad;
    md->components = calloc(root->child_count ? root->child_count : 1, sizeof *md->components);
    if (!md->components) goto bad;
    for (size_t i = 0; i < root->child_count; i++) {
        const vss_xml_node *n = root->children[i];
        if (strcmp(n->name, "RESTORE_METHOD") == 0) {
            if (method || n->child_count) goto bad;
            method = n;
            if (!attr_u32(n, "method", &md->restore_method) || !attr_string(n, "service", &md->service) ||
                !attr_string(n, "userProcedure", &md->user_procedure) ||
                !attr_u32(n, "writerRestore", &md->writer_restore) ||
                !attr_bool(n, "rebootRequired", &md->reboot_required) ||
                md->restore_method > VSS_RME_RESTORE_STOP_START || md->writer_restore > VSS_WRE_ALWAYS)
                goto bad;
        } else if (strcmp(n->name, "COMPONENT") == 0) {
            vss_md_component *c = &md->components[md->component_count++];
            if (!attr_string(n, "logicalPath", &c->logical_path) || !attr_string(n, "componentName", &c->name) ||
                !attr_string(n, "caption", &c->caption) || !attr_u32(n, "componentType", &c->type) ||
                !attr_bool(n, "selectable", &c->selectable) || !*c->name || !valid_component_type(c->type) ||
                !read_files(n, &c->files, &c->file_count))
                goto bad;
        } else {
            goto bad;
        }
    }
    if (!method) goto bad;
    vss_xml_free(root);
    return md;
bad:
    vss_xml_free(root);
    md_free(md);
    return NULL;
}

const vss_md_component *vss_metadata_find(const vss_metadata *md, uint32_t type,
                                          const char *logical_path, const char *name)
{
    if (!md) return NULL;
    for (uint32_t i = 0; i < md->component_count; i++) {
        const vss_md_component *c = &md->components[i];
        if (c->type == type && vss_str_eq(c->logical_path, logical_path) && vss_str_eq(c->name, name)) return c;
    }
    return NULL;
}

/* ============================================== Backup Components Document */

void vss_doc_component_clear(vss_doc_component *c)
{
    free(c->logical_path);
    free(c->name);
    free(c->backup_options);
    free(c->previous_backup_stamp);
    free(c->restore_options);
    vss_fileset_free(c->files, c->file_count);
    memset(c, 0, sizeof *c);
}

int vss_doc_component_copy(vss_doc_component *dst, const vss_doc_component *src)
{
    *dst = *src;
    dst->logical_path = vss_strdup(src->logical_path);
    dst->name = vss_strdup(src->name);
    dst->backup_options = vss_strdup(src->backup_options);
    dst->previous_backup_stamp = vss_strdup(src->previous_backup_stamp);
    dst->restore_options = vss_strdup(src->restore_options);
    dst->files = vss_fileset_copy(src->files, src->file_count);
    if ((src->logical_path && !dst->logical_path) || (src->name && !dst->name) ||
        (src->backup_options && !dst->backup_options) ||
        (src->previous_backup_stamp && !dst->previous_backup_stamp) ||
        (src->restore_options && !dst->restore_options) || (src->file_count && !dst->files)) {
        vss_doc_component_clear(dst);
        return 0;
    }
    return 1;
}

void vss_doc_clear(vss_doc *doc)
{
    free(doc->writer_name);
    for (uint32_t i = 0; i < doc->component_count; i++) vss_doc_component_clear(&doc->components[i]);
    memset(doc, 0, sizeof *doc);
}

vss_doc_component *vss_doc_find(vss_doc *doc, uint32_t type, const char *logical_path, const char *name)
{
    for (uint32_t i = 0; i < doc->component_count; i++) {
        vss_doc_component *c = &doc->components[i];
        if (c->type == type && vss_str_eq(c->logical_path, logical_path) && vss_str_eq(c->name, name)) return c;
    }
    return NULL;
}

char *vss_doc_to_xml(const vss_doc *doc)
{
    vss_sb b = { 0 };
    char set[39];
    vss_guid_format(&doc->snapshot_set_id, set);
    vss_sb_puts(&b, "<?xml version=\"1.0\"?>\n<BACKUP_COMPONENTS");
    vss_sb_xml_attr(&b, "xmlns", BCD_NAMESPACE);
    vss_sb_printf(&b, " version=\"1\" selectComponents=\"%d\" bootableSystemState=\"%d\" backupType=\"%u\""
                      " partialFileSupport=\"%d\"",
                  doc->select_components ? 1 : 0, doc->bootable_system_state ? 1 : 0,
                  (unsigned)doc->backup_type, doc->partial_file_support ? 1 : 0);
    vss_sb_xml_attr(&b, "snapshotSetId", set);
    vss_sb_puts(&b, ">\n");
    if (doc->has_writer) {
        char writer[39], instance[39];
        vss_guid_format(&doc->writer_id, writer);
        vss_guid_format(&doc->instance_id, instance);
        vss_sb_puts(&b, "<WRITER_COMPONENTS");
        vss_sb_xml_attr(&b, "writerId", writer);
        vss_sb_xml_attr(&b, "instanceId", instance);
        vss_sb_xml_attr(&b, "writerName", doc->writer_name);
        vss_sb_puts(&b, ">\n");
        for (uint32_t i = 0; i < doc->component_count; i++) {
            const vss_doc_component *c = &doc->components[i];
            vss_sb_puts(&b, "<COMPONENT");
            vss_sb_xml_attr(&b, "logicalPath", c->logical_path);
            vss_sb_xml_attr(&b, "componentName", c->name);
            vss_sb_printf(&b, " componentType=\"%u\" backupSucceeded=\"%d\"", (unsigned)c->type,
                          c->backup_succeeded ? 1 : 0);
            if (c->backup_options) vss_sb_xml_attr(&b, "backupOptions", c->backup_options);
            if (c->previous_backup_stamp) vss_sb_xml_attr(&b, "previousBackupStamp", c->previous_backup_stamp);
            vss_sb_puts(&b, ">\n");
            write_files(&b, c->files, c->file_count);
            vss_sb_puts(&b, "</COMPONENT>\n");
        }
        vss_sb_puts(&b, "</WRITER_COMPONENTS>\n");
    }
    vss_sb_puts(&b, "</BACKUP_COMPONENTS>\n");
    return vss_sb_take(&b);
}

int vss_doc_from_xml(const char *xml, vss_doc *doc)
{
    memset(doc, 0, sizeof *doc);
    vss_xml_node *root = vss_xml_parse(xml);
    if (!root) return 0;
    int select = 0, bootable = 0, partial = 0;
    if (strcmp(root->name, "BACKUP_COMPONENTS") != 0 || !vss_str_eq(vss_xml_attr(root, "xmlns"), BCD_NAMESPACE) ||
        !vss_str_eq(vss_xml_attr(root, "version"), "1") ||
        !attr_bool(root, "selectComponents", &select) || !attr_bool(root, "bootableSystemState", &bootable) ||
        !attr_u32(root, "backupType", &doc->backup_type) || !attr_bool(root, "partialFileSupport", &partial) ||
        !attr_guid(root, "snapshotSetId", &doc->snapshot_set_id) ||
        doc->backup_type > VSS_BT_OTHER || root->child_count > 1)
        goto bad;
    doc->select_components = select;
    doc->bootable_system_state = bootable;
    doc->partial_file_support = partial;
    if (root->child_count == 1) {
        const vss_xml_node *w = root->children[0];
        if (strcmp(w->name, "WRITER_COMPONENTS") != 0 || !attr_guid(w, "writerId", &doc->writer_id) ||
            !attr_guid(w, "instanceId", &doc->instance_id) || !attr_string(w, "writerName", &doc->writer_name) ||
            w->child_count > VSS_MAX_DOC_COMPONENTS)
            goto bad;
        doc->has_writer = 1;
        for (size_t i = 0; i < w->child_count; i++) {
            const vss_xml_node *n = w->children[i];
            vss_doc_component *c = &doc->components[doc->component_count++];
            const char *options = vss_xml_attr(n, "backupOptions");
            const char *stamp = vss_xml_attr(n, "previousBackupStamp");
            if (strcmp(n->name, "COMPONENT") != 0 || !attr_string(n, "logicalPath", &c->logical_path) ||
                !attr_string(n, "componentName", &c->name) || !attr_u32(n, "componentType", &c->type) ||
                !attr_bool(n, "backupSucceeded", &c->backup_succeeded) || !*c->name ||
                !valid_component_type(c->type) || !read_files(n, &c->files, &c->file_count))
                goto bad;
            if ((options && !(c->backup_options = vss_strdup(options))) ||
                (stamp && !(c->previous_backup_stamp = vss_strdup(stamp))))
                goto bad;
            /* the same component twice is not a valid document */
            for (uint32_t j = 0; j + 1 < doc->component_count; j++) {
                const vss_doc_component *o = &doc->components[j];
                if (o->type == c->type && vss_str_eq(o->logical_path, c->logical_path) && vss_str_eq(o->name, c->name))
                    goto bad;
            }
        }
    }
    vss_xml_free(root);
    return 1;
bad:
    vss_xml_free(root);
    vss_doc_clear(doc);
    return 0;
}
