// Opens a built webview bundle (dist/sidebar.js or dist/dashboard.js) in headless Chromium as VS Code
// would: the production page (webviewHtml, with its CSP) served from a stand-in webview origin, a
// stand-in acquireVsCodeApi that records what the page posts and keeps its state, and a theme's
// variables on the page. Messages from the "host" are posted to the window as VS Code does.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { webviewHtml } from '../../../extension/views/webviewHtml';
import type { FromViewMessage, ToViewMessage } from '../../../webview/protocol/viewProtocol';
import { THEMES, type ThemeName } from './themes';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../support/chromium';

export const ROOT = path.resolve(__dirname, '../../..');
const ORIGIN = 'https://webview.test';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
  });
}

export interface WebviewPage {
  page: Page;
  /** Everything the page posted so far. */
  posted(): Promise<FromViewMessage[]>;
  send(messages: ToViewMessage[]): Promise<void>;
  /** Resolves after the page has drawn what it was sent (two animation frames). */
  settled(): Promise<void>;
  cspErrors: string[];
}

export async function openWebview(
  browser: Browser,
  entry: 'sidebar' | 'dashboard',
  options: { theme?: ThemeName; width?: number; height?: number; savedState?: unknown } = {},
): Promise<WebviewPage> {
  const theme = THEMES[options.theme ?? 'light'];
  const page = await browser.newPage({
    viewport: { width: options.width ?? 320, height: options.height ?? 600 },
    deviceScaleFactor: 1,
  });
  const cspErrors: string[] = [];
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused/i.test(m.text())) cspErrors.push(m.text());
  });
  page.on('pageerror', (e) => cspErrors.push(`page error: ${e.message}`));
  // A string, not a function: tsx's transform would add helpers (__name) the page does not have.
  await page.addInitScript(`
    window.__posted = [];
    window.__state = ${JSON.stringify(options.savedState ?? null)};
    window.acquireVsCodeApi = function () {
      return {
        postMessage: function (m) { window.__posted.push(JSON.parse(JSON.stringify(m))); },
        getState: function () { return window.__state === null ? undefined : window.__state; },
        setState: function (s) { window.__state = s; },
      };
    };
  `);
  const html = webviewHtml({
    cspSource: ORIGIN,
    nonce: 'testnonce0123456789',
    scriptUri: `${ORIGIN}/dist/${entry}.js`,
    title: entry,
  });
  await page.route(`${ORIGIN}/**`, (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/index.html') return route.fulfill({ contentType: 'text/html', body: html });
    if (url.pathname.startsWith('/dist/')) {
      return route.fulfill({
        contentType: 'text/javascript',
        body: readFileSync(path.join(ROOT, url.pathname)),
      });
    }
    return route.fulfill({ status: 404, body: '' });
  });
  await page.goto(`${ORIGIN}/index.html`);
  // VS Code puts the theme on <html> (variables) and <body> (classes); the page reads them when it draws.
  // The page itself is transparent: what shows through is the side bar's or the editor's background.
  const background = entry === 'sidebar' ? '--vscode-sideBar-background' : '--vscode-editor-background';
  await page.evaluate(
    ({ vars, bodyClass, kind, background }) => {
      for (const [name, value] of Object.entries(vars))
        document.documentElement.style.setProperty(name, value);
      document.documentElement.style.background = `var(${background})`;
      document.body.classList.add(bodyClass);
      document.body.dataset.vscodeThemeKind = kind;
    },
    { vars: theme.vars, bodyClass: theme.bodyClass, kind: theme.kind, background },
  );
  const settled = () =>
    page.evaluate(
      () =>
        new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))),
    );
  return {
    page,
    cspErrors,
    posted: () => page.evaluate(() => (window as unknown as { __posted: FromViewMessage[] }).__posted),
    send: async (messages) => {
      await page.evaluate((ms) => {
        for (const m of ms) window.postMessage(m, '*');
      }, messages);
      // postMessage delivers asynchronously; a macrotask after the last one they have all arrived.
      await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 0)));
      await settled();
    },
    settled,
  };
}
