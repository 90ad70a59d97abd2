/**
 * Reading a set's configuration (verified first, cached) and the show and diff commands,
 * run without an engine process: their context's engine() fails the test if called.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { command as diffCommand } from '../../src/cli/commands/diff';
import { command as showCommand } from '../../src/cli/commands/show';
import { ClusterUnavailableError, type CliContext, type CliIo } from '../../src/cli/types';
import { clearConfigurationCache, readSetConfiguration } from '../../src/engine/setConfiguration';
import { GROUP_SQL, clusterTree, sampleSpec } from './configFixture';
import { fakeReader, makeSet, tempFolder } from './configSets';

/** A context on a machine without a cluster: engine() is refused as main.ts refuses it, and counted. */
function context(json = false): CliContext & { io: CliIo & { out: string; err: string }; engineCalls: number } {
  const io = {
    out: '', err: '',
    stdout(text: string) { io.out += `${text}\n`; },
    stderr(text: string) { io.err += `${text}\n`; },
    isTTY: false,
    confirm: async () => false,
  };
  const ctx = {
    io, json, signal: new AbortController().signal, clusterReachable: false, engineCalls: 0,
    engine: () => {
      ctx.engineCalls++;
      return Promise.reject(new ClusterUnavailableError('Failover clustering needs Windows (this is linux).'));
    },
  };
  return ctx;
}

const changed = clusterTree({
  paxosTag: '1:1:25',
  groups: [...sampleSpec().groups, { id: '11111111-0000-0000-0000-00000000000a', name: 'SQL2', groupType: 100 }],
});

describe('config: sets, show and diff', () => {
  let folder: string;
  let setA: string;
  let setB: string;
  const reader = fakeReader({ A: clusterTree(), B: changed, Adirty: clusterTree() });

  before(async () => {
    folder = tempFolder();
    setA = await makeSet(folder, 'CLUSTER1_NODE1_20261201T100000Z', 'A');
    setB = await makeSet(folder, 'CLUSTER1_NODE1_20261202T100000Z', 'B');
  });
  after(() => fs.rmSync(folder, { recursive: true, force: true }));
  beforeEach(() => clearConfigurationCache());

  it('reads the set\'s CLUSDB (not CLUSDB.blf) after verifying the set, and keeps the parse', async () => {
    reader.calls.length = 0;
    const first = await readSetConfiguration(setA, { readHive: reader.read });
    assert.equal(first.configuration.clusterName, 'CLUSTER1');
    assert.equal(first.setPath, setA);
    assert.match(first.sha256 ?? '', /^[0-9a-f]{64}$/);
    assert.deepEqual(reader.calls.map((f) => path.basename(f)), ['CLUSDB']);
    const again = await readSetConfiguration(setA, { readHive: reader.read });
    assert.equal(again.configuration, first.configuration);
    assert.equal(reader.calls.length, 1, 'the second read must come from the cache');
  });

  it('refuses a set that fails verification, before reading its hive', async () => {
    const broken = await makeSet(folder, 'CLUSTER1_NODE1_20261203T100000Z', 'A');
    fs.appendFileSync(path.join(broken, 'files', 'ClusDb', 'CLUSDB'), 'x');
    reader.calls.length = 0;
    await assert.rejects(readSetConfiguration(broken, { readHive: reader.read }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'INVALID_SET');
      assert.match(err.message, /files\/ClusDb\/CLUSDB: size check failed/);
      return true;
    });
    assert.deepEqual(reader.calls, []);
  });

  it('verifies and parses again when the CLUSDB file changes on disk after it was cached', async () => {
    await readSetConfiguration(setA, { readHive: reader.read });
    const file = path.join(setA, 'files', 'ClusDb', 'CLUSDB');
    const original = fs.readFileSync(file);
    fs.writeFileSync(file, 'B');
    try {
      await assert.rejects(readSetConfiguration(setA, { readHive: reader.read }), /SHA-256 check failed|size check failed/);
    } finally {
      fs.writeFileSync(file, original);
    }
  });

  it('says clearly when the CLUSDB is not a readable hive', async () => {
    const odd = await makeSet(folder, 'CLUSTER1_NODE1_20261204T100000Z', 'garbage');
    await assert.rejects(readSetConfiguration(odd, { readHive: reader.read }), /The CLUSDB file of the backup set .* is not a readable registry hive: not a hive: garbage/);
  });

  it('show prints the configuration, and --json the model, without an engine', async () => {
    assert.equal(showCommand.local, true);
    await readSetConfiguration(setA, { readHive: reader.read });
    const text = context();
    assert.equal(await showCommand.run({ positionals: [setA], options: {} }, text), 0);
    assert.match(text.io.out, /^backup CLUSTER1_NODE1_20261201T100000Z \(/);
    assert.match(text.io.out, /\nCluster CLUSTER1\n {2}Instance ID: .*\n {2}PaxosTag: 1:1:20\n/);
    assert.match(text.io.out, /Role "SQL1" \{11111111-0000-0000-0000-000000000003\}/);
    const json = context(true);
    assert.equal(await showCommand.run({ positionals: [setA], options: {} }, json), 0);
    assert.equal(text.engineCalls + json.engineCalls, 0, 'show started the engine');
    const doc = JSON.parse(json.io.out) as { configuration: { roles: { id: string; preferredOwners: string[] }[] }; sha256: string };
    assert.deepEqual(doc.configuration.roles.find((g) => g.id === GROUP_SQL)?.preferredOwners, ['1', '2']);
    assert.match(doc.sha256, /^[0-9a-f]{64}$/);
  });

  it('diff exits 0 for equal sets, 1 for different ones, 2 on error', async () => {
    assert.equal(diffCommand.local, true);
    const same = await makeSet(folder, 'CLUSTER1_NODE2_20261201T100000Z', 'A');
    for (const s of [setA, setB, same]) await readSetConfiguration(s, { readHive: reader.read });

    const equal = context();
    assert.equal(await diffCommand.run({ positionals: [setA, same], options: {} }, equal), 0);
    assert.match(equal.io.out, /: No differences\n$/);

    const different = context(true);
    assert.equal(await diffCommand.run({ positionals: [setA, setB], options: {} }, different), 1);
    const doc = JSON.parse(different.io.out) as { equal: boolean; summary: string; changes: { change: string; object: string; name: string }[]; from: { setPath: string } };
    assert.equal(doc.equal, false);
    assert.equal(doc.summary, '2 changes: 1 role added, 1 property changed');
    assert.deepEqual(doc.changes.filter((c) => c.object === 'role').map((c) => [c.change, c.name]), [['added', 'SQL2']]);
    assert.equal(doc.from.setPath, setA);
    assert.ok(!('configuration' in doc.from));

    const missing = context();
    assert.equal(await diffCommand.run({ positionals: [setA, path.join(folder, 'nope')], options: {} }, missing), 2);
    assert.match(missing.io.err, /^fcbackup: The backup set .*nope failed validation; nothing was changed: .*does not exist\n$/);

    const usage = context();
    assert.equal(await diffCommand.run({ positionals: [setA], options: {} }, usage), 2);
    assert.match(usage.io.err, /diff needs two backup sets/);
    assert.equal(equal.engineCalls + different.engineCalls + missing.engineCalls + usage.engineCalls, 0, 'diff of two sets started the engine');

    // --live needs this machine's cluster: without one it says so, and exits 2 (trouble), not 1 (different).
    const live = context();
    assert.equal(await diffCommand.run({ positionals: [setA], options: { live: true } }, live), 2);
    assert.equal(live.engineCalls, 1);
    assert.equal(live.io.err, 'fcbackup: Failover clustering needs Windows (this is linux).\n');
  });
});
