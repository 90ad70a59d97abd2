/*
 * The scenario parser's validation helpers (sim_core.c), shared with scenario_db.c,
 * which parses the cluster database part of a scenario (groups, resources, networks).
 * Every helper reports the first error only: after one, v->failed is set and later
 * calls do nothing.
 */
#ifndef CLUSSIM_SCENARIO_H
#define CLUSSIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

typedef struct sim_vctx {
    char *err;
    size_t errlen;
    int failed;
} sim_vctx;

/* Reports "path: message (line L, column C)". */
void sim_verr(sim_vctx *v, const char *path, const json_value *at, const char *fmt, ...)
#if defined(__MINGW32__)
    __attribute__((format(gnu_printf, 4, 5)))
#elif defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
void sim_check_keys(sim_vctx *v, const json_value *obj, const char *path, const char *const *known);
int sim_want_type(sim_vctx *v, const json_value *val, json_type t, const char *path);
int sim_want_array(sim_vctx *v, const json_value *val, const char *path, uint32_t max);
const json_value *sim_array_object(sim_vctx *v, const json_value *arr, uint32_t i, const char *path, const char *what,
                                  const char *const *known, const char *required, char *p, size_t cap);
void sim_get_bool(sim_vctx *v, const json_value *obj, const char *key, const char *path, int def, int *out);
void sim_get_uint(sim_vctx *v, const json_value *obj, const char *key, const char *path, uint64_t def, uint64_t max, uint64_t *out);
uint32_t sim_get_u32(sim_vctx *v, const json_value *obj, const char *key, const char *path, uint32_t def, uint32_t max);
void sim_get_text(sim_vctx *v, const json_value *obj, const char *key, const char *path, const char *def, char *out, size_t cap,
                  int allow_empty, const char *forbidden);
int sim_pick(sim_vctx *v, const json_value *val, const char *path, const char *const *names, const uint32_t *values, uint32_t *out);

struct sim_scenario;
struct sim_hv_key;
/* Parses the scenario's "mountedFolders" (volumes.c) into sc->mounts. */
void sim_parse_mounted_folders(sim_vctx *v, const json_value *root, struct sim_scenario *sc);
/* Builds the scenario's cluster database (the tree a new CLUSDB is written from) from
 * the parsed cluster and nodes and the JSON's "groups", "resources" and "networks"
 * (defaults when absent). NULL after an error (reported through v). */
struct sim_hv_key *sim_scenario_database(sim_vctx *v, const json_value *root, const struct sim_scenario *sc);

#endif
