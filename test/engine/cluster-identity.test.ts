/**
 * Issue #12, defect 1: a set of another cluster with this cluster's name and members is
 * told apart by the ClusterInstanceID in its configuration; where one side has no id, the
 * name and membership checks decide alone.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../../src/engine/errors';
import { planRestore, restoreCluster } from '../../src/engine/restore';
import { readHive } from '../../src/hive/reader';
import { simulatorWriteDatabase } from '../../src/native/simulator';
import type { RestoreParams } from '../../src/protocol';
import { recordingContext } from '../support/context';
import { buildHive, type BuildKey } from '../support/hiveBuilder';
import type { RegistryKey } from '../../src/hive/types';
import { scenarioText } from '../support/scenario';
import { useScenario } from '../support/sim';
import { assertSameFiles, liveFiles, restoreSuite, type RestoreFixture } from './restore-fixture';

const OTHER_ID = '0d5c1f7a-9b2e-4c3d-8e4f-5a6b7c8d9e0f';
const MEMBERS = ['NODE1', 'NODE2', 'NODE3', 'NODE4'];

/** A live CLUSDB for CLUSTER1 with the same members as the set, and the given instance id. */
function liveDatabase(f: RestoreFixture, instanceId: string): void {
  const file = path.join(f.clusDb, 'CLUSDB');
  simulatorWriteDatabase(scenarioText({ cluster: { name: 'CLUSTER1', instanceId, paxosTag: 77 }, nodes: MEMBERS.map((name) => ({ name })) }), file, 65536);
}

function asBuildKey(key: RegistryKey): BuildKey {
  return { name: key.name, values: key.values.map((v) => ({ name: v.name, type: v.type, data: v.data })) /* the reader's values decode lazily through getters, which a spread would drop */, subkeys: key.subkeys.map(asBuildKey) };
}

/** The live CLUSDB rewritten without its root ClusterInstanceID value. */
function dropLiveInstanceId(f: RestoreFixture): void {
  const file = path.join(f.clusDb, 'CLUSDB');
  const root = asBuildKey(readHive(fs.readFileSync(file), file).root);
  root.values = (root.values ?? []).filter((v) => v.name !== 'ClusterInstanceID');
  fs.writeFileSync(file, buildHive(root));
}

describe('cluster identity: ClusterInstanceID (simulator)', function () {
  this.timeout(120_000);
  const suite = restoreSuite();
  const node = (set: string): RestoreParams => ({ set, authoritative: false, stopOtherNodes: false });

  it('a set of a same-named cluster with the same members but another ClusterInstanceID is refused; the plan says so; nothing changes', async () => {
    const f = await suite.prepare({}, { liveMembers: MEMBERS });
    liveDatabase(f, OTHER_ID);
    useScenario(f.scenario.path);
    const before = liveFiles(f.clusDb);
    const plan = await planRestore(node(f.setPath), recordingContext(), suite.options);
    assert.equal(plan.refusal?.code, 'otherCluster');
    assert.ok(plan.refusal?.code === 'otherCluster');
    assert.equal(plan.refusal.reason, 'clusterId');
    assert.equal(plan.refusal.liveClusterId, OTHER_ID);
    assert.match(plan.refusal.setClusterId ?? '', /^[0-9a-f-]{36}$/);
    assert.notEqual(plan.refusal.setClusterId, OTHER_ID);
    assert.deepEqual(plan.membership, { onlyInSet: [], onlyLive: [] });
    await assert.rejects(restoreCluster(node(f.setPath), recordingContext(), suite.options), (err: unknown) =>
      err instanceof EngineError && err.code === 'WRONG_CLUSTER' &&
      new RegExp(`cluster instance id \\(${plan.refusal?.code === 'otherCluster' ? plan.refusal.setClusterId : ''}\\) differs from this cluster's \\(${OTHER_ID}\\).*Nothing was changed\\.$`).test(err.message));
    assertSameFiles(liveFiles(f.clusDb), before, 'nothing changed');
  });

  it('the same set restores with --allow-other-cluster', async () => {
    const f = await suite.prepare({}, { liveMembers: MEMBERS });
    liveDatabase(f, OTHER_ID);
    useScenario(f.scenario.path);
    const ctx = recordingContext();
    await restoreCluster({ ...node(f.setPath), allowOtherCluster: true }, ctx, suite.options);
    assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'restored when allowed');
  });

  it('a live configuration without ClusterInstanceID falls back to name and membership: this cluster\'s set restores', async () => {
    const f = await suite.prepare({}, { liveMembers: MEMBERS });
    dropLiveInstanceId(f);
    useScenario(f.scenario.path);
    const plan = await planRestore(node(f.setPath), recordingContext(), suite.options);
    assert.equal(plan.refusal, null);
    await restoreCluster(node(f.setPath), recordingContext(), suite.options);
    assertSameFiles(liveFiles(f.clusDb), f.setFiles, 'restored');
  });
});
