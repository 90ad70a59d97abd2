// One lint config for the whole project. Besides the usual TypeScript checks it
// enforces the layering of docs/architecture.md (Layers and their lint rules): koffi only in src/native, vscode only in
// src/ui and src/extension.ts, and nothing below the UI reaching up into it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noKoffi = { name: 'koffi', message: 'koffi is used only in src/native/ (the native bridge).' };
const noVscode = { name: 'vscode', message: 'vscode is imported only in src/ui/ and src/extension.ts.' };

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'build/**', '.cache/**', 'artifacts/**', '**/*.mjs', '**/*.cjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // The TypeScript version of the rule: it also sees `import x = require('…')` (below).
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [noKoffi, noVscode] }],
      '@typescript-eslint/no-require-imports': ['error', { allowAsImport: true }],
      'no-restricted-properties': ['error', {
        object: 'fs', property: 'cpSync',
        message: 'On Windows, Node 22–24 fs.cpSync ends the process on a non-ASCII path; copy file by file (test/support/files.ts copyTree).',
      }],
    },
  },
  {
    // vscode and Node's own modules are CommonJS: `import x = require('…')` makes esbuild bind them
    // directly, where `import * as x` copies every export into an object of getters in each importing
    // file (measured: activation 22.0 → 14.6 ms, and every vscode.* access through a getter).
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', {
        selector: "ImportDeclaration[importKind!='type'][source.value=/^(vscode|node:)/] > ImportNamespaceSpecifier",
        message: "Import vscode and Node's modules with `import x = require('…')`, not `import * as x` (see eslint.config.mjs).",
      }],
    },
  },
  {
    files: ['src/native/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [noVscode],
        patterns: [{ group: ['../engine/*', '../worker/*', '../ui/*', '../client/*', '../cli', '../extension'], message: 'src/native depends on nothing of ours above it.' }],
      }],
    },
  },
  {
    // The hive reader is plain file parsing: the engine, the UI and the CLI all use it, and it uses none of them.
    files: ['src/hive/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [noKoffi, noVscode],
        patterns: [{ group: ['../*', '!../hive', '!../hive/*'], message: 'src/hive depends on nothing of ours outside src/hive.' }],
      }],
    },
  },
  {
    files: ['src/engine/**/*.ts', 'src/worker/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [noKoffi, noVscode],
        patterns: [{ group: ['../ui/*', '../extension'], message: 'The engine does not depend on the UI.' }],
      }],
    },
  },
  {
    // The configuration model is plain data shared by the engine, the CLI and the UI.
    files: ['src/config/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [noKoffi, noVscode],
        patterns: [{ group: ['../engine/*', '../worker/*', '../ui/*', '../client/*', '../native/*', '../cli/*', '../extension'], message: 'src/config depends only on src/hive/types and plain libraries.' }],
      }],
    },
  },
  {
    files: ['src/ui/**/*.ts', 'src/extension.ts', 'test/integration/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [noKoffi],
        patterns: [{ group: ['../native/*', '../engine/*', '../worker/*', '../../src/native/*'], message: 'The UI talks to the engine process only through src/client.' }],
      }],
    },
  },
  {
    // Plain text helpers shared by the CLI and the UI (e.g. escaping names for display):
    // they import nothing of ours, so either side may use them.
    files: ['src/text/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [noKoffi, noVscode],
        patterns: [{ group: ['../*', './*/*'], message: 'src/text imports nothing of ours: the CLI and the UI both use it.' }],
      }],
    },
  },
  {
    // The CLI, like the UI, talks to the cluster only through the engine process (src/client). It may
    // do file work in its own process — reading and verifying sets, hives and configurations (issue:
    // portable sets) — through the engine modules that load no native code, listed here.
    files: ['src/cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [noKoffi, noVscode],
        patterns: [{
          group: [
            '../native/*', '../engine/*', '../worker/*', '../ui/*', '../../native/*', '../../engine/*', '../../worker/*', '../../ui/*',
            '!../../engine/backupSet', '!../../engine/backupSetFolder', '!../../engine/setConfiguration', '!../../engine/model',
            '!../../engine/scheduleXml', '!../../engine/errors', '!../engine/errors',
          ],
          message: 'The CLI talks to the cluster only through src/client; file work uses the engine modules that load no native code.',
        }],
      }],
    },
  },
  {
    // Every --json document carries its schemaVersion: the commands print JSON only through output.ts (printResult, printJson).
    files: ['src/cli/commands/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error', {
        object: 'fs', property: 'cpSync',
        message: 'On Windows, Node 22–24 fs.cpSync ends the process on a non-ASCII path; copy file by file (test/support/files.ts copyTree).',
      }, {
        object: 'JSON', property: 'stringify',
        message: 'Print a --json document with printResult or printJson (src/cli/output.ts): they add its schemaVersion.',
      }],
    },
  },
  {
    // The test support and engine suites load the simulator's control functions.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
