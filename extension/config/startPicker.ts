// The "Start Ticket Search" picker: the workspace's config files, the presets on the bundled data,
// and "Create Config…".
import * as path from 'node:path';
import * as vscode from 'vscode';
import { presetChoices, type PresetChoice } from './presetChoices';

export type StartChoice =
  { kind: 'file'; uri: vscode.Uri } | { kind: 'preset'; preset: PresetChoice } | { kind: 'create' };

export const CONFIG_GLOB = '{**/sparsity.json,**/*.sparsity.json}';
const EXCLUDE_GLOB = '**/node_modules/**';
const MAX_FILES = 200;

type Item = vscode.QuickPickItem & { choice?: StartChoice };

export async function findConfigFiles(): Promise<vscode.Uri[]> {
  const files = await vscode.workspace.findFiles(CONFIG_GLOB, EXCLUDE_GLOB, MAX_FILES);
  return files.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
}

export async function pickStartChoice(): Promise<StartChoice | undefined> {
  const files = await findConfigFiles();
  const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
  const create: Item = {
    label: '$(new-file) Create Config…',
    detail: 'Write a sparsity.json with the quick preset and open it',
    choice: { kind: 'create' },
  };
  const items: Item[] = [];
  if (files.length > 0) {
    items.push({ label: 'Config files', kind: vscode.QuickPickItemKind.Separator });
    for (const uri of files) {
      items.push({
        label: `$(json) ${path.basename(uri.fsPath)}`,
        description: vscode.workspace.asRelativePath(uri, multiRoot),
        choice: { kind: 'file', uri },
      });
    }
  } else {
    items.push(create);
  }
  items.push({ label: 'Presets on the bundled MNIST digits', kind: vscode.QuickPickItemKind.Separator });
  for (const preset of presetChoices()) {
    items.push({
      label: `$(beaker) ${preset.label}`,
      detail: preset.detail,
      choice: { kind: 'preset', preset },
    });
  }
  if (files.length > 0) {
    items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, create);
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Start Ticket Search',
    placeHolder: 'A config file, a preset, or a new config',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return picked?.choice;
}
