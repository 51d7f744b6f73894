// The "Layer Sparsity" view in the Sparsity Lab side bar: a bar per masked layer, drawn by
// dist/sidebar.js from what the ViewHub sends.
import * as vscode from 'vscode';
import type { ViewHub } from './viewHub';
import { connectWebview, webviewOptions } from './webviewChannel';

export const LAYER_SPARSITY_VIEW_ID = 'sparsityLab.layerSparsity';

export class LayerSparsityViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly hub: ViewHub,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.disposeView();
    view.webview.options = webviewOptions(this.extensionUri);
    const { channel, disposable } = connectWebview(view, 'sidebar', this.extensionUri, this.hub, this.log);
    this.subscriptions = [
      disposable,
      view.onDidChangeVisibility(() => this.hub.visibilityChanged(channel)),
      view.onDidDispose(() => this.disposeView()),
    ];
  }

  private disposeView(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.subscriptions = [];
  }

  dispose(): void {
    this.disposeView();
  }
}
