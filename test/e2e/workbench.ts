// What a user sees and touches in the workbench, as Playwright reaches it: the Command Palette, quick
// picks, notifications, the status bar, and the extension's webviews (iframes inside iframes, found by
// what they hold rather than by VS Code's internal ids, which change between versions).
import type { Frame, Locator, Page } from 'playwright-core';
import { waitFor } from './codeServer';

export const quickInput = (page: Page): Locator => page.locator('.quick-input-widget');

export const quickInputRow = (page: Page, text: string | RegExp): Locator =>
  quickInput(page).locator('.monaco-list-row', { hasText: text });

/** The extension's status bar item ("Sparsity: …"). */
export const statusItem = (page: Page): Locator => page.locator('.statusbar-item', { hasText: 'Sparsity:' });

export const toast = (page: Page, text: string | RegExp): Locator =>
  page.locator('.notifications-toasts .notification-toast', { hasText: text });

/** Waits for a toast to be shown and its fade-in to end, so a screenshot shows it whole. */
export async function waitForToast(page: Page, text: string | RegExp, timeoutMs = 30_000): Promise<Locator> {
  const found = toast(page, text).first();
  await found.waitFor({ state: 'visible', timeout: timeoutMs });
  // The workbench fades toasts in over about 300 ms (a CSS transition on their container).
  await page.waitForTimeout(400);
  return found;
}

/** Waits until the status bar item's text matches, and returns it. */
export async function waitForStatus(page: Page, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  const item = statusItem(page).filter({ hasText: pattern }).first();
  await item.waitFor({ timeout: timeoutMs });
  return item.innerText();
}

/** F1, type the command's title, and run it from the list. */
export async function runFromPalette(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  await quickInput(page).waitFor({ state: 'visible' });
  await page.keyboard.type(title);
  await quickInputRow(page, title).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}

/** Picks the row with `text` in the quick pick that is open (or about to open). */
export async function pick(page: Page, text: string | RegExp): Promise<void> {
  const row = quickInputRow(page, text).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  await row.click();
}

/** Dismisses every notification, so the next step's toast is the only one on screen. */
export async function clearNotifications(page: Page): Promise<void> {
  await runFromPalette(page, 'Notifications: Clear All Notifications');
  await page.locator('.notifications-toasts .notification-toast').first().waitFor({ state: 'detached' });
}

/**
 * The frame of the webview whose document has `selector`. A webview's content is an iframe in an
 * iframe; VS Code re-creates them when a view is hidden and shown, so look it up each time.
 */
export function webviewFrame(page: Page, selector: string, timeoutMs = 30_000): Promise<Frame> {
  return waitFor(
    `a webview holding ${selector}`,
    async () => {
      for (const frame of page.frames()) {
        if (frame.isDetached()) continue;
        try {
          if ((await frame.locator(selector).count()) > 0) return frame;
        } catch {
          // detached while asked
        }
      }
      return undefined;
    },
    timeoutMs,
  );
}

/** What Playwright throws when a frame goes away under an action: VS Code re-created the webview. */
const DETACHED =
  /detached|Target (page, context or browser )?(has been )?closed|Execution context was destroyed/i;

/**
 * Runs `action` in the webview holding `selector`, again in the new frame if VS Code replaced the old
 * one meanwhile (it does when a restored panel is laid out after a reload, for one).
 */
export async function inWebview<T>(
  page: Page,
  selector: string,
  action: (frame: Frame) => Promise<T>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = await webviewFrame(page, selector, Math.max(1000, deadline - Date.now()));
    try {
      return await action(frame);
    } catch (e) {
      if (!DETACHED.test(String(e)) || Date.now() > deadline) throw e;
    }
  }
}

export const inSidebar = <T>(page: Page, action: (frame: Frame) => Promise<T>, timeoutMs?: number) =>
  inWebview(page, '.layer-bars', action, timeoutMs);
export const inDashboard = <T>(page: Page, action: (frame: Frame) => Promise<T>, timeoutMs?: number) =>
  inWebview(page, '.run-header', action, timeoutMs);

/** One bar of the Layer Sparsity view: the layer and the kept fraction the bar is drawn at. */
export interface Bar {
  layer: string;
  fraction: number | null;
  text: string;
}

export function readBars(page: Page): Promise<Bar[]> {
  return inSidebar(page, (frame) =>
    frame.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>('.layer-bars:not([hidden]) .layer-row')).map(
        (row) => {
          const fraction = row.querySelector<HTMLElement>('.bar-fill')?.dataset.fraction ?? '';
          return {
            layer: row.dataset.layer ?? '',
            fraction: fraction === '' ? null : Number(fraction),
            text: row.querySelector('.layer-value')?.textContent ?? '',
          };
        },
      ),
    ),
  );
}

const sameBars = (a: Bar[], b: Bar[]) => JSON.stringify(a) === JSON.stringify(b);

/** Waits until the bars differ from `from` (all drawn), and returns the new ones. */
export function waitForBarsToChange(page: Page, from: Bar[], timeoutMs = 60_000): Promise<Bar[]> {
  return waitFor(
    'the layer bars to change',
    async () => {
      const bars = await readBars(page);
      return bars.length > 0 && bars.every((b) => b.fraction !== null) && !sameBars(bars, from)
        ? bars
        : undefined;
    },
    timeoutMs,
    200,
  );
}

/** Reads the bars every 200 ms for `ms` and returns every distinct reading (one when nothing moved). */
export async function watchBars(page: Page, ms: number): Promise<Bar[][]> {
  const seen: Bar[][] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const bars = await readBars(page);
    if (!seen.some((s) => sameBars(s, bars))) seen.push(bars);
    await page.waitForTimeout(200);
  }
  return seen;
}
