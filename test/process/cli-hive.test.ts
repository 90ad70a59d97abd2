/**
 * `fcbackup hive` as a process, from a bundle built the way `npm run build` builds
 * dist/cli.js: it reads a hive with no simulator and no Windows (a local command), prints
 * the JSON document or the text tree, and a file that is not a readable hive gives exit 1
 * and one line "fcbackup: FILE: …". A probe loaded with --require checks that koffi is
 * never asked for and no native addon is loaded.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { HiveJson } from '../../src/hive/json';
import { buildHive } from '../support/hiveBuilder';
import { projectRoot } from '../support/sim';

const bundleDir = path.join(projectRoot, '.cache', 'test-cli-hive-bundle');
const bundledCli = path.join(bundleDir, 'cli.js');
const probe = path.join(projectRoot, 'test', 'support', 'module-probe.cjs');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  modules: { koffi: string[]; nativeAddons: string[] };
}

describe('fcbackup hive as a process', () => {
  let dir: string;
  before(async function () {
    this.timeout(120_000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-cli-hive-'));
    const esbuild = await import('esbuild');
    await esbuild.build({
      bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['koffi', 'vscode'], logLevel: 'error',
      entryPoints: [path.join(projectRoot, 'src', 'cli', 'main.ts')], outfile: bundledCli,
    });
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(bundleDir, { recursive: true, force: true });
  });

  /** Runs node with the probe, no simulator scenario and a simulator library that does not exist. */
  function run(args: string[], cwd = dir): Run {
    const probeOut = path.join(dir, `probe-${Math.random().toString(16).slice(2)}.json`);
    const env: NodeJS.ProcessEnv = { ...process.env, FCBACKUP_MODULE_PROBE: probeOut, FCBACKUP_SIMULATOR_LIBRARY: path.join(dir, 'no-such-simulator.so') };
    delete env.FCBACKUP_SIMULATE;
    const r = spawnSync(process.execPath, ['--require', probe, ...args], { env, encoding: 'utf8', timeout: 60_000, cwd });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, modules: JSON.parse(fs.readFileSync(probeOut, 'utf8')) as Run['modules'] };
  }

  function hiveFile(name: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, buildHive({
      name: 'CLUSDB',
      values: [{ name: 'ClusterName', type: 1, data: Buffer.from('CLUSTER1\0', 'utf16le') }, { name: 'PaxosTag', type: 1, data: Buffer.from('3:3:1000\0', 'utf16le') }],
      subkeys: [{ name: 'Nodes', subkeys: [{ name: '1', values: [{ name: 'NodeName', type: 1, data: Buffer.from('NODE1\0', 'utf16le') }] }] }],
    }, { dirty: true }));
    return file;
  }

  it('the probe sees koffi when a program loads it (so its "no koffi" below means something)', () => {
    const r = run(['-e', 'require("koffi")'], projectRoot);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.modules.koffi.includes('koffi'), JSON.stringify(r.modules));
    assert.ok(r.modules.nativeAddons.some((f) => /koffi/.test(f)), JSON.stringify(r.modules));
  });

  it('hive FILE --json prints the document, exit 0, without a simulator and without koffi', () => {
    const file = hiveFile('clusdb.hive');
    const r = run([bundledCli, 'hive', file, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const json = JSON.parse(r.stdout) as HiveJson & { schemaVersion: number };
    assert.deepEqual(json, {
      schemaVersion: 1,
      file,
      dirty: true,
      root: {
        name: 'CLUSDB',
        values: [{ name: 'ClusterName', type: 'REG_SZ', data: 'CLUSTER1' }, { name: 'PaxosTag', type: 'REG_SZ', data: '3:3:1000' }],
        subkeys: [{ name: 'Nodes', values: [], subkeys: [{ name: '1', values: [{ name: 'NodeName', type: 'REG_SZ', data: 'NODE1' }], subkeys: [] }] }],
      },
    });
    assert.deepEqual(r.modules, { koffi: [], nativeAddons: [] });
  });

  it('hive FILE prints the indented tree for a person', () => {
    const file = hiveFile('text.hive');
    const r = run([bundledCli, 'hive', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trimEnd().split('\n'), [
      `${file} (dirty: its last write did not finish; the transaction logs were not applied, so this is the tree before that write)`,
      '[CLUSDB]',
      '  ClusterName = REG_SZ "CLUSTER1"',
      '  PaxosTag = REG_SZ "3:3:1000"',
      '  [Nodes]',
      '    [1]',
      '      NodeName = REG_SZ "NODE1"',
    ]);
    assert.deepEqual(r.modules, { koffi: [], nativeAddons: [] });
  });

  it('a file that is not a readable hive: exit 1 and one line "fcbackup: FILE: …"', () => {
    const notHive = path.join(dir, 'notes.txt');
    fs.writeFileSync(notHive, 'x'.repeat(5000));
    const cut = path.join(dir, 'cut.hive');
    fs.writeFileSync(cut, fs.readFileSync(hiveFile('whole.hive')).subarray(0, 6000));
    for (const [file, reason] of [
      [notHive, 'is not a registry hive: no "regf" signature (at file offset 0x0)'],
      [cut, 'the file is truncated: the base block announces 4096 bytes of hive bins, the file holds 1904 (at file offset 0x28)'],
      [path.join(dir, 'missing.hive'), 'no such file'],
      [dir, 'is not a file'],
    ]) {
      for (const json of [[], ['--json']]) {
        const r = run([bundledCli, 'hive', file, ...json]);
        assert.equal(r.status, 1, `${file}: ${r.stderr}`);
        assert.equal(r.stdout, '');
        assert.equal(r.stderr, `fcbackup: ${file}: ${reason}\n`);
      }
    }
  });

  it('hive without a file, or with two: usage error, exit 2', () => {
    for (const args of [['hive'], ['hive', 'a', 'b']]) {
      const r = run([bundledCli, ...args]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /^fcbackup: hive needs exactly one hive file; usage: fcbackup hive FILE \[--json\]\n$/);
    }
  });
});
