/**
 * The getting-started walkthrough: each step's completion event names a command the
 * extension contributes (or a setting it contributes), its buttons run commands that
 * exist, and its markdown media is in media/walkthrough/ (which the package ships).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

interface Step { id: string; title: string; description: string; media: { markdown?: string }; completionEvents?: string[] }
interface Manifest {
  contributes: {
    commands: Array<{ command: string }>;
    views: Record<string, Array<{ id: string }>>;
    configuration: { properties: Record<string, unknown> };
    walkthroughs: Array<{ id: string; title: string; steps: Step[] }>;
  };
}

const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;
const nls = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;
const commands = new Set(manifest.contributes.commands.map((c) => c.command));
// VS Code contributes "<view id>.focus" for every view.
const viewFocus = new Set(Object.values(manifest.contributes.views).flat().map((v) => `${v.id}.focus`));

function localized(value: string): string {
  const m = /^%(.+)%$/.exec(value);
  if (!m) return value;
  assert.ok(m[1] in nls, `package.nls.json has no "${m[1]}"`);
  return nls[m[1]];
}

describe('package manifest walkthrough', () => {
  const walkthroughs = manifest.contributes.walkthroughs;

  it('walks through folder, first backup, verify, compare, and the authoritative restore', () => {
    assert.equal(walkthroughs.length, 1);
    assert.deepEqual(walkthroughs[0]!.steps.map((s) => s.id), [
      'fcbackup.chooseFolder', 'fcbackup.firstBackup', 'fcbackup.verify', 'fcbackup.compare', 'fcbackup.authoritative',
    ]);
    assert.ok(localized(walkthroughs[0]!.title).length > 0);
  });

  it('completes each step by a contributed command (or the folder setting)', () => {
    const byStep = Object.fromEntries(walkthroughs[0]!.steps.map((s) => [s.id, s.completionEvents ?? []]));
    assert.deepEqual(byStep['fcbackup.chooseFolder'], ['onSettingChanged:fcbackup.backupFolder']);
    assert.deepEqual(byStep['fcbackup.firstBackup'], ['onCommand:fcbackup.backup']);
    assert.deepEqual(byStep['fcbackup.verify'], ['onCommand:fcbackup.verifyBackup']);
    assert.deepEqual(byStep['fcbackup.compare'], ['onCommand:fcbackup.compareWithLive']);
    for (const step of walkthroughs[0]!.steps) {
      assert.ok((step.completionEvents ?? []).length > 0, `${step.id} has no completion event`);
      for (const event of step.completionEvents ?? []) {
        const command = /^onCommand:(.+)$/.exec(event)?.[1];
        if (command) assert.ok(commands.has(command), `${step.id}: ${command} is not in contributes.commands`);
        const setting = /^onSettingChanged:(.+)$/.exec(event)?.[1];
        if (setting) assert.ok(setting in manifest.contributes.configuration.properties, `${step.id}: no setting ${setting}`);
        assert.ok(command || setting || event === 'onStepSelected', `${step.id}: unexpected completion event ${event}`);
      }
    }
  });

  it('links only to commands that exist', () => {
    for (const step of walkthroughs[0]!.steps) {
      const description = localized(step.description);
      const links = [...description.matchAll(/\]\(command:([\w.]+)/g)].map((m) => m[1]!);
      assert.ok(links.length > 0, `${step.id} has no button`);
      for (const id of links.filter((l) => l.startsWith('fcbackup.'))) {
        assert.ok(commands.has(id) || viewFocus.has(id), `${step.id} links to ${id}, which is neither a contributed command nor a view`);
      }
      assert.ok(localized(step.title).length > 0);
    }
  });

  it('has every step\'s markdown in media/walkthrough/, with a heading', () => {
    for (const step of walkthroughs[0]!.steps) {
      const media = step.media.markdown;
      assert.ok(media, `${step.id} has no markdown media`);
      assert.match(media, /^media\/walkthrough\/[\w-]+\.md$/);
      const file = path.join(root, media);
      assert.ok(fs.existsSync(file), `${media} is missing`);
      assert.match(fs.readFileSync(file, 'utf8'), /^# \S/);
    }
  });
});
