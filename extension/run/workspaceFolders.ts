// The manager keys runs by the workspace folder's URI string; these map keys back to folders.
import * as vscode from 'vscode';

export const folderKey = (folder: vscode.WorkspaceFolder) => folder.uri.toString();

export function folderByKey(key: string): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.find((f) => f.uri.toString() === key);
}

export function folderName(key: string): string {
  return folderByKey(key)?.name ?? vscode.Uri.parse(key).path.split('/').pop() ?? key;
}

/** The only folder, or the one the user picks; undefined when there is none or the pick is cancelled. */
export async function pickFolder(placeHolder: string): Promise<vscode.WorkspaceFolder | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    void vscode.window.showErrorMessage(
      'Sparsity Lab: open a folder first; runs and tickets are kept in it.',
    );
    return undefined;
  }
  if (folders.length === 1) return folders[0];
  return vscode.window.showWorkspaceFolderPick({ placeHolder });
}

/** Whether a file or folder exists, through VS Code's file system (remote workspaces included). */
export async function uriExists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
