/**
 * Names from outside (file names, cluster and node names, paths in a backup set, the
 * messages that quote them) made safe to show on a terminal or in VS Code: every
 * character that could move the cursor, clear the screen, start an escape sequence,
 * reorder the text around it or hide itself is shown as `<U+XXXX>` instead.
 *
 * Escaped: C0 controls U+0000–U+001F (including tab and line breaks: a name is one
 * line), DEL U+007F, C1 controls U+0080–U+009F (U+009B is a one-byte CSI), the
 * bidirectional marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F,
 * U+202A–U+202E, U+2066–U+2069), the invisible U+200B zero width space, the line and
 * paragraph separators U+2028/U+2029, the byte order mark U+FEFF, the interlinear
 * annotation characters U+FFF9–U+FFFB, and lone surrogates. Zero width (non-)joiners
 * U+200C/U+200D are kept: scripts such as Persian and Devanagari need them in names.
 * (Unicode Standard Annex #9 for the bidirectional characters; ECMA-48 for C0/C1.)
 *
 * Used by both the CLI and the UI; it imports nothing (eslint.config.mjs).
 */

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/gu;
// The same set, for JSON text (where every such character stands inside a string).
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb]/g;

function codePoint(ch: string): string {
  return `<U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`;
}

/** One name or one line for display: every unsafe character as `<U+XXXX>`. */
export function displayText(text: string): string {
  return text.replace(UNSAFE, codePoint);
}

/** Several lines for display: each line escaped, the line breaks between them kept. */
export function displayLines(text: string): string {
  return text.split('\n').map(displayText).join('\n');
}

/**
 * JSON text (from JSON.stringify, which already escapes C0 controls) with the other
 * unsafe characters written as `\uXXXX` escapes: the same JSON value, safe to print.
 */
export function displayJson(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
