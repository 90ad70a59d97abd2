/*
 * Registry hives ("regf" files) for the simulator: an in-memory key tree, a writer
 * that lays it out as Windows does (base block, hive bins, nk/vk/sk/lh/ri/db cells)
 * and a bounds-checked reader. The format follows the public "Windows registry file
 * format specification" (see README.md, "The CLUSDB hive").
 *
 * Names and strings are UTF-8 in the tree; the writer stores names in the hive as
 * Windows does (Latin-1 "compressed" when every UTF-16 unit is below 0x100, else
 * UTF-16LE) and value data exactly as given (REG_SZ data is UTF-16LE with its NUL).
 */
#ifndef CLUSSIM_HIVE_H
#define CLUSSIM_HIVE_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#define SIM_REG_NONE 0u
#define SIM_REG_SZ 1u
#define SIM_REG_EXPAND_SZ 2u
#define SIM_REG_BINARY 3u
#define SIM_REG_DWORD 4u
#define SIM_REG_MULTI_SZ 7u
#define SIM_REG_QWORD 11u

/* Windows limits (RegCreateKeyEx / RegSetValueEx documentation, "Registry element size limits"). */
#define SIM_HV_MAX_KEY_NAME 255u          /* characters */
#define SIM_HV_MAX_VALUE_NAME 16383u      /* characters */
#define SIM_HV_MAX_DEPTH 512u             /* key levels */

typedef struct sim_hv_value {
    char *name;                /* UTF-8; "" is the default value */
    uint32_t type;             /* REG_* */
    uint8_t *data;             /* may be NULL when len is 0 */
    uint32_t len;
} sim_hv_value;

typedef struct sim_hv_key {
    char *name;                /* UTF-8 */
    uint64_t written;          /* last write time (FILETIME) */
    struct sim_hv_key *parent;
    sim_hv_value *values;      /* in the order they were added */
    uint32_t value_count, value_cap;
    struct sim_hv_key **subkeys;   /* sorted the way the hive stores them (sim_hv_name_cmp) */
    uint32_t subkey_count, subkey_cap;
} sim_hv_key;

/* What the reader learnt about a file besides its tree. */
typedef struct sim_hv_info {
    uint32_t sequence1, sequence2;     /* equal when the hive was written cleanly */
    uint64_t written;                  /* the base block's last written time */
    uint64_t bins_size;                /* hive bins data size */
} sim_hv_info;

sim_hv_key *sim_hv_new(const char *name, uint64_t written);
void sim_hv_free(sim_hv_key *k);
sim_hv_key *sim_hv_clone(const sim_hv_key *k);
/* Registry order of names: UTF-16 code units compared after upcasing (ASCII, Latin-1, Cyrillic). */
int sim_hv_name_cmp(const char *a, const char *b);
int sim_hv_name_eq(const char *a, const char *b);
/* Number of UTF-16 code units of a UTF-8 name. */
size_t sim_hv_name_units(const char *utf8);

sim_hv_key *sim_hv_subkey(const sim_hv_key *k, const char *name);
/* The key at a backslash-separated relative path ("" or NULL: k itself); NULL when missing. */
sim_hv_key *sim_hv_path(sim_hv_key *k, const char *path);
/* The subkey `name`, created (in its sorted place) when missing; *created says which. NULL: out of memory. */
sim_hv_key *sim_hv_add_subkey(sim_hv_key *k, const char *name, uint64_t written, int *created);
/* Removes and frees the subkey `name`: 0 done, 2 not found. */
int sim_hv_remove_subkey(sim_hv_key *k, const char *name);

sim_hv_value *sim_hv_value_get(const sim_hv_key *k, const char *name);
/* Sets (replaces, or appends) a value: 0 done, -1 out of memory. */
int sim_hv_set(sim_hv_key *k, const char *name, uint32_t type, const void *data, uint32_t len);
int sim_hv_set_sz(sim_hv_key *k, const char *name, const char *utf8);
int sim_hv_set_dword(sim_hv_key *k, const char *name, uint32_t v);
int sim_hv_set_qword(sim_hv_key *k, const char *name, uint64_t v);
int sim_hv_set_multi_sz(sim_hv_key *k, const char *name, const char *const *items, uint32_t count);
/* Removes a value: 0 done, 2 not found. */
int sim_hv_remove_value(sim_hv_key *k, const char *name);
/* A REG_SZ/REG_EXPAND_SZ value as UTF-8 (malloc'd), up to its first NUL; NULL when missing or another type. */
char *sim_hv_get_sz(const sim_hv_key *k, const char *name);
/* A REG_DWORD value; def when missing or of another type. */
uint32_t sim_hv_get_dword(const sim_hv_key *k, const char *name, uint32_t def);

/* Writes the hive file for `root` to f: at least min_size bytes, the rest being free
 * cells in 4 KiB hive bins (and, past 4 GiB or below a 4 KiB step, zero padding after
 * the last bin, which the format allows). Both sequence numbers are `sequence`.
 * 0 on success. */
int sim_hv_write(FILE *f, const sim_hv_key *root, uint64_t min_size, uint32_t sequence, uint64_t written, const char *file_name);

/* Reads a hive file. NULL with a one-line reason in err when it is not a readable hive
 * (every offset and size is checked; depth, key count and data are bounded). */
sim_hv_key *sim_hv_read(FILE *f, char *err, size_t errlen, sim_hv_info *info);

#endif
