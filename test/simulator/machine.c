/*
 * This machine's ClusDb files as the operating system and the cluster service hold them:
 * in use while the cluster service runs (clusdb.lockedWhileRunning) unless the writer
 * released them at PreRestore (writer.releasesFilesAtPreRestore); renames scheduled for
 * the next boot (MoveFileExW with MOVEFILE_DELAY_UNTIL_REBOOT) and ClusSimReboot, which
 * applies them; the service that does not start on a CLUSDB that is not a valid hive;
 * and an authoritative restore through the writer winning at the next start. The
 * sources are listed in README.md, "Files in use, the reboot and the authoritative
 * restore".
 */
#define __USE_MINGW_ANSI_STDIO 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hive.h"
#include "sim.h"
#include "quorum.h"

#define MOVEFILE_REPLACE_EXISTING 0x1u

static int is_sep(char c) {
    return c == '/' || c == '\\';
}

#ifdef _WIN32
static int lower(int c) {
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}
#endif

/* Two folders are the same: separators of either kind, and on Windows letters of either case. */
static int same_folder(const char *a, size_t alen, const char *b) {
    size_t blen = strlen(b);
    while (alen && is_sep(a[alen - 1])) alen--;
    while (blen && is_sep(b[blen - 1])) blen--;
    if (alen != blen) return 0;
    for (size_t i = 0; i < alen; i++) {
        if (is_sep(a[i]) && is_sep(b[i])) continue;
#ifdef _WIN32
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) return 0;
#else
        if (a[i] != b[i]) return 0;
#endif
    }
    return 1;
}

int sim_clusdb_file_locked(const char *utf8path) {
    sim_scenario *sc = sim_scenario_get();
    if (!sc || !utf8path || !sc->clusdb_locked_while_running || sc->files_released) return 0;
    sim_state_refresh();
    const sim_node *local = sim_local_node();
    if (!local || local->service_state == SIM_SVC_STOPPED || local->service_state == SIM_SVC_NOT_INSTALLED) return 0;
    size_t n = strlen(utf8path), cut = n;
    while (cut > 0 && !is_sep(utf8path[cut - 1])) cut--;
    if (cut == 0 || !same_folder(utf8path, cut - 1, sc->clusdb_dir)) return 0;
    for (uint32_t i = 0; i < sc->file_count; i++)
        if (sim_utf8_eq_name(utf8path + cut, sc->files[i].name)) return 1;
    return 0;
}

void sim_writer_pre_restore(void) {
    sim_lock();
    sim_scenario *sc = sim_scenario_get();
    if (sc && sc->writer_releases_at_prerestore) {
        sc->files_released = 1;
        sim_state_save();
    }
    sim_unlock();
}

void sim_writer_post_restore(int authoritative) {
    sim_lock();
    sim_scenario *sc = sim_scenario_get();
    if (sc && authoritative && sc->replication) {
        sc->authoritative_pending = 1;
        /* The writer marks the database at the original location now (README.md, "Quorum and replication"). */
        sc->authoritative_hash = sim_quorum_live_hash();
        sim_state_save();
    }
    sim_unlock();
}

DWORD_T sim_add_pending_rename(const char *from, const char *to, uint32_t flags) {
    sim_scenario *sc = sim_scenario_get();
    if (!sc) return SIM_ERROR_NOT_READY;
    if (strlen(from) >= sizeof sc->renames[0].from || strlen(to ? to : "") >= sizeof sc->renames[0].to) return SIM_ERROR_INVALID_PARAMETER;
    if (sc->rename_count >= SIM_MAX_RENAMES) return SIM_ERROR_NOT_ENOUGH_MEMORY;
    sim_pending_rename *r = &sc->renames[sc->rename_count++];
    snprintf(r->from, sizeof r->from, "%s", from);
    snprintf(r->to, sizeof r->to, "%s", to ? to : "");
    r->flags = flags;
    sim_state_save();
    return 0;
}

static void local_service_reached(sim_scenario *sc, sim_node *n) {
    const char *why;
    sim_hv_key *db = sim_live_db(&why);
    if (!db) {
        /* The cluster service loads CLUSDB as a hive when it starts; it stops when it cannot. */
        n->service_state = SIM_SVC_STOPPED;
        n->exit_code = SIM_ERROR_REGISTRY_CORRUPT_;
        return;
    }
    /* The service holds its files again. */
    sc->files_released = 0;
    if (sc->authoritative_pending) {
        sc->authoritative_pending = 0;
        /* The restored configuration becomes the newest, so that it wins when the cluster forms —
         * when the database here is still the one the writer marked at PostRestore. */
        if (sim_quorum_live_hash() == sc->authoritative_hash) sim_quorum_commit_authoritative();
    }
}

void sim_service_reached(sim_node *n, uint32_t final_state) {
    sim_scenario *sc = sim_scenario_get();
    n->service_state = final_state;
    if (final_state == SIM_SVC_RUNNING && sc && sim_node_is_local(n)) local_service_reached(sc, n);
    sim_quorum_service_reached(n);
}

SIMAPI void SIMCALL ClusSimReboot(void) {
    sim_lock();
    sim_scenario *sc = sim_scenario_get();
    if (!sc) {
        sim_unlock();
        return;
    }
    sim_state_refresh();
    sim_node *local = sim_local_node();
    int installed = local && local->service_state != SIM_SVC_NOT_INSTALLED;
    if (installed) {
        /* Shutting down stops every service, which lets go of the files. */
        local->service_state = SIM_SVC_STOPPED;
        local->pending_left = 0;
        local->checkpoint = 0;
        sim_quorum_service_reached(local);
    }
    sc->files_released = 0;
    /* The session manager replaces the files before any service starts, in the order recorded. */
    for (uint32_t i = 0; i < sc->rename_count; i++) {
        const sim_pending_rename *r = &sc->renames[i];
        if (!r->to[0]) {
            sim_remove_file(r->from);
        } else if (!sim_file_exists(r->to) || (r->flags & MOVEFILE_REPLACE_EXISTING)) {
            if (sim_rename_replace(r->from, r->to) != 0)
                fprintf(stderr, "clussim: the rename of %s to %s scheduled for the reboot failed\n", r->from, r->to);
        }
    }
    sc->rename_count = 0;
    /* ClusSvc starts automatically on a configured node. */
    if (installed && sc->configured) sim_service_begin(local, SIM_SVC_START_PENDING);
    sim_state_save();
    sim_unlock();
}
