// Keeps <folder>/.sparsity/sparsity.schema.json, the file a scaffolded config's "$schema" points at.
// A copy in the workspace (rather than a path into this extension's install) stays valid across
// extension updates and on other machines; it is rewritten whenever it differs from this version's.
import * as vscode from 'vscode';
import { SCHEMA_COPY, schemaText } from './configScaffold';

export async function ensureSchemaCopy(folder: vscode.Uri): Promise<void> {
  const target = vscode.Uri.joinPath(folder, ...SCHEMA_COPY.split('/'));
  const wanted = schemaText();
  try {
    const current = new TextDecoder().decode(await vscode.workspace.fs.readFile(target));
    if (current === wanted) return;
  } catch {
    // Missing: written below.
  }
  await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(target, '..'));
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(wanted));
}

/** Refreshes copies that already exist (after an extension update); never creates one unasked. */
export async function refreshExistingSchemaCopies(folders: readonly vscode.WorkspaceFolder[]): Promise<void> {
  for (const folder of folders) {
    const target = vscode.Uri.joinPath(folder.uri, ...SCHEMA_COPY.split('/'));
    try {
      await vscode.workspace.fs.stat(target);
    } catch {
      continue;
    }
    await ensureSchemaCopy(folder.uri).catch(() => undefined);
  }
}
