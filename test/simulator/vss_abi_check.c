/*
 * Compile-time checks of the VSS ABI (no code). In the mingw build these compare the
 * simulator's slot lists (vss_sdk.h) with the SDK-compatible mingw headers; in the
 * Linux build they check the Linux declarations generated from the same lists.
 *
 * For every interface in VSIM_VTABLES:
 *  - each method is at the slot number of the reference tables (offsetof == slot * 8),
 *  - each method's function type equals the listed one (return type, parameter types,
 *    GUIDs by value or by pointer, 1-byte boolean vs 4-byte BOOL),
 *  - the vtable has exactly as many slots as the list (no member missing or extra).
 * Together with the vtables in vss_*.c being filled by member name from those same
 * structs, a method cannot sit in a wrong slot in either build.
 * Also checked: the VSS_COMPONENTINFO and VSS_SNAPSHOT_PROP field offsets and sizes,
 * the enum values and HRESULTs the simulator uses, and the base type sizes.
 */
#include "vss_internal.h"

/* ---------------------------------------------------------------- vtables */

#define CHECK_METHOD(T, slot, ret, name, params) \
    _Static_assert(offsetof(T##Vtbl, name) == (slot) * sizeof(void *), #T "::" #name " is not at slot " #slot); \
    _Static_assert(__builtin_types_compatible_p(__typeof__(((T##Vtbl *)0)->name), ret (STDMETHODCALLTYPE *) params), \
                   #T "::" #name " has another signature");
#define COUNT_METHOD(T, slot, ret, name, params) +1

#define CHECK_1(I, A) A(CHECK_METHOD, I) \
    _Static_assert(sizeof(I##Vtbl) == (0 A(COUNT_METHOD, I)) * sizeof(void *), #I "Vtbl has another number of slots");
#define CHECK_2(I, A, B) A(CHECK_METHOD, I) B(CHECK_METHOD, I) \
    _Static_assert(sizeof(I##Vtbl) == (0 A(COUNT_METHOD, I) B(COUNT_METHOD, I)) * sizeof(void *), \
                   #I "Vtbl has another number of slots");
#define CHECK_3(I, A, B, C) A(CHECK_METHOD, I) B(CHECK_METHOD, I) C(CHECK_METHOD, I) \
    _Static_assert(sizeof(I##Vtbl) == (0 A(COUNT_METHOD, I) B(COUNT_METHOD, I) C(COUNT_METHOD, I)) * sizeof(void *), \
                   #I "Vtbl has another number of slots");
#define CHECK_4(I, A, B, C, D) A(CHECK_METHOD, I) B(CHECK_METHOD, I) C(CHECK_METHOD, I) D(CHECK_METHOD, I) \
    _Static_assert(sizeof(I##Vtbl) == \
                   (0 A(COUNT_METHOD, I) B(COUNT_METHOD, I) C(COUNT_METHOD, I) D(COUNT_METHOD, I)) * sizeof(void *), \
                   #I "Vtbl has another number of slots");
#define CHECK_PICK(_1, _2, _3, _4, _5, NAME, ...) NAME
#define CHECK_VTBL(...) CHECK_PICK(__VA_ARGS__, CHECK_4, CHECK_3, CHECK_2, CHECK_1, unused)(__VA_ARGS__)

VSIM_VTABLES(CHECK_VTBL)

/* ---------------------------------------------------------------- structs */

#define CHECK_FIELD(S, type, name, offset) \
    _Static_assert(offsetof(S, name) == (offset), #S "." #name " is not at offset " #offset); \
    _Static_assert(__builtin_types_compatible_p(__typeof__(((S *)0)->name), type), #S "." #name " has another type");
#define CHECK_COMPONENTINFO(type, name, offset) CHECK_FIELD(VSS_COMPONENTINFO, type, name, offset)
#define CHECK_SNAPSHOT_PROP(type, name, offset) CHECK_FIELD(VSS_SNAPSHOT_PROP, type, name, offset)
VSIM_COMPONENTINFO_FIELDS(CHECK_COMPONENTINFO)
VSIM_SNAPSHOT_PROP_FIELDS(CHECK_SNAPSHOT_PROP)
_Static_assert(sizeof(VSS_COMPONENTINFO) == VSIM_COMPONENTINFO_SIZE, "VSS_COMPONENTINFO size");
_Static_assert(sizeof(VSS_SNAPSHOT_PROP) == VSIM_SNAPSHOT_PROP_SIZE, "VSS_SNAPSHOT_PROP size");

/* ------------------------------------------------------------- constants */

#define CHECK_VALUE(name, value) _Static_assert((long long)(name) == (long long)(value), #name " is not " #value);
VSIM_ENUM_COMPONENT_TYPE(CHECK_VALUE)
VSIM_ENUM_BACKUP_TYPE(CHECK_VALUE)
VSIM_ENUM_RESTORE_TYPE(CHECK_VALUE)
VSIM_ENUM_WRITER_STATE(CHECK_VALUE)
VSIM_ENUM_FILE_RESTORE_STATUS(CHECK_VALUE)
VSIM_ENUM_RESTORE_TARGET(CHECK_VALUE)
VSIM_ENUM_USAGE_TYPE(CHECK_VALUE)
VSIM_ENUM_SOURCE_TYPE(CHECK_VALUE)
VSIM_ENUM_RESTOREMETHOD(CHECK_VALUE)
VSIM_ENUM_WRITERRESTORE(CHECK_VALUE)
VSIM_ENUM_OBJECT_TYPE(CHECK_VALUE)
VSIM_ENUM_ROLLFORWARD_TYPE(CHECK_VALUE)
VSIM_ENUM_SNAPSHOT_STATE(CHECK_VALUE)
VSIM_INT_CONSTANTS(CHECK_VALUE)

#define CHECK_HRESULT(name, value) _Static_assert((name) == (HRESULT)(value), #name " is not " #value);
VSIM_HRESULTS(CHECK_HRESULT)

/* ------------------------------------------------------------ base types */

_Static_assert(sizeof(GUID) == 16 && _Alignof(GUID) == 4, "GUID: 16 bytes, align 4");
_Static_assert(sizeof(VSS_ID) == sizeof(sim_guid), "VSS_ID and sim_guid differ");
_Static_assert(sizeof(HRESULT) == 4 && sizeof(LONG) == 4 && sizeof(ULONG) == 4 && sizeof(DWORD) == 4, "32-bit integers");
_Static_assert(sizeof(UINT) == 4 && sizeof(INT) == 4 && sizeof(WINBOOL) == 4, "32-bit integers");
_Static_assert(sizeof(boolean) == 1 && sizeof(BYTE) == 1, "1-byte boolean");
_Static_assert(sizeof(WCHAR) == 2, "WCHAR is one UTF-16 code unit");
_Static_assert(sizeof(BSTR) == 8 && sizeof(LPCWSTR) == 8 && sizeof(VSS_PWSZ) == 8, "64-bit pointers");
_Static_assert(sizeof(FILETIME) == 8 && sizeof(VSS_TIMESTAMP) == 8, "FILETIME / VSS_TIMESTAMP");
_Static_assert(sizeof(VSS_COMPONENT_TYPE) == 4 && sizeof(VSS_WRITER_STATE) == 4 && sizeof(VSS_BACKUP_TYPE) == 4, "enums are 4 bytes");

/* ISO C wants at least one declaration in a translation unit. */
typedef int vss_abi_checked;
