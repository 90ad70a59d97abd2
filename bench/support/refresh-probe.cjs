// Tree refresh latency: Requests.status round trips through EngineClient, the
// engine process (the production bundle dist/worker.js) and the bridge against the
// simulator, for clusters of several sizes; the baseline is a round trip of a
// request that does no cluster work (TestRequests.leakReport) on the same engine.
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

async function timeRequests(client, type, count) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await client.request(type, {});
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return samples;
}

async function main() {
  const options = JSON.parse(process.argv[2]);
  const out = path.join(options.root, 'out');
  const { EngineClient } = require(path.join(out, 'src', 'client', 'engineClient.js'));
  const { Requests } = require(path.join(out, 'src', 'protocol.js'));
  // The no-op baseline is the test-only leak report (src/testProtocol.ts), served when FCBACKUP_TEST_HOOKS=1.
  const { TestRequests } = require(path.join(out, 'src', 'testProtocol.js'));
  process.env.FCBACKUP_TEST_HOOKS = '1';
  const { writeScenario, makeNodes } = require(path.join(out, 'test', 'support', 'scenario.js'));

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-bench-refresh-'));
  const results = [];
  try {
    for (const nodeCount of options.nodeCounts) {
      const scenario = writeScenario(path.join(scratch, `n${nodeCount}`), {
        cluster: { name: `BENCH-${nodeCount}` },
        nodes: makeNodes(nodeCount),
      });
      const client = await EngineClient.start({
        native: { kind: 'simulator', library: options.library, scenario },
        workerPath: options.workerPath,
        logLevel: 'error',
      });
      try {
        const first = await client.request(Requests.status, {});
        // A refresh that did not list every node would not be the refresh being measured.
        const nodesSeen = first.nodes.filter((n) => n.state === 'up').length;
        if (first.cluster === null || nodesSeen !== nodeCount) {
          throw new Error(`status for ${nodeCount} nodes answered ${JSON.stringify(first).slice(0, 300)}`);
        }
        const runs = nodeCount >= 256 ? options.runsLarge : options.runs;
        await timeRequests(client, Requests.status, options.warmup);
        await timeRequests(client, TestRequests.leakReport, options.warmup);
        // Interleave the two kinds in blocks so that drift on a shared machine hits both alike.
        const status = [];
        const baseline = [];
        const block = 5;
        while (status.length < runs) {
          status.push(...await timeRequests(client, Requests.status, block));
          baseline.push(...await timeRequests(client, TestRequests.leakReport, block));
        }
        const leaks = await client.request(TestRequests.leakReport, {});
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
      } finally {
        client.dispose();
      }
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
