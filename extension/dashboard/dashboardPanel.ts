// The dashboard webview: one panel, restored after a reload by its serializer. The host sends the
// state of every search once the page says it is ready, then on each change while it is visible (a
// hidden panel gets the latest state when it shows again).
import * as vscode from 'vscode';
import type { RunManager } from '../run/runManager';
import { statusBarText } from '../run/statusText';
import { folderName } from '../run/workspaceFolders';
import { dashboardHtml, makeNonce } from './dashboardHtml';
import { isFromDashboardMessage, type DashboardRun, type ToDashboardMessage } from './dashboardProtocol';

export const DASHBOARD_VIEW_TYPE = 'sparsityLab.dashboard';

export class DashboardController implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelSubscriptions: vscode.Disposable[] = [];
  private ready = false;
  private stale = false;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly manager: RunManager,
  ) {}

  /** Only the extension's built code and its media may be loaded by the page. */
  private webviewOptions(): vscode.WebviewOptions {
    return {
      enableScripts: true,
      localResourceRoots: [
        vscode.Uri.joinPath(this.extensionUri, 'dist'),
        vscode.Uri.joinPath(this.extensionUri, 'media'),
      ],
    };
  }

  open(): void {
    if (this.panel) {
      this.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      DASHBOARD_VIEW_TYPE,
      'Sparsity Lab',
      vscode.ViewColumn.Active,
      this.webviewOptions(),
    );
    this.attach(panel);
  }

  /** Takes over a panel that VS Code restored after a reload. */
  revive(panel: vscode.WebviewPanel): void {
    this.panel?.dispose();
    panel.webview.options = this.webviewOptions();
    this.attach(panel);
  }

  /** Something changed: push it if the page can show it now, else remember to on show. */
  update(): void {
    if (!this.panel) return;
    if (this.ready && this.panel.visible) this.post();
    else this.stale = true;
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.ready = false;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'sparsity.svg');
    panel.webview.html = dashboardHtml(panel.webview.cspSource, makeNonce());
    this.panelSubscriptions = [
      panel.webview.onDidReceiveMessage((message: unknown) => {
        if (!isFromDashboardMessage(message)) return;
        this.ready = true;
        this.post();
      }),
      panel.onDidChangeViewState(() => {
        if (panel.visible && this.stale && this.ready) this.post();
      }),
      panel.onDidDispose(() => {
        this.panelSubscriptions.forEach((s) => s.dispose());
        this.panelSubscriptions = [];
        if (this.panel === panel) this.panel = undefined;
      }),
    ];
  }

  private post(): void {
    if (!this.panel) return;
    this.stale = false;
    const runs: DashboardRun[] = [...this.allRuns()].map((run) => ({
      folder: folderName(run.folder),
      status: run.status,
      summary: statusBarText(run.status),
    }));
    const message: ToDashboardMessage = { type: 'state', runs };
    void this.panel.webview.postMessage(message);
  }

  private *allRuns() {
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const run = this.manager.get(folder.uri.toString());
      if (run) yield run;
    }
  }

  dispose(): void {
    this.panel?.dispose();
    this.panelSubscriptions.forEach((s) => s.dispose());
  }
}
