// The five sparsityLab.* settings of a workspace folder (folder settings win over workspace and user).
import * as vscode from 'vscode';
import { normalizeSettings, type SparsitySettings } from './mergeSettings';

export const SETTINGS_SECTION = 'sparsityLab';

export function readSettings(scope: vscode.Uri | undefined): SparsitySettings {
  const settings = vscode.workspace.getConfiguration(SETTINGS_SECTION, scope);
  return normalizeSettings({
    backend: settings.get<unknown>('backend'),
    nativeBackendPath: settings.get<unknown>('nativeBackendPath'),
    statsIntervalMs: settings.get<unknown>('statsIntervalMs'),
    ticketsFolder: settings.get<unknown>('ticketsFolder'),
    threads: settings.get<unknown>('threads'),
  });
}
