/*
 * Volumes and mounted folders of the simulated machine, and the two kernel32 calls a
 * VSS requester uses to find the volume of a path (README.md, "Volumes and mounted
 * folders"):
 *
 * - GetVolumePathNameW: the mount point of the volume a path lies on, with a trailing
 *   separator: the deepest mounted folder containing the path, else the drive root
 *   ("X:\" in the Windows build, "/" on Linux).
 * - GetVolumeNameForVolumeMountPointW: the volume GUID path "\\?\Volume{GUID}\" of the
 *   volume mounted at a drive root or mounted folder (trailing separator required).
 *
 * A drive root is a volume of its own (GUID 5c5c0000-766f-4c00-8000-0000000000XX, XX the
 * ASCII code of the drive letter, or of '/' on Linux). The scenario's "mountedFolders"
 * mount further volumes at folders below the scenario folder; nothing moves on disk: the
 * files stay where they are and only the volume they belong to changes (what VSS
 * snapshots, and the path below the mount point a snapshot keeps them at).
 */
#define __USE_MINGW_ANSI_STDIO 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "sim.h"

#define ERROR_FILENAME_EXCED_RANGE 206u
#define ERROR_NOT_A_REPARSE_POINT 4390u
/* "\\?\Volume{" + 36 + "}\" + NUL: the 50 characters Microsoft names as enough. */
#define VOLUME_GUID_PATH_CCH 50u

#include "k32_export.h"

K32_EXPORT(GetVolumePathNameW)
K32_EXPORT(GetVolumeNameForVolumeMountPointW)

static int is_sep(char c)
{
#ifdef _WIN32
    return c == '\\' || c == '/';
#else
    return c == '/';
#endif
}

static int same_char(char a, char b)
{
#ifdef _WIN32
    /* Windows path names compare without regard to (ASCII) case. */
    if (a >= 'a' && a <= 'z') a = (char)(a - 32);
    if (b >= 'a' && b <= 'z') b = (char)(b - 32);
    if (is_sep(a) && is_sep(b)) return 1;
#endif
    return a == b;
}

/* The root of an absolute path: its length (3 for "X:\", 1 for "/") and the character
 * its volume is named after; 0 for a path that is not absolute. */
static size_t root_of(const char *path, char *letter)
{
#ifdef _WIN32
    char c = path[0];
    if (((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) && path[1] == ':' && is_sep(path[2])) {
        *letter = (char)(c >= 'a' ? c - 32 : c);
        return 3;
    }
    return 0;
#else
    *letter = '/';
    return path[0] == '/' ? 1 : 0;
#endif
}

static void drive_volume(char letter, sim_guid *out)
{
    sim_guid_parse("5c5c0000-766f-4c00-8000-000000000000", out);
    out->Data4[7] = (uint8_t)letter;
}

void sim_volume_guid_path(const sim_guid *g, char out[50])
{
    snprintf(out, VOLUME_GUID_PATH_CCH, "\\\\?\\Volume{%08lx-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x}\\",
             (unsigned long)g->Data1, g->Data2, g->Data3, g->Data4[0], g->Data4[1], g->Data4[2], g->Data4[3],
             g->Data4[4], g->Data4[5], g->Data4[6], g->Data4[7]);
}

/* The absolute folder of mounts[i], native separators, no trailing separator (malloc'd). */
static char *mount_folder(const sim_scenario *sc, uint32_t i)
{
    char *rel = strdup(sc->mounts[i].path);
    if (!rel) return NULL;
    for (char *p = rel; *p; p++)
        if (*p == '/') *p = sim_path_sep();
    char *abs = sim_path_join(sc->dir, rel);
    free(rel);
    return abs;
}

/* How many characters of `path` the folder `folder` covers when the path lies in or below
 * it (component-wise), else 0. */
static size_t covered(const char *path, const char *folder)
{
    size_t n = 0;
    while (folder[n] && path[n] && same_char(path[n], folder[n])) n++;
    if (folder[n]) return 0;
    return path[n] == '\0' || is_sep(path[n]) ? n : 0;
}

int sim_volume_of_path(const char *path, char **mount_point, sim_guid *volume, const char **rest)
{
    char letter;
    size_t root = path ? root_of(path, &letter) : 0;
    if (!root) return 0;
    const sim_scenario *sc = sim_scenario_get();
    size_t best = 0;
    char *best_folder = NULL;
    drive_volume(letter, volume);
    for (uint32_t i = 0; sc && i < sc->mount_count; i++) {
        char *folder = mount_folder(sc, i);
        if (!folder) {
            free(best_folder);
            return 0;
        }
        size_t n = covered(path, folder);
        if (n > best) {
            best = n;
            *volume = sc->mounts[i].volume;
            free(best_folder);
            best_folder = folder;
        } else {
            free(folder);
        }
    }
    size_t len = best ? best + 1 : root;
    char *mp = malloc(len + 1);
    if (!mp) {
        free(best_folder);
        return 0;
    }
    if (best) {
        memcpy(mp, path, best);
        mp[best] = sim_path_sep();
    } else {
        memcpy(mp, path, root);
#ifdef _WIN32
        mp[0] = letter;
        mp[2] = '\\';
#endif
    }
    mp[len] = '\0';
    free(best_folder);
    const char *r = path + (best ? best : root);
    while (*r && is_sep(*r)) r++;
    *mount_point = mp;
    *rest = r;
    return 1;
}

/* "\\?\Volume{GUID}\" (the prefix's '?' may also be '.'): 1 with the GUID. */
static int parse_volume_guid_path(const char *name, sim_guid *out)
{
    static const char prefix[] = "\\\\?\\Volume{";
    size_t plen = sizeof prefix - 1;
    if (strlen(name) != plen + 36 + 2) return 0;
    for (size_t i = 0; i < plen; i++) {
        char a = name[i], b = prefix[i];
        if (i == 2 && a == '.') continue;
        if (a >= 'A' && a <= 'Z') a = (char)(a + 32);
        if (b >= 'A' && b <= 'Z') b = (char)(b + 32);
        if (a != b) return 0;
    }
    if (name[plen + 36] != '}' || name[plen + 37] != '\\') return 0;
    char guid[37];
    memcpy(guid, name + plen, 36);
    guid[36] = '\0';
    return sim_guid_parse(guid, out);
}

/* Whether a volume with this GUID exists on the simulated machine. */
static int volume_exists(const sim_guid *g)
{
    const sim_scenario *sc = sim_scenario_get();
    for (uint32_t i = 0; sc && i < sc->mount_count; i++)
        if (sim_guid_eq(&sc->mounts[i].volume, g)) return 1;
    sim_guid drive;
    drive_volume((char)g->Data4[7], &drive);
#ifdef _WIN32
    int letter_ok = g->Data4[7] >= 'A' && g->Data4[7] <= 'Z';
#else
    int letter_ok = g->Data4[7] == '/';
#endif
    return letter_ok && sim_guid_eq(&drive, g);
}

/* The volume mounted exactly at `mount_point` (trailing separator included): 1 found,
 * 0 not a mount point, -1 out of memory. */
static int volume_at(const char *mount_point, sim_guid *volume)
{
    if (parse_volume_guid_path(mount_point, volume)) return volume_exists(volume);
    char *mp = NULL;
    const char *rest = NULL;
    if (!sim_volume_of_path(mount_point, &mp, volume, &rest)) return root_of(mount_point, &(char){ 0 }) ? -1 : 0;
    /* A mount point itself: nothing of the name lies below the volume's root. */
    int found = *rest == '\0' && strlen(mp) == strlen(mount_point);
    free(mp);
    return found;
}

/* Whether a mount point name ends with its separator (a volume GUID path ends with '\'
 * in the Linux build too). */
static int ends_with_sep(const char *name)
{
    size_t n = strlen(name);
    sim_guid ignored;
    return n > 0 && (is_sep(name[n - 1]) || parse_volume_guid_path(name, &ignored));
}

int sim_volume_named(const char *name, sim_guid *volume)
{
    return name && ends_with_sep(name) && volume_at(name, volume) == 1;
}

/* Copies a UTF-8 result into a caller buffer of cch WCHARs: 0, or the Win32 error. */
static DWORD_T copy_result(const char *utf8, WCHAR_T *buf, DWORD_T cch)
{
    size_t n = 0;
    WCHAR_T *w = sim_utf8_to_w_len(utf8, &n);
    if (!w) return SIM_ERROR_NOT_ENOUGH_MEMORY;
    DWORD_T err = 0;
    if (cch < n + 1) err = ERROR_FILENAME_EXCED_RANGE;
    else memcpy(buf, w, (n + 1) * sizeof(WCHAR_T));
    free(w);
    return err;
}

K32_API BOOL_T SIMCALL K32_FUNC(GetVolumePathNameW)(const WCHAR_T *lpszFileName, WCHAR_T *lpszVolumePathName, DWORD_T cchBufferLength)
{
    if (sim_fault_last_error("GetVolumePathNameW", NULL)) return 0;
    if (!lpszFileName || !lpszVolumePathName) return sim_bool_result(SIM_ERROR_INVALID_PARAMETER);
    if (lpszFileName[0] == 0) {
        /* Documented: an empty string fails with the last error ERROR_SUCCESS. */
        sim_set_last_error(SIM_ERROR_SUCCESS);
        return 0;
    }
    char *path = sim_w_to_utf8(lpszFileName);
    if (!path) return sim_bool_result(SIM_ERROR_NOT_ENOUGH_MEMORY);
    DWORD_T err;
    sim_lock();
    sim_scenario *sc = sim_scenario_get();
    char *mp = NULL;
    const char *rest;
    sim_guid volume;
    char letter;
    if (!sc) {
        err = SIM_ERROR_NOT_READY;
    } else {
        /* A relative name, documented: the boot volume's root (the Windows folder's drive). */
        const char *of = root_of(path, &letter) ? path : sc->system_root;
        err = sim_volume_of_path(of, &mp, &volume, &rest) ? copy_result(mp, lpszVolumePathName, cchBufferLength)
                                                          : SIM_ERROR_NOT_ENOUGH_MEMORY;
    }
    sim_unlock();
    free(mp);
    free(path);
    return sim_bool_result(err);
}

K32_API BOOL_T SIMCALL K32_FUNC(GetVolumeNameForVolumeMountPointW)(const WCHAR_T *lpszVolumeMountPoint, WCHAR_T *lpszVolumeName,
                                                                   DWORD_T cchBufferLength)
{
    char *name = lpszVolumeMountPoint ? sim_w_to_utf8(lpszVolumeMountPoint) : NULL;
    if (sim_fault_last_error("GetVolumeNameForVolumeMountPointW", NULL)) {
        free(name);
        return 0;
    }
    DWORD_T err = 0;
    sim_lock();
    sim_guid volume;
    if (!lpszVolumeMountPoint || !lpszVolumeName) err = SIM_ERROR_INVALID_PARAMETER;
    else if (!name) err = SIM_ERROR_NOT_ENOUGH_MEMORY;
    else if (!sim_scenario_get()) err = SIM_ERROR_NOT_READY;
    /* Documented: the name must end with the separator. */
    else if (!ends_with_sep(name)) err = SIM_ERROR_INVALID_PARAMETER;
    else {
        int found = volume_at(name, &volume);
        if (found < 0) err = SIM_ERROR_NOT_ENOUGH_MEMORY;
        else if (found == 0) err = ERROR_NOT_A_REPARSE_POINT;
        else {
            char text[VOLUME_GUID_PATH_CCH];
            sim_volume_guid_path(&volume, text);
            err = copy_result(text, lpszVolumeName, cchBufferLength);
        }
    }
    sim_unlock();
    free(name);
    return sim_bool_result(err);
}

/* ---------------------------------------------------------------- the scenario */

/* A mounted folder's path: relative to the scenario folder, '/' separated, no empty, "." or
 * ".." segment, nothing Windows forbids in a name. */
static int valid_relative(const char *p)
{
    if (!*p || *p == '/' || strpbrk(p, "\\:*?\"<>|")) return 0;
    const char *seg = p;
    for (;;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if (len == 0 || (len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.')) return 0;
        if (!end) return 1;
        seg = end + 1;
    }
}

void sim_parse_mounted_folders(sim_vctx *v, const json_value *root, struct sim_scenario *sc)
{
    sc->mount_count = 0;
    const json_value *list = json_get(root, "mountedFolders");
    if (!list || !sim_want_array(v, list, "mountedFolders", SIM_MAX_MOUNTED_FOLDERS)) return;
    sc->mount_count = (uint32_t)list->count;
    for (uint32_t i = 0; i < sc->mount_count && !v->failed; i++) {
        static const char *const KEYS[] = { "path", "volumeGuid", NULL };
        char p[64];
        const json_value *item = sim_array_object(v, list, i, "mountedFolders", "mounted folder", KEYS, "path", p, sizeof p);
        if (!item) return;
        sim_get_text(v, item, "path", p, "", sc->mounts[i].path, sizeof sc->mounts[i].path, 0, NULL);
        if (v->failed) return;
        if (!valid_relative(sc->mounts[i].path)) {
            sim_verr(v, p, json_get(item, "path"),
                     "\"%.100s\" is not a folder below the scenario folder (relative, '/' separated, no \".\" or \"..\")",
                     sc->mounts[i].path);
            return;
        }
        char guid[64];
        char def[48];
        /* Default: a GUID of its own per mounted folder, stable for the scenario text. */
        snprintf(def, sizeof def, "5c5c0001-766f-4c00-8000-0000000000%02x", (unsigned)(i & 0xFFu));
        sim_get_text(v, item, "volumeGuid", p, def, guid, sizeof guid, 0, NULL);
        if (v->failed) return;
        if (!sim_guid_parse(guid, &sc->mounts[i].volume)) {
            sim_verr(v, p, json_get(item, "volumeGuid"), "\"%.60s\" is not a GUID", guid);
            return;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (sim_utf8_eq_name(sc->mounts[j].path, sc->mounts[i].path)) {
                sim_verr(v, p, json_get(item, "path"), "the folder is already mounted by mountedFolders[%u]", j);
                return;
            }
            if (sim_guid_eq(&sc->mounts[j].volume, &sc->mounts[i].volume)) {
                sim_verr(v, p, json_get(item, "volumeGuid"), "the volume is already mounted by mountedFolders[%u]", j);
                return;
            }
        }
    }
}
