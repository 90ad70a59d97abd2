// Configuration benchmark: comparing two large cluster configurations, and expanding a
// backup set of a 20 MiB ClusDb in the Backups view once its configuration was parsed.
//
//   node bench/config.mjs [--quick]
//
// Prints a table and writes bench/results/config.json ({ rows, … }); bench/run.mjs merges the rows.
//
// - diff: compareConfigurations of two configurations of 10,000 resources each (1,000 roles, 8 nodes),
//   the second with 1 % of the resources changed, 10 added and 10 removed. Baseline in the same run:
//   JSON.stringify of both configurations, which visits every value once. Goal: ≤ 500 ms.
// - expand: a set backed up from the simulator with a 20 MiB CLUSDB (2,000 resources, padded with free
//   space), read through the engine process as the Backups view does (Requests.setConfiguration), then
//   the set's rows built (configurationRoots + configItem). The first read verifies and parses; the
//   figure is the median of the reads after it. Baseline: a request that does no cluster work on the
//   same engine (Requests.listBackups of an empty folder without verification: one directory read, in the
//   shipped protocol, so it runs on the production bundle). Goal: ≤ 100 ms.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const quick = process.argv.includes('--quick');
const MiB = 1024 * 1024;
const out = (...p) => path.join(root, 'out', ...p);

function log(message) {
  process.stderr.write(`[bench:config] ${message}\n`);
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function time(fn) {
  const t0 = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, result };
}

async function timeAsync(fn) {
  const t0 = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, result };
}

function benchDiff() {
  const { clusterTree, largeSpec, sz } = require(out('test', 'unit', 'configFixture.js'));
  const { configurationFromRegistry } = require(out('src', 'config', 'parse.js'));
  const { compareConfigurations } = require(out('src', 'config', 'diff.js'));
  const spec = largeSpec(10_000);
  const changed = {
    ...spec,
    resources: [
      ...spec.resources.slice(10).map((r, i) => (i % 100 === 0 ? { ...r, parameters: [sz('ServiceName', `changed${i}`)] } : r)),
      ...Array.from({ length: 10 }, (_, i) => ({ ...spec.resources[20 + i], id: `99999999-0000-4000-8000-${String(i).padStart(12, '0')}`, name: `New ${i}` })),
    ],
  };
  const a = configurationFromRegistry(clusterTree(spec));
  const b = configurationFromRegistry(clusterTree(changed));
  const runs = quick ? 3 : 11;
  const diffMs = [];
  const baseMs = [];
  let diff;
  for (let i = 0; i <= runs; i++) {
    const base = time(() => JSON.stringify(a).length + JSON.stringify(b).length);
    const d = time(() => compareConfigurations(a, b));
    if (i === 0) continue; // warm-up
    baseMs.push(base.ms);
    diffMs.push(d.ms);
    diff = d.result;
  }
  if (diff.equal || diff.changes.length < 100) throw new Error(`the comparison found ${diff.changes.length} changes, expected 100 and more`);
  const value = median(diffMs);
  const baseline = median(baseMs);
  return {
    metric: 'config diff: 10,000 resources each', value, unit: 'ms', baseline, baselineUnit: 'ms (JSON.stringify of both)',
    ratio: value / baseline, goal: '≤ 500 ms', status: value <= 500 ? 'ok' : 'over goal',
    note: `median of ${runs}; ${diff.summary}`,
  };
}

async function benchExpand() {
  const { EngineClient } = require(out('src', 'client', 'engineClient.js'));
  const { Requests } = require(out('src', 'protocol.js'));
  const { writeScenarioText, resolveScenario } = require(out('test', 'support', 'scenario.js'));
  const { configItem, configurationRoots } = require(out('src', 'ui', 'configRows.js'));
  const library = process.env.FCBACKUP_SIMULATOR_LIBRARY || path.join(root, 'build', 'simulator', 'libclussim.so');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-bench-config-'));
  const groups = Array.from({ length: 200 }, (_, g) => ({ name: `Role ${g}`, type: 100 }));
  const resources = Array.from({ length: 2000 }, (_, r) => ({
    name: `Resource ${r}`, type: r % 10 === 0 ? 'IP Address' : 'Generic Service', group: `Role ${Math.floor(r / 10)}`,
    ...(r % 10 === 0 ? { parameters: { Address: `10.1.${Math.floor(r / 250)}.${r % 250}` } } : { dependsOn: [`Resource ${r - (r % 10)}`], parameters: { ServiceName: `svc${r}` } }),
  }));
  const resolved = resolveScenario({});
  const scenario = writeScenarioText(path.join(scratch, 'scenario'), JSON.stringify({
    ...resolved, clusdb: { files: [{ name: 'CLUSDB', size: 20 * MiB }, { name: 'CLUSDB.blf', size: 4096 }] },
    groups: [{ name: 'Cluster Group', type: 1 }, ...groups], resources, networks: [{ name: 'Cluster Network 1', address: '10.0.0.0', addressMask: '255.255.255.0' }],
  }));
  const client = await EngineClient.start({
    native: { kind: 'simulator', library, scenario }, workerPath: path.join(root, 'dist', 'worker.js'), logLevel: 'error',
  });
  try {
    const backup = await client.request(Requests.backup, { destination: path.join(scratch, 'sets') });
    const clusdb = backup.files.find((f) => path.posix.basename(f.path).toUpperCase() === 'CLUSDB');
    if (!clusdb || clusdb.size < 20 * MiB) throw new Error(`the set's CLUSDB is ${clusdb?.size ?? 0} bytes, not 20 MiB`);
    const expand = async () => {
      const source = await client.request(Requests.setConfiguration, { path: backup.path });
      const rows = configurationRoots(`backupSet/${backup.path}`, source).map((e) => configItem(e, null));
      return { source, rows };
    };
    const first = await timeAsync(expand);
    if (first.result.source.configuration.resources.length !== resources.length) {
      throw new Error(`the set's configuration has ${first.result.source.configuration.resources.length} resources, not ${resources.length}`);
    }
    const emptyFolder = path.join(scratch, 'no-sets');
    fs.mkdirSync(emptyFolder);
    const noOp = { folder: emptyFolder, verify: false };
    if ((await client.request(Requests.listBackups, noOp)).length !== 0) throw new Error('the no-op baseline listed sets in an empty folder');
    const runs = quick ? 5 : 21;
    const warm = [];
    const base = [];
    for (let i = 0; i < runs; i++) {
      base.push((await timeAsync(() => client.request(Requests.listBackups, noOp))).ms);
      warm.push((await timeAsync(expand)).ms);
    }
    const value = median(warm);
    const baseline = median(base);
    return {
      metric: 'config: expand a set of a 20 MiB ClusDb (after the first parse)', value, unit: 'ms', baseline, baselineUnit: 'ms (no-op request: listBackups of an empty folder)',
      ratio: value / baseline, goal: '≤ 100 ms', status: value <= 100 ? 'ok' : 'over goal',
      note: `median of ${runs}; the first read (verify + parse) took ${first.ms.toFixed(0)} ms`,
    };
  } finally {
    client.dispose();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function main() {
  const rows = [];
  for (const [what, run] of [['diff', benchDiff], ['expand', benchExpand]]) {
    try {
      log(`measuring ${what}`);
      rows.push(await run());
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log(`${what} FAILED: ${message}`);
      rows.push({ metric: `config ${what}`, value: null, unit: '', status: 'FAILED', note: message.split('\n')[0] });
    }
  }
  const resultsDir = path.join(root, 'bench', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(path.join(resultsDir, 'config.json'), JSON.stringify({ date: new Date().toISOString(), rows }, null, 2) + '\n');
  for (const r of rows) {
    console.log(`${r.metric}: ${r.value === null ? 'FAILED' : `${r.value.toFixed(2)} ${r.unit}`}${r.baseline ? ` (baseline ${r.baseline.toFixed(2)} ${r.baselineUnit}, ${r.ratio.toFixed(1)}×)` : ''} ${r.status} — ${r.note}`);
  }
  // A FAILED row is reported in the table (npm run bench then exits non-zero); the other rows still count.
}

await main();
