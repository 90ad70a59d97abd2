/**
 * The manifest's settings and commands as a user meets them: machine-specific settings
 * stay on their machine, setting titles read as words without the extension's namespace,
 * and every command shares one category in the Command Palette.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

interface SettingSchema { scope?: string; markdownDescription?: string; description?: string }
interface Manifest {
  publisher: string;
  name: string;
  contributes: {
    commands: Array<{ command: string; title: string; category?: string }>;
    configuration: { title: string; properties: Record<string, SettingSchema> };
  };
}

const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;
const nls = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;

/** A "%key%" placeholder resolved from package.nls.json (and the key must exist there). */
function localized(value: string | undefined): string {
  if (value === undefined) return '';
  const m = /^%(.+)%$/.exec(value);
  if (!m) return value;
  assert.ok(m[1] in nls, `package.nls.json has no "${m[1]}"`);
  return nls[m[1]];
}

/**
 * The title the Settings editor derives from a key, as the contribution-points documentation
 * describes it (`gitMagic.blame.dateFormat` shows as "Blame: Date Format"): the first segment
 * names the extension and is not shown (VS Code drops it when it matches the extension's
 * `publisher.name` id), further segments become the category, camelCase becomes words.
 */
function settingTitle(key: string): string {
  const words = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/^[a-z]/, (c) => c.toUpperCase());
  const segments = key.split('.').slice(1);
  const label = words(segments.pop() ?? '');
  return segments.length > 0 ? `${segments.map(words).join(' › ')}: ${label}` : label;
}

describe('package manifest', () => {
  const properties = manifest.contributes.configuration.properties;

  it('keeps the backup and copy folders and the simulator settings per machine (not in Settings Sync)', () => {
    // "machine-overridable": a per-machine user value (the remote's settings under Remote-SSH, never
    // synchronized), which a workspace folder on that machine may still set (tests, demos, relative paths).
    for (const key of ['fcbackup.backupFolder', 'fcbackup.copyFolder', 'fcbackup.simulator.scenario', 'fcbackup.simulator.library']) {
      assert.ok(properties[key], `${key} is not contributed`);
      assert.ok(properties[key].scope === 'machine' || properties[key].scope === 'machine-overridable',
        `${key} has scope ${String(properties[key].scope)}, not a machine scope`);
    }
  });

  it('says the simulator settings are for testing and demos', () => {
    for (const key of Object.keys(properties).filter((k) => k.startsWith('fcbackup.simulator.'))) {
      assert.match(localized(properties[key].markdownDescription), /testing and demos/i, key);
    }
  });

  it('derives setting titles that read as words, without "Fcbackup:"', () => {
    // The namespace VS Code drops must be the extension's own: the publisher part of its id.
    assert.equal(manifest.publisher, 'fcbackup');
    const titles = Object.keys(properties).map((key) => {
      assert.equal(key.split('.')[0], manifest.publisher, `${key} is outside the extension's namespace`);
      return settingTitle(key);
    });
    assert.deepEqual(titles.sort(), [
      'Backup Folder', 'Backup Warning Days', 'Confirm Destructive Steps', 'Copy Folder', 'Keep Backups', 'Refresh Interval Seconds',
      'Simulator: Library', 'Simulator: Scenario',
    ]);
    assert.equal(localized(manifest.contributes.configuration.title), 'Failover Cluster Backup');
  });

  it('gives every command the same category, so the palette shows one prefix', () => {
    const categories = new Set(manifest.contributes.commands.map((c) => localized(c.category)));
    assert.deepEqual([...categories], ['Failover Cluster']);
    for (const c of manifest.contributes.commands) {
      assert.doesNotMatch(localized(c.title), /^(Failover Cluster|Fcbackup)\b/i, `${c.command} repeats the category in its title`);
    }
  });

  it('refreshes on an interval by default and warns after a week without a backup', () => {
    assert.equal((properties['fcbackup.refreshIntervalSeconds'] as { default?: number }).default, 60);
    assert.equal((properties['fcbackup.backupWarningDays'] as { default?: number }).default, 7);
  });
});
