// Per-call cost of the native bridge against a plain JavaScript function call,
// in one process: the typed wrappers of src/native (kernel32.getLastError and
// clusapi.getNodeClusterState, as the engine calls them) through koffi into the
// simulator library, and a plain JS function doing comparable bookkeeping.
//   node bridge-probe.cjs '<json options>'   → JSON on stdout
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** ns per call of fn, median over `rounds` timed rounds of `calls` calls each. */
function nsPerCall(fn, calls, rounds) {
  let sink = 0;
  for (let i = 0; i < calls; i++) sink += fn(); // warm-up: let the JIT settle
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) sink += fn();
    samples.push(Number(process.hrtime.bigint() - t0) / calls);
  }
  return { nsPerCall: median(samples), sink };
}

// Kept out of line so that the JIT calls it rather than folding it into the loop.
let plainState = 0x13;
function plainGetState() {
  plainState = (plainState * 33 + 7) >>> 0;
  return plainState & 0x13;
}

function main() {
  const options = JSON.parse(process.argv[2]);
  const out = path.join(options.root, 'out');
  const { configureNative } = require(path.join(out, 'src', 'native', 'loader.js'));
  const kernel32 = require(path.join(out, 'src', 'native', 'kernel32.js'));
  const clusapi = require(path.join(out, 'src', 'native', 'clusapi.js'));
  const { writeScenario } = require(path.join(out, 'test', 'support', 'scenario.js'));
  const { simulatorLeakReport, totalLeaks } = require(path.join(out, 'src', 'native', 'simulator.js'));

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-bench-bridge-'));
  try {
    const scenario = writeScenario(path.join(scratch, 'scenario'), {});
    configureNative({ kind: 'simulator', library: options.library, scenario });
    const state = clusapi.getNodeClusterState();
    if (state !== 0x13) throw new Error(`GetNodeClusterState answered ${state}, expected 0x13 (running)`);

    const plain = nsPerCall(plainGetState, options.calls, options.rounds);
    const lastError = nsPerCall(() => kernel32.getLastError(), options.calls, options.rounds);
    const nodeState = nsPerCall(() => clusapi.getNodeClusterState(), options.calls, options.rounds);
    const leaks = totalLeaks(simulatorLeakReport());
    process.stdout.write(JSON.stringify({
      calls: options.calls,
      rounds: options.rounds,
      plainNs: plain.nsPerCall,
      getLastErrorNs: lastError.nsPerCall,
      getNodeClusterStateNs: nodeState.nsPerCall,
      leaks,
    }));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

try {
  main();
} catch (err) {
  process.stdout.write(JSON.stringify({ error: err && err.stack ? err.stack : String(err) }));
  process.exitCode = 1;
}
