// "Start Ticket Search", and the one path every search takes into the engine (a start, a resume from
// the Runs view, a resume after a crash): trust check, one search per folder, settings as defaults,
// and faults reported with the field they concern.
import * as vscode from 'vscode';
import { EngineRequestError } from '../engine/engineSupervisor';
import type { ExtensionServices } from '../extensionServices';
import { parseConfigText } from '../config/configText';
import { engineBackendOptions, mergeSettings } from '../config/mergeSettings';
import { openConfigAt } from '../config/openConfigAt';
import { preflightConfig } from '../config/preflightConfig';
import { ensureSchemaCopy } from '../config/schemaCopy';
import { readSettings } from '../config/settings';
import { pickStartChoice } from '../config/startPicker';
import { showRequestFault } from '../faults/faultNotifications';
import { folderKey, pickFolder } from '../run/workspaceFolders';
import { createConfig } from './createConfig';

export interface SearchSource {
  config: Record<string, unknown>;
  /** Absolute path of the file the config came from; named in the engine's errors. */
  configFile?: string;
  resumeRunId?: string;
}

const UNTRUSTED_MESSAGE =
  'Sparsity Lab starts searches only in trusted workspaces: a search runs a training process that reads ' +
  'the files and models the config names, and can load native TensorFlow code from the folder that ' +
  'sparsityLab.nativeBackendPath names. Trust this workspace to start one.';

/** False (after saying why: `message`, by default why a search needs trust) in an untrusted workspace. */
export function checkTrust(message = UNTRUSTED_MESSAGE): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showErrorMessage(message, 'Manage Workspace Trust').then((choice) => {
    if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}

export async function startSearchCommand(services: ExtensionServices): Promise<void> {
  if (!checkTrust()) return;
  if (!vscode.workspace.workspaceFolders?.length) {
    void vscode.window.showErrorMessage(
      'Sparsity Lab: open a folder first; runs and tickets are kept in it.',
    );
    return;
  }
  const choice = await pickStartChoice();
  if (!choice) return;
  if (choice.kind === 'create') {
    await createConfig();
    return;
  }
  if (choice.kind === 'preset') {
    const folder = await pickFolder('Which folder the run belongs to');
    if (!folder) return;
    await launchSearch(services, folder, { config: choice.preset.config });
    return;
  }
  const folder = vscode.workspace.getWorkspaceFolder(choice.uri);
  if (!folder) return;
  const source = await readConfigFile(services, choice.uri);
  if (source) await launchSearch(services, folder, source);
}

/** Reads (and saves, if it has unsaved edits) a config file; a syntax error is shown at its place. */
async function readConfigFile(
  services: ExtensionServices,
  uri: vscode.Uri,
): Promise<SearchSource | undefined> {
  const document = await vscode.workspace.openTextDocument(uri);
  // The engine's errors name the file; they should describe what is on disk.
  if (document.isDirty) await document.save();
  const parsed = parseConfigText(document.getText());
  if (!parsed.ok) {
    const name = vscode.workspace.asRelativePath(uri, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
    services.log.error(`config error in ${uri.fsPath}: ${parsed.message}`);
    const open = await vscode.window.showErrorMessage(
      `Sparsity Lab: config error in ${name}: ${parsed.message}`,
      'Open Config',
    );
    if (open) await openConfigAt(uri, { offset: parsed.offset });
    return undefined;
  }
  return { config: parsed.config, configFile: uri.fsPath };
}

/**
 * Starts the engine for `folder`. A search already running there is stopped first, if the user
 * agrees. Resolves once the engine has started (or refused).
 */
export async function launchSearch(
  services: ExtensionServices,
  folder: vscode.WorkspaceFolder,
  source: SearchSource,
): Promise<void> {
  if (!checkTrust()) return;
  const { manager, log } = services;
  const key = folderKey(folder);
  if (manager.isBusy(key)) {
    const stopAndStart = 'Stop It and Start a New One';
    const answer = await vscode.window.showWarningMessage(
      `A ticket search is already running in ${folder.name}.`,
      {
        modal: true,
        detail:
          'Only one search runs per folder. Its files stay in .sparsity/runs, and it can be resumed later.',
      },
      stopAndStart,
    );
    if (answer !== stopAndStart) return;
    await manager.stop(key);
  }
  const workDir = folder.uri.fsPath;
  const config = mergeSettings(source.config, readSettings(folder.uri));
  // A resumed run is checked by the engine against the config it saved, not this one.
  const refusal = source.resumeRunId ? undefined : preflightConfig(config, source.configFile);
  if (refusal) {
    await showRequestFault(services, refusal, workDir, source.configFile);
    return;
  }
  void ensureSchemaCopy(folder.uri).catch(() => undefined);
  log.info(
    `[${folder.name}] ${source.resumeRunId ? `resuming run ${source.resumeRunId}` : 'starting a search'}` +
      (source.configFile ? ` with ${source.configFile}` : ''),
  );
  try {
    const started = await manager.start(
      key,
      {
        config,
        workDir,
        ...(source.configFile ? { configFile: source.configFile } : {}),
        ...(source.resumeRunId ? { resumeRunId: source.resumeRunId } : {}),
      },
      engineBackendOptions(config, workDir),
    );
    log.info(
      `[${folder.name}] run ${started.runId}${started.resumed ? ' (resumed)' : ''}: ${started.model}; ${started.data}; ` +
        `backend ${started.backend.name}`,
    );
    for (const attempt of started.backend.attempts.filter((a) => !a.ok)) {
      log.info(`[${folder.name}] backend ${attempt.candidate} not used: ${attempt.reason ?? 'unavailable'}`);
    }
    services.refreshRuns();
  } catch (e) {
    // A process that died is reported by the exit handler, with its last lines and a resume button.
    if (e instanceof EngineRequestError && e.code === 'exited') return;
    await showRequestFault(services, e, workDir, source.configFile);
  }
}
