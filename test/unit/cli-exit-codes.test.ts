/**
 * The CLI's contract with scripts: the exit codes come from one list (ExitCode) that the
 * README's table, the help text and every `return` in the CLI use; a local command
 * cancelled in the CLI's own process exits 130 like an engine command; every --json
 * document is made by one helper that puts `schemaVersion` first; and `--reason` is checked
 * by one rule shared by the CLI, the engine and the manifest schema.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { helpText, runCli } from '../../src/cli/main';
import { JSON_SCHEMA_VERSION, jsonDocument } from '../../src/cli/output';
import { ExitCode, exitCodeSummary, exitCodeTable, type CliIo } from '../../src/cli/types';
import { checkManifest, sealManifest, type UnsealedManifest } from '../../src/engine/manifest';
import { MAX_REASON_LENGTH, reasonProblem } from '../../src/wire/backupReason';
import { projectRoot } from '../support/sim';

function captureIo(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(text: string) { io.out += `${text}\n`; },
    stderr(text: string) { io.err += `${text}\n`; },
    isTTY: false,
    confirm: async () => false,
  };
  return io;
}

/** Every .ts file under a folder of the repository. */
function sources(folder: string): string[] {
  const root = path.join(projectRoot, folder);
  return fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(root, f));
}

describe('CLI exit codes', () => {
  it('the README\'s exit-code table is exactly the one made from ExitCode', () => {
    const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
    const block = /<!-- exit-codes:begin -->\n([\s\S]*?)\n<!-- exit-codes:end -->/.exec(readme);
    assert.ok(block, 'README.md has no <!-- exit-codes:begin --> … <!-- exit-codes:end --> block');
    assert.equal(block[1], exitCodeTable(), 'regenerate the README table from exitCodeTable() (src/cli/types.ts)');
    for (const code of Object.values(ExitCode)) assert.match(exitCodeTable(), new RegExp(`^\\| ${code} \\|`, 'm'));
  });

  it('the help text lists the same codes', () => {
    assert.ok(helpText().includes(`Exit codes: ${exitCodeSummary()}.`));
    for (const code of Object.values(ExitCode)) assert.match(exitCodeSummary(), new RegExp(`(^|, )${code} `));
  });

  it('every exit code the CLI returns is an ExitCode member, never a bare number', () => {
    const offenders: string[] = [];
    for (const file of sources('src/cli')) {
      const text = fs.readFileSync(file, 'utf8');
      text.split('\n').forEach((line, i) => {
        if (/\breturn\s+\d+\s*;|\bexit(Code)?\s*[=(]\s*\d|\bfail\([^)]*,\s*\d+\s*\)/.test(line)) offenders.push(`${path.relative(projectRoot, file)}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(offenders, []);
  });

  it('a local command cancelled in the CLI\'s process exits 130 (cancelled), not 1', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-cancel-'));
    try {
      fs.mkdirSync(path.join(dir, 'SET_A'));
      fs.writeFileSync(path.join(dir, 'SET_A', 'manifest.json'), '{}');
      const controller = new AbortController();
      controller.abort();
      const io = captureIo();
      const code = await runCli(['list', dir, '--verify'], { io, env: {}, signal: controller.signal, platform: 'linux' });
      assert.equal(code, ExitCode.cancelled, io.err);
      assert.match(io.err, /^fcbackup: Listing the backup sets was cancelled\.$/m);
      assert.equal(io.out, '');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('CLI JSON documents', () => {
  it('jsonDocument puts schemaVersion first and keeps the result\'s fields', () => {
    const text = jsonDocument({ path: '/b', nested: { a: [1, 2] } });
    assert.equal(text, JSON.stringify({ schemaVersion: JSON_SCHEMA_VERSION, path: '/b', nested: { a: [1, 2] } }, null, 2));
    assert.deepEqual(Object.keys(JSON.parse(text) as object), ['schemaVersion', 'path', 'nested']);
  });

  it('refuses a list: an array cannot carry its schemaVersion', () => {
    assert.throws(() => jsonDocument([1, 2] as unknown as object), /must be an object/);
  });

  it('the commands print JSON only through src/cli/output.ts', () => {
    const offenders = sources('src/cli/commands').filter((f) => /JSON\.stringify\(/.test(fs.readFileSync(f, 'utf8')));
    assert.deepEqual(offenders.map((f) => path.relative(projectRoot, f)), []);
  });
});

describe('backup --reason', () => {
  it('accepts one line of text up to the limit, Unicode included', () => {
    for (const ok of ['CAU pre-update', 'Vor dem Update — KB5044284 «ok» 日本 🚀', 'x'.repeat(MAX_REASON_LENGTH), '🚀'.repeat(MAX_REASON_LENGTH)]) {
      assert.equal(reasonProblem(ok), null, ok);
    }
  });

  it('refuses empty, too long, control characters and broken Unicode, saying which and where', () => {
    const cases: [string, RegExp][] = [
      ['', /is empty/],
      ['   ', /is empty/],
      ['x'.repeat(MAX_REASON_LENGTH + 1), /is 257 characters long; keep it to 256/],
      ['a\nb', /control character U\+000A at position 2/],
      ['a\rb', /U\+000D/],
      ['ab\tc', /U\+0009 at position 3/],
      ['\u001b[31mred', /U\+001B at position 1/],
      ['del\u007f', /U\+007F/],
      ['c1\u0085', /U\+0085/],
      ['line\u2028sep', /U\+2028/],
      ['🚀\u0000', /U\+0000 at position 2/],
      ['half \ud800 surrogate', /not valid Unicode/],
    ];
    for (const [reason, message] of cases) assert.match(reasonProblem(reason) ?? 'accepted', message, JSON.stringify(reason));
  });

  const base: UnsealedManifest = {
    schemaVersion: 1, toolVersion: '1.0.0', kind: 'offline-hive', time: '2026-12-07T01:02:03.000Z',
    cluster: { name: 'CLUSTER1', version: null }, node: 'NODE1', writer: null, components: [], snapshot: null, documents: [],
    files: [{ originalPath: 'C:\\Windows\\Cluster\\CLUSDB', path: 'files/ClusDb/CLUSDB', size: 1, sha256: 'a'.repeat(64), component: null }],
  };

  it('the manifest schema: a set without a reason (older sets) and with one are valid', () => {
    assert.deepEqual(checkManifest(sealManifest(base)).problems, []);
    const withReason = checkManifest(sealManifest({ ...base, reason: 'before the upgrade' }));
    assert.deepEqual(withReason.problems, []);
    assert.equal(withReason.manifest?.reason, 'before the upgrade');
  });

  it('the manifest schema refuses a reason the CLI would refuse', () => {
    const problems = (reason: unknown): string[] => checkManifest(sealManifest({ ...base, reason } as UnsealedManifest)).problems;
    assert.deepEqual(problems('two\nlines'), ['manifest.json: reason contains control characters (a reason is one line of text)']);
    assert.deepEqual(problems(''), ['manifest.json: reason must NOT have fewer than 1 characters']);
    assert.deepEqual(problems('x'.repeat(MAX_REASON_LENGTH + 1)), ['manifest.json: reason must NOT have more than 256 characters']);
    assert.deepEqual(problems(42), ['manifest.json: reason must be string']);
  });
});
