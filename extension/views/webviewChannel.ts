// Connects one VS Code webview (a sidebar view or the dashboard panel) to the ViewHub: sets its page,
// validates what it posts, and tells the hub when it shows or hides.
import * as vscode from 'vscode';
import { isFromViewMessage, type ToViewMessage } from '../../webview/protocol/viewProtocol';
import type { ViewChannel, ViewHub } from './viewHub';
import { makeNonce, webviewHtml } from './webviewHtml';

/** Only the extension's built code and its media may be loaded by the page. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [
      vscode.Uri.joinPath(extensionUri, 'dist'),
      vscode.Uri.joinPath(extensionUri, 'media'),
    ],
  };
}

export interface WebviewHost {
  readonly webview: vscode.Webview;
  readonly visible: boolean;
}

/** Sets the page and joins the hub; the returned disposable leaves it. */
export function connectWebview(
  host: WebviewHost,
  kind: ViewChannel['kind'],
  extensionUri: vscode.Uri,
  hub: ViewHub,
  log: vscode.LogOutputChannel,
): { channel: ViewChannel; disposable: vscode.Disposable } {
  const { webview } = host;
  const channel: ViewChannel = {
    kind,
    get visible() {
      return host.visible;
    },
    post: (message: ToViewMessage) => void webview.postMessage(message),
  };
  hub.attach(channel);
  webview.html = webviewHtml({
    cspSource: webview.cspSource,
    nonce: makeNonce(),
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', `${kind}.js`)).toString(),
    title: kind === 'sidebar' ? 'Layer Sparsity' : 'Sparsity Lab',
  });
  const subscription = webview.onDidReceiveMessage((message: unknown) => {
    if (isFromViewMessage(message)) hub.received(channel, message);
    else log.warn(`ignored a message from the ${kind} webview: ${JSON.stringify(message).slice(0, 200)}`);
  });
  return {
    channel,
    disposable: new vscode.Disposable(() => {
      subscription.dispose();
      hub.detach(channel);
    }),
  };
}
