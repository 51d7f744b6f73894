// Shows the engine's faults as error notifications with the buttons that fix or explain them.
import * as vscode from 'vscode';
import { EngineRequestError } from '../engine/engineSupervisor';
import type { ExtensionServices } from '../extensionServices';
import { openConfigAt } from '../config/openConfigAt';
import { RunBusyError, type ManagedRun } from '../run/runManager';
import { folderByKey, folderName } from '../run/workspaceFolders';
import { ACTION_LABELS, describeExit, type CrashAction } from './crashReport';
import { describeRequestFault } from './requestFault';
import type { EngineExit } from '../engine/engineSupervisor';

/** Starts a search again from a run's last snapshot (provided by the start command). */
export type ResumeRun = (
  folder: vscode.WorkspaceFolder,
  runId: string,
  config: Record<string, unknown>,
) => Promise<void>;

/** A request the engine refused (or any other error of a command), as one notification. */
export async function showRequestFault(
  services: ExtensionServices,
  error: unknown,
  workDir: string,
  configFile?: string,
): Promise<void> {
  if (!(error instanceof EngineRequestError)) {
    const message =
      error instanceof RunBusyError ? error.message : error instanceof Error ? error.message : String(error);
    services.log.error(message);
    const choice = await vscode.window.showErrorMessage(`Sparsity Lab: ${message}`, ACTION_LABELS.showLog);
    if (choice) services.log.show();
    return;
  }
  const fault = describeRequestFault(error, workDir, configFile);
  services.log.error(fault.message);
  const buttons = [...(fault.openAt ? [ACTION_LABELS.openConfig] : []), ACTION_LABELS.showLog];
  const choice = await vscode.window.showErrorMessage(`Sparsity Lab: ${fault.message}`, ...buttons);
  if (choice === ACTION_LABELS.openConfig && fault.openAt) {
    await openConfigAt(vscode.Uri.file(fault.openAt.file), { field: fault.openAt.field });
  } else if (choice === ACTION_LABELS.showLog) {
    services.log.show();
  }
}

/** Reports an engine that died, or a search that failed after it had started. */
export async function showExitFault(
  services: ExtensionServices,
  run: ManagedRun,
  exit: EngineExit,
  resume: ResumeRun,
): Promise<void> {
  const runId = run.started ? run.status.runId : undefined;
  const report = describeExit(exit, runId);
  if (!report) return;
  const name = folderName(run.folder);
  services.log.error(`[${name}] ${report.message}`);
  const labels = report.actions.map((a) => ACTION_LABELS[a]);
  const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
  const picked = await vscode.window.showErrorMessage(
    multiRoot ? `${name}: ${report.message}` : report.message,
    ...labels,
  );
  const action = report.actions.find((a): a is CrashAction => ACTION_LABELS[a] === picked);
  const folder = folderByKey(run.folder);
  if (action === 'resume' && runId && folder) await resume(folder, runId, run.request.config);
  else if (action === 'showLog') services.log.show();
}
