/**
 * `--reason TEXT`: why a backup was taken ("before KB5044284", "CAU pre-update"), kept in
 * the set's manifest (`reason`), its log line and the Application event, and shown by
 * list, show and verify. The CLI checks it before it starts anything (exit 2), the engine
 * again for every other caller, and the manifest schema says the same (manifest.ts).
 */

/** The longest reason, in characters (Unicode code points): one line in a list, well inside an event's text. */
export const MAX_REASON_LENGTH = 256;

/**
 * C0 controls (tab and line breaks too: a reason is one line), DEL, C1 controls, and the
 * line and paragraph separators. The manifest schema uses the same class (REASON_PATTERN).
 */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
/** JSON Schema `pattern` (ajv compiles it with the `u` flag) for the same rule. */
export const REASON_PATTERN = '^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$';
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What is wrong with a reason, as the end of a sentence "--reason …"; null when it is fine. */
export function reasonProblem(reason: string): string | null {
  if (reason.trim() === '') return 'is empty; say why the backup is taken, e.g. --reason "before the CU of December"';
  const length = [...reason].length;
  if (length > MAX_REASON_LENGTH) return `is ${length} characters long; keep it to ${MAX_REASON_LENGTH}`;
  const bad = FORBIDDEN.exec(reason);
  if (bad) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    return `contains the control character U+${code} at position ${[...reason.slice(0, bad.index)].length + 1}; give one line of plain text`;
  }
  if (LONE_SURROGATE.test(reason)) return 'is not valid Unicode text (a lone surrogate)';
  return null;
}
