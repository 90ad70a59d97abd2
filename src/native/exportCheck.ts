/**
 * Resolves exported names in native libraries without calling them: koffi looks each
 * name up (GetProcAddress on Windows) when a function is declared, and fails when the
 * library does not export it. Used with declaredExports() to check the bridge's
 * declarations against the real system DLLs and against the simulator library.
 */
import koffi from 'koffi';
import type { DeclaredExport, DllName, KoffiLib } from './loader';

export interface UnresolvedExport extends DeclaredExport {
  /** The library that was searched (a DLL name or a path). */
  library: string;
  reason: string;
}

/**
 * The declared exports that `libraryFor(dll)` does not export (or that could not be
 * looked up because the library did not load). Libraries are loaded by the given name
 * or path — bypassing the bridge's current target — and unloaded again afterwards.
 */
export function findUnresolvedExports(
  exports: readonly DeclaredExport[],
  libraryFor: (dll: DllName) => string,
): UnresolvedExport[] {
  const loaded = new Map<string, KoffiLib | Error>();
  const unresolved: UnresolvedExport[] = [];
  try {
    for (const { dll, name } of exports) {
      const library = libraryFor(dll);
      let lib = loaded.get(library);
      if (lib === undefined) {
        try {
          lib = koffi.load(library);
        } catch (err) {
          lib = err instanceof Error ? err : new Error(String(err));
        }
        loaded.set(library, lib);
      }
      if (lib instanceof Error) {
        unresolved.push({ dll, name, library, reason: `the library did not load: ${lib.message}` });
        continue;
      }
      try {
        // The type does not matter for the lookup, and the function is never called.
        lib.func(name, 'void', []);
      } catch (err) {
        unresolved.push({ dll, name, library, reason: err instanceof Error ? err.message : String(err) });
      }
    }
  } finally {
    for (const lib of loaded.values()) if (!(lib instanceof Error)) lib.unload();
  }
  return unresolved;
}
