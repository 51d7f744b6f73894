// "Export Ticket": asks where (default <ticketsFolder>/<run-id> in the folder), asks before replacing
// an existing ticket folder, and reveals the result in the Explorer.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionServices } from '../extensionServices';
import { readSettings } from '../config/settings';
import { showRequestFault } from '../faults/faultNotifications';
import { defaultExportDir, isTargetExistsError, resolveExportDir } from '../run/exportTarget';
import { canExport } from '../run/liveStatus';
import type { ManagedRun } from '../run/runManager';
import { folderByKey } from '../run/workspaceFolders';
import { chooseRun } from './chooseRun';

export async function exportTicketCommand(services: ExtensionServices, arg?: unknown): Promise<void> {
  const run = await chooseRun(services.manager, canExport, 'export a ticket', arg);
  const folder = run ? folderByKey(run.folder) : undefined;
  if (!run || !folder || !run.status.runId) return;
  const workDir = folder.uri.fsPath;
  const suggested = defaultExportDir(
    run.status.runId,
    run.status.plan?.ticketsDir,
    readSettings(folder.uri).ticketsFolder,
  );
  const input = await vscode.window.showInputBox({
    title: 'Export Ticket',
    prompt: `Folder for the ticket, relative to ${folder.name} (or absolute)`,
    value: suggested,
    validateInput: (value) => (value.trim() ? undefined : 'A folder is needed'),
  });
  if (input === undefined) return;
  const dir = resolveExportDir(input, workDir);
  await exportTo(services, run, dir, workDir);
}

async function exportTo(
  services: ExtensionServices,
  run: ManagedRun,
  dir: string,
  workDir: string,
): Promise<void> {
  const exportWith = (overwrite: boolean) =>
    vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Exporting the ticket to ${path.basename(dir)}…`,
      },
      () => run.supervisor.exportTicket(dir, overwrite),
    );
  let result: { dir: string; files: string[] };
  try {
    result = await exportWith(false);
  } catch (e) {
    if (!isTargetExistsError(e)) {
      await showRequestFault(services, e, workDir, run.request.configFile);
      return;
    }
    const overwrite = 'Overwrite';
    const answer = await vscode.window.showWarningMessage(
      `${dir} already exists. Overwrite?`,
      { modal: true, detail: 'The folder is replaced as a whole once the new ticket is complete.' },
      overwrite,
    );
    if (answer !== overwrite) return;
    try {
      result = await exportWith(true);
    } catch (again) {
      await showRequestFault(services, again, workDir, run.request.configFile);
      return;
    }
  }
  services.log.info(`exported the ticket of run ${run.status.runId ?? '?'} to ${result.dir}`);
  services.refreshRuns();
  await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(result.dir));
  void vscode.window.showInformationMessage(
    `Sparsity Lab: ticket exported to ${vscode.workspace.asRelativePath(result.dir)}.`,
  );
}
