/**
 * Comparing configurations in VS Code's diff editor: each side is a read-only document of
 * the `fcbackup-config` scheme whose text is the configuration's stable rendering, headed
 * by the same summary line on both sides ("3 changes: 1 role added, …"), which the
 * editor's title repeats.
 */
import vscode = require('vscode');
import { compareConfigurations } from '../config/diff';
import type { ConfigDiff, ConfigurationSource } from '../config/model';
import { renderConfiguration } from '../config/render';
import type { Services } from './services';

export const CONFIG_SCHEME = 'fcbackup-config';

/** Keeps the texts of the comparisons opened in this session (they are small next to the parsed models). */
class ConfigDocumentProvider implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private next = 1;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.path) ?? 'This comparison is no longer available. Run the compare command again.\n';
  }

  /** A new document with `text`, named `name` (shown in the editor's tab). */
  add(name: string, text: string): vscode.Uri {
    const safe = name.replace(/[\\/:*?"<>|#%]+/g, '_');
    const uri = vscode.Uri.from({ scheme: CONFIG_SCHEME, path: `/${this.next++}/${safe}.txt` });
    this.texts.set(uri.path, text);
    return uri;
  }
}

let provider: ConfigDocumentProvider | undefined;

function documents(s: Services): ConfigDocumentProvider {
  if (!provider) {
    const created = new ConfigDocumentProvider();
    provider = created;
    s.extensionContext.subscriptions.push(
      vscode.workspace.registerTextDocumentContentProvider(CONFIG_SCHEME, created),
      { dispose: () => { if (provider === created) provider = undefined; } },
    );
  }
  return provider;
}

export interface OpenedComparison {
  diff: ConfigDiff;
  title: string;
  left: vscode.Uri;
  right: vscode.Uri;
}

/** Opens the diff editor: `before` on the left, `after` on the right. */
export async function openComparison(s: Services, before: ConfigurationSource, after: ConfigurationSource): Promise<OpenedComparison> {
  const diff = compareConfigurations(before.configuration, after.configuration);
  const header = [`${before.label} → ${after.label}: ${diff.summary}`];
  const docs = documents(s);
  const left = docs.add(before.label, renderConfiguration(before.configuration, header));
  const right = docs.add(after.label, renderConfiguration(after.configuration, header));
  const title = `${before.label} ↔ ${after.label} (${diff.summary})`;
  await vscode.commands.executeCommand('vscode.diff', left, right, title, { preview: true });
  s.log.info(`Compared ${before.label} with ${after.label}: ${diff.summary}.`);
  return { diff, title, left, right };
}
