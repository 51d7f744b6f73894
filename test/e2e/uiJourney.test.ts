// A user's first journey, driven through the workbench as a user would: the Command Palette starts a
// search on the workspace's sparsity.json, the status bar shows it, the palette stops it, and a
// sparsity.json with an unknown key is answered by an error notification that names the key.
// Screenshots of every step go to test-artifacts/e2e/ui-journey-*.png.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { CodeServerSession, REPO_ROOT } from './codeServer';
import { ensureExtensionBuilt } from './builds';
import { configText, TINY_CONFIG } from './fixtures';

// Long enough to be seen running (and then stopped): the journey never waits for the end.
const JOURNEY_CONFIG = { ...TINY_CONFIG, epochsPerRound: 40 };
const UNKNOWN_KEY = 'epochsPerRund';

const quickInput = (page: Page) => page.locator('.quick-input-widget');
const quickInputRow = (page: Page, text: string | RegExp) =>
  quickInput(page).locator('.monaco-list-row', { hasText: text });
const statusItem = (page: Page) => page.locator('.statusbar-item', { hasText: 'Sparsity:' });

/** F1, type the command's title, and run it from the list. */
async function runFromPalette(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  await quickInput(page).waitFor({ state: 'visible' });
  await page.keyboard.type(title);
  await quickInputRow(page, title).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}

describe('e2e: first journey through the Command Palette (code-server, Chromium)', function () {
  this.timeout(15 * 60_000);
  let session: CodeServerSession | undefined;
  let page: Page;
  // Screenshots are taken step by step; a failing step's state is saved by afterEach.
  const shot = (step: string) => (session ? session.screenshot(page, step) : Promise.resolve(''));

  before(async function () {
    ensureExtensionBuilt();
    session = await CodeServerSession.start({
      name: 'ui-journey',
      workspaceFiles: { 'sparsity.json': configText(JOURNEY_CONFIG) },
      extensionDevelopmentPath: REPO_ROOT,
    });
    page = await session.openWorkbench();
    // The extension's activity bar entry: the development extension was loaded (it then activates on
    // the sparsity.json, or at the latest when its command runs).
    await page
      .locator('.activitybar a.action-label[aria-label="Sparsity Lab"]')
      .waitFor({ state: 'visible', timeout: 60_000 });
    await shot('workbench');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await shot('failed').catch(() => undefined);
  });

  after(async () => {
    await session?.stop();
  });

  it('starts a search from the palette on the sparsity.json, and the status bar shows it running', async () => {
    await runFromPalette(page, 'Sparsity Lab: Start Ticket Search');
    const configRow = quickInputRow(page, 'sparsity.json');
    await configRow.first().waitFor({ state: 'visible' });
    await shot('start-picker');
    await configRow.first().click();
    await statusItem(page)
      .filter({ hasText: /Sparsity: running · round 1\/2/ })
      .waitFor({ timeout: 60_000 });
    await shot('running');
    const text = await statusItem(page).first().innerText();
    assert.match(text, /Sparsity: running · round 1\/2 · epoch \d+\/40/);
  });

  it('stops the search from the palette, and the status bar says so', async () => {
    await runFromPalette(page, 'Sparsity Lab: Stop Search');
    await statusItem(page)
      .filter({ hasText: /Sparsity: (idle|stopping)/ })
      .waitFor({ timeout: 30_000 });
    await statusItem(page)
      .filter({ hasText: /Sparsity: idle/ })
      .waitFor({ timeout: 30_000 });
    await shot('stopped');
  });

  it('names the unknown key of a broken sparsity.json in an error notification', async () => {
    assert.ok(session);
    writeFileSync(
      path.join(session.workspaceDir, 'sparsity.json'),
      configText({ ...JOURNEY_CONFIG, [UNKNOWN_KEY]: 3 }),
    );
    // Let VS Code's file watcher see the change before the file is read through it.
    await page.waitForTimeout(1500);
    await runFromPalette(page, 'Sparsity Lab: Start Ticket Search');
    await quickInputRow(page, 'sparsity.json').first().click();
    const toast = page.locator('.notifications-toasts .notification-toast', { hasText: UNKNOWN_KEY });
    await toast.waitFor({ state: 'visible', timeout: 60_000 });
    await shot('config-error');
    const message = await toast.innerText();
    assert.match(
      message,
      new RegExp(`config error in sparsity\\.json, field "${UNKNOWN_KEY}": unknown setting`, 'i'),
    );
    assert.match(message, /Open Config/);
  });
});
