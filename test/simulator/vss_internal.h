/*
 * Internal interface of the simulator's VSS part (vss_*.c): the Cluster Database
 * writer's model, the Backup Components Document, the COM objects and small helpers.
 *
 * Locking: every COM method runs its fault check first (without the lock, because a
 * "hang" fault sleeps) and then holds sim_lock() for the rest of its work.
 */
#ifndef CLUSSIM_VSS_INTERNAL_H
#define CLUSSIM_VSS_INTERNAL_H

#include "sim.h"
#include "vss_sdk.h"

/* A wrong function type in a vtable initializer is a slot bug: make it an error. */
#pragma GCC diagnostic error "-Wincompatible-pointer-types"

#define VSS_MAX_DOC_COMPONENTS 64
#define VSS_INFINITE 0xFFFFFFFFu

/* ------------------------------------------------------------ fault + call log */

/* The common start of a synchronous COM method: logs "name[:detail]" and returns 1
 * (with *hr = the injected code) when an armed fault fires. */
int vss_fault(const char *name, const char *detail, HRESULT *hr);
/* The start of a method that hands out an IVssAsync: a "fail" fault makes the
 * operation finish with that code (*fail_hr), a "hang" fault leaves it pending forever. */
void vss_fault_async(const char *name, HRESULT *fail_hr, int *hang);

/* ------------------------------------------------------------------- helpers */

/* Interface IDs (docs/windows.md, GUIDs and interface IDs). */
extern const IID vss_iid_unknown, vss_iid_async;
extern const IID vss_iid_backup_components, vss_iid_backup_components_ex, vss_iid_backup_components_ex2;
extern const IID vss_iid_ewm, vss_iid_ewm_ex, vss_iid_ewm_ex2;
extern const IID vss_iid_component, vss_iid_component_ex;

/* Output helpers: E_INVALIDARG for a NULL out pointer, E_OUTOFMEMORY when a string
 * could not be allocated. vss_out_bstr_or_null hands out NULL for "". */
HRESULT vss_out_bstr(BSTR *out, const char *utf8);
HRESULT vss_out_bstr_or_null(BSTR *out, const char *utf8);
/* A method whose whole work is handing out a string: the fault check, then the BSTR
 * (NULL for an empty or NULL value when empty_is_null). */
HRESULT vss_string_method(const char *name, BSTR *out, const char *value, int empty_is_null);

void vss_com_ref(int delta);                       /* comRefs in the leak report */

/* IUnknown of the simulator's COM objects; `refs` counts the caller's references.
 * vss_query_interface answers the IIDs in `iids` (NULL-terminated; IUnknown always)
 * with This and one more reference. vss_release returns the references left and sets
 * *last when that was the last one: the caller then destroys the object. */
HRESULT vss_query_interface(const char *name, void *This, uint32_t *refs, REFIID riid, void **ppv, const IID *const *iids);
ULONG vss_add_ref(uint32_t *refs);
ULONG vss_release(uint32_t *refs, int *last);
char *vss_strdup(const char *s);                   /* NULL -> NULL */
char *vss_w_to_utf8(LPCWSTR w);                    /* NULL -> "" (malloc'd) */
int vss_str_eq(const char *a, const char *b);      /* NULL equals "" */
BSTR vss_bstr(const char *utf8);                   /* counted BSTR; NULL for NULL */
BSTR vss_bstr_or_null(const char *utf8);           /* NULL for NULL or "" */
void vss_guid_format(const VSS_ID *g, char out[39]);          /* "{xxxxxxxx-...}" lower case */
int vss_guid_parse(const char *text, VSS_ID *out);            /* with or without braces; 1 ok */
int vss_guid_eq(const VSS_ID *a, const VSS_ID *b);
int vss_guid_is_null(const VSS_ID *g);
void vss_guid_from_sim(VSS_ID *out, const sim_guid *in);
void vss_guid_new(VSS_ID *out);
LONGLONG vss_now_filetime(void);

/* A growable UTF-8 text buffer. */
typedef struct vss_sb { char *data; size_t len, cap; int failed; } vss_sb;
void vss_sb_puts(vss_sb *b, const char *s);
void vss_sb_printf(vss_sb *b, const char *fmt, ...)
#if defined(__MINGW32__)
    __attribute__((format(gnu_printf, 2, 3)))
#else
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void vss_sb_xml_attr(vss_sb *b, const char *name, const char *value);  /* ` name="escaped"` */
char *vss_sb_take(vss_sb *b);                       /* NULL when an allocation failed */

/* Paths (UTF-8, native separators). */
int vss_mkdir_new(const char *path);               /* 1 created, 0 exists, -1 error */

/* ------------------------------------------------------------- the XML reader */

typedef struct vss_xml_node {
    char *name;
    size_t attr_count;
    char **attr_names, **attr_values;
    size_t child_count;
    struct vss_xml_node **children;
} vss_xml_node;
vss_xml_node *vss_xml_parse(const char *text);    /* NULL for anything not well formed */
void vss_xml_free(vss_xml_node *n);
const char *vss_xml_attr(const vss_xml_node *n, const char *name);

/* -------------------------------------------------- writer metadata (the model) */

typedef struct vss_fileset {
    char *path;          /* folder, absolute, native separators */
    char *filespec;      /* file name or wildcard */
    int recursive;
} vss_fileset;

typedef struct vss_md_component {
    uint32_t type;                 /* VSS_CT_* */
    char *logical_path;            /* "" when the component has none */
    char *name;
    char *caption;
    int selectable;
    uint32_t file_count;
    vss_fileset *files;
} vss_md_component;

/* A Writer Metadata Document. Immutable once built; shared by reference count. */
typedef struct vss_metadata {
    uint32_t refs;
    VSS_ID writer_id, instance_id;
    char *writer_name;
    char *instance_name;
    uint32_t usage, source;
    uint32_t restore_method, writer_restore;
    char *service, *user_procedure;
    int reboot_required;
    uint32_t backup_schema;
    uint32_t component_count;
    vss_md_component *components;
} vss_metadata;

extern const VSS_ID vss_cluster_writer_id;
vss_metadata *vss_metadata_from_scenario(const sim_scenario *sc);   /* NULL when out of memory */
vss_metadata *vss_metadata_from_xml(const char *xml);               /* NULL when not a valid document */
char *vss_metadata_to_xml(const vss_metadata *md);                  /* malloc'd */
void vss_metadata_retain(vss_metadata *md);
void vss_metadata_release(vss_metadata *md);
const vss_md_component *vss_metadata_find(const vss_metadata *md, uint32_t type,
                                          const char *logical_path, const char *name);
void vss_fileset_free(vss_fileset *files, uint32_t count);
vss_fileset *vss_fileset_copy(const vss_fileset *files, uint32_t count);

/* ------------------------------------------ the Backup Components Document */

typedef struct vss_doc_component {
    uint32_t type;
    char *logical_path;
    char *name;
    int backup_succeeded;
    char *backup_options, *previous_backup_stamp;
    uint32_t file_count;
    vss_fileset *files;
    /* restore session */
    int selected, additional_restores, authoritative;
    uint32_t file_restore_status;  /* VSS_RS_* */
    uint32_t restore_target;       /* VSS_RT_* */
    char *restore_options;
} vss_doc_component;

typedef struct vss_doc {
    int has_writer;
    VSS_ID writer_id, instance_id;
    char *writer_name;
    uint32_t backup_type;
    int select_components, bootable_system_state, partial_file_support;
    VSS_ID snapshot_set_id;
    uint32_t component_count;
    vss_doc_component components[VSS_MAX_DOC_COMPONENTS];
} vss_doc;

char *vss_doc_to_xml(const vss_doc *doc);          /* malloc'd */
int vss_doc_from_xml(const char *xml, vss_doc *doc);   /* 1 ok (doc filled), 0 invalid */
void vss_doc_clear(vss_doc *doc);
vss_doc_component *vss_doc_find(vss_doc *doc, uint32_t type, const char *logical_path, const char *name);
int vss_doc_component_copy(vss_doc_component *dst, const vss_doc_component *src);
void vss_doc_component_clear(vss_doc_component *c);

/* ------------------------------------------------------------ COM objects */

HRESULT vss_ewm_create(vss_metadata *md, IVssExamineWriterMetadataEx2 **out);     /* retains md */
HRESULT vss_wmcomponent_create(vss_metadata *md, uint32_t index, IVssWMComponent **out);
HRESULT vss_filedesc_create(const vss_fileset *f, IVssWMFiledesc **out);
/* IVssWriterComponentsExt over a copy of the document's components (IUnknown at +8). */
HRESULT vss_writer_components_create(const vss_doc *doc, IVssWriterComponentsExt **out);

/* Asynchronous operations of IVssBackupComponents. */
typedef enum {
    VSS_OP_GATHER_METADATA, VSS_OP_PREPARE_BACKUP, VSS_OP_GATHER_STATUS, VSS_OP_DO_SNAPSHOT_SET,
    VSS_OP_BACKUP_COMPLETE, VSS_OP_PRE_RESTORE, VSS_OP_POST_RESTORE
} vss_op;
struct vss_bc;
struct vss_async;
/* Creates the IVssAsync for op on bc (takes a reference on bc) and makes it bc's pending operation. */
HRESULT vss_async_create(struct vss_bc *bc, vss_op op, HRESULT fail_hr, int hang, IVssAsync **out);
/* Ends an operation that is still pending without effect (AbortBackup). */
void vss_async_abandon(struct vss_async *a);

/* Implemented by vss_backup.c: apply a finished operation; a failure makes the
 * operation report that HRESULT. Called with the lock held. */
HRESULT vss_bc_complete(struct vss_bc *bc, vss_op op);
void vss_bc_operation_ended(struct vss_bc *bc, struct vss_async *a);
/* An IVssAsync keeps its object alive with an internal hold; holds are not references
 * of the caller, so they are not counted in the leak report's comRefs. */
void vss_bc_hold(struct vss_bc *bc);
void vss_bc_unhold(struct vss_bc *bc);

#endif
