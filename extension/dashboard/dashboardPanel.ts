// The dashboard webview: one panel, restored after a reload by its serializer, drawn by
// dist/dashboard.js from what the ViewHub sends (the run's history on load, then live deltas).
import * as vscode from 'vscode';
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

  open(): void {
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
  revive(panel: vscode.WebviewPanel): void {
    this.panel?.dispose();
    panel.webview.options = webviewOptions(this.extensionUri);
    this.attach(panel);
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
