/**
 * Backup sets are portable (issue 16): `list` and `verify` (with or without --cluster)
 * run on Linux with no simulator configured and never load koffi; the commands that
 * need the cluster say so. Also the CLI side of issue 12: names printed escaped
 * (defect 11) and clear usage errors and exit codes (defect 12).
 *
 * Runs the tsc build (out/src/cli/main.js) and a bundle laid out like dist/, each under
 * `node --require probe.cjs`, where the probe records every module the process loads.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RegType } from '../../src/hive/types';
import { buildHive } from '../support/hiveBuilder';
import { BackupSetWriter, MANIFEST_FILE } from '../../src/engine/backupSet';
import { assertNoLeaks, projectRoot } from '../support/sim';

const tscCli = path.join(projectRoot, 'out', 'src', 'cli', 'main.js');

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Every module name the CLI process asked Module._load for. */
  loaded: string[];
}

/** Nothing that would choose a native target: no FCBACKUP_SIMULATE, no simulator library. */
function noClusterEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['FCBACKUP_SIMULATE', 'FCBACKUP_SIMULATOR_LIBRARY', 'FCBACKUP_LOCK_DIR']) delete env[name];
  return env;
}

describe('fcbackup on a machine without a cluster (Linux, no simulator)', function () {
  this.timeout(120_000);
  let work: string;
  let sets: string;
  let probe: string;
  let bundledCli: string;
  let good: string;
  let other: string;

  function run(cli: string, args: string[]): CliRun {
    const log = path.join(work, `loaded-${Math.random().toString(16).slice(2)}.txt`);
    const r = spawnSync(process.execPath, ['--require', probe, cli, ...args], {
      env: { ...noClusterEnv(), FCB_PROBE_LOG: log }, encoding: 'utf8', timeout: 60_000,
    });
    const loaded = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter((l) => l !== '') : [];
    fs.rmSync(log, { force: true });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, loaded };
  }

  async function makeSet(dest: string, cluster: string, node: string, minute: number, fileName = 'CLUSDB', clusdb?: Buffer): Promise<string> {
    const src = path.join(work, `src-${minute}`);
    fs.mkdirSync(src, { recursive: true });
    fs.writeFileSync(path.join(src, 'CLUSDB'), clusdb ?? `hive ${cluster} ${minute}`);
    const time = new Date(Date.UTC(2024, 4, 1, 12, minute, 0));
    const name = `${cluster.replace(/[^A-Za-z0-9-]/g, '_')}_${node.replace(/[^A-Za-z0-9-]/g, '_')}_${time.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')}`;
    const writer = await BackupSetWriter.create(dest, name);
    await writer.copyFile(path.join(src, 'CLUSDB'), writer.allocatePath(['ClusDb', fileName]), `C:\\Windows\\Cluster\\${fileName}`, null);
    const made = await writer.commit({
      schemaVersion: 1, toolVersion: '0.0.0-test', kind: 'offline-hive', time: time.toISOString(),
      cluster: { name: cluster, version: null }, node, writer: null, components: [], snapshot: null,
    });
    return made.path;
  }

  before(async () => {
    assert.ok(fs.existsSync(tscCli), `${tscCli} is missing: run "npx tsc -p ." first`);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-cli-local-'));
    probe = path.join(work, 'probe.cjs');
    fs.writeFileSync(probe, [
      "const Module = require('module');",
      "const fs = require('fs');",
      'const original = Module._load;',
      'Module._load = function (request, ...rest) {',
      "  if (process.env.FCB_PROBE_LOG) fs.appendFileSync(process.env.FCB_PROBE_LOG, request + '\\n');",
      '  return original.call(this, request, ...rest);',
      '};',
    ].join('\n'));
    const esbuild = await import('esbuild');
    bundledCli = path.join(work, 'dist', 'cli.js');
    await esbuild.build({
      entryPoints: [path.join(projectRoot, 'src', 'cli', 'main.ts')], outfile: bundledCli,
      bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['koffi', 'vscode'], logLevel: 'error',
    });
    sets = path.join(work, 'sets');
    good = await makeSet(sets, 'CLUSTER1', 'NODE1', 2);
    other = await makeSet(sets, 'CLUSTER2', 'NODE9', 1);
  });
  after(() => {
    fs.rmSync(work, { recursive: true, force: true });
    assertNoLeaks();
  });

  it('the probe sees koffi when it is loaded (so its silence below means something)', () => {
    const log = path.join(work, 'control.txt');
    const r = spawnSync(process.execPath, ['--require', probe, '-e', "require('koffi')"], { env: { ...noClusterEnv(), FCB_PROBE_LOG: log }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.readFileSync(log, 'utf8').split('\n').includes('koffi'));
  });

  for (const [label, cliPath] of [['tsc build', () => tscCli], ['bundle', () => bundledCli]] as const) {
    describe(label, () => {
      it('list and list --verify --json list the sets, exit 0, without loading koffi', () => {
        const text = run(cliPath(), ['list', sets]);
        assert.equal(text.status, 0, text.stderr);
        assert.equal(text.stderr, '');
        assert.equal(text.stdout, `${good}\n  2024-05-01T12:02:00.000Z  CLUSTER1  NODE1  offline-hive  15 B\n${other}\n  2024-05-01T12:01:00.000Z  CLUSTER2  NODE9  offline-hive  15 B\n`);
        const json = run(cliPath(), ['list', sets, '--verify', '--json']);
        assert.equal(json.status, 0, json.stderr);
        assert.deepEqual((JSON.parse(json.stdout) as { sets: { path: string; verified: boolean }[] }).sets.map((s) => [s.path, s.verified]), [[good, true], [other, true]]);
        for (const r of [text, json]) {
          assert.ok(!r.loaded.includes('koffi'), 'koffi was loaded');
          assert.ok(r.loaded.length > 0, 'the probe recorded the modules loaded');
        }
      });

      it('verify checks the files without --cluster, and the cluster with it, without loading koffi', () => {
        const files = run(cliPath(), ['verify', good]);
        assert.equal(files.status, 0, files.stderr);
        assert.equal(files.stdout, `${good}: intact (offline-hive, cluster CLUSTER1, node NODE1, 2024-05-01T12:02:00.000Z). Files checked; no cluster to check it against here (use --cluster NAME).\n`);
        const mine = run(cliPath(), ['verify', good, '--cluster', 'cluster1', '--json']);
        assert.equal(mine.status, 0, mine.stderr);
        assert.deepEqual((JSON.parse(mine.stdout) as { ok: boolean; checkedCluster: string }).checkedCluster, 'cluster1');
        const wrong = run(cliPath(), ['verify', other, '--cluster', 'CLUSTER1']);
        assert.equal(wrong.status, 1);
        assert.match(wrong.stdout, /cluster check failed — the set was made on cluster CLUSTER2, not CLUSTER1/);
        for (const r of [files, mine, wrong]) assert.ok(!r.loaded.includes('koffi'), 'koffi was loaded');
      });
    });
  }

  it('show and diff between two sets read the sets\' cluster databases without loading koffi', async () => {
    const text = (value: string): Uint8Array => Buffer.from(`${value}\0`, 'utf16le');
    const dword = (value: number): Uint8Array => { const b = Buffer.alloc(4); b.writeUInt32LE(value); return b; };
    const database = (paxosTag: number, nodes: string[]): Buffer => buildHive({
      name: 'Cluster',
      values: [{ name: 'ClusterName', type: RegType.REG_SZ, data: text('CLUSTER1') }, { name: 'PaxosTag', type: RegType.REG_DWORD, data: dword(paxosTag) }],
      subkeys: [{ name: 'Nodes', subkeys: nodes.map((n, i) => ({ name: String(i + 1), values: [{ name: 'NodeName', type: RegType.REG_SZ, data: text(n) }] })) }],
    });
    const hives = path.join(work, 'hive-sets');
    const older = await makeSet(hives, 'CLUSTER1', 'NODE1', 10, 'CLUSDB', database(3, ['NODE1', 'NODE2']));
    const newer = await makeSet(hives, 'CLUSTER1', 'NODE1', 11, 'CLUSDB', database(7, ['NODE1', 'NODE2', 'NODE3']));
    const show = run(bundledCli, ['show', older, '--json']);
    assert.equal(show.status, 0, show.stderr);
    assert.match(show.stdout, /"CLUSTER1"/);
    assert.match(show.stdout, /NODE2/);
    const same = run(bundledCli, ['diff', older, older]);
    assert.equal(same.status, 0, same.stderr);
    const changed = run(bundledCli, ['diff', older, newer]);
    assert.equal(changed.status, 1, changed.stderr);
    assert.match(changed.stdout, /NODE3/);
    for (const r of [show, same, changed]) assert.ok(!r.loaded.includes('koffi'), 'koffi was loaded');
  });

  it('the commands that need the cluster say they need Windows or the simulator (exit 2)', () => {
    for (const args of [['status'], ['backup', '--to', sets], ['restore', good, '--yes']]) {
      const r = run(tscCli, args);
      assert.equal(r.status, 2, args.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^fcbackup: Failover clustering needs Windows \(this is linux\)\. To try the tool with the cluster simulator, pass --simulate/);
      assert.ok(!r.loaded.includes('koffi'));
    }
  });

  it('list of a folder that does not exist, or of a file, is an error (exit 1)', () => {
    const missing = path.join(work, 'nonexistent');
    const r = run(tscCli, ['list', missing]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `fcbackup: The backup folder ${missing} does not exist.\n`);
    const file = path.join(good, MANIFEST_FILE);
    const f = run(tscCli, ['list', file]);
    assert.equal(f.status, 1);
    assert.equal(f.stderr, `fcbackup: ${file} is a file, not a folder of backup sets.\n`);
  });

  it('verify --cluster "" and repeated options are usage errors (exit 2)', () => {
    const empty = run(tscCli, ['verify', good, '--cluster', '']);
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /^fcbackup: --cluster needs the name of the cluster the set must belong to; usage: fcbackup verify SET/);
    for (const args of [['backup', '--to', 'a', '--to', 'b'], ['backup', '--to', 'a', '--keep', '1', '--keep', '2'], ['verify', good, '--cluster', 'A', '--cluster', 'B']]) {
      const r = run(tscCli, args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /^fcbackup: --(to|keep|cluster) is given more than once; give it once \(usage: fcbackup /);
    }
  });

  it('one damaged set (a manifest nested 20,000 deep) is listed with its problem; the others carry on; exit 1', async () => {
    const dest = path.join(work, 'with-deep');
    const a = await makeSet(dest, 'CLUSTER1', 'NODE1', 3);
    const deep = await makeSet(dest, 'CLUSTER1', 'NODE1', 4);
    fs.writeFileSync(path.join(deep, MANIFEST_FILE), `${'['.repeat(20_000)}${']'.repeat(20_000)}`);
    const r = run(tscCli, ['list', dest, '--verify']);
    assert.equal(r.status, 1);
    assert.match(r.stdout, new RegExp(`^${a.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}\n {2}.*intact$`, 'm'));
    assert.match(r.stdout, /INVALID \(1 problem\)\n {4}manifest\.json: nested more than 32 levels deep/);
    assert.equal(r.stderr, `fcbackup: 1 backup set of 2 in ${dest} has problems.\n`);
    const v = run(tscCli, ['verify', deep]);
    assert.equal(v.status, 1);
    assert.doesNotMatch(v.stdout + v.stderr, /Maximum call stack/);
  });

  it('names are printed escaped: an escape sequence or a bidi override in a name cannot fake output', async () => {
    const dest = path.join(work, 'hostile-names');
    const set = await makeSet(dest, 'CLUSTER1', 'NODE\u001b[2J\u001b[H', 5, 'CLUSDB\u202Etxt');
    fs.writeFileSync(path.join(set, 'files', 'ClusDb', '\u001b[1A\u001b[2K intact'), 'planted');
    const v = run(tscCli, ['verify', set]);
    assert.equal(v.status, 1);
    assert.match(v.stdout, /files\/ClusDb\/<U\+001B>\[1A<U\+001B>\[2K intact: extra file not listed in the manifest/);
    const l = run(tscCli, ['list', dest]);
    assert.match(l.stdout, /CLUSTER1 {2}NODE<U\+001B>\[2J<U\+001B>\[H {2}offline-hive/);
    const j = run(tscCli, ['list', dest, '--json']);
    assert.equal((JSON.parse(j.stdout) as { sets: { node: string }[] }).sets[0].node, 'NODE\u001b[2J\u001b[H');
    // eslint-disable-next-line no-control-regex
    for (const r of [v, l, j]) assert.doesNotMatch(r.stdout + r.stderr, /[\u001b\u202e]/);
  });
});
