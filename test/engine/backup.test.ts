/**
 * backupCluster through real koffi against the simulator: the full VSS backup (files
 * byte-identical to ClusDb at snapshot time, manifest, documents, the §4.1 call
 * sequence), every VSS call failing in turn, cancellation during each asynchronous
 * step and during the copy, a second backup refused while one runs, the refusals
 * (not elevated, writer absent, writer failed, another node), the offline-hive backup
 * when the cluster service is stopped, retention, and Unicode and very long names.
 * Every failure leaves neither a set nor a temporary folder, and nothing leaks.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { backupCluster, type BackupOptions } from '../../src/engine/backup';
import { MANIFEST_FILE, readBackupSet, type BackupManifest } from '../../src/engine/backupSet';
import { CancelledError, EngineError } from '../../src/engine/errors';
import type { BackupResult } from '../../src/engine/model';
import { HResultError, NativeError } from '../../src/native/errors';
import { simulatorCallLog, simulatorInjectFault, simulatorLeakReport, totalLeaks } from '../../src/native/simulator';
import { recordingContext } from '../support/context';
import type { ScenarioSpec, TempScenario } from '../support/scenario';
import { assertSubsequence, suiteScenarios } from '../support/sim';

const WRITER_ID = '41e12264-35d8-479b-8e5c-9b23d1dad37e';
const VSS_E_UNEXPECTED = 0x80042302;

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** The entries of the call log that are VSS/COM methods or the VSS exports, in order. */
/** The VSS calls with SetBackupSucceeded's argument kept ("…SetBackupSucceeded:0" is false). */
function vssCallsWithOutcome(): string[] {
  return simulatorCallLog()
    .filter((e) => e.includes('::') || e.startsWith('CreateVss') || e.startsWith('Co'))
    .map((e) => (e.startsWith('IVssBackupComponents::SetBackupSucceeded:') ? e : e.replace(/^([^:]+::[^:]+):.*$/, '$1')));
}

const FAILED_COMPONENT = 'IVssBackupComponents::SetBackupSucceeded:0';
/** The calls that set COMGLB_EXCEPTION_DONOT_HANDLE: their failure is a warning, not a stop. */
const COM_OPTION_CALLS = new Set(['CoCreateInstance', 'IGlobalOptions::Set']);

/**
 * A backup that failed after DoSnapshotSet returned ends as Microsoft's AbortBackup page asks:
 * not with AbortBackup (only for a failure before DoSnapshotSet returns) but with
 * SetBackupSucceeded(false) for each component, then BackupComplete (once).
 */
function assertEndedAfterSnapshot(what: string, completeAlreadyCalled = false): void {
  const log = vssCallsWithOutcome();
  assert.ok(!log.includes('IVssBackupComponents::AbortBackup'), `${what}: no AbortBackup after DoSnapshotSet returned`);
  assert.equal(log.filter((e) => e === 'IVssBackupComponents::BackupComplete').length, 1, `${what}: BackupComplete once`);
  if (completeAlreadyCalled) {
    assert.ok(!log.includes(FAILED_COMPONENT), `${what}: the backup had already completed`);
  } else {
    const failed = log.indexOf(FAILED_COMPONENT);
    assert.ok(failed >= 0, `${what}: SetBackupSucceeded(false) missing in ${log.join(', ')}`);
    assert.ok(log.indexOf('IVssBackupComponents::BackupComplete') > failed, `${what}: BackupComplete after SetBackupSucceeded(false)`);
  }
}

function vssCalls(): string[] {
  return simulatorCallLog()
    // COM's own calls (CoInitializeEx…), not advapi32's ConvertString… (the set's DACL, tested in protection.test.ts).
    .filter((e) => e.includes('::') || e.startsWith('CreateVss') || /^Co[A-Z]/.test(e))
    // "IVssBackupComponents::SetBackupSucceeded:1" → the method's name
    .map((e) => e.replace(/^([^:]+::[^:]+):.*$/, '$1'));
}

describe('backup (simulator)', function () {
  this.timeout(60_000);
  const openScenario = suiteScenarios();
  let lockFolder: string;
  let destination: string;
  let options: BackupOptions;

  function scenario(spec: ScenarioSpec = {}): TempScenario {
    const s = openScenario(spec);
    // Opening the scenario creates the ClusDb files; the tests read them before the backup.
    simulatorCallLog();
    destination = path.join(s.dir, 'backups');
    return s;
  }

  function clusdbDir(s: TempScenario): string {
    return path.join(s.dir, 'Windows', 'Cluster');
  }

  /** The live ClusDb files by name, as bytes (call before the backup: that is the snapshot's content). */
  function liveFiles(s: TempScenario): Map<string, Buffer> {
    const dir = clusdbDir(s);
    return new Map(fs.readdirSync(dir).sort().map((name) => [name, fs.readFileSync(path.join(dir, name))]));
  }

  function destinationEntries(): string[] {
    return fs.existsSync(destination) ? fs.readdirSync(destination) : [];
  }

  before(() => {
    lockFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-lock-'));
  });
  beforeEach(() => {
    options = {
      pollIntervalMs: { min: 1, max: 4 },
      snapshotSetRetry: { attempts: 4, initialDelayMs: 2, maxDelayMs: 10 },
      lockFolder,
    };
  });
  after(() => fs.rmSync(lockFolder, { recursive: true, force: true }));

  describe('a full VSS backup', () => {
    it('copies ClusDb as it was at snapshot time, with manifest, hashes, documents and the §4.1 call sequence', async () => {
      const s = scenario({ mutateAfterSnapshot: true, cluster: { name: 'CLUSTER1' } });
      const ctx = recordingContext();
      // Nothing writes to ClusDb before the snapshot, so this is the content at snapshot time.
      const before = liveFiles(s);
      assert.ok(before.size >= 2, `ClusDb files: ${[...before.keys()].join(', ')}`);

      const result = await backupCluster({ destination }, ctx, options);

      // The live files were rewritten right after the snapshot; the set holds the snapshot's bytes.
      const after = liveFiles(s);
      for (const [name, bytes] of before) assert.notDeepEqual(after.get(name), bytes, `${name} was not mutated by the scenario`);

      assert.equal(result.kind, 'vss-cluster-writer');
      assert.equal(result.cluster, 'CLUSTER1');
      assert.equal(result.node, 'NODE1');
      assert.match(path.basename(result.path), /^CLUSTER1_NODE1_\d{8}T\d{6}Z$/);
      assert.deepEqual(destinationEntries(), [path.basename(result.path)]);
      assert.deepEqual(result.removedByRetention, []);
      assert.equal(result.files.length, before.size);
      for (const [name, bytes] of before) {
        const entry = result.files.find((f) => f.originalPath === path.join(clusdbDir(s), name));
        assert.ok(entry, `no entry for ${name}: ${JSON.stringify(result.files)}`);
        assert.equal(entry.path, `files/Cluster Database/${name}`);
        assert.equal(entry.size, bytes.length);
        assert.equal(entry.sha256, sha(bytes));
        assert.deepEqual(fs.readFileSync(path.join(result.path, ...entry.path.split('/'))), bytes, `${name} differs from the snapshot`);
      }

      const manifest = JSON.parse(fs.readFileSync(path.join(result.path, MANIFEST_FILE), 'utf8')) as BackupManifest;
      assert.equal(manifest.schemaVersion, 1);
      assert.equal(manifest.kind, 'vss-cluster-writer');
      assert.equal(manifest.cluster.name, 'CLUSTER1');
      assert.equal(manifest.cluster.version, '10.0.20348');
      assert.equal(manifest.node, 'NODE1');
      assert.equal(manifest.time, result.time);
      assert.equal(manifest.writer?.id, WRITER_ID);
      assert.equal(manifest.writer?.name, 'Cluster Database');
      assert.equal(manifest.writer?.restoreMethod, 8);
      assert.equal(manifest.writer?.restoreService, 'ClusSvc');
      assert.deepEqual(manifest.components, [{ logicalPath: '', name: 'Cluster Database', type: 'filegroup' }]);
      assert.deepEqual(manifest.files.map(({ component: _c, ...f }) => f), result.files);
      const bcd = fs.readFileSync(path.join(result.path, 'backup-components.xml'), 'utf8');
      const wmd = fs.readFileSync(path.join(result.path, 'writer-metadata.xml'), 'utf8');
      assert.ok(bcd.length > 0 && /</.test(bcd), 'the Backup Components Document is saved');
      assert.ok(wmd.includes('Cluster Database') || wmd.toLowerCase().includes(WRITER_ID), 'the writer metadata is saved');
      assert.equal(manifest.documents.find((d) => d.role === 'backupComponents')?.sha256, sha(Buffer.from(bcd, 'utf8')));

      const verify = await readBackupSet(result.path, { expectedCluster: 'CLUSTER1' });
      assert.deepEqual(verify.problems, []);

      const log = vssCalls();
      assertSubsequence(log, [
        'CoInitializeEx',
        'CreateVssBackupComponentsInternal',
        'IVssBackupComponents::InitializeForBackup',
        'IVssBackupComponents::SetBackupState',
        'IVssBackupComponents::GatherWriterMetadata',
        'IVssAsync::QueryStatus',
        'IVssBackupComponents::GetWriterMetadataCount',
        'IVssBackupComponents::GetWriterMetadata',
        'IVssExamineWriterMetadata::SaveAsXML',
        'IVssBackupComponents::AddComponent',
        'IVssBackupComponents::StartSnapshotSet',
        'IVssBackupComponents::AddToSnapshotSet',
        'IVssBackupComponents::PrepareForBackup',
        'IVssBackupComponents::GatherWriterStatus',
        'IVssBackupComponents::GetWriterStatus',
        'IVssBackupComponents::FreeWriterStatus',
        'IVssBackupComponents::DoSnapshotSet',
        'IVssBackupComponents::GatherWriterStatus',
        'IVssBackupComponents::GetSnapshotProperties',
        'IVssBackupComponents::SetBackupSucceeded',
        'IVssBackupComponents::BackupComplete',
        'IVssBackupComponents::SaveAsXML',
        'CoUninitialize',
      ]);
      assert.ok(!log.includes('IVssBackupComponents::AbortBackup'), 'no AbortBackup after a successful backup');
      assert.ok(!log.includes('IVssAsync::Wait'), 'asynchronous operations are polled, never waited on');
      assert.ok(ctx.lines.some((l) => /IVssBackupComponents::DoSnapshotSet → S_OK/.test(l.message)), 'every VSS call is logged with its result');
      for (const step of ['Checking administrator rights', 'Gathering writer metadata', 'Preparing the writers for backup', 'Creating the shadow copy', 'Completing the backup', 'Writing the manifest']) {
        assert.ok(ctx.steps.includes(step), `progress step "${step}" missing: ${ctx.steps.join(' | ')}`);
      }
      assert.ok(ctx.steps.some((st) => st.startsWith('Copying ')));
    });

    it('adds, snapshots and reports every component of the writer', async () => {
      scenario({ writer: { components: [{ name: 'Cluster Database' }, { logicalPath: 'Quorum', name: 'Witness', type: 'database' }] } });
      const result = await backupCluster({ destination }, recordingContext(), options);
      const manifest = JSON.parse(fs.readFileSync(path.join(result.path, MANIFEST_FILE), 'utf8')) as BackupManifest;
      assert.deepEqual(manifest.components, [
        { logicalPath: '', name: 'Cluster Database', type: 'filegroup' },
        { logicalPath: 'Quorum', name: 'Witness', type: 'database' },
      ]);
      assert.ok(manifest.files.some((f) => f.component === 0) && manifest.files.some((f) => f.component === 1));
      const log = vssCalls();
      assert.equal(log.filter((e) => e === 'IVssBackupComponents::AddComponent').length, 2);
      assert.equal(log.filter((e) => e === 'IVssBackupComponents::SetBackupSucceeded').length, 2);
      assert.equal(log.filter((e) => e === 'IVssBackupComponents::AddToSnapshotSet').length, 1, 'one volume, added once');
      assert.equal((await readBackupSet(result.path)).ok, true);
    });

    it('retries StartSnapshotSet while another snapshot set is in progress', async () => {
      scenario({ snapshotSetInProgress: 2 });
      const ctx = recordingContext();
      const result = await backupCluster({ destination }, ctx, options);
      assert.equal(vssCalls().filter((e) => e === 'IVssBackupComponents::StartSnapshotSet').length, 3);
      assert.match(ctx.text(), /VSS_E_SNAPSHOT_SET_IN_PROGRESS.*retrying/);
      assert.equal((await readBackupSet(result.path)).ok, true);
    });

    it('gives up after the bounded retries with the HRESULT named', async () => {
      scenario({ snapshotSetInProgress: 10 });
      await assert.rejects(backupCluster({ destination }, recordingContext(), options), (err: unknown) => {
        assert.ok(err instanceof HResultError);
        assert.equal(err.api, 'IVssBackupComponents::StartSnapshotSet');
        assert.match(err.message, /VSS_E_SNAPSHOT_SET_IN_PROGRESS \(0x80042316\)/);
        return true;
      });
      assert.equal(vssCalls().filter((e) => e === 'IVssBackupComponents::StartSnapshotSet').length, 4);
      assert.ok(vssCalls().includes('IVssBackupComponents::AbortBackup'));
      assert.deepEqual(destinationEntries(), []);
    });

    it('keeps Unicode cluster and node names in the set name, and shortens very long ones', async () => {
      scenario({ cluster: { name: 'КЛАСТЕР-日本-🚀' }, nodes: [{ name: 'УЗЕЛ-1' }, { name: 'NODE2' }] });
      const unicode = await backupCluster({ destination }, recordingContext(), options);
      assert.equal(unicode.cluster, 'КЛАСТЕР-日本-🚀');
      assert.match(path.basename(unicode.path), /^КЛАСТЕР-日本-🚀_УЗЕЛ-1_\d{8}T\d{6}Z$/);
      assert.equal((await readBackupSet(unicode.path, { expectedCluster: 'кластер-日本-🚀' })).ok, true);

      const longName = 'C' + 'LUSTER-WITH-A-VERY-LONG-NAME-'.repeat(8);
      scenario({ cluster: { name: longName } });
      const long = await backupCluster({ destination }, recordingContext(), options);
      assert.equal(long.cluster, longName);
      assert.ok(path.basename(long.path).length <= 80 + 1 + 5 + 1 + 16, path.basename(long.path));
      assert.match(path.basename(long.path), /~[0-9a-f]{8}_NODE1_\d{8}T\d{6}Z$/);
      const manifest = JSON.parse(fs.readFileSync(path.join(long.path, MANIFEST_FILE), 'utf8')) as BackupManifest;
      assert.equal(manifest.cluster.name, longName);
    });

    it('keeps exactly the newest N sets of the cluster (retention)', async () => {
      scenario();
      let minute = 0;
      options.now = () => new Date(Date.UTC(2024, 5, 1, 8, minute++, 0));
      const results: BackupResult[] = [];
      for (let i = 0; i < 4; i++) results.push(await backupCluster({ destination, keep: 2 }, recordingContext(), options));
      assert.deepEqual(destinationEntries().sort(), results.slice(2).map((r) => path.basename(r.path)).sort());
      assert.deepEqual(results[2].removedByRetention, [results[0].path]);
      assert.deepEqual(results[3].removedByRetention, [results[1].path]);
    });
  });

  describe('the seed\'s step 2 and refusals', () => {
    it('refuses a backup of another node: open a Remote window there', async () => {
      scenario();
      await assert.rejects(backupCluster({ destination, node: 'NODE2' }, recordingContext(), options), (err: unknown) => {
        assert.ok(err instanceof EngineError);
        assert.equal(err.code, 'NOT_LOCAL_NODE');
        assert.match(err.message, /NODE1/);
        assert.match(err.message, /Remote window .* on NODE2/);
        return true;
      });
      assert.ok(!vssCalls().includes('CreateVssBackupComponentsInternal'));
      assert.deepEqual(destinationEntries(), []);
    });

    it('accepts the local node by name, in any case', async () => {
      scenario();
      const result = await backupCluster({ destination, node: 'node1' }, recordingContext(), options);
      assert.equal(result.node, 'NODE1');
    });

    it('refuses when not elevated, saying to run as administrator, before any VSS call', async () => {
      scenario({ elevated: false });
      await assert.rejects(backupCluster({ destination }, recordingContext(), options), (err: unknown) => {
        assert.ok(err instanceof EngineError);
        assert.equal(err.code, 'NOT_ELEVATED');
        assert.match(err.message, /as administrator/);
        assert.match(err.message, /VS Code/);
        return true;
      });
      assert.deepEqual(vssCalls(), []);
      assert.deepEqual(destinationEntries(), []);
    });

    it('refuses when the Cluster Database writer is absent, and aborts the VSS backup', async () => {
      scenario({ writer: { present: false } });
      await assert.rejects(backupCluster({ destination }, recordingContext(), options), (err: unknown) => {
        assert.ok(err instanceof EngineError);
        assert.equal(err.code, 'WRITER_NOT_FOUND');
        assert.match(err.message, /Cluster Database VSS writer .* is not running/);
        assert.match(err.message, /vssadmin list writers/);
        assert.match(err.message, /cluster service is running/);
        return true;
      });
      const log = vssCalls();
      assert.ok(log.includes('IVssBackupComponents::AbortBackup'));
      assert.ok(!log.includes('IVssBackupComponents::StartSnapshotSet'));
      assert.deepEqual(destinationEntries(), []);
    });

    for (const [failAt, state, before] of [
      ['prepareBackup', 'VSS_WS_FAILED_AT_PREPARE_BACKUP', 'IVssBackupComponents::DoSnapshotSet'],
      ['freeze', 'VSS_WS_FAILED_AT_FREEZE', 'IVssBackupComponents::GetSnapshotProperties'],
      ['postSnapshot', 'VSS_WS_FAILED_AT_POST_SNAPSHOT', 'IVssBackupComponents::GetSnapshotProperties'],
      ['backupComplete', 'VSS_WS_FAILED_AT_BACKUP_COMPLETE', 'IVssBackupComponents::SaveAsXML'],
    ] as const) {
      it(`refuses when the writer fails at ${failAt}: ${state} and its failureHr named`, async () => {
        scenario({ writer: { failAt, failureHr: '0x800423F4' } });
        await assert.rejects(backupCluster({ destination }, recordingContext(), options), (err: unknown) => {
          assert.ok(err instanceof EngineError, String(err));
          assert.equal(err.code, 'WRITER_FAILED');
          assert.ok(err.message.includes(state), err.message);
          assert.match(err.message, /VSS_E_WRITERERROR_NONRETRYABLE \(0x800423F4\)/);
          return true;
        });
        const log = vssCalls();
        if (failAt === 'prepareBackup') assert.ok(log.includes('IVssBackupComponents::AbortBackup'));
        else assertEndedAfterSnapshot(failAt, failAt === 'backupComplete');
        assert.ok(!log.includes(before), `${before} must not be called after the writer failed`);
        assert.deepEqual(destinationEntries(), []);
      });
    }

    it('refuses on a machine that is not a cluster node', async () => {
      scenario({ configured: false });
      await assert.rejects(backupCluster({ destination }, recordingContext(), options),
        (err: unknown) => err instanceof EngineError && err.code === 'NOT_CLUSTER_NODE' && /not a node of a cluster/.test(err.message));
      assert.deepEqual(destinationEntries(), []);
    });

    it('refuses bad parameters before touching anything', async () => {
      scenario();
      await assert.rejects(backupCluster({ destination: '' }, recordingContext(), options), (err: unknown) => err instanceof EngineError && err.code === 'BAD_ARGUMENT');
      await assert.rejects(backupCluster({ destination, keep: -1 }, recordingContext(), options), (err: unknown) => err instanceof EngineError && err.code === 'BAD_ARGUMENT');
      await assert.rejects(backupCluster({ destination, keep: 1.5 }, recordingContext(), options), (err: unknown) => err instanceof EngineError && err.code === 'BAD_ARGUMENT');
      assert.deepEqual(simulatorCallLog(), []);
    });
  });

  describe('cluster service not running: the offline hive', () => {
    it('copies CLUSDB* as a plain registry hive, without VSS', async () => {
      const s = scenario({ nodes: [{ name: 'NODE1', service: 'stopped' }, { name: 'NODE2' }] });
      fs.writeFileSync(path.join(clusdbDir(s), 'unrelated.log'), 'not part of the hive');
      const ctx = recordingContext();
      const expected = new Map([...liveFiles(s)].filter(([name]) => name.toUpperCase().startsWith('CLUSDB')));
      const result = await backupCluster({ destination }, ctx, options);
      assert.equal(result.kind, 'offline-hive');
      assert.equal(result.node, 'NODE1');
      assert.deepEqual(result.files.map((f) => f.path).sort(), [...expected.keys()].map((n) => `files/ClusDb/${n}`).sort());
      for (const f of result.files) {
        const name = path.basename(f.originalPath);
        assert.deepEqual(fs.readFileSync(path.join(result.path, ...f.path.split('/'))), expected.get(name));
        assert.equal(f.sha256, sha(expected.get(name)!));
      }
      assert.ok(!vssCalls().some((e) => e.startsWith('IVss') || e.startsWith('CreateVss')), 'no VSS call for an offline hive');
      const manifest = JSON.parse(fs.readFileSync(path.join(result.path, MANIFEST_FILE), 'utf8')) as BackupManifest;
      assert.equal(manifest.kind, 'offline-hive');
      // The simulator's CLUSDB is a registry hive: the name comes from its root value ClusterName.
      assert.equal(manifest.cluster.name, 'CLUSTER1');
      assert.match(path.basename(result.path), /^CLUSTER1_NODE1_\d{8}T\d{6}Z$/);
      assert.equal(manifest.writer, null);
      assert.deepEqual(manifest.documents, []);
      assert.deepEqual((await readBackupSet(result.path)).problems, []);
      assert.match(ctx.text(), /ordinary registry hive/);
    });
  });

  describe('every VSS call failing in turn', () => {
    /**
     * Every call of a successful backup that a fault can make fail, with its occurrence
     * (the 2nd GatherWriterStatus, the 7th QueryStatus…). Release, FreeComponentInfo,
     * AbortBackup and CoUninitialize are left out: they run on the way out and a failure
     * to free has nothing the backup could do about it.
     */
    const failingCandidates: { name: string; nth: number; after: 'start' | 'snapshot' | 'complete' }[] = [];
    const notBeforeInitialized = new Set(['CoInitializeEx', 'CoInitializeSecurity', 'CreateVssBackupComponentsInternal', 'IVssBackupComponents::InitializeForBackup']);

    before(async () => {
      scenario();
      await backupCluster({ destination }, recordingContext(), options);
      const seen = new Map<string, number>();
      // Where the call stands: before DoSnapshotSet returned (its wait polls QueryStatus), after, or once BackupComplete was called.
      let after: 'start' | 'snapshot' | 'complete' = 'start';
      let inSnapshotWait = false;
      for (const name of vssCalls()) {
        if (/::(Release|AddRef|FreeComponentInfo|AbortBackup)$/.test(name) || /^VssFree|^CoUninitialize$/.test(name)) continue;
        // Turning off COM exception handling only warns when it fails (vss-global-options.test.ts).
        if (COM_OPTION_CALLS.has(name)) continue;
        if (inSnapshotWait && name !== 'IVssAsync::QueryStatus') {
          inSnapshotWait = false;
          after = 'snapshot';
        }
        if (name === 'IVssBackupComponents::DoSnapshotSet') inSnapshotWait = true;
        if (name === 'IVssBackupComponents::BackupComplete') after = 'complete';
        const nth = (seen.get(name) ?? 0) + 1;
        seen.set(name, nth);
        failingCandidates.push({ name, nth, after });
      }
      assert.ok(failingCandidates.some((c) => c.after === 'snapshot') && failingCandidates.some((c) => c.after === 'complete'));
      assert.ok(new Set(failingCandidates.map((c) => c.name)).size >= 30, failingCandidates.map((c) => c.name).join(', '));
    });

    it('covers the calls of the §4.1 sequence', () => {
      for (const name of ['CreateVssBackupComponentsInternal', 'IVssBackupComponents::InitializeForBackup', 'IVssBackupComponents::DoSnapshotSet',
        'IVssBackupComponents::GetSnapshotProperties', 'IVssBackupComponents::BackupComplete', 'IVssBackupComponents::SaveAsXML', 'IVssAsync::QueryStatus',
        'IVssExamineWriterMetadata::SaveAsXML', 'IVssWMComponent::GetComponentInfo', 'IVssWMFiledesc::GetPath',
        'IVssBackupComponents::FreeWriterMetadata', 'IVssBackupComponents::FreeWriterStatus']) {
        assert.ok(failingCandidates.some((c) => c.name === name), `${name} is not among ${failingCandidates.map((c) => c.name).join(', ')}`);
      }
    });

    it('each failure: a clear error naming the call and the HRESULT, AbortBackup once initialised (BackupComplete after DoSnapshotSet), nothing left behind, no leak', async () => {
      let checked = 0;
      for (const { name, nth, after } of failingCandidates) {
        const what = `${name} (call ${nth})`;
        scenario();
        simulatorInjectFault(name, nth, VSS_E_UNEXPECTED);
        const ctx = recordingContext();
        let error: unknown;
        try {
          await backupCluster({ destination }, ctx, options);
        } catch (err) {
          error = err;
        }
        assert.ok(error instanceof NativeError, `${what}: expected a NativeError, got ${String(error)}`);
        assert.equal(error.api, name, `${what}: the error names ${error.api}`);
        assert.equal(error.codeName, 'VSS_E_UNEXPECTED');
        assert.ok(error.message.startsWith(`${name} failed: VSS_E_UNEXPECTED (0x80042302)`), error.message);
        assert.match(error.message, /nothing was kept\. Check that the Volume Shadow Copy service runs, .*then try again\.$/, `${what}: says what to do`);
        const log = vssCalls();
        if (after === 'start') {
          const aborted = log.includes('IVssBackupComponents::AbortBackup');
          assert.equal(aborted, !notBeforeInitialized.has(name), `${what}: AbortBackup ${aborted ? 'called' : 'missing'}`);
          if (aborted) assert.equal(log.indexOf('IVssBackupComponents::AbortBackup'), log.lastIndexOf('IVssBackupComponents::AbortBackup'), `${what}: AbortBackup once`);
        } else {
          assertEndedAfterSnapshot(what, after === 'complete');
        }
        assert.ok(!log.includes('IVssAsync::Wait'), `${what}: no blocking Wait`);
        assert.equal(log[log.length - 1], name === 'CoInitializeEx' ? 'CoInitializeEx' : 'CoUninitialize', `${what}: COM is uninitialised at the end`);
        assert.deepEqual(destinationEntries(), [], `${what}: something was left in the destination`);
        assert.equal(totalLeaks(simulatorLeakReport()), 0, `${what}: leaks ${JSON.stringify(simulatorLeakReport())}`);
        assert.ok(ctx.lines.some((l) => l.level === 'error' && l.message.includes('VSS_E_UNEXPECTED')), `${what}: the failure is logged`);
        checked++;
      }
      assert.equal(checked, failingCandidates.length);
    });
  });

  describe('cancellation', () => {
    /** Aborts as soon as the call log holds `call` for the `nth` time. */
    function abortWhen(call: string, nth = 1): { signal: AbortSignal; stop(): void } {
      const controller = new AbortController();
      const timer = setInterval(() => {
        if (simulatorCallLog().filter((e) => e === call).length >= nth) {
          clearInterval(timer);
          controller.abort();
        }
      }, 2);
      return { signal: controller.signal, stop: () => clearInterval(timer) };
    }

    const asyncSteps: [string, number][] = [
      ['IVssBackupComponents::GatherWriterMetadata', 1],
      ['IVssBackupComponents::PrepareForBackup', 1],
      ['IVssBackupComponents::GatherWriterStatus', 1],
      ['IVssBackupComponents::DoSnapshotSet', 1],
      ['IVssBackupComponents::GatherWriterStatus', 2],
      ['IVssBackupComponents::BackupComplete', 1],
      ['IVssBackupComponents::GatherWriterStatus', 3],
    ];
    for (const [call, nth] of asyncSteps) {
      const pastSnapshot = (call === 'IVssBackupComponents::GatherWriterStatus' && nth >= 2) || call === 'IVssBackupComponents::BackupComplete';
      const completeCalled = call === 'IVssBackupComponents::BackupComplete' || nth >= 3;
      const ending = !pastSnapshot ? 'AbortBackup' : completeCalled ? 'no AbortBackup, no second BackupComplete' : 'SetBackupSucceeded(false) and BackupComplete';
      it(`while ${call}${nth > 1 ? ` (#${nth})` : ''} is pending: IVssAsync::Cancel, ${ending}, nothing left`, async () => {
        scenario();
        // The operation stays pending until cancelled.
        simulatorInjectFault(call, nth, 0, 'hang');
        const trigger = abortWhen(call, nth);
        try {
          await assert.rejects(backupCluster({ destination }, recordingContext(trigger.signal), options),
            (err: unknown) => err instanceof CancelledError && err.code === 'CANCELLED');
        } finally {
          trigger.stop();
        }
        const log = vssCalls();
        const at = log.reduce((found, e, i) => (e === call && log.slice(0, i + 1).filter((x) => x === call).length === nth ? i : found), -1);
        assert.ok(at >= 0);
        if (!pastSnapshot) {
          assertSubsequence(log.slice(at), [call, 'IVssAsync::Cancel', 'IVssBackupComponents::AbortBackup', 'CoUninitialize']);
        } else {
          assertSubsequence(log.slice(at), [call, 'IVssAsync::Cancel', 'CoUninitialize']);
          assertEndedAfterSnapshot(`${call} #${nth}`, completeCalled);
        }
        assert.deepEqual(destinationEntries(), []);
      });
    }

    it('with a large asyncPendingPolls: cancelled during the first asynchronous step', async () => {
      scenario({ asyncPendingPolls: 100_000 });
      const trigger = abortWhen('IVssAsync::QueryStatus', 3);
      try {
        await assert.rejects(backupCluster({ destination }, recordingContext(trigger.signal), options), CancelledError);
      } finally {
        trigger.stop();
      }
      assertSubsequence(vssCalls(), ['IVssBackupComponents::GatherWriterMetadata', 'IVssAsync::Cancel', 'IVssBackupComponents::AbortBackup']);
      assert.deepEqual(destinationEntries(), []);
    });

    it('an asynchronous step that never ends times out with TIMEOUT, cancelled and aborted', async () => {
      scenario({ asyncPendingPolls: 100_000 });
      options.asyncTimeoutMs = 100;
      await assert.rejects(backupCluster({ destination }, recordingContext(), options),
        (err: unknown) => err instanceof EngineError && err.code === 'TIMEOUT' && /GatherWriterMetadata/.test(err.message));
      assertSubsequence(vssCalls(), ['IVssAsync::Cancel', 'IVssBackupComponents::AbortBackup']);
      assert.deepEqual(destinationEntries(), []);
    });

    it('during the copy out of the snapshot: the temporary set is removed', async () => {
      scenario({ clusdb: { files: [{ name: 'CLUSDB', size: 48 * 1024 * 1024 }, { name: 'CLUSDB.blf', size: 4096 }] } });
      const controller = new AbortController();
      let copying = 0;
      const ctx = recordingContext(controller.signal, (step) => {
        // When the second file's copy starts: the first (48 MiB) file is in the temporary set by then.
        if (step.startsWith('Copying ') && ++copying === 2) controller.abort();
      });
      await assert.rejects(backupCluster({ destination }, ctx, options), CancelledError);
      assertEndedAfterSnapshot('cancelled while copying');
      assert.deepEqual(destinationEntries(), []);
    });

    it('before it starts: nothing is called', async () => {
      scenario();
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(backupCluster({ destination }, recordingContext(controller.signal), options), CancelledError);
      assert.deepEqual(vssCalls(), []);
    });
  });

  describe('one operation at a time', () => {
    it('a second backup while one runs is refused with BUSY naming the running process', async () => {
      scenario();
      simulatorInjectFault('IVssBackupComponents::DoSnapshotSet', 1, 0, 'hang');
      const controller = new AbortController();
      const first = backupCluster({ destination }, recordingContext(controller.signal), options);
      first.catch(() => undefined);
      // Waits for the first backup to reach DoSnapshotSet (it stays there); mocha's timeout bounds the wait.
      while (!simulatorCallLog().includes('IVssBackupComponents::DoSnapshotSet')) await new Promise((r) => setImmediate(r));
      await assert.rejects(backupCluster({ destination }, recordingContext(), options), (err: unknown) => {
        assert.ok(err instanceof EngineError);
        assert.equal(err.code, 'BUSY');
        assert.match(err.message, new RegExp(`Another backup or restore is running \\(pid ${process.pid}`));
        return true;
      });
      assert.equal(simulatorCallLog().filter((e) => e === 'CreateVssBackupComponentsInternal').length, 1, 'the refused backup made no VSS call');
      controller.abort();
      await assert.rejects(first, CancelledError);
      // The lock is free again.
      const again = await backupCluster({ destination }, recordingContext(), options);
      assert.equal((await readBackupSet(again.path)).ok, true);
    });
  });
});
