// Sends every engine line to the "Sparsity Lab" log channel, at a level that matches its kind and
// with the folder's name when several folders are open.
import * as vscode from 'vscode';
import type { ManagedRun } from '../run/runManager';
import { folderName } from '../run/workspaceFolders';
import { engineLogLevel } from './engineLogLevel';

export function logEngineLine(channel: vscode.LogOutputChannel, run: ManagedRun, line: string): void {
  const prefix = (vscode.workspace.workspaceFolders?.length ?? 0) > 1 ? `[${folderName(run.folder)}] ` : '';
  const text = `${prefix}${line}`;
  const level = engineLogLevel(line);
  if (level === 'error') channel.error(text);
  else if (level === 'warn') channel.warn(text);
  else channel.info(text);
}
