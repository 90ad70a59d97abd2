/*
 * Quorum and replication. Every node holds its own copy of the cluster configuration:
 * this machine's is the live CLUSDB file; another node's is a file in the folder
 * "<scenario>.copies" (its own "<index>.clusdb" once it differs, else "initial.clusdb",
 * the live CLUSDB as it was when the world started). The cluster forms when the running
 * nodes hold a majority of the votes (the witness adds one), or when a node is started
 * with /fq; the newest PaxosTag among the running nodes wins then (the forced node's copy
 * regardless of its tag) and is copied to every running node; a node that starts while
 * the cluster is formed takes the cluster's copy. A running node without a formed cluster
 * is joining. Sources and assumptions: README.md, "Quorum and replication".
 */
#define __USE_MINGW_ANSI_STDIO 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hive.h"
#include "json.h"
#include "quorum.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static int model_on(const sim_scenario *sc) {
    return sc && sc->replication;
}

static int is_member_node(const sim_scenario *sc, const sim_node *n) {
    return n >= sc->nodes && n < sc->nodes + sc->node_count;
}

static char *copies_dir(const sim_scenario *sc) {
    size_t len = strlen(sc->path) + 8;
    char *dir = (char *)malloc(len);
    if (dir) snprintf(dir, len, "%s.copies", sc->path);
    return dir;
}

static char *copies_file(const sim_scenario *sc, const char *name) {
    char *dir = copies_dir(sc);
    char *file = dir ? sim_path_join(dir, name) : NULL;
    free(dir);
    return file;
}

/* The file a node's own copy is written to. */
static char *own_copy_path(const sim_scenario *sc, const sim_node *n) {
    if (sim_node_is_local(n)) return sim_path_join(sc->clusdb_dir, "CLUSDB");
    char name[32];
    snprintf(name, sizeof name, "%u.clusdb", (unsigned)(n - sc->nodes));
    return copies_file(sc, name);
}

/* The file that holds a node's copy now. */
static char *copy_path(const sim_scenario *sc, const sim_node *n) {
    char *own = own_copy_path(sc, n);
    if (!own || sim_node_is_local(n) || sim_file_exists(own)) return own;
    free(own);
    return copies_file(sc, "initial.clusdb");
}

static uint64_t file_hash(const char *path) {
    FILE *f = path ? sim_fopen(path, "rb") : NULL;
    if (!f) return 0;
    uint64_t h = FNV_OFFSET;
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < n; i++) h = (h ^ buf[i]) * FNV_PRIME;
    fclose(f);
    return h;
}

/* The PaxosTag of the hive at path; 0 when it is not a readable hive (it then loses). */
static uint32_t file_tag(const char *path) {
    FILE *f = path ? sim_fopen(path, "rb") : NULL;
    if (!f) return 0;
    char err[256];
    sim_hv_info info;
    sim_hv_key *tree = sim_hv_read(f, err, sizeof err, &info);
    fclose(f);
    uint32_t tag = tree ? sim_hv_get_dword(tree, "PaxosTag", 0) : 0;
    sim_hv_free(tree);
    return tag;
}

static uint32_t node_tag(const sim_scenario *sc, const sim_node *n) {
    char *path = copy_path(sc, n);
    uint32_t tag = file_tag(path);
    free(path);
    return tag;
}

static int runs(const sim_node *n) {
    return n->service_state == SIM_SVC_RUNNING;
}

static int in_cluster(const sim_node *n) {
    return runs(n) && (n->state == SIM_NODE_UP || n->state == SIM_NODE_PAUSED);
}

/* Votes of the running nodes (+ the witness) against all votes (+ the witness). */
static int has_majority(const sim_scenario *sc) {
    uint64_t total = sc->has_quorum ? 1 : 0, present = total;
    for (uint32_t i = 0; i < sc->node_count; i++) {
        total += sc->nodes[i].votes;
        if (runs(&sc->nodes[i])) present += sc->nodes[i].votes;
    }
    return total > 0 && 2 * present > total;
}

/* Copies winner's copy onto node n when they differ. */
static void take_copy(const sim_scenario *sc, const sim_node *winner, sim_node *n) {
    if (n == winner) return;
    char *from = copy_path(sc, winner), *current = copy_path(sc, n), *to = own_copy_path(sc, n);
    uint64_t want = file_hash(from);
    if (from && to && want != 0 && file_hash(current) != want) {
        if (sim_copy_file(from, to) != 0) fprintf(stderr, "clussim: copying the configuration of %s to %s failed\n", winner->name, n->name);
    }
    free(from);
    free(current);
    free(to);
}

/* The running node whose copy wins: the forced one, else the newest PaxosTag (the first on a tie). */
static sim_node *winner_among_running(sim_scenario *sc, int only_in_cluster) {
    sim_node *best = NULL;
    uint32_t best_tag = 0;
    for (uint32_t i = 0; i < sc->node_count; i++) {
        sim_node *n = &sc->nodes[i];
        if (!runs(n) || (only_in_cluster && !in_cluster(n))) continue;
        if (n->forced) return n;
        uint32_t tag = node_tag(sc, n);
        if (!best || tag > best_tag) {
            best = n;
            best_tag = tag;
        }
    }
    return best;
}

static void form(sim_scenario *sc, sim_node *winner) {
    for (uint32_t i = 0; i < sc->node_count; i++) {
        sim_node *n = &sc->nodes[i];
        if (!runs(n)) continue;
        take_copy(sc, winner, n);
        if (n->state != SIM_NODE_PAUSED) n->state = SIM_NODE_UP;
    }
    sc->cluster_formed = 1;
}

void sim_quorum_service_reached(sim_node *n) {
    sim_scenario *sc = sim_scenario_get();
    if (!model_on(sc) || !n || !is_member_node(sc, n)) return;
    if (!runs(n)) {
        n->force_pending = 0;
        n->forced = 0;
        if (n->service_state != SIM_SVC_STOPPED) return;
        /* Out of the cluster until it starts again (a paused node stays paused). */
        if (n->state != SIM_NODE_PAUSED) n->state = SIM_NODE_DOWN;
        int forced_left = 0;
        for (uint32_t i = 0; i < sc->node_count; i++) forced_left |= runs(&sc->nodes[i]) && sc->nodes[i].forced;
        if (sc->cluster_formed && !forced_left && !has_majority(sc)) {
            /* Quorum lost: the cluster stops; the nodes still running look for it again. */
            sc->cluster_formed = 0;
            for (uint32_t i = 0; i < sc->node_count; i++)
                if (runs(&sc->nodes[i])) sc->nodes[i].state = SIM_NODE_JOINING;
        }
        return;
    }
    if (n->force_pending) {
        /* Forced quorum: this node's copy is the authoritative one and goes to every running node. */
        n->force_pending = 0;
        n->forced = 1;
        form(sc, n);
        return;
    }
    if (sc->cluster_formed) {
        /* The joiner is not in the cluster yet: the cluster's copy is the newest among those that are. */
        sim_node_state was = n->state;
        n->state = SIM_NODE_JOINING;
        sim_node *cluster = winner_among_running(sc, 1);
        n->state = was;
        if (cluster && cluster != n) {
            take_copy(sc, cluster, n);
            n->state = SIM_NODE_UP;
            return;
        }
    }
    if (has_majority(sc)) {
        form(sc, winner_among_running(sc, 0));
    } else {
        sc->cluster_formed = 0;
        n->state = SIM_NODE_JOINING;
    }
}

int sim_quorum_args_force(DWORD_T argc, const WCHAR_T **argv) {
    for (DWORD_T i = 1; argv && i < argc; i++) {
        if (argv[i] && (sim_wcs_eq_utf8(argv[i], "/fq", 1) || sim_wcs_eq_utf8(argv[i], "/forcequorum", 1))) return 1;
    }
    return 0;
}

uint64_t sim_quorum_live_hash(void) {
    sim_scenario *sc = sim_scenario_get();
    char *path = sc ? sim_path_join(sc->clusdb_dir, "CLUSDB") : NULL;
    uint64_t h = file_hash(path);
    free(path);
    return h;
}

void sim_quorum_commit_authoritative(void) {
    sim_scenario *sc = sim_scenario_get();
    const char *why;
    sim_hv_key *db = sc ? sim_live_db(&why) : NULL;
    if (!db) return;
    uint32_t newest = sim_hv_get_dword(db, "PaxosTag", 0);
    for (uint32_t i = 0; i < sc->node_count; i++) {
        if (sim_node_is_local(&sc->nodes[i])) continue;
        uint32_t tag = node_tag(sc, &sc->nodes[i]);
        if (tag > newest) newest = tag;
    }
    sim_hv_set_dword(db, "PaxosTag", newest);
    sim_live_db_commit();   /* newest + 1 */
}

void sim_quorum_opened(int continued) {
    sim_scenario *sc = sim_scenario_get();
    if (!sc || continued) return;
    char *dir = copies_dir(sc), *initial = copies_file(sc, "initial.clusdb");
    char *live = sim_path_join(sc->clusdb_dir, "CLUSDB");
    if (dir && initial && live) {
        sim_remove_tree(dir);
        if (sim_mkdirs(dir) != 0 || (sim_file_exists(live) && sim_copy_file(live, initial) != 0))
            fprintf(stderr, "clussim: the other nodes' configuration copies cannot be written in %s\n", dir);
    }
    free(dir);
    free(initial);
    free(live);
    sc->cluster_formed = 0;
    for (uint32_t i = 0; i < sc->node_count; i++) sc->cluster_formed |= in_cluster(&sc->nodes[i]);
}

/* Control export: a node's copy as {"node", "paxosTag", "hash", "file", "state", "forced", "clusterFormed"}. */
SIMAPI uint32_t SIMCALL ClusSimNodeConfiguration(const char *node, uint8_t *buf, uint32_t cb) {
    json_buf b;
    memset(&b, 0, sizeof b);
    sim_lock();
    sim_state_refresh();
    sim_scenario *sc = sim_scenario_get();
    sim_node *n = sc && node ? sim_find_node_utf8(node) : NULL;
    if (!n || !is_member_node(sc, n)) {
        json_buf_puts(&b, "null");
    } else {
        char *path = copy_path(sc, n);
        static const char *const STATES[] = { "up", "down", "paused", "joining" };
        json_buf_puts(&b, "{\"node\": ");
        json_buf_string(&b, n->name);
        json_buf_printf(&b, ", \"paxosTag\": %u, \"hash\": \"%016llx\", \"file\": ", (unsigned)file_tag(path), (unsigned long long)file_hash(path));
        json_buf_string(&b, path ? path : "");
        json_buf_printf(&b, ", \"state\": \"%s\", \"forced\": %s, \"clusterFormed\": %s}", runs(n) ? STATES[n->state & 3] : "down",
                        n->forced ? "true" : "false", sc->cluster_formed ? "true" : "false");
        free(path);
    }
    sim_unlock();
    uint32_t needed = (uint32_t)b.len + 1;
    if (buf && cb >= needed) memcpy(buf, b.data ? b.data : "", needed);
    else if (buf && cb > 0) buf[0] = 0;
    json_buf_free(&b);
    return needed;
}
