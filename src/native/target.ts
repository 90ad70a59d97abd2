/**
 * Which native library the bridge talks to. This is a plain type (no koffi) so the
 * client, the CLI and the extension can pass it to the engine process.
 */
export type NativeTarget =
  | { kind: 'windows' }
  | { kind: 'simulator'; library: string; scenario: string };

export function describeNativeTarget(target: NativeTarget): string {
  return target.kind === 'windows' ? 'Windows system DLLs' : `simulator ${target.library} with scenario ${target.scenario}`;
}
