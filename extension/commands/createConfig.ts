// "Create Config…": writes a sparsity.json (the quick preset's values, plain JSON with "$schema")
// into a workspace folder and opens it; an existing one is opened instead of replaced.
import * as vscode from 'vscode';
import { schemaReference, scaffoldConfigText } from '../config/configScaffold';
import { ensureSchemaCopy } from '../config/schemaCopy';
import { pickFolder, uriExists } from '../run/workspaceFolders';

export async function createConfig(): Promise<void> {
  const folder = await pickFolder('Where to create sparsity.json');
  if (!folder) return;
  const file = vscode.Uri.joinPath(folder.uri, 'sparsity.json');
  const exists = await uriExists(file);
  if (!exists) {
    const text = scaffoldConfigText(schemaReference(folder.uri.fsPath, file.fsPath));
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(text));
  }
  // The schema copy is a convenience for hovers and completion; failing to write it is no reason to stop.
  await ensureSchemaCopy(folder.uri).catch(() => undefined);
  await vscode.window.showTextDocument(file, { preview: false });
  if (exists) {
    void vscode.window.showInformationMessage(
      `${folder.name}/sparsity.json already exists; opened it instead of replacing it.`,
    );
  }
}
