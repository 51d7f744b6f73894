// The dashboard webview: one panel, restored after a reload by its serializer, drawn by
// dist/dashboard.js from what the ViewHub sends (the run's history on load, then live deltas). The page
// keeps the run it shows (folder and id) in its saved state, so a restored panel reads that run back
// from disk: the engine that fed it died with the old extension host.
import * as vscode from 'vscode';
import { isRunRef, type RunRef } from '../../webview/protocol/viewProtocol';
import type { ViewHub } from '../views/viewHub';
import { connectWebview, webviewOptions } from '../views/webviewChannel';

export const DASHBOARD_VIEW_TYPE = 'sparsityLab.dashboard';

export class DashboardController implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelSubscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly hub: ViewHub,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Opens (or reveals) the dashboard on the focused run, or on `run` (live or read from its folder). */
  open(run?: RunRef): void {
    if (run) void this.hub.showRun(run);
    else this.hub.followFocus();
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      DASHBOARD_VIEW_TYPE,
      'Sparsity Lab',
      vscode.ViewColumn.Active,
      { ...webviewOptions(this.extensionUri), retainContextWhenHidden: false },
    );
    this.attach(panel);
  }

  /** Takes over a panel that VS Code restored after a reload. */
  revive(panel: vscode.WebviewPanel, state: unknown): void {
    this.panel?.dispose();
    panel.webview.options = webviewOptions(this.extensionUri);
    this.attach(panel);
    const run = savedRun(state);
    if (run) void this.hub.showRun(run);
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'sparsity.svg');
    const { channel, disposable } = connectWebview(panel, 'dashboard', this.extensionUri, this.hub, this.log);
    this.panelSubscriptions = [
      disposable,
      panel.onDidChangeViewState(() => this.hub.visibilityChanged(channel)),
      panel.onDidDispose(() => {
        this.panelSubscriptions.forEach((s) => s.dispose());
        this.panelSubscriptions = [];
        if (this.panel === panel) this.panel = undefined;
      }),
    ];
  }

  dispose(): void {
    this.panel?.dispose();
    this.panelSubscriptions.forEach((s) => s.dispose());
  }
}

/** The run a dashboard page saved in its state (see webview/dashboard/main.ts). */
export function savedRun(state: unknown): RunRef | undefined {
  const run = typeof state === 'object' && state !== null ? (state as { run?: unknown }).run : undefined;
  return isRunRef(run) ? { runDir: run.runDir, runId: run.runId } : undefined;
}
