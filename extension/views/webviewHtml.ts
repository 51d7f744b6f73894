// The page of every Sparsity Lab webview: an empty body and one bundled script from dist/, which
// draws everything (its styles travel inside it and are adopted as constructed style sheets). The
// Content Security Policy allows that script by its nonce, and images and fonts only from the
// extension's own folders. No vscode here, so the policy is tested on its own.
import { randomBytes } from 'node:crypto';

export function makeNonce(): string {
  return randomBytes(16)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

const escapeAttribute = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export interface WebviewPage {
  cspSource: string;
  nonce: string;
  /** The webview URI of dist/<entry>.js. */
  scriptUri: string;
  title: string;
}

export function webviewHtml(page: WebviewPage): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(page.cspSource, page.nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeAttribute(page.title)}</title>
</head>
<body>
<main id="root" aria-busy="true"></main>
<script nonce="${page.nonce}" src="${escapeAttribute(page.scriptUri)}"></script>
</body>
</html>
`;
}
