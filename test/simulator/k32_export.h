/* Functions the simulator exports under kernel32's own names (kernel32.c, volumes.c).
 *
 * In the Windows build the C runtime itself imports kernel32's GetLastError (and
 * could import the others), and an import library member defines the plain name
 * too, so defining GetLastError here would clash at link time. The functions are
 * therefore compiled as sim_<Name> and exported as <Name> through a linker directive
 * (the mechanism __declspec(dllexport) uses). On Linux they keep their own names. */
#ifndef K32_EXPORT_H
#define K32_EXPORT_H

#include "sim.h"

#ifdef _WIN32
#define K32_EXPORT(name)                                                                              \
    __attribute__((section(".drectve"), used)) static const char export_##name[sizeof(" -export:" #name "=sim_" #name) - 1] = \
        " -export:" #name "=sim_" #name;
#define K32_FUNC(name) sim_##name
#define K32_API
#else
#define K32_EXPORT(name)
#define K32_FUNC(name) name
#define K32_API SIMAPI
#endif

#endif
