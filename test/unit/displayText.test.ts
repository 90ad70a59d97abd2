/**
 * Names shown on a terminal or in VS Code (issue 12, defect 11): control, bidirectional
 * and invisible characters are shown as <U+XXXX>; everything else — Unicode names,
 * Windows paths — is left as it is. JSON keeps its value.
 */
import * as assert from 'node:assert/strict';
import { displayJson, displayLines, displayText } from '../../src/text/displayText';

describe('display text', () => {
  it('escapes C0, DEL and C1 controls, so an escape sequence in a name cannot drive the terminal', () => {
    assert.equal(displayText('CLUSDB\u001b[2J\u001b[H intact'), 'CLUSDB<U+001B>[2J<U+001B>[H intact');
    assert.equal(displayText('a\u0000b\tc\nd\re\u007ff\u0085g\u009b31m'), 'a<U+0000>b<U+0009>c<U+000A>d<U+000D>e<U+007F>f<U+0085>g<U+009B>31m');
  });

  it('escapes bidirectional overrides, isolates and marks, and invisible characters', () => {
    assert.equal(displayText('NODE\u202Etxt.exe'), 'NODE<U+202E>txt.exe');
    for (const ch of ['\u061C', '\u200B', '\u200E', '\u200F', '\u2028', '\u2029', '\u202A', '\u202B', '\u202C', '\u202D', '\u2066', '\u2067', '\u2068', '\u2069', '\uFEFF', '\uFFF9', '\uFFFB']) {
      assert.equal(displayText(`x${ch}y`), `x<U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>y`);
    }
  });

  it('keeps Unicode names, joiners, emoji and Windows paths as they are', () => {
    for (const text of ['Кластер-東京', 'ノード2', 'C:\\Windows\\Cluster\\CLUSDB', 'می\u200Cخواهم', '👩\u200D💻', 'café']) {
      assert.equal(displayText(text), text);
    }
  });

  it('escapes lone surrogates but keeps pairs', () => {
    assert.equal(displayText('a\uD800b'), 'a<U+D800>b');
    assert.equal(displayText('a\uDC00b'), 'a<U+DC00>b');
    assert.equal(displayText('a\uD83D\uDE00b'), 'a\uD83D\uDE00b');
  });

  it('displayLines keeps the line breaks between lines and escapes inside them', () => {
    assert.equal(displayLines('one\u001b[1m\ntwo\u202E'), 'one<U+001B>[1m\ntwo<U+202E>');
  });

  it('displayJson keeps the JSON value and escapes what JSON.stringify leaves raw', () => {
    const value = { path: '/sets/A\u202Eexe.B_\u0085\u001b', list: ['\u2028'] };
    const text = displayJson(JSON.stringify(value, null, 2));
    assert.deepEqual(JSON.parse(text), value);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2028\u2029]/);
  });
});
