/**
 * fcbackup as a child process (Linux only): `status --json` shape and exit codes, the
 * person-readable output, FCBACKUP_SIMULATE, and the one-line errors for a missing or
 * malformed scenario and for a machine without Windows or simulator. Runs the tsc
 * build (out/src/cli/main.js) and a bundle of the CLI and the engine built into
 * .cache/ the way `npm run build` lays out dist/ (cli.js beside worker.js).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTempScenario, writeScenarioText, type ScenarioSpec, type TempScenario } from '../support/scenario';
import { assertNoLeaks, projectRoot, simulatorLibraryPath } from '../support/sim';

const tscCli = path.join(projectRoot, 'out', 'src', 'cli', 'main.js');
const bundleDir = path.join(projectRoot, '.cache', 'test-cli-bundle');
const bundledCli = path.join(bundleDir, 'cli.js');

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without anything that would choose a target behind the test's back. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.FCBACKUP_SIMULATE;
  env.FCBACKUP_SIMULATOR_LIBRARY = simulatorLibraryPath();
  return { ...env, ...extra };
}

function runCli(cli: string, args: string[], env: NodeJS.ProcessEnv = cleanEnv()): CliRun {
  const r = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function oneErrorLine(run: CliRun): string {
  const lines = run.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `expected one stderr line, got:\n${run.stderr}`);
  assert.match(lines[0], /^fcbackup: \S/);
  return lines[0];
}

const NODE_STATES = new Set(['up', 'down', 'paused', 'joining', 'unreachable', 'unknown']);

function assertStatusShape(json: unknown): void {
  assert.equal(typeof json, 'object');
  const status = json as Record<string, unknown>;
  assert.ok(['notInstalled', 'notConfigured', 'notRunning', 'running'].includes(status.state as string), `state ${String(status.state)}`);
  assert.ok(status.cluster === null || typeof status.cluster === 'object');
  if (status.cluster) {
    const cluster = status.cluster as Record<string, unknown>;
    assert.equal(typeof cluster.name, 'string');
    assert.equal(typeof cluster.version, 'string');
    assert.ok('quorum' in cluster);
  }
  assert.ok(Array.isArray(status.nodes));
  for (const node of status.nodes as Record<string, unknown>[]) {
    assert.equal(typeof node.name, 'string');
    assert.ok(node.id === null || typeof node.id === 'string');
    assert.ok(NODE_STATES.has(node.state as string), `node state ${String(node.state)}`);
  }
}

describe('fcbackup CLI as a process', () => {
  const scenarios: TempScenario[] = [];
  function scenario(spec: ScenarioSpec = {}): TempScenario {
    const s = makeTempScenario(spec);
    scenarios.push(s);
    return s;
  }

  before(async function () {
    this.timeout(120_000);
    assert.ok(fs.existsSync(tscCli), `${tscCli} is missing: run "npx tsc -p ." first`);
    // Bundle the CLI and the engine side by side, as dist/ has them.
    const esbuild = await import('esbuild');
    const common: import('esbuild').BuildOptions = {
      bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['koffi', 'vscode'], logLevel: 'error',
    };
    await esbuild.build({ ...common, entryPoints: [path.join(projectRoot, 'src', 'cli', 'main.ts')], outfile: bundledCli });
    await esbuild.build({ ...common, entryPoints: [path.join(projectRoot, 'src', 'worker', 'main.ts')], outfile: path.join(bundleDir, 'worker.js') });
  });

  after(() => {
    for (const s of scenarios) s.cleanup();
    fs.rmSync(bundleDir, { recursive: true, force: true });
    assertNoLeaks();
  });

  for (const [label, cli] of [['tsc build', tscCli], ['bundle', bundledCli]] as const) {
    describe(label, () => {
      it('status --json prints one JSON object with the cluster and its nodes, exit 0', () => {
        const s = scenario({ nodes: [{ name: 'NODE1' }, { name: 'NODE2', state: 'down' }, { name: 'NODE3', state: 'paused' }, { name: 'NODE4', reachable: false }] });
        const run = runCli(cli, ['status', '--json', '--simulate', s.path]);
        assert.equal(run.status, 0, run.stderr);
        assert.equal(run.stderr, '');
        const json = JSON.parse(run.stdout) as { state: string; cluster: { name: string; version: string; quorum: unknown }; nodes: { name: string; id: string | null; state: string }[] };
        assertStatusShape(json);
        assert.equal(json.state, 'running');
        assert.equal(json.cluster.name, 'CLUSTER1');
        assert.equal(json.cluster.version, '10.0.20348');
        assert.deepEqual(json.cluster.quorum, { resource: 'Cluster Disk Witness', device: 'Q:', maxLogSize: 0 });
        assert.deepEqual(json.nodes.map((n) => [n.name, n.id, n.state]), [['NODE1', '1', 'up'], ['NODE2', '2', 'down'], ['NODE3', '3', 'paused'], ['NODE4', null, 'unreachable']]);
      });

      it('status prints the cluster and its nodes for a person', () => {
        const s = scenario({ cluster: { name: 'Кластер-東京' }, nodes: [{ name: 'NODE1' }, { name: 'ノード2', state: 'joining' }] });
        const run = runCli(cli, ['status', '--simulate', s.path]);
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /Cluster Кластер-東京/);
        assert.match(run.stdout, /NODE1 +id 1 +up +\(this machine\)/);
        assert.match(run.stdout, /ノード2 +id 2 +joining/);
      });
    });
  }

  it('reports each local state in --json', () => {
    const cases: Array<[ScenarioSpec, string]> = [
      [{ installed: false }, 'notInstalled'],
      [{ configured: false }, 'notConfigured'],
      [{ nodes: [{ name: 'NODE1', service: 'stopped' }, { name: 'NODE2' }] }, 'notRunning'],
    ];
    for (const [spec, state] of cases) {
      const run = runCli(tscCli, ['status', '--json', '--simulate', scenario(spec).path]);
      assert.equal(run.status, 0, run.stderr);
      const json = JSON.parse(run.stdout) as { state: string; cluster: unknown; nodes: unknown[] };
      assertStatusShape(json);
      assert.equal(json.state, state);
      assert.equal(json.cluster, null);
      assert.deepEqual(json.nodes, []);
    }
  });

  it('takes the scenario from FCBACKUP_SIMULATE', () => {
    const s = scenario({ cluster: { name: 'ENVCLUSTER' } });
    const run = runCli(tscCli, ['status', '--json'], cleanEnv({ FCBACKUP_SIMULATE: s.path }));
    assert.equal(run.status, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { cluster: { name: string } }).cluster.name, 'ENVCLUSTER');
  });

  it('asks a cluster by name with --cluster', () => {
    const s = scenario();
    const run = runCli(tscCli, ['status', '--json', '--cluster', 'CLUSTER1', '--simulate', s.path]);
    assert.equal(run.status, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { connectedName: string }).connectedName, 'CLUSTER1');
  });

  it('fails in one line naming the API and code when a call fails', () => {
    const s = scenario({ faults: [{ function: 'GetClusterInformation', code: 1726 }] });
    const run = runCli(tscCli, ['status', '--json', '--simulate', s.path]);
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.equal(oneErrorLine(run), 'fcbackup: GetClusterInformation failed: RPC_S_CALL_FAILED (1726). Check the name, that the cluster or node answers over the network from here, and that its firewall allows remote management (RPC).');
  });

  it('fails in one line for a missing scenario file', () => {
    const missing = path.join(scenario().dir, 'no-such-scenario.json');
    for (const cli of [tscCli, bundledCli]) {
      const run = runCli(cli, ['status', '--json', '--simulate', missing]);
      assert.notEqual(run.status, 0);
      assert.equal(run.stdout, '');
      const line = oneErrorLine(run);
      assert.ok(line.startsWith('fcbackup: Simulator scenario '), line);
      assert.ok(line.includes('no-such-scenario.json'), line);
    }
  });

  it('fails in one line for a malformed scenario file', () => {
    const dir = scenario().dir;
    const file = writeScenarioText(path.join(dir, 'bad'), '{ "nodes": [ { "name": "NODE1", } ');
    const run = runCli(tscCli, ['status', '--simulate', file]);
    assert.notEqual(run.status, 0);
    assert.equal(run.stdout, '');
    assert.match(oneErrorLine(run), /^fcbackup: Simulator scenario .*scenario\.json: \S/);
  });

  it('says how to use --simulate when there is neither Windows nor a scenario', () => {
    const run = runCli(tscCli, ['status', '--json']);
    assert.equal(run.status, 2);
    assert.equal(run.stdout, '');
    const line = oneErrorLine(run);
    assert.match(line, /needs Windows/);
    assert.match(line, /--simulate/);
  });

  it('prints help and exits 0; an unknown command exits 2 in one line', () => {
    const help = runCli(tscCli, ['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: fcbackup <command>/);
    const unknown = runCli(tscCli, ['nonsense']);
    assert.equal(unknown.status, 2);
    assert.match(oneErrorLine(unknown), /unknown command "nonsense"/);
  });
});
