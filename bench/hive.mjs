// Hive reader benchmark: src/hive's reader against hivexml (Debian libhivex-bin) on the
// same 64 MiB hive, measured in the same run.
//
//   node bench/hive.mjs [--quick]
//
// Prints a table and writes bench/results/hive.json ({ rows, samples, … }); bench/run.mjs
// merges its rows.
//
// The hive is written by hivex itself (bench/support/make-hive.py: groups of keys shaped
// like a cluster database's, with strings, DWORDs, multi-strings and binary blobs) and
// padded with one bin of free space to exactly 64 MiB; it is kept in .cache/bench-hive/
// under the generator's hash, so later runs skip the minute it takes to write.
//
// What is measured (median of several alternating samples, each in a fresh process):
// - the reader: readHiveFile(FILE), then every key's name and every value's name, type and
//   data taken from the tree (the tree reads those from the checked cells when asked;
//   hivexml prints them all), timed inside a fresh Node process: CPU time (user + system), which a busy machine
//   distorts much less than wall time, and wall time; readHiveFile alone and the whole
//   process including Node's start are reported beside them;
// - baseline: `hivexml FILE > /dev/null`, the whole process (it reads the hive and prints
//   the whole tree as XML): wall time, and CPU time from bash `times` in a separate run;
//   goal: the reader takes no longer (ratio ≤ 1);
// - memory: the reader process's peak resident set (maxRSS) minus its resident set before
//   reading, divided by the hive's size; goal ≤ 2;
// - for reading the figures: what the machine charges for the first write to a fresh page of
//   memory (CPU time per 4 KiB page, in each reader process).
// The first sample also checks that both readers see the same number of keys and values.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const MiB = 1024 * 1024;
const HIVE_SIZE = 64 * MiB;
const GOAL_RATIO = 1;
const GOAL_MEMORY = 2;
const quick = process.argv.includes('--quick');
const PYTHON = '/usr/bin/python3';

function log(message) {
  process.stderr.write(`[bench:hive] ${message}\n`);
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function round(x) {
  return Math.round(x * 100) / 100;
}

function ensureCompiled() {
  const needed = ['src/hive/reader.js', 'test/support/hiveBuilder.js'].map((f) => path.join(root, 'out', f));
  if (needed.every((f) => fs.existsSync(f))) return;
  log('compiling (tsc -p .)');
  spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
  const missing = needed.filter((f) => !fs.existsSync(f));
  if (missing.length) throw new Error(`tsc did not produce ${missing.join(', ')}`);
}

function checkTools() {
  for (const [cmd, args] of [['hivexml', ['--help']], [PYTHON, ['-c', 'import hivex']]]) {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.error || (cmd === PYTHON && r.status !== 0)) {
      throw new Error(`${cmd} is not usable (${r.error?.message ?? r.stderr.trim()}); install hivex with "node scripts/setup-system.mjs"`);
    }
  }
}

/** The 64 MiB hive written by hivex, made once per generator version. */
function benchHive() {
  const generator = path.join(root, 'bench', 'support', 'make-hive.py');
  const hash = createHash('sha256').update(fs.readFileSync(generator)).update(String(HIVE_SIZE)).digest('hex').slice(0, 12);
  const dir = path.join(root, '.cache', 'bench-hive');
  const file = path.join(dir, `hivex-${hash}.hive`);
  if (fs.existsSync(file)) return file;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const empty = path.join(dir, 'empty.hive');
  const { buildHive } = require('./out/test/support/hiveBuilder.js');
  fs.writeFileSync(empty, buildHive({ name: 'ROOT' }));
  log(`writing a ${HIVE_SIZE / MiB} MiB hive with hivex (once; kept in ${path.relative(root, dir)})`);
  const partial = `${file}.partial`;
  const r = spawnSync(PYTHON, [generator, empty, partial, String(HIVE_SIZE)], { encoding: 'utf8', timeout: 900_000 });
  if (r.status !== 0) throw new Error(`make-hive.py failed (${r.status ?? r.signal}): ${(r.stderr || '').slice(-1500)}`);
  fs.renameSync(partial, file);
  return file;
}

// ---------------------------------------------------------------------------
// the probe: one read in this (fresh) process

async function probe(file) {
  const started = process.hrtime.bigint();
  const { readHiveFile } = require('./out/src/hive/reader.js');
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const hive = await readHiveFile(file);
  const readMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const readCpu = process.cpuUsage(cpu0);
  // The reader's tree reads names and value data when asked for them: the whole tree as a caller gets it
  // is every key's name and every value's name, type and data, which is what hivexml prints.
  let keys = 0;
  let values = 0;
  let units = 0;
  const walk = (key) => {
    keys++;
    units += key.name.length;
    for (const value of key.values) {
      values++;
      units += value.name.length + value.type + value.data.length;
    }
    key.subkeys.forEach(walk);
  };
  walk(hive.root);
  const treeMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const maxRss = process.resourceUsage().maxRSS * 1024;
  // What this machine charges for memory a process writes for the first time (the reader's copy
  // of the cells and its tree are such memory; hivexml maps the file from the page cache instead):
  // one byte written in each 4 KiB page of 16 MiB never used before, CPU time per page.
  const fresh = new Uint8Array(16 * MiB);
  const touch0 = process.cpuUsage();
  for (let i = 0; i < fresh.length; i += 4096) fresh[i] = 1;
  const touch = process.cpuUsage(touch0);
  return {
    readMs, readCpuMs: (readCpu.user + readCpu.system) / 1000, treeMs, cpuMs: (cpu.user + cpu.system) / 1000,
    rssBefore, maxRss, keys, values, units, loadMs: Number(t0 - started) / 1e6,
    freshPageUs: (touch.user + touch.system) / (fresh.length / 4096),
  };
}

function runProbe(file) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--probe', file], { cwd: root, encoding: 'utf8', timeout: 600_000 });
  const processMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`reader probe failed (${r.status ?? r.signal}):\n${(r.stdout + r.stderr).slice(-2000)}`);
  return { ...JSON.parse(r.stdout), processMs };
}

/** hivexml FILE with its output to /dev/null, or (to count what it lists) to a file; hivexml opens /dev/stdout, which must not be a socket. */
function runHivexml(file, count) {
  const xml = `${file}.xml`;
  const out = fs.openSync(count ? xml : '/dev/null', 'w');
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync('hivexml', [file], { stdio: ['ignore', out, 'pipe'], encoding: 'utf8', timeout: 600_000 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`hivexml ${file} failed (${r.status ?? r.signal}): ${r.stderr}`);
    if (!count) return { ms, cpuMs: hivexmlCpuMs(file) };
    const text = fs.readFileSync(xml, 'utf8');
    return { ms, keys: (text.match(/<node /g) ?? []).length, values: (text.match(/<value /g) ?? []).length };
  } finally {
    fs.closeSync(out);
    fs.rmSync(xml, { force: true });
  }
}

/** hivexml's CPU time (user + system), from the shell's `times` for its finished children. */
function hivexmlCpuMs(file) {
  const r = spawnSync('bash', ['-c', 'hivexml "$1" > /dev/null && times', 'bash', file], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`bash -c "hivexml FILE; times" failed (${r.status ?? r.signal}): ${r.stderr}`);
  const children = r.stdout.trim().split('\n')[1] ?? '';
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (seconds.length !== 2) throw new Error(`cannot read hivexml's CPU time from "times": ${r.stdout}`);
  return (seconds[0] + seconds[1]) * 1000;
}

async function main() {
  const resultsDir = path.join(root, 'bench', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  ensureCompiled();
  checkTools();
  const file = benchHive();
  const size = fs.statSync(file).size;
  const samples = quick ? 3 : 7;
  const reader = [];
  const hivexml = [];
  // The first pair warms the file cache and checks that both see the same tree size.
  const check = runHivexml(file, true);
  const first = runProbe(file);
  if (check.keys !== first.keys || check.values !== first.values) {
    throw new Error(`the readers disagree: hivexml lists ${check.keys} keys and ${check.values} values, the reader ${first.keys} and ${first.values}`);
  }
  const hivexmlCpu = [];
  for (let i = 0; i < samples; i++) {
    const h = runHivexml(file, false);
    hivexml.push(h.ms);
    hivexmlCpu.push(h.cpuMs);
    reader.push(runProbe(file));
  }
  const treeMs = median(reader.map((r) => r.treeMs));
  const readMs = median(reader.map((r) => r.readMs));
  const processMs = median(reader.map((r) => r.processMs));
  const hivexmlMs = median(hivexml);
  const treeCpu = median(reader.map((r) => r.cpuMs));
  const readCpu = median(reader.map((r) => r.readCpuMs));
  const hivexmlCpuMs = median(hivexmlCpu);
  const memory = median(reader.map((r) => (r.maxRss - r.rssBefore) / size));
  const tree = `${first.keys} keys, ${first.values} values (hivexml lists the same)`;
  const rows = [
    {
      // The goal row: on a shared machine wall times depend on who gets a core; CPU time does much less.
      metric: 'hive reader: CPU time, readHiveFile + every name, type and data of a 64 MiB hive', value: round(treeCpu), unit: 'ms',
      baseline: round(hivexmlCpuMs), baselineUnit: 'ms (hivexml CPU)', ratio: round(treeCpu / hivexmlCpuMs),
      goal: `≤ ${GOAL_RATIO}× hivexml`, status: treeCpu / hivexmlCpuMs <= GOAL_RATIO ? 'ok' : 'over goal',
      note: `median of ${samples}; ${tree}; hive written by hivex, ${size / MiB} MiB; user + system, the reader's JIT and GC threads included; hivexml's from bash times`,
    },
    {
      metric: 'hive reader: wall time, readHiveFile + every name, type and data', value: round(treeMs), unit: 'ms', baseline: round(hivexmlMs), baselineUnit: 'ms (hivexml)',
      ratio: round(treeMs / hivexmlMs), goal: `≤ ${GOAL_RATIO}× hivexml`, status: treeMs / hivexmlMs <= GOAL_RATIO ? 'ok' : 'over goal',
      note: 'hivexml: the whole process, output to /dev/null',
    },
    {
      metric: 'hive reader: CPU time of readHiveFile alone (every record checked; names and data read when asked for)', value: round(readCpu), unit: 'ms',
      baseline: round(hivexmlCpuMs), baselineUnit: 'ms (hivexml CPU)', ratio: round(readCpu / hivexmlCpuMs), goal: null, status: 'ok',
      note: `wall ${round(readMs)} ms`,
    },
    {
      metric: 'hive reader: the same in a fresh Node process', value: round(processMs), unit: 'ms', baseline: round(hivexmlMs), baselineUnit: 'ms (hivexml)',
      ratio: round(processMs / hivexmlMs), goal: null, status: 'ok', note: 'Node start and module loading included',
    },
    {
      metric: 'hive reader: machine: CPU time of the first write to a fresh 4 KiB page', value: round(median(reader.map((r) => r.freshPageUs))), unit: 'µs/page',
      baseline: null, baselineUnit: null, ratio: null, goal: null, status: 'ok',
      note: 'measured in each reader process after the read; the reader\'s copy of the allocated cells and its tree are memory written for the first time, hivexml maps the file from the page cache',
    },
    {
      metric: 'hive reader: peak memory / hive size', value: round(memory), unit: '×', baseline: null, baselineUnit: null, ratio: null,
      goal: `≤ ${GOAL_MEMORY}×`, status: memory <= GOAL_MEMORY ? 'ok' : 'over goal',
      note: `peak RSS growth ${round(median(reader.map((r) => (r.maxRss - r.rssBefore) / MiB)))} MiB while reading and using the whole tree, the file's bytes included`,
    },
  ];
  const output = { date: new Date().toISOString(), machine: { cpus: os.cpus().length, platform: process.platform, node: process.version, loadAverage: os.loadavg() }, file: path.relative(root, file), size, rows, samples: { reader, hivexmlMs: hivexml, hivexmlCpuMs: hivexmlCpu } };
  fs.writeFileSync(path.join(resultsDir, 'hive.json'), `${JSON.stringify(output, null, 2)}\n`);
  for (const r of rows) console.log(`${r.metric}: ${r.value} ${r.unit}${r.baseline === null ? '' : ` vs ${r.baseline} ${r.baselineUnit} (${r.ratio}×)`}${r.goal ? `, goal ${r.goal}: ${r.status}` : ''}${r.note ? ` — ${r.note}` : ''}`);
}

if (process.argv[2] === '--probe') {
  probe(process.argv[3]).then(
    (result) => process.stdout.write(JSON.stringify(result)),
    (err) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
} else {
  await main();
}
