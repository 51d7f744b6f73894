// Which search a command acts on: the one named by the caller (a folder URI), else the only search
// that allows it, else the user's pick among those that do.
import * as vscode from 'vscode';
import type { LiveStatus } from '../run/liveStatus';
import type { ManagedRun, RunManager } from '../run/runManager';
import { folderName } from '../run/workspaceFolders';

export async function chooseRun(
  manager: RunManager,
  allows: (status: LiveStatus) => boolean,
  what: string,
  arg?: unknown,
): Promise<ManagedRun | undefined> {
  if (arg instanceof vscode.Uri) {
    // A named search is the only candidate: a stop meant for one folder must never reach another.
    const named = manager.get(arg.toString());
    if (named && allows(named.status)) return named;
    if (named) return undefined;
  }
  const candidates = manager.live().filter((r) => allows(r.status));
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(`Sparsity Lab: no search can ${what} now.`);
    return undefined;
  }
  const focus = manager.focus;
  if (candidates.length === 1) return candidates[0];
  const ordered =
    focus && candidates.includes(focus) ? [focus, ...candidates.filter((r) => r !== focus)] : candidates;
  const picked = await vscode.window.showQuickPick(
    ordered.map((run) => ({
      label: folderName(run.folder),
      description: `${run.status.state}${run.status.runId ? ` · run ${run.status.runId}` : ''}`,
      run,
    })),
    { placeHolder: `Which search to ${what}` },
  );
  if (picked) manager.focusOn(picked.run.folder);
  return picked?.run;
}
