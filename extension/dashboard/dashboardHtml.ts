// The dashboard's page. For now it prints the live state as text; a later version draws it with D3
// from dist/. The Content Security Policy allows nothing but the page's own nonce-tagged script and
// style, and images and fonts from the extension's folders.
import { randomBytes } from 'node:crypto';

export function makeNonce(): string {
  return randomBytes(16)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource}`,
    `font-src ${cspSource}`,
    `style-src 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

/** The script runs in the webview; it only renders what the host sends and says when it is ready. */
const SCRIPT = `
const vscode = acquireVsCodeApi();
const root = document.getElementById('runs');
const pct = (f) => (f * 100).toFixed(1) + '%';
function line(label, value) {
  const row = document.createElement('div');
  const key = document.createElement('span');
  key.className = 'key';
  key.textContent = label;
  row.append(key, document.createTextNode(String(value)));
  return row;
}
function render(runs) {
  root.replaceChildren();
  if (runs.length === 0) {
    root.textContent = 'No search in this window yet. Run "Sparsity Lab: Start Ticket Search".';
    return;
  }
  for (const run of runs) {
    const s = run.status;
    const section = document.createElement('section');
    const title = document.createElement('h2');
    title.textContent = run.folder + (s.runId ? ' — run ' + s.runId : '');
    section.append(title, line('state', s.state));
    if (s.model) section.append(line('model', s.model));
    if (s.data) section.append(line('data', s.data));
    if (s.position) {
      const p = s.position;
      section.append(line('phase', p.phase + (p.phase === 'search' ? ', round ' + p.round + '/' + p.rounds : '')));
      section.append(line('epoch', p.epoch + '/' + p.epochs + ', step ' + p.stepInEpoch + '/' + p.stepsPerEpoch));
    }
    if (s.keptFraction !== undefined) section.append(line('kept', pct(s.keptFraction)));
    if (s.trainAccuracy !== undefined) section.append(line('train accuracy', pct(s.trainAccuracy)));
    if (s.validationAccuracy !== undefined && s.validationAccuracy !== null)
      section.append(line('validation accuracy', pct(s.validationAccuracy)));
    if (s.samplesPerSecond !== undefined) section.append(line('speed', Math.round(s.samplesPerSecond) + ' samples/s'));
    if (s.ticket) {
      section.append(line('ticket', 'kept ' + pct(s.ticket.keptFraction) + ', test ' + pct(s.ticket.testAccuracy) +
        (s.ticket.denseTestAccuracy !== null ? ', dense ' + pct(s.ticket.denseTestAccuracy) : '')));
    }
    if (s.failure) section.append(line('failure', s.failure));
    root.append(section);
  }
  vscode.setState({ runs });
}
window.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'state') render(event.data.runs);
});
const saved = vscode.getState();
if (saved && saved.runs) render(saved.runs);
vscode.postMessage({ type: 'ready' });
`;

const STYLE = `
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 1rem; }
h2 { font-size: 1.1em; margin: 1.2em 0 0.4em; }
.key { display: inline-block; min-width: 11em; color: var(--vscode-descriptionForeground); }
section div { line-height: 1.6; font-variant-numeric: tabular-nums; }
`;

export function dashboardHtml(cspSource: string, nonce: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(cspSource, nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Sparsity Lab</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<h1>Sparsity Lab</h1>
<div id="runs" aria-live="polite">Waiting for the extension…</div>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`;
}
