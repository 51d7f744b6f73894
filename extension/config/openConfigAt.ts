// Opens a config file with the cursor on a field (or at an offset), so a config error is one click
// from its fix.
import * as vscode from 'vscode';
import { locateField } from './fieldLocation';

export async function openConfigAt(file: vscode.Uri, at: { field?: string; offset?: number }): Promise<void> {
  const document = await vscode.workspace.openTextDocument(file);
  let range: vscode.Range;
  if (at.offset !== undefined) {
    const position = document.positionAt(at.offset);
    range = new vscode.Range(position, position);
  } else {
    const location = locateField(document.getText(), at.field);
    range = new vscode.Range(
      document.positionAt(location.offset),
      document.positionAt(location.offset + location.length),
    );
  }
  await vscode.window.showTextDocument(document, { selection: range, preview: false });
}
