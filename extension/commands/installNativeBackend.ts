// "Sparsity Lab: Install Native Backend": picks a backend, runs the installer (engine/host/
// backendInstaller.ts) under a cancellable progress notification with npm's log in the output
// channel, and then points sparsityLab.nativeBackendPath at the install root unless the user chose
// another folder, which it only offers to change.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { installBackend, type InstallResult, type InstallSuccess } from '../../engine/host/backendInstaller';
import { failureMessage } from '../../engine/host/installFailure';
import {
  BACKEND_CATALOG,
  INSTALLABLE_BACKENDS,
  packageSpec,
  type InstallableBackend,
} from '../../engine/host/nativeBackendCatalog';
import { BACKENDS } from '../../engine/config/configSchema';
import {
  backendSettingUses,
  currentBackendDescription,
  installedMessage,
  nativePathAction,
} from '../backends/installOutcome';
import { readSettings, SETTINGS_SECTION } from '../config/settings';
import type { ExtensionServices } from '../extensionServices';
import { checkTrust } from './startSearch';

const UNTRUSTED_MESSAGE =
  'Sparsity Lab installs native backends only in trusted workspaces: the install runs npm and the ' +
  "packages' install scripts, and the engine then loads their native code. Trust this workspace to install one.";

/** Lets the tests (and users behind a mirror) choose the registry without touching .npmrc. */
const REGISTRY_ENV = 'SPARSITY_LAB_NPM_REGISTRY';

/** Backends being installed in this window: a second install of the same one would race the first. */
const installing = new Set<InstallableBackend>();

export interface InstallCommandContext {
  /** context.globalStorageUri.fsPath: the install root is its `backends` folder. */
  globalStoragePath: string;
  /** context.extensionPath: the engine that checks the install is its dist/engine.js. */
  extensionPath: string;
}

export async function installNativeBackendCommand(
  services: ExtensionServices,
  where: InstallCommandContext,
  arg?: unknown,
): Promise<void> {
  if (!checkTrust(UNTRUSTED_MESSAGE)) return;
  const root = path.join(where.globalStoragePath, 'backends');
  // A backend id as argument skips the pick (the tests and other commands use it).
  const backend =
    typeof arg === 'string' && (INSTALLABLE_BACKENDS as readonly string[]).includes(arg)
      ? (arg as InstallableBackend)
      : await pickBackend(root);
  if (!backend) return;
  if (installing.has(backend)) {
    void vscode.window.showInformationMessage(`Sparsity Lab: ${backend} is already being installed.`);
    return;
  }
  installing.add(backend);
  try {
    const result = await runWithProgress(services, where, root, backend);
    await report(services, root, result);
  } finally {
    installing.delete(backend);
  }
}

async function pickBackend(root: string): Promise<InstallableBackend | undefined> {
  const items = INSTALLABLE_BACKENDS.map((backend) => {
    const info = BACKEND_CATALOG[backend];
    const installed = existsSync(path.join(root, backend)) ? ' (installed: reinstall)' : '';
    return {
      label: backend,
      description: info.packages.map(packageSpec).join(' + ') + installed,
      detail: info.needs,
      backend,
    };
  });
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Sparsity Lab: Install Native Backend',
    placeHolder: 'Which backend should searches train on?',
    matchOnDetail: true,
  });
  return picked?.backend;
}

function runWithProgress(
  services: ExtensionServices,
  where: InstallCommandContext,
  root: string,
  backend: InstallableBackend,
): Thenable<InstallResult> {
  const registry = process.env[REGISTRY_ENV]?.trim();
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: `Sparsity Lab: installing ${backend}`,
      cancellable: true,
    },
    async (progress, token) => {
      const abort = new AbortController();
      const cancel = token.onCancellationRequested(() => abort.abort());
      services.log.info(`[install ${backend}] into ${root}`);
      try {
        return await installBackend({
          root,
          backend,
          enginePath: path.join(where.extensionPath, 'dist', 'engine.js'),
          ...(registry ? { registry } : {}),
          log: (line) => services.log.info(`[install ${backend}] ${line}`),
          progress: ({ phase, detail }) =>
            progress.report({ message: detail ? `${phase} ${truncate(detail, 120)}` : phase }),
          signal: abort.signal,
        });
      } finally {
        cancel.dispose();
      }
    },
  );
}

async function report(services: ExtensionServices, root: string, result: InstallResult): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const settings = readSettings(folder?.uri);
  if (!result.ok) {
    const { failure } = result;
    services.log.warn(`[install ${result.backend}] failed (${failure.kind}): ${failure.summary}`);
    if (failure.kind === 'cancelled') {
      void vscode.window.showInformationMessage(`Sparsity Lab: ${failure.summary}`);
      return;
    }
    const message = failureMessage(failure, currentBackendDescription(settings.backend));
    const choice = await vscode.window.showErrorMessage(`Sparsity Lab: ${message}`, 'Show Log');
    if (choice) services.log.show();
    return;
  }
  services.log.info(`[install ${result.backend}] installed ${result.packageName} ${result.version}`);
  const action = nativePathAction(settings.nativeBackendPath, root, folder?.uri.fsPath);
  if (action.kind === 'conflict') {
    await offerNativePathSwitch(result, root, action.current);
    return;
  }
  // Global unless a workspace holds an explicit empty value, which would hide the global one.
  if (action.kind === 'set') await updateWhereSet('nativeBackendPath', root);
  if (!backendSettingUses(settings.backend, result.backend)) {
    await offerBackendSwitch(result, settings.backend);
    return;
  }
  void vscode.window.showInformationMessage(`Sparsity Lab: ${installedMessage(result)}`);
}

/** The user pointed nativeBackendPath elsewhere: say so, and switch it only when asked. */
async function offerNativePathSwitch(result: InstallSuccess, root: string, current: string): Promise<void> {
  const use = 'Use the Installed Backends';
  const choice = await vscode.window.showWarningMessage(
    `Sparsity Lab: installed ${result.packageName} ${result.version} into ${root}, but ` +
      `sparsityLab.nativeBackendPath is set to "${current}", so the engine does not look there. ` +
      'Switch the setting to use it?',
    use,
  );
  if (choice !== use) return;
  await updateWhereSet('nativeBackendPath', root);
  void vscode.window.showInformationMessage(`Sparsity Lab: ${installedMessage(result)}`);
}

/** sparsityLab.backend names another backend: the install is in place but unused until it changes. */
async function offerBackendSwitch(result: InstallSuccess, setting: string): Promise<void> {
  // Offered only for values the setting accepts: an engine that does not know the backend yet refuses it.
  const canSet = (BACKENDS as readonly string[]).includes(result.backend);
  const use = `Use ${result.backend}`;
  const choice = await vscode.window.showWarningMessage(
    `Sparsity Lab: installed ${result.packageName} ${result.version}, but sparsityLab.backend is ` +
      `"${setting}", so searches keep using ${setting}. Set it to ${result.backend} to train on it.`,
    ...(canSet ? [use] : []),
  );
  if (choice !== use) return;
  await updateWhereSet('backend', result.backend);
  void vscode.window.showInformationMessage(`Sparsity Lab: ${installedMessage(result)}`);
}

/** Updates a setting at the most specific level that sets it, so the new value takes effect. */
async function updateWhereSet(key: string, value: string): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const config = vscode.workspace.getConfiguration(SETTINGS_SECTION, folder?.uri);
  const inspected = config.inspect<string>(key);
  const target =
    inspected?.workspaceFolderValue !== undefined
      ? vscode.ConfigurationTarget.WorkspaceFolder
      : inspected?.workspaceValue !== undefined
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
  await config.update(key, value, target);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
