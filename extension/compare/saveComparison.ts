// Saves what the dashboard's comparison card exported: the user picks the file (in the workspace by
// default), and it is written atomically, so an existing file is replaced whole or not at all.
import * as vscode from 'vscode';
import { writeFileAtomic } from '../../engine/fsutil/atomicWrite';
import type { ComparisonFormat } from '../../webview/protocol/viewProtocol';

const FILTERS: Record<ComparisonFormat, Record<string, string[]>> = {
  csv: { 'CSV table': ['csv'] },
  svg: { 'SVG image': ['svg'] },
  png: { 'PNG image': ['png'] },
};

/** CSV and SVG arrive as text, PNG as base64. */
export function comparisonBytes(format: ComparisonFormat, content: string): Uint8Array {
  return format === 'png' ? Buffer.from(content, 'base64') : Buffer.from(content, 'utf8');
}

export async function saveComparison(
  format: ComparisonFormat,
  content: string,
  log: vscode.LogOutputChannel,
): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    title: `Export the ticket comparison as ${format.toUpperCase()}`,
    filters: FILTERS[format],
    ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `ticket-comparison.${format}`) } : {}),
  });
  if (!target) return;
  try {
    await writeFileAtomic(target.fsPath, comparisonBytes(format, content));
    log.info(`saved the ticket comparison to ${target.fsPath}`);
    void vscode.window.showInformationMessage(
      `Sparsity Lab: comparison saved to ${vscode.workspace.asRelativePath(target)}.`,
    );
  } catch (e) {
    const message = `could not save the comparison to ${target.fsPath}: ${e instanceof Error ? e.message : String(e)}`;
    log.error(message);
    void vscode.window.showErrorMessage(`Sparsity Lab: ${message}`);
  }
}
