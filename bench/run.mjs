// The benchmarks (npm run bench): prints one table and writes bench/results/bench.json.
// Every figure is a ratio or is measured against a baseline taken in the same run,
// so the numbers compare across machines:
//   activation      load + activate() of dist/extension.js with a stand-in vscode module,
//                   against an empty extension loaded the same way; no native code may load
//   tree refresh    Requests.status through EngineClient → engine process → bridge →
//                   simulator for 4/64/512 nodes, against a no-op request on the same engine
//                   (listBackups of an empty folder); the simulator's leak report read after
//                   the same requests on a development build (the production one has no test hooks)
//   bridge call     a cheap bridged call (GetLastError, GetNodeClusterState) against a
//                   plain JavaScript function call
//   backup          bench/backup.mjs: throughput against cp + sha256sum, peak engine memory
//   hive reader     bench/hive.mjs: reading a 64 MiB hive against hivexml, peak memory / hive size
//   configuration   bench/config.mjs: diff of two 10,000-resource configurations against JSON.stringify
//                   of both; expanding a 20 MiB ClusDb set after the first parse against a no-op request
//   nodes           bench/nodes.mjs: a 64-node tree with 8 slow unreachable nodes against the same tree read
//                   one node at a time; the restore pick (10 verified sets) against a listing without verification
//   VSIX size       artifacts/*.vsix per target
//
//   node bench/run.mjs [--quick]      (--quick: fewer repetitions, for trying the harness)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = path.join(root, 'bench', 'results');
const support = path.join(root, 'bench', 'support');
const quick = process.argv.includes('--quick');
const requireFromRoot = createRequire(path.join(root, 'package.json'));

const GOALS = {
  activationMs: 20,
  refresh64Ms: 50,
  vsixBytes: 1_500_000,
};

function log(message) {
  process.stderr.write(`[bench] ${message}\n`);
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function runJson(args, what, { env = process.env, timeout = 300_000 } = {}) {
  const r = spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  let parsed;
  try {
    parsed = JSON.parse(r.stdout);
  } catch {
    throw new Error(`${what} exited with ${r.status ?? r.signal} without a result:\n${`${r.stdout}\n${r.stderr}`.trim().slice(-2000)}`);
  }
  if (parsed.error) throw new Error(`${what}: ${parsed.error}`);
  if (r.status !== 0) throw new Error(`${what} exited with ${r.status ?? r.signal}:\n${r.stderr.trim().slice(-2000)}`);
  return parsed;
}

function runStep(cmd, args, what) {
  log(`${what}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return r;
}

// ---------------------------------------------------------------------------
// prerequisites

function simulatorLibrary() {
  const lib = process.env.FCBACKUP_SIMULATOR_LIBRARY || path.join(root, 'build', 'simulator', 'libclussim.so');
  if (!fs.existsSync(lib)) {
    const r = runStep('npm', ['run', 'build:sim'], 'building the simulator');
    if (r.status !== 0 || !fs.existsSync(lib)) throw new Error(`the simulator library ${lib} is missing and npm run build:sim failed:\n${(r.stdout + r.stderr).slice(-1500)}`);
  }
  return lib;
}

/** The compiled modules the probes load (tsc emits them even while other files have type errors). */
function ensureCompiled() {
  const needed = ['src/client/engineClient.js', 'src/protocol.js', 'src/native/loader.js', 'src/native/kernel32.js',
    'src/native/clusapi.js', 'src/native/simulator.js', 'test/support/scenario.js'].map((f) => path.join(root, 'out', f));
  if (needed.every((f) => fs.existsSync(f))) return;
  runStep(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.json')], 'compiling');
  const missing = needed.filter((f) => !fs.existsSync(f));
  if (missing.length > 0) throw new Error(`tsc did not produce ${missing.map((f) => path.relative(root, f)).join(', ')}`);
}

function buildProduction() {
  const r = runStep(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--production'], 'production bundle');
  if (r.status !== 0) throw new Error(`node scripts/build.mjs --production failed:\n${(r.stdout + r.stderr).slice(-2000)}`);
}

/**
 * A development bundle of the same sources, apart from dist/: it serves the test hooks
 * (FCBACKUP_TEST_HOOKS=1), which the production bundle leaves out, for the leak check only.
 */
const testBundleDir = path.join(root, '.cache', 'bench-test-bundle');
function buildTestBundle() {
  const r = runStep(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--outdir', testBundleDir], 'development bundle (test hooks, leak check)');
  if (r.status !== 0) throw new Error(`node scripts/build.mjs --outdir ${testBundleDir} failed:\n${(r.stdout + r.stderr).slice(-2000)}`);
}

// ---------------------------------------------------------------------------
// measurements

const rows = [];
const details = {};
function addRow(row) {
  rows.push({ baseline: null, baselineUnit: null, ratio: null, goal: null, status: 'ok', note: '', ...row });
}
function failRow(metric, err) {
  const message = err instanceof Error ? err.message : String(err);
  addRow({ metric, value: null, unit: '', status: 'FAILED', note: message.split('\n')[0] });
  details[`${metric} error`] = message;
  log(`${metric} FAILED: ${message}`);
}
function goalStatus(value, goal) {
  return value <= goal ? 'ok' : 'over goal';
}

function benchActivation(library) {
  const samples = quick ? 5 : 21;
  const storage = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-bench-activation-'));
  try {
    const { writeScenario } = requireFromRoot('./out/test/support/scenario.js');
    // Activation as on a cluster node: the simulator stands in for Windows.
    const scenario = writeScenario(path.join(storage, 'scenario'), {});
    const env = { ...process.env, FCBACKUP_SIMULATE: scenario, FCBACKUP_SIMULATOR_LIBRARY: library };
    const probe = path.join(support, 'activation-probe.cjs');
    const extension = path.join(root, 'dist', 'extension.js');
    const empty = path.join(support, 'empty-extension.cjs');
    const ext = [];
    const base = [];
    let last;
    for (let i = 0; i <= samples; i++) {
      const b = runJson([probe, empty, path.join(storage, `b${i}`)], 'activating the empty extension', { env });
      const e = runJson([probe, extension, path.join(storage, `e${i}`)], 'activating dist/extension.js', { env });
      if (i === 0) continue; // the first pair warms the file cache
      base.push(b.totalMs);
      ext.push(e);
      last = e;
    }
    const total = median(ext.map((e) => e.totalMs));
    const baseline = median(base);
    const native = [...new Set(ext.flatMap((e) => e.native))];
    details.activation = {
      samples, medianTotalMs: total, minTotalMs: Math.min(...ext.map((e) => e.totalMs)), medianLoadMs: median(ext.map((e) => e.loadMs)), medianActivateMs: median(ext.map((e) => e.activateMs)),
      baselineMedianMs: baseline, registered: last.registered, nativeModulesLoaded: native,
    };
    addRow({
      metric: 'activation: load + activate dist/extension.js', value: total, unit: 'ms',
      baseline, baselineUnit: 'ms (empty extension)', ratio: total / baseline, goal: `≤ ${GOALS.activationMs} ms`,
      status: goalStatus(total, GOALS.activationMs),
      note: `median of ${samples} fresh processes (fastest ${details.activation.minTotalMs.toFixed(2)} ms): ` +
        `load ${details.activation.medianLoadMs.toFixed(2)} ms + activate ${details.activation.medianActivateMs.toFixed(2)} ms; ` +
        `${last.registered.commands.length} commands, ${last.registered.treeViews.length + last.registered.treeDataProviders.length} views`,
    });
    addRow({
      metric: 'activation: native code loaded in the extension host', value: native.length, unit: 'modules',
      goal: '0 (koffi only in the engine process)', status: native.length === 0 ? 'ok' : 'FAILED',
      note: native.length === 0 ? 'koffi not required, no .node mapped' : native.join(', '),
    });
  } finally {
    fs.rmSync(storage, { recursive: true, force: true });
  }
}

/** Total of every count in a simulator leak report (nested objects included). */
function sumCounts(value) {
  if (typeof value === 'number') return value;
  if (value && typeof value === 'object') return Object.values(value).reduce((sum, v) => sum + sumCounts(v), 0);
  return 0;
}

function benchRefresh(library) {
  const options = {
    root, library, workerPath: path.join(root, 'dist', 'worker.js'), testWorkerPath: path.join(testBundleDir, 'worker.js'), nodeCounts: [4, 64, 512],
    warmup: quick ? 3 : 10, runs: quick ? 10 : 60, runsLarge: quick ? 5 : 20,
  };
  const { results } = runJson([path.join(support, 'refresh-probe.cjs'), JSON.stringify(options)], 'tree refresh probe', { timeout: 600_000 });
  details.refresh = results;
  for (const r of results) {
    const leaks = sumCounts(r.leaks);
    addRow({
      metric: `tree refresh: status round trip, ${r.nodes} nodes`, value: r.statusMedianMs, unit: 'ms',
      baseline: r.baselineMedianMs, baselineUnit: 'ms (no-op request)', ratio: r.statusMedianMs / r.baselineMedianMs,
      goal: r.nodes === 64 ? `≤ ${GOALS.refresh64Ms} ms` : null,
      status: leaks !== 0 ? 'FAILED' : r.nodes === 64 ? goalStatus(r.statusMedianMs, GOALS.refresh64Ms) : 'ok',
      note: `median of ${r.runs}, p95 ${r.statusP95Ms.toFixed(2)} ms; baseline listBackups of an empty folder; ` +
        `leak report after the same requests on the development build: ${leaks ? `${leaks} simulator leaks` : 'none'}`,
    });
  }
}

function benchBridge(library) {
  const options = { root, library, calls: quick ? 20_000 : 200_000, rounds: quick ? 3 : 9 };
  const r = runJson([path.join(support, 'bridge-probe.cjs'), JSON.stringify(options)], 'bridge probe');
  details.bridge = r;
  const status = r.leaks === 0 ? 'ok' : 'FAILED';
  addRow({
    metric: 'bridge call: kernel32.getLastError()', value: r.getLastErrorNs, unit: 'ns/call',
    baseline: r.plainNs, baselineUnit: 'ns/call (plain JS function)', ratio: r.getLastErrorNs / r.plainNs, status,
    note: `median of ${r.rounds} rounds × ${r.calls} calls`,
  });
  addRow({
    metric: 'bridge call: clusapi.getNodeClusterState()', value: r.getNodeClusterStateNs, unit: 'ns/call',
    baseline: r.plainNs, baselineUnit: 'ns/call (plain JS function)', ratio: r.getNodeClusterStateNs / r.plainNs, status,
    note: 'through the typed wrapper, Win32Error mapping included',
  });
}

/** Figures from bench/NAME.mjs (written by it to bench/results/NAME.json); their metrics start with `prefix`. */
function benchScript(name, prefix) {
  const script = path.join(root, 'bench', `${name}.mjs`);
  const output = path.join(resultsDir, `${name}.json`);
  if (!fs.existsSync(script)) throw new Error(`bench/${name}.mjs does not exist, so its figures are not measured`);
  fs.rmSync(output, { force: true });
  const r = runStep(process.execPath, [script].concat(quick ? ['--quick'] : []), `${name} benchmark`);
  if (r.status !== 0) throw new Error(`node bench/${name}.mjs exited with ${r.status ?? r.signal}:\n${(r.stdout + r.stderr).trim().slice(-2000)}`);
  if (!fs.existsSync(output)) throw new Error(`node bench/${name}.mjs finished but wrote no bench/results/${name}.json`);
  const result = JSON.parse(fs.readFileSync(output, 'utf8'));
  details[name] = result;
  const scriptRows = Array.isArray(result.rows) ? result.rows : [];
  if (scriptRows.length === 0) throw new Error(`bench/results/${name}.json has no rows`);
  for (const row of scriptRows) {
    if (typeof row.metric !== 'string' || (typeof row.value !== 'number' && row.status !== 'FAILED')) {
      throw new Error(`bench/results/${name}.json has a malformed row: ${JSON.stringify(row)}`);
    }
    addRow({ ...row, metric: row.metric.startsWith(prefix) ? row.metric : `${prefix}: ${row.metric}` });
  }
}

/** Figures from bench/config.mjs (written by it to bench/results/config.json): configuration diff and set expansion. */
function benchConfig() {
  const output = path.join(resultsDir, 'config.json');
  fs.rmSync(output, { force: true });
  const r = runStep(process.execPath, [path.join(root, 'bench', 'config.mjs')].concat(quick ? ['--quick'] : []), 'configuration benchmark');
  if (!fs.existsSync(output)) throw new Error(`node bench/config.mjs wrote no bench/results/config.json:\n${(r.stdout + r.stderr).trim().slice(-2000)}`);
  const config = JSON.parse(fs.readFileSync(output, 'utf8'));
  details.config = config;
  for (const row of config.rows ?? []) addRow(row);
}

async function benchVsix() {
  const { RELEASE_TARGETS, artifactsDir, packageTargets, vsixFileName } = await import('../scripts/package.mjs');
  const files = RELEASE_TARGETS.map((target) => ({ target, file: path.join(artifactsDir, vsixFileName(target)) }));
  const missing = files.filter((f) => !fs.existsSync(f.file)).map((f) => f.target);
  if (missing.length > 0) {
    log(`packaging ${missing.join(', ')} (artifacts missing)`);
    await packageTargets(missing, { build: false });
  }
  details.vsix = [];
  for (const { target, file } of files) {
    const bytes = fs.statSync(file).size;
    details.vsix.push({ target, file: path.relative(root, file), bytes });
    addRow({
      metric: `VSIX size: ${target}`, value: bytes / 1e6, unit: 'MB', goal: `≤ ${GOALS.vsixBytes / 1e6} MB`,
      status: goalStatus(bytes, GOALS.vsixBytes), note: `${bytes} bytes, ${path.relative(root, file)}`,
    });
  }
}

// ---------------------------------------------------------------------------
// output

function formatNumber(value) {
  if (value === null || value === undefined) return '—';
  if (Number.isInteger(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function printTable() {
  const header = ['metric', 'value', 'baseline', 'ratio', 'goal', 'status'];
  const lines = rows.map((r) => [
    r.metric,
    r.value === null ? '—' : `${formatNumber(r.value)} ${r.unit}`,
    r.baseline === null ? '—' : `${formatNumber(r.baseline)} ${r.baselineUnit}`,
    r.ratio === null ? '—' : `${formatNumber(r.ratio)}×`,
    r.goal ?? '—',
    r.status,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(fmt(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines) console.log(fmt(l));
  for (const r of rows.filter((x) => x.note)) console.log(`  ${r.metric}: ${r.note}`);
}

async function main() {
  const started = Date.now();
  const loadAtStart = os.loadavg().map((l) => +l.toFixed(2));
  fs.mkdirSync(resultsDir, { recursive: true });
  let library;
  try {
    library = simulatorLibrary();
    ensureCompiled();
    buildTestBundle();
    buildProduction();
  } catch (err) {
    failRow('prerequisites (simulator, compile, development and production bundles)', err);
  }
  if (library) {
    for (const [metric, fn] of [['activation', () => benchActivation(library)], ['tree refresh', () => benchRefresh(library)],
      ['bridge call', () => benchBridge(library)]]) {
      log(`measuring ${metric}`);
      try {
        fn();
      } catch (err) {
        failRow(metric, err);
      }
    }
  }
  log('measuring backup (bench/backup.mjs)');
  try {
    benchScript('backup', 'backup');
  } catch (err) {
    failRow('backup throughput and engine memory', err);
  }
  log('measuring the hive reader (bench/hive.mjs)');
  try {
    benchScript('hive', 'hive reader');
  } catch (err) {
    failRow('hive reader against hivexml', err);
  }
  log('measuring configuration diff and set expansion (bench/config.mjs)');
  try {
    benchConfig();
  } catch (err) {
    failRow('configuration diff and set expansion', err);
  }
  log('measuring the node tree and the restore pick (bench/nodes.mjs)');
  try {
    benchScript('nodes', 'nodes');
  } catch (err) {
    failRow('node tree and restore pick', err);
  }
  log('measuring VSIX size');
  try {
    await benchVsix();
  } catch (err) {
    failRow('VSIX size', err);
  }

  const result = {
    command: 'npm run bench',
    date: new Date().toISOString(),
    quick,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
      platform: `${process.platform}-${process.arch}`, node: process.version,
      // Other work on the machine slows every figure; the baselines share the slowdown.
      loadAverageAtStart: loadAtStart, loadAverageAtEnd: os.loadavg().map((l) => +l.toFixed(2)) },
    goals: GOALS,
    rows,
    details,
  };
  fs.writeFileSync(path.join(resultsDir, 'bench.json'), `${JSON.stringify(result, null, 2)}\n`);
  printTable();
  const failedRows = rows.filter((r) => r.status === 'FAILED');
  console.log(`\nmachine: ${result.machine.cpus} × ${result.machine.cpuModel}, ${result.machine.platform}, Node ${result.machine.node}; ` +
    `load average ${loadAtStart[0]} at start, ${result.machine.loadAverageAtEnd[0]} at end`);
  console.log(`bench: ${rows.length - failedRows.length} measured, ${failedRows.length} failed; results in ${path.relative(root, path.join(resultsDir, 'bench.json'))}`);
  process.exitCode = failedRows.length === 0 ? 0 : 1;
}

await main();
