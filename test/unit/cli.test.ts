/**
 * The fcbackup entry point without an engine: argument parsing, help, usage errors,
 * the "not Windows" message, and the person-readable status text.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { formatStatus } from '../../src/cli/commands/status';
import { helpText, runCli } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/types';
import type { ClusterStatus } from '../../src/engine/model';
import { CLUSTER1 } from '../support/clusterSummary';

function captureIo(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout(text: string) { io.out += text.endsWith('\n') ? text : `${text}\n`; },
    stderr(text: string) { io.err += text.endsWith('\n') ? text : `${text}\n`; },
    isTTY: false,
    confirm: async () => false,
  };
  return io;
}

function oneErrorLine(err: string): string {
  const lines = err.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `expected one stderr line, got: ${err}`);
  assert.match(lines[0], /^fcbackup: /);
  return lines[0];
}

describe('fcbackup argument handling', () => {
  it('prints help with --help and exits 0', async () => {
    const io = captureIo();
    assert.equal(await runCli(['--help'], { io, env: {} }), 0);
    assert.equal(io.out.trim(), helpText());
    for (const name of ['status', 'backup', 'list', 'verify', 'restore', '--simulate', '--json']) assert.ok(io.out.includes(name), name);
  });

  it('prints a command\'s usage with "<command> --help" and "help <command>"', async () => {
    const a = captureIo();
    assert.equal(await runCli(['status', '--help'], { io: a, env: {} }), 0);
    assert.match(a.out, /Usage: fcbackup status/);
    const b = captureIo();
    assert.equal(await runCli(['help', 'status'], { io: b, env: {} }), 0);
    assert.equal(b.out, a.out);
  });

  it('exits 2 with the help on stderr when no command is given', async () => {
    const io = captureIo();
    assert.equal(await runCli([], { io, env: {} }), 2);
    assert.equal(io.out, '');
    assert.match(io.err, /Usage: fcbackup/);
  });

  it('refuses an unknown command in one line', async () => {
    const io = captureIo();
    assert.equal(await runCli(['frobnicate'], { io, env: {} }), 2);
    assert.match(oneErrorLine(io.err), /unknown command "frobnicate"/);
  });

  it('refuses an unknown option in one line with the usage', async () => {
    const io = captureIo();
    assert.equal(await runCli(['status', '--bogus'], { io, env: {} }), 2);
    assert.match(oneErrorLine(io.err), /bogus.*usage: fcbackup status/);
  });

  it('refuses --simulate without a value', async () => {
    const io = captureIo();
    assert.notEqual(await runCli(['status', '--simulate'], { io, env: {} }), 0);
    oneErrorLine(io.err);
  });

  it('says how to use the simulator when there is no Windows and no scenario', async () => {
    const io = captureIo();
    assert.equal(await runCli(['status', '--json'], { io, env: {}, platform: 'linux' }), 2);
    const line = oneErrorLine(io.err);
    assert.match(line, /needs Windows/);
    assert.match(line, /--simulate/);
    assert.equal(io.out, '');
  });

  it('says how to build a missing simulator library', async () => {
    const io = captureIo();
    const env = { FCBACKUP_SIMULATOR_LIBRARY: path.resolve('no-such-dir', 'libclussim.so') };
    assert.equal(await runCli(['status', '--simulate', 'scenario.json'], { io, env }), 2);
    assert.match(oneErrorLine(io.err), /simulator library .* is missing.*npm run build:sim/);
  });
});

describe('status text', () => {
  const running: ClusterStatus = {
    state: 'running',
    machine: 'NODE1',
    cluster: CLUSTER1,
    nodes: [
      { name: 'NODE1', id: '1', state: 'up', isLocal: true },
      { name: 'NODE2', id: '2', state: 'paused', isLocal: false },
      { name: 'NODE3', id: null, state: 'unreachable', isLocal: false, error: { api: 'OpenClusterNode', code: 1722, codeName: 'RPC_S_SERVER_UNAVAILABLE', message: 'OpenClusterNode failed: RPC_S_SERVER_UNAVAILABLE (1722) — node NODE3' } },
    ],
  };

  it('shows the cluster, version, quorum and each node with id, state and error', () => {
    const text = formatStatus(running);
    assert.match(text, /cluster service running/);
    assert.match(text, /Cluster CLUSTER1/);
    assert.match(text, /10\.0\.20348.*functional level 11\.0/);
    assert.match(text, /Quorum: +Cluster Disk Witness \(Q:\)/);
    assert.match(text, /NODE1 +id 1 +up +\(this machine\)/);
    assert.match(text, /NODE2 +id 2 +paused/);
    assert.match(text, /NODE3 +id \? +unreachable +\(OpenClusterNode failed: RPC_S_SERVER_UNAVAILABLE \(1722\)/);
  });

  it('explains each non-cluster state', () => {
    const text = (state: ClusterStatus['state']) => formatStatus({ state, machine: 'SRV', cluster: null, nodes: [] });
    assert.match(text('notInstalled'), /not installed/);
    assert.match(text('notConfigured'), /not a cluster node/);
    assert.match(text('notRunning'), /stand-alone server/);
  });
});
