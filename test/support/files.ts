/**
 * File helpers for the suites. Pure Node: also runs under Wine with Windows node.exe.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Copies a folder tree (folders and regular files). Not fs.cpSync: on Windows,
 * Node 22–24's native cpSync ends the process without an error when a path has a
 * non-ASCII character, and a checkout or temp folder may well have one.
 */
export function copyTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(source, target);
    else if (entry.isFile()) fs.copyFileSync(source, target);
    else throw new Error(`copyTree copies folders and files only; ${source} is neither`);
  }
}
