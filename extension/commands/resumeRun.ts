// "Resume Run": continues a run without a ticket from its last snapshot, picked in the Runs view or
// from the palette.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionServices } from '../extensionServices';
import { describeRun, isResumable, listRuns, type RunSummary } from '../runs/runListing';
import { RUNS_FOLDER, type RunsNode } from '../runs/runsTreeProvider';
import { folderKey } from '../run/workspaceFolders';
import { launchSearch } from './startSearch';

function isRunNode(arg: unknown): arg is Extract<RunsNode, { kind: 'run' }> {
  return typeof arg === 'object' && arg !== null && (arg as { kind?: unknown }).kind === 'run';
}

export async function resumeRunCommand(services: ExtensionServices, arg?: unknown): Promise<void> {
  const target = isRunNode(arg) ? { folder: arg.folder, run: arg.run } : await pickResumableRun(services);
  if (!target) return;
  await resumeRun(services, target.folder, target.run.runId, {});
}

/** Restarts a run from its last snapshot; `config` only matters for where the runs folder is. */
export function resumeRun(
  services: ExtensionServices,
  folder: vscode.WorkspaceFolder,
  runId: string,
  config: Record<string, unknown>,
): Promise<void> {
  return launchSearch(services, folder, { config, resumeRunId: runId });
}

async function pickResumableRun(
  services: ExtensionServices,
): Promise<{ folder: vscode.WorkspaceFolder; run: RunSummary } | undefined> {
  const candidates: { folder: vscode.WorkspaceFolder; run: RunSummary }[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const live = services.manager.get(folderKey(folder));
    for (const run of await listRuns(path.join(folder.uri.fsPath, RUNS_FOLDER))) {
      if (isResumable(run) && live?.status.runId !== run.runId) candidates.push({ folder, run });
    }
  }
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage('Sparsity Lab: no run without a ticket to resume.');
    return undefined;
  }
  const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
  const picked = await vscode.window.showQuickPick(
    candidates.map((c) => ({
      label: c.run.runId,
      description: multiRoot ? c.folder.name : undefined,
      detail: describeRun(c.run),
      candidate: c,
    })),
    { title: 'Resume Run', placeHolder: 'A run to continue from its last snapshot' },
  );
  return picked?.candidate;
}
