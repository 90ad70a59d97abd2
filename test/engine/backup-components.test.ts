/**
 * Issue #11: the backup adds a writer's components as Microsoft's sample requester does —
 * the selectable ones and the top-level non-selectable ones, never one whose ancestor is
 * already included — checked on the selection itself and on a simulated writer whose
 * components form a tree (the components the Backup Components Document records).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { backupCluster } from '../../src/engine/backup';
import { selectComponents } from '../../src/engine/componentSelection';
import { simulatorCallLog } from '../../src/native/simulator';
import { recordingContext } from '../support/context';
import { suiteScenarios } from '../support/sim';

const c = (logicalPath: string, componentName: string, selectable: boolean): { logicalPath: string; componentName: string; selectable: boolean } =>
  ({ logicalPath, componentName, selectable });
const names = (list: { logicalPath: string; componentName: string }[]): string[] =>
  list.map((x) => (x.logicalPath ? `${x.logicalPath}\\${x.componentName}` : x.componentName));

describe('backup component selection', function () {
  this.timeout(60_000);

  it('selectable ones and top-level non-selectable ones, never below an included ancestor', () => {
    const tree = [
      c('', 'Root', false), c('Root', 'Child', true), c('Root\\Child', 'Grandchild', true), c('Root', 'Fixed', false),
      c('', 'Sel', true), c('Sel', 'SelChild', true),
      c('', 'Lone', true),
      c('Missing', 'Orphan', false), c('Missing', 'OrphanSel', true),
    ];
    assert.deepEqual(names(selectComponents(tree)), ['Root', 'Sel', 'Lone', 'Missing\\Orphan', 'Missing\\OrphanSel']);
  });

  it('a non-selectable component under a selectable one that is not top-level: the selectable one is the included ancestor', () => {
    assert.deepEqual(names(selectComponents([c('A', 'B', true), c('A\\B', 'C', false), c('', 'A', false)])), ['A']);
    assert.deepEqual(names(selectComponents([c('X', 'B', true), c('X\\B', 'C', false)])), ['X\\B']);
  });

  it('logical paths compare without regard to case; a name that merely starts like an ancestor is not below it', () => {
    assert.deepEqual(names(selectComponents([c('', 'Db', false), c('DB', 'Log', true), c('', 'Db2', true), c('Db2', 'x', true)])), ['Db', 'Db2']);
  });

  describe('against the simulated writer', () => {
    const openScenario = suiteScenarios();
    let lockFolder: string;
    before(() => {
      lockFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'fcb-lock-'));
    });
    after(() => fs.rmSync(lockFolder, { recursive: true, force: true }));

    it('adds only the included components of a component tree, and the set records them', async () => {
      const s = openScenario({
        writer: {
          components: [
            { logicalPath: '', name: 'Cluster Database', type: 'filegroup', selectable: false },
            { logicalPath: 'Cluster Database', name: 'Quorum', type: 'filegroup', selectable: true },
            { logicalPath: '', name: 'Extra', type: 'filegroup', selectable: true },
            { logicalPath: 'Extra', name: 'Part', type: 'filegroup', selectable: false },
          ],
        },
      });
      simulatorCallLog();
      const destination = path.join(s.dir, 'backups');
      const ctx = recordingContext();
      const result = await backupCluster({ destination }, ctx, { lockFolder, pollIntervalMs: { min: 1, max: 4 } });
      assert.equal(simulatorCallLog().filter((e) => e.startsWith('IVssBackupComponents::AddComponent')).length, 2);
      const selected = ctx.lines.map((l) => /^Selected component "(.*)"\.$/.exec(l.message)?.[1]).filter((x) => x !== undefined);
      assert.deepEqual(selected, ['Cluster Database', 'Extra']);
      const bcd = fs.readFileSync(path.join(result.path, 'backup-components.xml'), 'utf8');
      assert.doesNotMatch(bcd, /Quorum|"Part"/);
      assert.equal(simulatorCallLog().filter((e) => e === 'IVssBackupComponents::SetBackupSucceeded:1').length, 2);
    });
  });
});
