// The dashboard's comparison card in headless Chromium: CS tickets as points and IMP rounds as a line
// against a log density axis, the dense level, the table beside them, and the three exports. The
// comparison is a recorded one: `npm run compare -- --quick`'s comparison.json (real runs on 2,000
// digits, a ticket that kept no weight among them).
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import type { Comparison, FromViewMessage } from '../../webview/protocol/viewProtocol';
import { isToViewMessage } from '../../webview/protocol/viewProtocol';
import { CSV_HEADER } from '../../webview/dashboard/comparisonExport';
import { launchBrowser, openWebview, ROOT, type WebviewPage } from './support/webviewPage';

const ARTIFACTS = path.join(ROOT, 'test-artifacts/webview');
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const fixture = (): Comparison =>
  JSON.parse(readFileSync(path.join(__dirname, 'fixtures/comparison.json'), 'utf8')) as Comparison;

async function openWith(browser: Browser, comparison: Comparison, theme?: 'light' | 'dark') {
  const view = await openWebview(browser, 'dashboard', { width: 1200, height: 900, theme });
  await view.send([
    { type: 'snapshot', status: null, history: null, canStart: true },
    { type: 'comparison', comparison },
  ]);
  return view;
}

/** Waits for the page to post a saveComparison after clicking its export button. */
async function exported(view: WebviewPage, format: 'csv' | 'svg' | 'png'): Promise<string> {
  const before = (await view.posted()).length;
  await view.page.locator(`.comparison vscode-button[data-format="${format}"]`).click();
  for (let i = 0; i < 100; i++) {
    const posted = (await view.posted()).slice(before);
    const save = posted.find(
      (m): m is Extract<FromViewMessage, { type: 'saveComparison' }> => m.type === 'saveComparison',
    );
    if (save) {
      assert.equal(save.format, format);
      return save.content;
    }
    await view.page.waitForTimeout(50);
  }
  throw new Error(`no saveComparison (${format}) was posted`);
}

describe('webview: comparison of CS tickets, IMP rounds and the dense network', function () {
  this.timeout(60_000);
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
  });

  it('is a valid message, and hides until there is something to compare', async () => {
    assert.ok(isToViewMessage({ type: 'comparison', comparison: fixture() }));
    assert.ok(isToViewMessage({ type: 'comparison', comparison: null }));
    assert.ok(
      !isToViewMessage({ type: 'comparison', comparison: { ...fixture(), points: [{ method: 'x' }] } }),
    );
    const view = await openWebview(browser, 'dashboard', { width: 1000, height: 600 });
    await view.send([{ type: 'snapshot', status: null, history: null, canStart: true }]);
    assert.equal(await view.page.locator('.comparison').isVisible(), false);
    await view.send([{ type: 'comparison', comparison: fixture() }]);
    assert.equal(await view.page.locator('.comparison').isVisible(), true);
    await view.send([{ type: 'comparison', comparison: null }]);
    assert.equal(await view.page.locator('.comparison').isVisible(), false);
    await view.page.close();
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`draws a point per ticket on a log density axis, IMP as a line, the dense level, and the table (${theme})`, async () => {
      const comparison = fixture();
      const view = await openWith(browser, comparison, theme);
      const circles = view.page.locator('.comparison-chart circle.ticket');
      // Every ticket that keeps a weight; one that keeps none cannot sit on a log axis and is named below.
      const drawable = comparison.points.filter((p) => p.keptFraction > 0);
      assert.ok(drawable.length < comparison.points.length, 'the recording has a ticket that keeps nothing');
      assert.equal(await circles.count(), drawable.length);
      assert.match(
        (await view.page.locator('.comparison-note').textContent()) ?? '',
        /^1 ticket keeps no weights and is not drawn/,
      );
      const drawn = await circles.evaluateAll((els) =>
        els.map((e) => ({
          method: e.getAttribute('data-method'),
          density: Number(e.getAttribute('data-density')),
          accuracy: Number(e.getAttribute('data-accuracy')),
          cx: Number(e.getAttribute('cx')),
          cy: Number(e.getAttribute('cy')),
        })),
      );
      // Sparser is further right, and by a log scale: halving the density moves it the same distance.
      const byDensity = [...drawn].sort((a, b) => b.density - a.density);
      for (let i = 1; i < byDensity.length; i++) assert.ok(byDensity[i].cx >= byDensity[i - 1].cx);
      const imp = drawn.filter((p) => p.method === 'imp');
      const steps = imp.slice(1).map((p, i) => p.cx - imp[i].cx);
      for (const step of steps) assert.ok(Math.abs(step - steps[0]) < 0.01, `uneven log steps: ${steps}`);
      // Higher accuracy is higher up.
      const byAccuracy = [...drawn].sort((a, b) => a.accuracy - b.accuracy);
      for (let i = 1; i < byAccuracy.length; i++) assert.ok(byAccuracy[i].cy <= byAccuracy[i - 1].cy);
      assert.equal(await view.page.locator('.comparison-chart path.series-imp').count(), 1);
      const dense = await view.page.locator('.comparison-chart .dense-level line').getAttribute('y1');
      const denseText = await view.page.locator('.comparison-chart .dense-level text').textContent();
      assert.equal(denseText, `dense ${pct(comparison.denseTestAccuracy ?? NaN)}`);
      assert.ok(Number(dense) > 0);
      const count = (method: 'cs' | 'imp') => comparison.points.filter((p) => p.method === method).length;
      assert.deepEqual(await view.page.locator('.comparison-chart .legend-item').allTextContents(), [
        `CS tickets (${count('cs')})`,
        `IMP rounds (${count('imp')})`,
        'dense network',
      ]);
      // The table: every ticket and the dense network, CS first, densest first.
      const rows = await view.page
        .locator('.comparison-row')
        .evaluateAll((els) => els.map((r) => Array.from(r.children).map((c) => c.textContent)));
      assert.equal(rows.length, comparison.points.length + 1);
      const densestCs = comparison.points
        .filter((p) => p.method === 'cs')
        .sort((a, b) => b.keptFraction - a.keptFraction)[0];
      assert.deepEqual(rows[0], [
        'CS',
        densestCs.label,
        pct(densestCs.keptFraction),
        pct(densestCs.testAccuracy),
      ]);
      assert.deepEqual(rows.at(-1), [
        'dense',
        'all weights',
        '100.00%',
        pct(comparison.denseTestAccuracy ?? NaN),
      ]);
      assert.match(await view.page.locator('.comparison-subtitle').innerText(), /LeNet-300-100/);
      await view.page
        .locator('.comparison')
        .screenshot({ path: path.join(ARTIFACTS, `comparison-${theme}.png`) });
      assert.deepEqual(view.cspErrors, []);
      await view.page.close();
    });
  }

  it('exports the table as CSV with every ticket', async () => {
    const comparison = fixture();
    const view = await openWith(browser, comparison);
    const csv = await exported(view, 'csv');
    const [header, ...lines] = csv.trim().split('\n');
    assert.deepEqual(header.split(','), CSV_HEADER);
    assert.equal(lines.length, comparison.points.length + 1);
    const parsed = lines.map((l) => l.split(','));
    for (const p of comparison.points) {
      const row = parsed.find((r) => r[2] === p.runId && r[1] === p.label);
      assert.ok(row, `no row for ${p.runId} ${p.label}`);
      assert.equal(Number(row[4]), p.keptFraction);
      assert.equal(Number(row[5]), p.testAccuracy);
    }
    await view.page.close();
  });

  it('exports the chart as a standalone SVG, with the theme colours written into it', async () => {
    const comparison = fixture();
    const view = await openWith(browser, comparison, 'dark');
    const svg = await exported(view, 'svg');
    assert.match(svg, /^<\?xml/);
    assert.match(svg, /xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const drawable = comparison.points.filter((p) => p.keptFraction > 0).length;
    assert.equal((svg.match(/<circle /g) ?? []).length, drawable);
    assert.doesNotMatch(svg, /var\(--/, 'CSS variables mean nothing outside the page');
    // The dark theme's chart blue (#3794ff) is on the CS points.
    assert.match(svg, /class="ticket ticket-cs"[^>]*fill="rgb\(55, 148, 255\)"/);
    // The file renders on its own: load it into a fresh page and count its points.
    const page = await browser.newPage();
    await page.setContent(svg.replace(/^<\?xml[^>]*>\n/, ''));
    assert.equal(await page.locator('circle.ticket').count(), drawable);
    await page.close();
    await view.page.close();
  });

  it('exports the chart as a PNG at twice its size', async () => {
    const view = await openWith(browser, fixture());
    const base64 = await exported(view, 'png');
    const png = Buffer.from(base64, 'base64');
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const svgSize = await view.page
      .locator('.comparison-chart svg')
      .evaluate((s) => [Number(s.getAttribute('width')), Number(s.getAttribute('height'))]);
    // IHDR: width and height as big-endian 32-bit integers after the chunk's length and name.
    assert.deepEqual(
      [png.readUInt32BE(16), png.readUInt32BE(20)],
      svgSize.map((n) => n * 2),
    );
    assert.ok(png.length > 5000, `a ${png.length}-byte PNG is too small to hold the chart`);
    assert.deepEqual(view.cspErrors, []);
    await view.page.close();
  });
});
