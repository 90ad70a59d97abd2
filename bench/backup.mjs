// Backup benchmark: the engine's backup of 16, 64 and 256 MiB ClusDb files from the
// simulator, against `cp` + `sha256sum` of the same files measured in the same run.
//
//   node bench/backup.mjs [--quick]
//
// Prints a table and writes bench/results/backup.json ({ rows, runs, … }).
//
// What is measured, per size (median of several runs):
// - engine copy throughput: bytes / time of the copy phase of backupCluster (read out
//   of the snapshot, SHA-256, write, fsync), from its first "Copying" progress step to
//   "Completing the backup". The VSS calls around it and the simulator's own snapshot
//   copy are timed separately (end-to-end) and are not part of the engine's copy.
// - baseline: `cp` of the files into a fresh folder, then `sha256sum` of the copies
//   (goal: engine ≥ 0.8 × baseline). Because the engine flushes every file to disk
//   (a backup must survive a power loss) a second baseline adds `sync` of the copies.
// - engine memory: the peak resident set (process.resourceUsage().maxRSS) of a fresh
//   engine process during the backup, minus its peak before the backup started; the
//   goal is that it grows by at most 32 MiB, whatever the file size.
//
// Each engine run is a fresh process (`node bench/backup.mjs --probe …`) so its peak
// memory is its own.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const MiB = 1024 * 1024;
const GOAL_RATIO = 0.8;
const GOAL_GROWTH_MIB = 32;

function log(message) {
  process.stderr.write(`[bench:backup] ${message}\n`);
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function simulatorLibrary() {
  const lib = process.env.FCBACKUP_SIMULATOR_LIBRARY || path.join(root, 'build', 'simulator', process.platform === 'win32' ? 'clussim.dll' : 'libclussim.so');
  if (!fs.existsSync(lib)) {
    log('building the simulator (npm run build:sim)');
    const r = spawnSync('npm', ['run', 'build:sim'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0 || !fs.existsSync(lib)) throw new Error(`the simulator library ${lib} is missing and npm run build:sim failed`);
  }
  return lib;
}

function ensureCompiled() {
  const needed = ['src/engine/backup.js', 'src/native/loader.js', 'test/support/scenario.js'].map((f) => path.join(root, 'out', f));
  if (needed.every((f) => fs.existsSync(f))) return;
  log('compiling (tsc -p .)');
  spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
  const missing = needed.filter((f) => !fs.existsSync(f));
  if (missing.length) throw new Error(`tsc did not produce ${missing.join(', ')}`);
}

// ---------------------------------------------------------------------------
// the probe: one backup in this (fresh) process

async function probe(options) {
  const { configureNative } = require('./out/src/native/loader.js');
  const { simulatorCallLog, simulatorLeakReport, totalLeaks } = require('./out/src/native/simulator.js');
  const { backupCluster } = require('./out/src/engine/backup.js');
  const { makeContext } = require('./out/src/engine/context.js');

  configureNative({ kind: 'simulator', library: options.library, scenario: options.scenario });
  simulatorCallLog(); // loads the library and opens the scenario (the ClusDb files exist already)
  if (global.gc) global.gc();
  const rssBefore = process.memoryUsage().rss;
  const maxRssBefore = process.resourceUsage().maxRSS * 1024;

  let peakSampled = rssBefore;
  const sampler = setInterval(() => {
    peakSampled = Math.max(peakSampled, process.memoryUsage().rss);
  }, 5);
  const marks = {};
  const ctx = makeContext({
    progress: (step) => {
      const now = process.hrtime.bigint();
      if (step.startsWith('Copying ') && marks.copyStart === undefined) marks.copyStart = now;
      if (step === 'Completing the backup' && marks.copyEnd === undefined) marks.copyEnd = now;
    },
  });
  const t0 = process.hrtime.bigint();
  const result = await backupCluster({ destination: options.destination }, ctx, {
    pollIntervalMs: { min: 1, max: 5 }, lockFolder: options.lockFolder,
  });
  const t1 = process.hrtime.bigint();
  clearInterval(sampler);
  peakSampled = Math.max(peakSampled, process.memoryUsage().rss);
  const maxRssAfter = process.resourceUsage().maxRSS * 1024;
  const leaks = totalLeaks(simulatorLeakReport());
  const bytes = result.files.reduce((a, f) => a + f.size, 0);
  return {
    bytes,
    files: result.files.length,
    totalMs: Number(t1 - t0) / 1e6,
    copyMs: Number(marks.copyEnd - marks.copyStart) / 1e6,
    rssBefore,
    maxRssBefore,
    maxRssAfter,
    peakSampled,
    growthBytes: Math.max(maxRssAfter - maxRssBefore, peakSampled - rssBefore, 0),
    leaks,
    setPath: result.path,
  };
}

// ---------------------------------------------------------------------------
// the driver

function runProbe(options) {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--probe', JSON.stringify(options)], {
    cwd: root, encoding: 'utf8', timeout: 600_000, maxBuffer: 16 * MiB,
  });
  if (r.status !== 0) throw new Error(`engine probe failed (${r.status ?? r.signal}):\n${(r.stdout + r.stderr).slice(-2000)}`);
  return JSON.parse(r.stdout);
}

function timeCommand(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 16 * MiB });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

/** cp of the files into a fresh folder, then sha256sum of the copies; optionally sync in between. */
function baseline(files, scratch, withSync) {
  const dir = fs.mkdtempSync(path.join(scratch, 'cp-'));
  try {
    const cp = timeCommand('cp', [...files, dir]);
    const copies = files.map((f) => path.join(dir, path.basename(f)));
    const sync = withSync ? timeCommand('sync', copies) : { ms: 0 };
    const sum = timeCommand('sha256sum', copies);
    return { ms: cp.ms + sync.ms + sum.ms, digests: sum.stdout };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const quick = process.argv.includes('--quick');
  const runs = quick ? 1 : 3;
  const sizesMiB = [16, 64, 256];
  for (const tool of ['cp', 'sha256sum', 'sync']) {
    if (spawnSync(tool, ['--version'], { encoding: 'utf8' }).status !== 0) throw new Error(`${tool} is not available; the baseline needs coreutils`);
  }
  const library = simulatorLibrary();
  ensureCompiled();
  const { writeScenario } = require('./out/test/support/scenario.js');
  const { configureNative } = require('./out/src/native/loader.js');
  const { simulatorCallLog } = require('./out/src/native/simulator.js');

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-bench-backup-'));
  const measurements = [];
  try {
    for (const size of sizesMiB) {
      const dir = path.join(scratch, `clusdb-${size}`);
      const scenario = writeScenario(dir, {
        cluster: { name: 'BENCH' },
        clusdb: { files: [{ name: 'CLUSDB', size: size * MiB }, { name: 'CLUSDB.blf', size: 64 * 1024 }] },
        asyncPendingPolls: 0,
      });
      // Create the ClusDb files here, so the engine process measures only the backup.
      configureNative({ kind: 'simulator', library, scenario });
      simulatorCallLog();
      const clusdb = path.join(dir, 'Windows', 'Cluster');
      const files = fs.readdirSync(clusdb).map((f) => path.join(clusdb, f));
      const bytes = files.reduce((a, f) => a + fs.statSync(f).size, 0);
      log(`${size} MiB: ${files.length} files, ${bytes} bytes`);

      // Warm the page cache the same way for both sides.
      baseline(files, scratch, false);
      const engine = [];
      const plain = [];
      const synced = [];
      for (let i = 0; i < runs; i++) {
        const destination = path.join(scratch, `sets-${size}-${i}`);
        const lockFolder = path.join(scratch, 'lock');
        const e = runProbe({ library, scenario, destination, lockFolder });
        if (e.leaks !== 0) throw new Error(`the engine leaked ${e.leaks} native resources`);
        if (e.bytes !== bytes) throw new Error(`the engine backed up ${e.bytes} bytes, expected ${bytes}`);
        engine.push(e);
        fs.rmSync(destination, { recursive: true, force: true });
        plain.push(baseline(files, scratch, false).ms);
        synced.push(baseline(files, scratch, true).ms);
        log(`  run ${i + 1}: engine copy ${e.copyMs.toFixed(0)} ms (total ${e.totalMs.toFixed(0)} ms, +${(e.growthBytes / MiB).toFixed(1)} MiB), cp+sha256sum ${plain[i].toFixed(0)} ms, with sync ${synced[i].toFixed(0)} ms`);
      }
      const copyMs = median(engine.map((e) => e.copyMs));
      measurements.push({
        sizeMiB: size,
        bytes,
        engineCopyMs: copyMs,
        engineTotalMs: median(engine.map((e) => e.totalMs)),
        engineMiBps: bytes / MiB / (copyMs / 1000),
        baselineMs: median(plain),
        baselineMiBps: bytes / MiB / (median(plain) / 1000),
        baselineSyncMs: median(synced),
        baselineSyncMiBps: bytes / MiB / (median(synced) / 1000),
        growthMiB: Math.max(...engine.map((e) => e.growthBytes)) / MiB,
        maxRssMiB: Math.max(...engine.map((e) => e.maxRssAfter)) / MiB,
        runs: engine,
      });
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }

  const rows = [];
  for (const m of measurements) {
    const ratio = m.engineMiBps / m.baselineMiBps;
    rows.push({
      metric: `backup throughput ${m.sizeMiB} MiB`,
      value: round(m.engineMiBps), unit: 'MiB/s',
      baseline: round(m.baselineMiBps), baselineUnit: 'MiB/s (cp + sha256sum)',
      ratio: round(ratio), goal: `≥ ${GOAL_RATIO}`,
      status: ratio >= GOAL_RATIO ? 'ok' : 'under goal',
      note: `copy+hash+fsync; vs cp+sync+sha256sum ${round(m.baselineSyncMiBps)} MiB/s (ratio ${round(m.engineMiBps / m.baselineSyncMiBps)}); ` +
        `end-to-end with every VSS step and the simulator's snapshot copy ${Math.round(m.engineTotalMs)} ms (ratio ${round(m.baselineMs / m.engineTotalMs)})`,
    });
  }
  const small = measurements[0];
  const large = measurements[measurements.length - 1];
  for (const m of measurements) {
    rows.push({
      metric: `backup memory growth ${m.sizeMiB} MiB`,
      value: round(m.growthMiB), unit: 'MiB',
      baseline: null, baselineUnit: null, ratio: null, goal: `≤ ${GOAL_GROWTH_MIB} MiB`,
      status: m.growthMiB <= GOAL_GROWTH_MIB ? 'ok' : 'over goal',
      note: `peak RSS ${round(m.maxRssMiB)} MiB`,
    });
  }
  rows.push({
    metric: `backup memory: ${large.sizeMiB} MiB vs ${small.sizeMiB} MiB`,
    value: round(large.growthMiB - small.growthMiB), unit: 'MiB',
    baseline: null, baselineUnit: null, ratio: null, goal: '≈ 0 (bounded, not proportional to the file)',
    status: Math.abs(large.growthMiB - small.growthMiB) <= 8 ? 'ok' : 'over goal',
    note: 'difference of the growths at both sizes',
  });

  const resultsDir = path.join(root, 'bench', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const output = { date: new Date().toISOString(), machine: { cpus: os.cpus().length, platform: process.platform, node: process.version }, runs, rows, measurements };
  fs.writeFileSync(path.join(resultsDir, 'backup.json'), JSON.stringify(output, null, 2) + '\n');
  printTable(rows);
  log(`wrote ${path.relative(root, path.join(resultsDir, 'backup.json'))}`);
}

function round(x) {
  return Math.round(x * 100) / 100;
}

function printTable(rows) {
  const header = ['metric', 'value', 'baseline', 'ratio', 'goal', 'status'];
  const lines = rows.map((r) => [
    r.metric, `${r.value} ${r.unit}`, r.baseline === null ? '' : `${r.baseline} ${r.baselineUnit}`, r.ratio === null ? '' : String(r.ratio), r.goal ?? '', r.status,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const l of lines) console.log(fmt(l));
  for (const r of rows) if (r.note) console.log(`  ${r.metric}: ${r.note}`);
}

if (process.argv[2] === '--probe') {
  probe(JSON.parse(process.argv[3])).then(
    (result) => process.stdout.write(JSON.stringify(result)),
    (err) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
} else {
  main().catch((err) => {
    process.stderr.write(`[bench:backup] FAILED: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
