/**
 * The README's command lines are ones the CLI takes: every `fcbackup COMMAND …` in a code
 * block or an inline code span (usage summaries with [ ] and … aside) is parsed with the
 * CLI's own option tables, strictly, so a recipe cannot name a command or an option that
 * does not exist — or lose one that is renamed.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { commands } from '../../src/cli/main';
import { projectRoot } from '../support/sim';

const GLOBAL_OPTIONS = { simulate: { type: 'string' }, json: { type: 'boolean' }, verbose: { type: 'boolean' }, help: { type: 'boolean' } } as const;
/** Where a shell line stops being fcbackup's arguments. */
const END_TOKENS = new Set(['|', '||', '&&', '>', '2>', ';', '}', ')', '#']);

/** Shell-like words: "double" and 'single' quotes group (the quotes removed). */
function words(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

/** The text after each `fcbackup ` in the README's code blocks and inline code spans. */
function commandLines(readme: string): string[] {
  const code: string[] = [];
  for (const block of readme.matchAll(/```[a-z]*\n([\s\S]*?)```/g)) code.push(...block[1].split('\n'));
  const prose = readme.replace(/```[a-z]*\n[\s\S]*?```/g, '');
  for (const span of prose.matchAll(/`([^`\n]+)`/g)) code.push(span[1]);
  const lines: string[] = [];
  for (const line of code) {
    // "the fcbackup command" in the layout table is prose, not a command line.
    for (const m of line.matchAll(/(?:^|[\s=:(])(?<!the )fcbackup[ \t]+(\S.*)$/g)) lines.push(m[1]);
  }
  return lines;
}

/** A usage summary (`backup --to DIR [--keep N]`, `show SET …`) rather than a command line to run. */
const isUsage = (line: string): boolean => /[[…]|\(--|<command>|\bDIR\b|\bSET\b|\bFILE\b|\bA B\b/.test(line);

describe('README recipes', () => {
  const readme = fs.readFileSync(path.join(projectRoot, 'README.md'), 'utf8');
  const runnable = commandLines(readme).filter((l) => !isUsage(l));

  it('finds the recipes\' command lines (backup with --reason and --copy-to among them)', () => {
    assert.ok(runnable.length >= 6, runnable.join('\n'));
    assert.ok(runnable.some((l) => /^backup .*--copy-to .*--reason/.test(l)), runnable.join('\n'));
    assert.ok(runnable.some((l) => /^backup .*--json/.test(l)), runnable.join('\n'));
  });

  it('every fcbackup command line in the README names a command and options the CLI takes', () => {
    const problems: string[] = [];
    for (const line of runnable) {
      const all = words(line);
      const end = all.findIndex((w) => END_TOKENS.has(w) || w.startsWith('#'));
      const [name, ...args] = end < 0 ? all : all.slice(0, end);
      const cmd = commands.find((c) => c.name === name);
      if (!cmd) {
        problems.push(`${line}: no command "${name}"`);
        continue;
      }
      try {
        parseArgs({ args, options: { ...GLOBAL_OPTIONS, ...cmd.options }, strict: true, allowPositionals: true });
      } catch (err) {
        problems.push(`${line}: ${(err as Error).message}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('would catch an option that does not exist', () => {
    const backup = commands.find((c) => c.name === 'backup')!;
    assert.throws(() => parseArgs({ args: ['--to', 'D:\\B', '--copy', 'x'], options: { ...GLOBAL_OPTIONS, ...backup.options }, strict: true }));
  });
});
