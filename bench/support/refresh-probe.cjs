// Tree refresh latency: Requests.status round trips through EngineClient, the
// engine process (the production bundle dist/worker.js) and the bridge against the
// simulator, for clusters of several sizes; the baseline is a round trip of a
// request that does no cluster work on the same engine: Requests.listBackups of an
// empty folder without verification (one directory read; it is in the shipped protocol).
// The production bundle has no test hooks, so the leak check runs the same status
// requests on a development build of the same sources (options.testWorkerPath, with
// FCBACKUP_TEST_HOOKS=1) and then reads the simulator's leak report there.
//   node refresh-probe.cjs '<json options>'   → JSON on stdout
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

async function timeRequests(client, type, count, params = {}) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await client.request(type, params);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return samples;
}

async function main() {
  const options = JSON.parse(process.argv[2]);
  const out = path.join(options.root, 'out');
  const { EngineClient } = require(path.join(out, 'src', 'client', 'engineClient.js'));
  const { Requests } = require(path.join(out, 'src', 'protocol.js'));
  // The leak report is a test hook (src/testProtocol.ts): only the development build serves it.
  const { TestRequests } = require(path.join(out, 'src', 'testProtocol.js'));
  const { writeScenario, makeNodes } = require(path.join(out, 'test', 'support', 'scenario.js'));

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-bench-refresh-'));
  const emptyFolder = path.join(scratch, 'no-sets');
  fs.mkdirSync(emptyFolder);
  const noOp = { folder: emptyFolder, verify: false };
  // The engine inherits this process's environment when it starts.
  const start = (scenario, workerPath, testHooks) => {
    if (testHooks) process.env.FCBACKUP_TEST_HOOKS = '1';
    else delete process.env.FCBACKUP_TEST_HOOKS;
    return EngineClient.start({ native: { kind: 'simulator', library: options.library, scenario }, workerPath, logLevel: 'error' });
  };
  const results = [];
  try {
    for (const nodeCount of options.nodeCounts) {
      const scenario = writeScenario(path.join(scratch, `n${nodeCount}`), {
        cluster: { name: `BENCH-${nodeCount}` },
        nodes: makeNodes(nodeCount),
      });
      const runs = nodeCount >= 256 ? options.runsLarge : options.runs;
      const client = await start(scenario, options.workerPath, false);
      let measured;
      try {
        const first = await client.request(Requests.status, {});
        // A refresh that did not list every node would not be the refresh being measured.
        const nodesSeen = first.nodes.filter((n) => n.state === 'up').length;
        if (first.cluster === null || nodesSeen !== nodeCount) {
          throw new Error(`status for ${nodeCount} nodes answered ${JSON.stringify(first).slice(0, 300)}`);
        }
        const listed = await client.request(Requests.listBackups, noOp);
        if (listed.length !== 0) throw new Error(`the no-op baseline listed ${listed.length} sets in an empty folder`);
        await timeRequests(client, Requests.status, options.warmup);
        await timeRequests(client, Requests.listBackups, options.warmup, noOp);
        // Interleave the two kinds in blocks so that drift on a shared machine hits both alike.
        const status = [];
        const baseline = [];
        const block = 5;
        while (status.length < runs) {
          status.push(...await timeRequests(client, Requests.status, block));
          baseline.push(...await timeRequests(client, Requests.listBackups, block, noOp));
        }
        measured = { nodesSeen, status, baseline };
      } finally {
        client.dispose();
      }
      // The same requests, as many, on the development build; then what the simulator still holds.
      const testClient = await start(scenario, options.testWorkerPath, true);
      let leaks;
      try {
        await timeRequests(testClient, Requests.status, 1 + options.warmup + measured.status.length);
        await timeRequests(testClient, Requests.listBackups, 1 + options.warmup + measured.baseline.length, noOp);
        leaks = await testClient.request(TestRequests.leakReport, {});
      } finally {
        testClient.dispose();
      }
      const { nodesSeen, status, baseline } = measured;
      results.push({
        nodes: nodeCount,
        nodesInStatus: nodesSeen,
        runs: status.length,
        statusMedianMs: median(status),
        statusP95Ms: percentile(status, 95),
        baselineMedianMs: median(baseline),
        baselineP95Ms: percentile(baseline, 95),
        leaks,
      });
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify({ results }));
  process.exit(0);
}

main().catch((err) => {
  process.stdout.write(JSON.stringify({ error: err && err.stack ? err.stack : String(err) }));
  process.exit(1);
});
