// Node benchmarks: the tree of a large cluster with unreachable nodes, and the restore pick.
//
//   node bench/nodes.mjs [--quick]
//
// Prints its rows and writes bench/results/nodes.json ({ rows, … }); bench/run.mjs merges them.
//
// - tree: a 64-node cluster of which 8 nodes are unreachable, each unreachable call taking 2 s
//   (the simulator's per-node latencyMs; --quick: 0.5 s). Value: the status read with the
//   engine's node concurrency (8 node query threads), in this process through the same engine
//   function the status request runs. Baseline in the same run: the same status read one node
//   at a time. Also measured end to end: Requests.status through the engine process (dist/),
//   which is what the tree waits for. Goal: the tree within 3 s.
// - restore pick: 10 backup sets of 256 MiB each (--quick: 16 MiB), listed with verification
//   as the restore pick does (Requests.listBackups { verify: true }), the second time (the first
//   listing hashes every set). Baseline: the same listing without verification. Goal: ≤ 300 ms.
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
const library = process.env.FCBACKUP_SIMULATOR_LIBRARY || path.join(root, 'build', 'simulator', 'libclussim.so');

function log(message) {
  process.stderr.write(`[bench:nodes] ${message}\n`);
}

async function timeAsync(fn) {
  const t0 = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, result };
}

function treeScenario(dir, latencyMs) {
  const { makeNodes, writeScenario } = require(out('test', 'support', 'scenario.js'));
  const nodes = makeNodes(64).map((n, i) => (i % 8 === 7 ? { ...n, reachable: false, latencyMs } : n));
  return writeScenario(dir, { nodes });
}

async function benchTree() {
  const { configureNative } = require(out('src', 'native', 'loader.js'));
  const { detectLocalCluster } = require(out('src', 'engine', 'discovery.js'));
  const { makeContext } = require(out('src', 'engine', 'context.js'));
  const { STATUS_NODE_CONCURRENCY } = require(out('src', 'worker', 'statusHandlers.js'));
  const { EngineClient } = require(out('src', 'client', 'engineClient.js'));
  const { Requests } = require(out('src', 'protocol.js'));
  const latencyMs = quick ? 500 : 2000;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-bench-nodes-'));
  try {
    const scenario = treeScenario(path.join(scratch, 'tree'), latencyMs);
    configureNative({ kind: 'simulator', library, scenario });
    const check = (status) => {
      const unreachable = status.nodes.filter((n) => n.state === 'unreachable').length;
      if (status.nodes.length !== 64 || unreachable !== 8) throw new Error(`the status shows ${status.nodes.length} nodes, ${unreachable} unreachable (expected 64, 8)`);
    };
    // The first status starts the node query threads; the tree's refreshes after it reuse them.
    const cold = await timeAsync(() => detectLocalCluster(makeContext(), { nodeConcurrency: STATUS_NODE_CONCURRENCY }));
    check(cold.result);
    const concurrent = await timeAsync(() => detectLocalCluster(makeContext(), { nodeConcurrency: STATUS_NODE_CONCURRENCY }));
    check(concurrent.result);
    const sequential = await timeAsync(() => detectLocalCluster(makeContext(), { nodeConcurrency: 1 }));
    check(sequential.result);
    const client = await EngineClient.start({ native: { kind: 'simulator', library, scenario }, workerPath: path.join(root, 'dist', 'worker.js'), logLevel: 'error' });
    let engine;
    let engineCold;
    try {
      engineCold = await timeAsync(() => client.request(Requests.status, {}));
      check(engineCold.result);
      engine = await timeAsync(() => client.request(Requests.status, {}));
      check(engine.result);
    } finally {
      client.dispose();
    }
    const goalMs = 3000;
    return [
      {
        metric: `tree: 64 nodes, 8 unreachable at ${latencyMs / 1000} s each, ${STATUS_NODE_CONCURRENCY} at a time`, value: concurrent.ms, unit: 'ms',
        baseline: sequential.ms, baselineUnit: 'ms (one node at a time)', ratio: concurrent.ms / sequential.ms,
        goal: '≤ 3000 ms', status: concurrent.ms <= goalMs ? 'ok' : 'over goal',
        note: `in-process detectLocalCluster, same scenario; the first one (starting the threads) took ${cold.ms.toFixed(0)} ms`,
      },
      {
        metric: 'tree: the same status through the engine process (Requests.status)', value: engine.ms, unit: 'ms',
        baseline: sequential.ms, baselineUnit: 'ms (one node at a time, in-process)', ratio: engine.ms / sequential.ms,
        goal: '≤ 3000 ms', status: engine.ms <= goalMs ? 'ok' : 'over goal', note: `dist/worker.js with dist/nodeQueryThread.js, a refresh; the engine's first status took ${engineCold.ms.toFixed(0)} ms`,
      },
    ];
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function benchRestorePick() {
  const { EngineClient } = require(out('src', 'client', 'engineClient.js'));
  const { Requests } = require(out('src', 'protocol.js'));
  const { writeScenario } = require(out('test', 'support', 'scenario.js'));
  const setBytes = (quick ? 16 : 256) * MiB;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-bench-pick-'));
  const scenario = writeScenario(path.join(scratch, 'scenario'), { clusdb: { files: [{ name: 'CLUSDB', size: setBytes }, { name: 'CLUSDB.blf', size: 4096 }] } });
  const folder = path.join(scratch, 'sets');
  const client = await EngineClient.start({ native: { kind: 'simulator', library, scenario }, workerPath: path.join(root, 'dist', 'worker.js'), logLevel: 'error' });
  try {
    log(`writing 10 sets of ${setBytes / MiB} MiB`);
    for (let i = 0; i < 10; i++) await client.request(Requests.backup, { destination: folder });
    const first = await timeAsync(() => client.request(Requests.listBackups, { folder, verify: true }));
    if (first.result.length !== 10 || first.result.some((s) => s.verified !== true)) throw new Error(`the pick lists ${first.result.length} sets, not 10 verified`);
    const again = await timeAsync(() => client.request(Requests.listBackups, { folder, verify: true }));
    const plain = await timeAsync(() => client.request(Requests.listBackups, { folder, verify: false }));
    return [{
      metric: `restore pick: 10 sets of ${setBytes / MiB} MiB, listed with verification (second time)`, value: again.ms, unit: 'ms',
      baseline: plain.ms, baselineUnit: 'ms (listing without verification)', ratio: again.ms / plain.ms,
      goal: '≤ 300 ms', status: again.ms <= 300 ? 'ok' : 'over goal', note: `the first verified listing took ${first.ms.toFixed(0)} ms`,
    }];
  } finally {
    client.dispose();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

async function main() {
  const rows = [];
  for (const [what, run] of [['tree', benchTree], ['restore pick', benchRestorePick]]) {
    try {
      log(`measuring ${what}`);
      rows.push(...await run());
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log(`${what} FAILED: ${message}`);
      rows.push({ metric: `nodes ${what}`, value: null, unit: '', status: 'FAILED', note: message.split('\n')[0] });
    }
  }
  const resultsDir = path.join(root, 'bench', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(path.join(resultsDir, 'nodes.json'), JSON.stringify({ date: new Date().toISOString(), rows }, null, 2) + '\n');
  for (const r of rows) {
    console.log(`${r.metric}: ${r.value === null ? 'FAILED' : `${r.value.toFixed(0)} ${r.unit}`}${r.baseline ? ` (baseline ${r.baseline.toFixed(0)} ${r.baselineUnit}, ${r.ratio.toFixed(2)}×)` : ''} ${r.status} — ${r.note}`);
  }
}

await main();
