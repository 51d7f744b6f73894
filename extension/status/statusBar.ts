// The status bar item: the focused search's state, position, kept % and speed; a click opens the
// dashboard. Hidden until the first search of the session.
import * as vscode from 'vscode';
import type { ManagedRun } from '../run/runManager';
import { describeBackend, whyNotFaster } from '../run/backendSummary';
import { statusBarText } from '../run/statusText';
import { folderName } from '../run/workspaceFolders';

export class SearchStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'sparsityLab.status',
    vscode.StatusBarAlignment.Left,
    10,
  );

  constructor() {
    this.item.name = 'Sparsity Lab';
    this.item.command = 'sparsityLab.openDashboard';
  }

  update(run: ManagedRun | undefined): void {
    if (!run) {
      this.item.hide();
      return;
    }
    const { status } = run;
    this.item.text = statusBarText(status);
    const lines = [`Sparsity Lab · ${folderName(run.folder)}`];
    if (status.runId) lines.push(`run ${status.runId}`);
    if (status.model) lines.push(status.model);
    if (status.data) lines.push(status.data);
    if (status.backend) {
      lines.push(`Backend: ${describeBackend(status.backend)}`);
      const why = whyNotFaster(status.backend);
      if (why.length) lines.push('Not used:', ...why.map((line) => `  ${line}`));
    }
    if (status.failure) lines.push(status.failure);
    lines.push('Click to open the dashboard');
    this.item.tooltip = lines.join('\n');
    this.item.backgroundColor =
      status.state === 'failed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
